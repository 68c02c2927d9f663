export * from './instant.ts';
export * from './interval.ts';
export * from './period.ts';
export * from './granularity.ts';

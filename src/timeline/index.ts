export * from './versioned-timeline.ts';
export * from './append-slot.ts';
export * from './errors.ts';
export * from './from-segment.ts';

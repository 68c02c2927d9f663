export * from './evaluate.ts';
export * from './hidden.ts';
export * from './describe.ts';
export { matcherFor, type RuleMatcher } from './match.ts';

import type { Divergence } from './compare.ts';

/**
 * A replay that did not reach what the reference says: the live projections (`--verify`) or the
 * states a slice recorded when it was exported. Never silently different: it names every entity.
 */
export class DivergenceError extends Error {
  override name = 'DivergenceError';

  constructor(readonly divergences: Divergence[], what: string) {
    super(`${what}: ${divergences.length} ${divergences.length === 1 ? 'entity differs' : 'entities differ'}\n${divergences.map((d) => describeDivergence(d)).join('\n')}`);
  }
}

/** One divergence on one line; `labels` name the two sides (the reference, and the replay). */
export function describeDivergence(d: Divergence, labels = { expected: 'expected', actual: 'replay reached' }): string {
  const fields = d.fields.length > 0 ? ` (context fields: ${d.fields.join(', ')})` : '';
  return `  ${d.entity}: ${labels.expected} ${d.expected}, ${labels.actual} ${d.actual}${fields}`;
}

/**
 * A fact the replay could not take: the history is not one the machines accept, so it diverges
 * from the one that was recorded at the first fact that does not fit.
 */
export class IllegalHistoryError extends DivergenceError {
  override name = 'IllegalHistoryError';

  constructor(readonly seq: number, readonly type: string, reason: string) {
    super([{ entity: `seq ${seq} (${type})`, expected: 'a fact its machines accept', actual: reason, fields: [] }], 'the history cannot be replayed');
    this.message = `the history cannot be replayed: seq ${seq} (${type}) is not accepted: ${reason}`;
  }
}

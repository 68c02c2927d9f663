/** What a writer expected and what the log held instead. */
export interface FailedExpectation {
  expectation: unknown;
  actual: unknown;
  reason: string;
}

/** An append whose expectations failed: nothing was written. */
export class ConflictError extends Error {
  constructor(readonly failed: FailedExpectation[]) {
    super(`expectation failed: ${failed.map((f) => f.reason).join('; ')}`);
    this.name = 'ConflictError';
  }
}

export const isConflictError = (e: unknown): e is ConflictError => e instanceof ConflictError;

/** The API's error codes (DESIGN.md §5): every failed reply carries one. */
export const ERROR_CODES = [
  'bad_request', 'invalid_spec', 'invalid_query', 'not_found', 'conflict',
  'lock_preempted', 'unavailable', 'timeout', 'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** The reply envelope of every request. */
export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ErrorBody };

/** An error that crosses the bus with its code; what handlers throw and clients catch. */
export class GroveError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GroveError';
  }

  toBody(): ErrorBody {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }

  /** Whether trying again later can succeed. */
  get retryable(): boolean {
    return this.code === 'unavailable' || this.code === 'timeout' || this.code === 'conflict';
  }
}

export const isGroveError = (e: unknown, code?: ErrorCode): e is GroveError =>
  e instanceof GroveError && (code === undefined || e.code === code);

export const badRequest = (message: string, details?: unknown): GroveError => new GroveError('bad_request', message, details);
export const notFound = (message: string): GroveError => new GroveError('not_found', message);

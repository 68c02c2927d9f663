/** What a byte scanner found for a field of one line. */
export const MISSING = 0;
/** Text without escapes: the bytes between the quotes (JSON) or between the delimiters (CSV/TSV). */
export const TEXT = 1;
/** A JSON number literal, its syntax checked. */
export const NUMBER = 2;
export const NULL = 3;
export const TRUE = 4;
export const FALSE = 5;

/**
 * Where each wanted field's value lies in a line's bytes. A scanner fills it in for one line,
 * field k being the k-th of the names the scanner was made with.
 */
export class ValueSpans {
  readonly kinds: Uint8Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  /** Of TEXT values, hashBytes of the text, computed in the scanner's one pass over it. */
  readonly hashes: Int32Array;

  constructor(fields: number) {
    this.kinds = new Uint8Array(fields);
    this.starts = new Int32Array(fields);
    this.ends = new Int32Array(fields);
    this.hashes = new Int32Array(fields);
  }

  clear(): void {
    this.kinds.fill(MISSING);
  }

  set(field: number, kind: number, start: number, end: number, hash: number): void {
    this.kinds[field] = kind;
    this.starts[field] = start;
    this.ends[field] = end;
    this.hashes[field] = hash;
  }
}

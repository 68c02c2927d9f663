import { finishHash } from './row-table.ts';

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

/**
 * Field names as bytes, found by the bytes of a key: a small open-addressing table, so matching a
 * key costs a hash over its bytes and one comparison, not a decoded string.
 */
export class FieldKeys {
  private readonly names: Buffer[];
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(names: readonly string[]) {
    this.names = names.map((n) => Buffer.from(n, 'utf8'));
    let size = 16;
    while (size < names.length * 4) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.names.forEach((name, field) => {
      let i = hashBytes(name, 0, name.length) & this.mask;
      while (this.slots[i] !== 0) i = (i + 1) & this.mask;
      this.slots[i] = field + 1;
    });
  }

  /** The field whose name is `bytes[start, end)` (whose hashBytes is `hash`), or -1. */
  lookup(hash: number, bytes: Uint8Array, start: number, end: number): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.slots[i]!;
      if (entry === 0) return -1;
      const name = this.names[entry - 1]!;
      if (equalBytes(name, 0, name.length, bytes, start, end)) return entry - 1;
    }
  }
}

/**
 * FNV-1a over `bytes[start, end)`, finished with murmur3's mixer so the low bits use every byte.
 * Scanners compute it byte by byte as they pass (HASH_SEED, FNV_PRIME, finishHash).
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return finishHash(h);
}

export const HASH_SEED = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

export function equalBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = aStart, j = bStart; i < aEnd; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

import type { StringDictionary } from './row-schema.ts';
import { equalBytes } from './byte-keys.ts';

/**
 * A string dimension's dictionary ids looked up by the value's UTF-8 bytes, so a value seen before
 * costs a hash and a comparison, not a decoded string. A new byte sequence is decoded once and
 * asked of the dictionary, which stays the one authority: two byte sequences that decode alike
 * (malformed UTF-8 becomes U+FFFD either way) share an id, as the decoded strings would.
 * Its own open-addressing table rather than a RowTable: sharing RowTable.find with the rollup
 * table made that hot call site polymorphic, and JSON ingestion measured ~5 % slower.
 */
export class SpanDictionary {
  private slots = new Int32Array(1024);
  private mask = 1023;
  private count = 0;
  private hashes = new Int32Array(512);
  private offsets = new Int32Array(512);
  private lengths = new Int32Array(512);
  private ids = new Int32Array(512);
  private bytes = Buffer.alloc(1 << 14);
  private used = 0;

  constructor(private readonly dictionary: StringDictionary) {}

  /** The id of the value `b[start, end)`, whose hashBytes is `hash`. */
  idOf(hash: number, b: Buffer, start: number, end: number): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.slots[i]!;
      if (entry === 0) break;
      const k = entry - 1;
      const offset = this.offsets[k]!;
      if (this.hashes[k] === hash && equalBytes(this.bytes, offset, offset + this.lengths[k]!, b, start, end)) return this.ids[k]!;
    }
    const id = this.dictionary.idOf(b.toString('utf8', start, end));
    this.remember(hash, b, start, end, id);
    return id;
  }

  private remember(hash: number, b: Buffer, start: number, end: number, id: number): void {
    const k = this.count++;
    if (k === this.ids.length) this.growEntries();
    while (this.used + (end - start) > this.bytes.length) this.bytes = grown(this.bytes, this.bytes.length * 2);
    b.copy(this.bytes, this.used, start, end);
    this.hashes[k] = hash;
    this.offsets[k] = this.used;
    this.lengths[k] = end - start;
    this.ids[k] = id;
    this.used += end - start;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(k);
  }

  private place(k: number): void {
    let i = this.hashes[k]! & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = k + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let k = 0; k < this.count; k++) this.place(k);
  }

  private growEntries(): void {
    const size = this.ids.length * 2;
    this.hashes = grown(this.hashes, size);
    this.offsets = grown(this.offsets, size);
    this.lengths = grown(this.lengths, size);
    this.ids = grown(this.ids, size);
  }
}

function grown<T extends Int32Array | Buffer>(array: T, size: number): T {
  const bigger = (array instanceof Buffer ? Buffer.alloc(size) : new Int32Array(size)) as T;
  bigger.set(array);
  return bigger;
}

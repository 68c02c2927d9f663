/**
 * The in-memory index's lookup from a row's key (floored time and dimension values) to its row
 * number: open addressing over Int32Arrays with hashes the caller computes (murmur3's mixing
 * steps), so rolling a row up costs a few integer operations instead of building a string key.
 */
export class RowTable {
  /** Pairs (row + 1, hash) per slot, 0 for empty: a probe reads one place, not a slot and then the row's hash elsewhere. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 4096) {
    this.slots = new Int32Array(2 * initialSlots);
    this.mask = initialSlots - 1;
  }

  /** The row stored under `hash` for which `matches` holds, or -1. */
  find(hash: number, matches: (row: number) => boolean): number {
    const slots = this.slots;
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = slots[2 * i]!;
      if (entry === 0) return -1;
      if (slots[2 * i + 1] === hash && matches(entry - 1)) return entry - 1;
    }
  }

  /** Records `row` under `hash`. */
  insert(hash: number, row: number): void {
    this.count++;
    if (this.count * 2 > this.mask + 1) this.rehash(2 * (this.mask + 1));
    place(this.slots, this.mask, hash, row + 1);
  }

  clear(): void {
    this.slots.fill(0);
    this.count = 0;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(2 * size);
    this.mask = size - 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) place(this.slots, this.mask, old[i + 1]!, old[i]!);
  }
}

function place(slots: Int32Array, mask: number, hash: number, entry: number): void {
  let i = hash & mask;
  while (slots[2 * i] !== 0) i = (i + 1) & mask;
  slots[2 * i] = entry;
  slots[2 * i + 1] = hash;
}

/** One murmur3 mixing round of the 32-bit `k` into `h`. */
export function mixHash(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's finalizer: spreads the bits so the low ones (the slot index) depend on all of them. */
export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const scratch = new Float64Array(1);
const scratchWords = new Int32Array(scratch.buffer);

/** Mixes a double's 64 bits (time, numeric dimension values; every NaN is the same null). */
export function mixDouble(h: number, v: number): number {
  scratch[0] = v !== v ? NaN : v;
  return mixHash(mixHash(h, scratchWords[0]!), scratchWords[1]!);
}

/**
 * A hash index from numbers (integers below 2^53) to dense slots 0, 1, 2, ... in insertion order:
 * open addressing over typed arrays. JavaScript's Map boxes such numbers and is several times
 * slower on the millions of group keys a merge can meet.
 */
export class NumberIndex {
  private keys: Float64Array;
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
  }

  /** The slot of `key`, adding it (as the next slot) when absent. */
  slotOf(key: number): number {
    let h = hash(key) & this.mask;
    for (;;) {
      const slot = this.slots[h]!;
      if (slot < 0) break;
      if (this.keys[h] === key) return slot;
      h = (h + 1) & this.mask;
    }
    this.keys[h] = key;
    this.slots[h] = this.size;
    if (++this.size * 2 > this.slots.length) this.grow();
    return this.size - 1;
  }

  private grow(): void {
    const { keys, slots } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.slots = new Int32Array(slots.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (let i = 0; i < slots.length; i++) {
      if (slots[i]! < 0) continue;
      let h = hash(keys[i]!) & this.mask;
      while (this.slots[h]! >= 0) h = (h + 1) & this.mask;
      this.keys[h] = keys[i]!;
      this.slots[h] = slots[i]!;
    }
  }
}

/** Mixes both 32-bit halves of an integer key (Murmur3's finaliser). */
function hash(key: number): number {
  let h = (key | 0) ^ Math.imul((key / 4_294_967_296) | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Reusable typed arrays for data that never outlives one synchronous per-segment run (a filter's
 * row mask, the group of each row). Allocating megabytes of them per segment and query made the
 * garbage collector the engine's largest cost. Each slot is one array: a caller must be done with
 * a slot before asking for it again.
 */

const uint8 = new Map<string, Uint8Array>();
const int32 = new Map<string, Int32Array>();

function take<T extends Uint8Array | Int32Array>(pool: Map<string, T>, slot: string, n: number, make: (n: number) => T): T {
  let a = pool.get(slot);
  if (a === undefined || a.length < n) {
    a = make(Math.max(n, 1024));
    pool.set(slot, a);
  }
  return a.subarray(0, n) as T;
}

/** A Uint8Array of n entries; its contents are whatever the last user left. */
export const scratchUint8 = (slot: string, n: number): Uint8Array => take(uint8, slot, n, (k) => new Uint8Array(k));

/** An Int32Array of n entries; its contents are whatever the last user left. */
export const scratchInt32 = (slot: string, n: number): Int32Array => take(int32, slot, n, (k) => new Int32Array(k));

import type { RowBlock } from './row-block.ts';

/**
 * The order of a block's rows by time, then by each dimension (Druid's segment order), stable.
 * An LSD radix sort: one counting sort per column, last dimension first, over dense ranks (the
 * dictionary's ranks for strings; the rank among distinct values for time and numbers), which is
 * linear in the rows where a comparison sort with a multi-column comparator is not.
 */
export function sortOrder(block: RowBlock, orderings: ReadonlyArray<Int32Array | null>, scratch = new SortScratch()): Uint32Array {
  const n = block.length;
  scratch.reserve(n);
  let { order, spare } = scratch;
  const { keys } = scratch;
  for (let i = 0; i < n; i++) order[i] = i;
  for (let d = orderings.length - 1; d >= -1; d--) {
    const column = d < 0 ? block.time : block.dims[d];
    if (column === undefined) continue;
    const ranks = d < 0 ? null : orderings[d]!;
    const buckets = ranks === null ? denseRanks(column as Float64Array, n, keys) : mapRanks(column as Int32Array, ranks, n, keys);
    countingSort(order, n, keys, buckets, spare);
    [order, spare] = [spare, order];
  }
  return order.subarray(0, n);
}

/**
 * The arrays a sort works in, kept for the next sort of as many rows (an index sorts a full one
 * at every spill): the order it returns lives here, valid until the next sort.
 */
export class SortScratch {
  order = new Uint32Array(0);
  spare = new Uint32Array(0);
  keys = new Int32Array(0);

  reserve(n: number): void {
    if (this.order.length >= n) return;
    this.order = new Uint32Array(n);
    this.spare = new Uint32Array(n);
    this.keys = new Int32Array(n);
  }
}

function mapRanks(ids: Int32Array, ranks: Int32Array, n: number, keys: Int32Array): number {
  for (let i = 0; i < n; i++) keys[i] = ranks[ids[i]!]!;
  return ranks.length;
}

/** Distinct values past which denseRanks sorts the whole column instead of collecting them. */
const FEW_DISTINCT = 4096;

/** Ranks of numbers among the distinct values present, null (NaN) first. */
function denseRanks(values: Float64Array, n: number, keys: Int32Array): number {
  return fewDistinctRanks(values, n, keys) ?? sortedRanks(values, n, keys);
}

/**
 * denseRanks for a column of few distinct values — times floored to a granularity, mostly — by
 * collecting them in a map, which is linear where sorting the column is not; null when there are
 * more than FEW_DISTINCT.
 */
function fewDistinctRanks(values: Float64Array, n: number, keys: Int32Array): number | null {
  const seen = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    let slot = seen.get(v);
    if (slot === undefined) {
      if (seen.size === FEW_DISTINCT) return null;
      seen.set(v, (slot = seen.size));
    }
    keys[i] = slot;
  }
  // Map keys are SameValueZero: every NaN is one key, and it sorts first (null).
  const distinct = Float64Array.from(seen.keys()).sort();
  const rankOfSlot = new Int32Array(distinct.length);
  const nulls = distinct.length > 0 && Number.isNaN(distinct[distinct.length - 1]) ? 1 : 0;
  for (const [v, slot] of seen) rankOfSlot[slot] = v !== v ? 0 : nulls + lowerBound(distinct, distinct.length - nulls, v);
  for (let i = 0; i < n; i++) keys[i] = rankOfSlot[keys[i]!]!;
  return distinct.length;
}

function sortedRanks(values: Float64Array, n: number, keys: Int32Array): number {
  // A typed-array sort is native and puts NaN last; distinct values are kept in place.
  const sorted = values.slice(0, n).sort();
  let distinct = 0;
  let hasNull = false;
  for (let i = 0; i < n; i++) {
    const v = sorted[i]!;
    if (v !== v) hasNull = true;
    else if (distinct === 0 || v !== sorted[distinct - 1]) sorted[distinct++] = v;
  }
  const offset = hasNull ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    keys[i] = v !== v ? 0 : offset + lowerBound(sorted, distinct, v);
  }
  return distinct + offset;
}

function lowerBound(sorted: Float64Array, length: number, v: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Stable counting sort of the first `n` of `order` by `keys[row]` into `out`. */
function countingSort(order: Uint32Array, n: number, keys: Int32Array, buckets: number, out: Uint32Array): void {
  const counts = new Uint32Array(buckets + 1);
  for (let i = 0; i < n; i++) counts[keys[i]! + 1]!++;
  for (let k = 1; k <= buckets; k++) counts[k]! += counts[k - 1]!;
  for (let i = 0; i < n; i++) {
    const row = order[i]!;
    out[counts[keys[row]!]!++] = row;
  }
}

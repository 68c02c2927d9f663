import { compareLexicographic } from '../spec/sorting-orders.ts';

/**
 * The order rows must have in a segment: by time, then by each dimension in schema order; null
 * first, strings in Java's String order (JavaScript's `<`), numbers numerically. Ingestion sorts
 * with this so the writer's check agrees with it.
 */
export function compareRows(aTime: number, aDims: ReadonlyArray<string | number | null>, bTime: number, bDims: ReadonlyArray<string | number | null>): number {
  if (aTime !== bTime) return aTime < bTime ? -1 : 1;
  for (let k = 0; k < aDims.length; k++) {
    const c = compareDimensionValues(aDims[k] ?? null, bDims[k] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

/** Null (or NaN) first, then strings by code unit or numbers by value. */
export function compareDimensionValues(a: string | number | null, b: string | number | null): number {
  const an = a === null || (typeof a === 'number' && Number.isNaN(a));
  const bn = b === null || (typeof b === 'number' && Number.isNaN(b));
  if (an || bn) return an === bn ? 0 : an ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareLexicographic(String(a), String(b));
}

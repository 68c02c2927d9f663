import type { Granularity } from '../time/granularity.ts';
import { intersect, type Interval } from '../time/interval.ts';
import type { SegmentReader } from '../segment/reader.ts';

/**
 * Where a query's time range falls in a segment's sorted `__time` column: row ranges found by
 * binary search, and granularity buckets cut at each bucket boundary (never per row).
 */

/** The first index in [lo, hi) whose value is >= t (hi when none). */
export function lowerBound(sorted: ArrayLike<number>, t: number, lo = 0, hi = sorted.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Rows [lo, hi) of one query interval (clipped to the segment and to `clip`). */
export interface RowRange {
  interval: Interval;
  lo: number;
  hi: number;
}

/** The rows a query reads in a segment, per query interval, in time order. */
export function rowRanges(segment: SegmentReader, intervals: readonly Interval[], clip?: Interval): RowRange[] {
  const out: RowRange[] = [];
  const bound = clip === undefined ? segment.interval : intersect(segment.interval, clip);
  if (bound === null) return out;
  for (const q of intervals) {
    const interval = intersect(q, bound);
    if (interval === null) continue;
    const lo = lowerBound(segment.time, interval.start);
    const hi = lowerBound(segment.time, interval.end, lo);
    out.push({ interval, lo, hi });
  }
  return out;
}

/**
 * A granularity bucket's rows. `key` identifies the bucket across intervals and segments (its
 * start; for `all`, one key), `time` is the timestamp Druid reports for it.
 */
export interface Bucket {
  key: number;
  time: number;
  lo: number;
  hi: number;
}

export const ALL_BUCKET_KEY = 0;

/**
 * Cuts row ranges into buckets. With `fill`, every bucket of the segment's data interval (first
 * row to the end of the last row's bucket) inside the range is listed even when empty, as Druid's
 * timeseries does; otherwise only buckets holding rows. `all` has one bucket per range, stamped
 * with the later of the range's start and the first row's time (Druid's cursor start).
 */
export function buckets(segment: SegmentReader, ranges: readonly RowRange[], g: Granularity, fill: boolean): Bucket[] {
  const time = segment.time;
  const out: Bucket[] = [];
  if (segment.rows === 0) return out;
  const dataStart = time[0]!;
  const dataEnd = g.kind === 'all' ? time[segment.rows - 1]! + 1 : g.next(g.bucketStart(time[segment.rows - 1]!));
  for (const range of ranges) {
    if (g.kind === 'all') {
      const start = Math.max(range.interval.start, dataStart);
      if (start < Math.min(range.interval.end, dataEnd) && (fill || range.hi > range.lo)) out.push({ key: ALL_BUCKET_KEY, time: start, lo: range.lo, hi: range.hi });
    } else if (fill && g.kind !== 'none') {
      const within = intersect(range.interval, { start: dataStart, end: dataEnd });
      if (within === null) continue;
      let lo = range.lo;
      for (const b of g.buckets(within)) {
        const hi = lowerBound(time, b.end, lo, range.hi);
        out.push({ key: b.start, time: b.start, lo, hi });
        lo = hi;
      }
    } else {
      for (let lo = range.lo; lo < range.hi;) {
        const start = g.bucketStart(time[lo]!);
        const hi = lowerBound(time, g.next(start), lo, range.hi);
        out.push({ key: start, time: start, lo, hi });
        lo = hi;
      }
    }
  }
  return out;
}

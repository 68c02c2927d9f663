import { innerAggregator, type AggregatorSpec } from '../../../src/spec/aggregator.ts';
import { rowFilter, type Filter } from '../../../src/spec/filter.ts';
import type { GroupByQuery, ScanQuery, TimeBoundaryQuery, TimeseriesQuery, TopNQuery } from '../../../src/spec/query.ts';
import { parseGranularity } from '../../../src/time/granularity.ts';
import { formatInstant } from '../../../src/time/instant.ts';
import type { Interval } from '../../../src/time/interval.ts';
import type { Row } from '../segment/fixtures.ts';

/**
 * A deliberately plain re-computation of query results from raw rows: no dictionaries, no typed
 * arrays, no partial results; one loop over row objects per question. The engine must agree.
 * Segments are given as row lists in the order the engine sees them; each row knows its segment.
 */

export interface RefSegment {
  id: string;
  interval: Interval;
  rows: Row[];
}

const iso = formatInstant;
type Value = number | null;

const inIntervals = (t: number, intervals: readonly Interval[]) => intervals.some((i) => i.start <= t && t < i.end);

/**
 * The numeric columns of the generated segments (engine-properties.test.ts's schema) as they are
 * stored: a filter reads a double -73 as "-73.0", as the engine does, not as the long its raw row suggests.
 */
const STORED_TYPES = { n: 'long', m: 'long', d: 'double', f: 'float' } as const;

function selectedRows(segments: readonly RefSegment[], intervals: readonly Interval[], filter: Filter | null): Array<{ row: Row; seg: RefSegment }> {
  const keep = filter === null ? () => true : rowFilter(filter, STORED_TYPES);
  return segments.flatMap((seg) => seg.rows.filter((r) => inIntervals(r.__time, intervals) && keep(r)).map((row) => ({ row, seg })));
}

const typeOf = (t: string): 'long' | 'float' | 'double' => (t.startsWith('long') || t === 'count' ? 'long' : t.startsWith('float') ? 'float' : 'double');

function toNumber(v: unknown): Value {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isNaN(n) ? null : n;
}

/** Aggregates rows (in time order) with one aggregator, the obvious way. */
export function aggregate(spec: AggregatorSpec, rows: readonly Row[]): Value {
  const inner = innerAggregator(spec);
  const keep = spec.type === 'filtered' ? filterChain(spec) : () => true;
  const picked = rows.filter(keep);
  if (inner.type === 'count') return picked.length;
  const type = typeOf(inner.type);
  const conv = (v: Value): Value => (v === null ? null : type === 'long' ? Math.trunc(v) + 0 /* a Java long has no -0 */ : type === 'float' ? Math.fround(v) : v);
  const values = picked.map((r) => conv(toNumber(r[inner.fieldName])));
  let result: Value;
  if (inner.type.endsWith('First') || inner.type.endsWith('Last')) {
    if (picked.length === 0) return null;
    let at = 0;
    picked.forEach((r, i) => {
      const better = inner.type.endsWith('First') ? r.__time < picked[at]!.__time : r.__time >= picked[at]!.__time;
      if (better) at = i;
    });
    result = values[at]!;
  } else {
    const present = values.filter((v): v is number => v !== null);
    if (present.length === 0) return null;
    if (inner.type.endsWith('Sum')) result = present.reduce((a, b) => (type === 'float' ? Math.fround(a + b) : a + b));
    else if (inner.type.endsWith('Min')) result = Math.min(...present);
    else result = Math.max(...present);
  }
  return result === null ? null : type === 'float' ? shortest(result) : result;
}

function filterChain(spec: Extract<AggregatorSpec, { type: 'filtered' }>): (r: Row) => boolean {
  const here = rowFilter(spec.filter, STORED_TYPES);
  const below = spec.aggregator.type === 'filtered' ? filterChain(spec.aggregator) : () => true;
  return (r) => here(r) && below(r);
}

/** The shortest decimal of a 32-bit float, found by trying more and more digits. */
function shortest(f: number): number {
  for (let p = 1; p <= 17; p++) {
    const c = Number(f.toPrecision(p));
    if (Math.fround(c) === f) return c;
  }
  return f;
}

function aggregateAll(specs: readonly AggregatorSpec[], rows: readonly Row[]): Record<string, Value> {
  return Object.fromEntries(specs.map((s) => [s.name, aggregate(s, rows)]));
}

/** Timeseries with Druid's empty-bucket rule: a segment reports the buckets of its data's span. */
export function timeseries(q: TimeseriesQuery, segments: readonly RefSegment[]): unknown[] {
  const g = parseGranularity(q.granularity);
  const rows = selectedRows(segments, q.intervals, q.filter);
  const buckets = new Map<number, { time: number; rows: Row[] }>();
  const touch = (key: number, time: number) => {
    const b = buckets.get(key);
    if (b === undefined) buckets.set(key, { time, rows: [] });
    else b.time = Math.min(b.time, time);
  };
  for (const seg of segments) {
    if (seg.rows.length === 0) continue;
    const times = seg.rows.map((r) => r.__time);
    const [min, max] = [Math.min(...times), Math.max(...times)];
    for (const qi of q.intervals) {
      const start = Math.max(qi.start, seg.interval.start);
      const end = Math.min(qi.end, seg.interval.end);
      const inRange = seg.rows.filter((r) => start <= r.__time && r.__time < end);
      if (g.kind === 'all') {
        const from = Math.max(start, min);
        if (!q.skipEmptyBuckets && from < Math.min(end, max + 1)) touch(0, from);
      } else if (!q.skipEmptyBuckets && g.kind !== 'none') {
        const [from, to] = [Math.max(start, min), Math.min(end, g.next(g.bucketStart(max)))];
        for (let b = g.bucketStart(from); from < to && b < to; b = g.next(b)) touch(b, b);
      }
      for (const r of inRange) {
        if (q.filter === null || rowFilter(q.filter)(r)) touch(g.kind === 'all' ? 0 : g.bucketStart(r.__time), g.kind === 'all' ? Math.max(start, min) : g.bucketStart(r.__time));
      }
    }
  }
  for (const { row } of rows) buckets.get(g.kind === 'all' ? 0 : g.bucketStart(row.__time))!.rows.push(row);
  let out = [...buckets.values()].sort((a, b) => a.time - b.time);
  if (q.descending) out.reverse();
  if (q.limit !== null) out = out.slice(0, q.limit);
  return out.map((b) => ({ timestamp: iso(b.time), result: aggregateAll(q.aggregations, b.rows) }));
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** Groups selected rows by granularity bucket and the given columns. */
function groups(q: TopNQuery | GroupByQuery, segments: readonly RefSegment[], dims: string[]) {
  const g = parseGranularity(q.granularity);
  const out = new Map<string, { time: number; key: unknown[]; rows: Row[] }>();
  for (const { row, seg } of selectedRows(segments, q.intervals, q.filter)) {
    const bucket = g.kind === 'all' ? 0 : g.bucketStart(row.__time);
    const start = Math.max(...q.intervals.filter((i) => inIntervals(row.__time, [i])).map((i) => i.start), seg.interval.start, Math.min(...seg.rows.map((r) => r.__time)));
    const key = dims.map((d) => row[d] ?? null);
    const k = JSON.stringify([bucket, key]);
    const entry = out.get(k) ?? { time: g.kind === 'all' ? start : bucket, key, rows: [] };
    entry.time = Math.min(entry.time, g.kind === 'all' ? start : bucket);
    entry.rows.push(row);
    out.set(k, entry);
  }
  return [...out.values()];
}

/** topN over a numeric metric, descending, ties by dimension value. */
export function topN(q: TopNQuery, segments: readonly RefSegment[]): unknown[] {
  if (q.metric.type !== 'numeric') throw new Error('the reference ranks by numeric metrics only');
  const metric = q.metric.metric;
  const dim = q.dimension.dimension;
  const g = parseGranularity(q.granularity);
  const byBucket = new Map<number, Array<{ time: number; row: Record<string, unknown> }>>();
  for (const grp of groups(q, segments, [dim])) {
    const bucket = g.kind === 'all' ? 0 : grp.time;
    const list = byBucket.get(bucket) ?? [];
    list.push({ time: grp.time, row: { [q.dimension.outputName]: grp.key[0], ...aggregateAll(q.aggregations, grp.rows) } });
    byBucket.set(bucket, list);
  }
  return [...byBucket.values()]
    .map((list) => ({ time: Math.min(...list.map((l) => l.time)), rows: list.map((l) => l.row) }))
    .sort((a, b) => a.time - b.time)
    .map(({ time, rows }) => ({
      timestamp: iso(time),
      result: rows.sort((a, b) => compareValues(b[metric], a[metric]) || compareValues(a[q.dimension.outputName], b[q.dimension.outputName])).slice(0, q.threshold),
    }));
}

export function groupBy(q: GroupByQuery, segments: readonly RefSegment[]): unknown[] {
  const all = parseGranularity(q.granularity).kind === 'all';
  return groups(q, segments, q.dimensions.map((d) => d.dimension))
    .map((grp) => ({
      time: all ? q.intervals[0]!.start : grp.time,
      event: { ...Object.fromEntries(q.dimensions.map((d, i) => [d.outputName, grp.key[i]])), ...aggregateAll(q.aggregations, grp.rows) },
      key: grp.key,
    }))
    .sort((a, b) => a.time - b.time || a.key.reduce<number>((c, v, i) => c || compareValues(v, b.key[i]), 0))
    .map((r) => ({ version: 'v1', timestamp: iso(r.time), event: r.event }));
}

/** Scan rows as (segmentId, row values), in query order, after offset and limit. */
export function scan(q: ScanQuery, segments: readonly RefSegment[], columns: string[]): Array<{ segmentId: string; values: unknown[] }> {
  let rows = selectedRows(segments, q.intervals, q.filter);
  if (q.order !== 'none') rows = rows.map((r, i) => ({ ...r, i })).sort((a, b) => (q.order === 'ascending' ? a.row.__time - b.row.__time : b.row.__time - a.row.__time) || (q.order === 'ascending' ? a.i - b.i : b.i - a.i));
  rows = rows.slice(q.offset, q.limit === null ? undefined : q.offset + q.limit);
  return rows.map(({ row, seg }) => ({ segmentId: seg.id, values: columns.map((c) => row[c] ?? null) }));
}

export function timeBoundary(q: TimeBoundaryQuery, segments: readonly RefSegment[]): unknown[] {
  const times = selectedRows(segments, q.intervals, q.filter).map((r) => r.row.__time);
  if (times.length === 0) return [];
  const [min, max] = [Math.min(...times), Math.max(...times)];
  return [{ timestamp: iso(min), result: { minTime: iso(min), maxTime: iso(max) } }];
}

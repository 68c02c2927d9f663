import type { SegmentReader } from '../segment/reader.ts';
import { aggregatorKind, type AggregatorKind } from '../spec/aggregator.ts';
import type { DimensionSpec } from '../spec/dimension-spec.ts';
import type { GroupByQuery, TopNQuery } from '../spec/query.ts';
import type { Interval } from '../time/interval.ts';
import { aggregateRows, ROW_COUNT, States } from './aggregation.ts';
import { groupRows, keyColumn, type GroupedSpan, type Scalar } from './grouping.ts';
import { emptyState, mergeState } from './kernels.ts';
import { applyPostAggregators } from './post-aggregate.ts';
import { BucketIndex, prepareSegment } from './prepare.ts';
import { lowerBound } from './time-ranges.ts';
import { finalValue, intermediateValue } from './values.ts';

/**
 * Aggregation by dimension values per time bucket, shared by topN and groupBy. A segment reports
 * every group that had rows: topN is therefore exact over any number of segments (Druid keeps only
 * a segment's top max(threshold, 1000) and may miss a value that ranks high only overall). The
 * price is a partial result as large as the number of distinct values per bucket.
 */

export interface GroupedBucket {
  key: number;
  time: number;
  /** The groups' values, one column per dimension. */
  keys: Scalar[][];
  /** Per aggregator (then the row count), one state per group. */
  acc: Float64Array[];
  aux: Float64Array[];
}

export interface GroupedPartial {
  queryType: 'topN' | 'groupBy';
  buckets: GroupedBucket[];
}

type GroupedQuery = TopNQuery | GroupByQuery;

export const dimensionsOf = (q: GroupedQuery): DimensionSpec[] => (q.queryType === 'topN' ? [q.dimension] : q.dimensions);
const kindsOf = (q: GroupedQuery): AggregatorKind[] => [...q.aggregations.map(aggregatorKind), ROW_COUNT];

export function groupedOnSegment(query: GroupedQuery, segment: SegmentReader, clip?: Interval): GroupedPartial {
  const prepared = prepareSegment(query, segment, clip, false);
  const index = new BucketIndex();
  const spans: Array<GroupedSpan & { s: (typeof prepared.ranges)[number]['selected'] }> = [];
  for (const { selected, buckets } of prepared.ranges) {
    for (const b of buckets) {
      const rows = selected.rows === null ? null : selected.rows.subarray(lowerBound(selected.rows, b.lo), lowerBound(selected.rows, b.hi));
      if (rows === null || rows.length > 0) spans.push({ bucket: index.of(b), lo: b.lo, hi: b.hi, rows, s: selected });
    }
  }
  const columns = dimensionsOf(query).map((d) => keyColumn(segment, d, prepared.ranges.map((r) => r.selected.range)));
  const grouping = groupRows(segment.rows, columns, index.keys.length, spans);
  const states = new States(prepared.kinds, grouping.size);
  for (const span of spans) aggregateRows(prepared.aggregators, states, span.s, span.lo, span.hi, grouping.groups);
  const out = index.keys.map((key, i) => ({ key, time: index.times[i]!, members: [] as number[] }));
  for (let g = 0; g < grouping.size; g++) if (states.rows(g) > 0) out[grouping.bucketOf(g)]!.members.push(g);
  return {
    queryType: query.queryType,
    buckets: out.filter((b) => b.members.length > 0).map((b) => ({
      key: b.key,
      time: b.time,
      keys: columns.map((_, d) => b.members.map((g) => grouping.keyOf(g)[d]!)),
      acc: states.acc.map((a) => Float64Array.from(b.members, (g) => a[g]!)),
      aux: states.aux.map((a) => Float64Array.from(b.members, (g) => a[g]!)),
    })),
  };
}

/** A text key for a tuple of dimension values (null, numbers and strings kept apart). */
function tupleKey(keys: Scalar[][], j: number): string {
  if (keys.length === 1) return scalarKey(keys[0]![j]!);
  let s = '';
  for (let d = 0; d < keys.length; d++) s += `${scalarKey(keys[d]![j]!)}\u0000`;
  return s;
}

const scalarKey = (v: Scalar): string => (v === null ? '\u0001' : typeof v === 'number' ? `\u0002${v}` : `\u0003${v}`);

/** Merges buckets with the same key, and within them groups with the same dimension values. */
export function mergeGrouped(query: GroupedQuery, partials: readonly GroupedPartial[]): GroupedPartial {
  const kinds = kindsOf(query);
  const dims = dimensionsOf(query).length;
  const tables = new Map<number, { time: number; index: Map<string, number>; keys: Scalar[][]; acc: number[][]; aux: number[][] }>();
  for (const p of partials) {
    for (const b of p.buckets) {
      let t = tables.get(b.key);
      if (t === undefined) {
        t = { time: b.time, index: new Map(), keys: Array.from({ length: dims }, () => []), acc: kinds.map(() => []), aux: kinds.map(() => []) };
        tables.set(b.key, t);
      }
      t.time = Math.min(t.time, b.time);
      const n = b.keys[0]?.length ?? 0;
      for (let j = 0; j < n; j++) {
        const k = tupleKey(b.keys, j);
        let i = t.index.get(k);
        if (i === undefined) {
          i = t.index.size;
          t.index.set(k, i);
          for (let d = 0; d < dims; d++) t.keys[d]!.push(b.keys[d]![j]!);
          kinds.forEach((kind, a) => {
            const [acc, aux] = emptyState(kind.combine);
            t!.acc[a]!.push(acc);
            t!.aux[a]!.push(aux);
          });
        }
        kinds.forEach((kind, a) => mergeState(kind.combine, kind.type === 'float', t!.acc[a]!, t!.aux[a]!, i!, b.acc[a]!, b.aux[a]!, j));
      }
    }
  }
  return {
    queryType: query.queryType,
    buckets: [...tables.entries()].sort((x, y) => x[1].time - y[1].time).map(([key, t]) => ({
      key, time: t.time, keys: t.keys, acc: t.acc.map((a) => Float64Array.from(a)), aux: t.aux.map((a) => Float64Array.from(a)),
    })),
  };
}

/** The finalized result rows of a bucket: dimension values, aggregators, post-aggregators. */
export function bucketRows(query: GroupedQuery, b: GroupedBucket): Array<Record<string, unknown>> {
  const dims = dimensionsOf(query);
  const kinds = query.aggregations.map(aggregatorKind);
  const n = b.keys[0]?.length ?? 0;
  const rows: Array<Record<string, unknown>> = [];
  for (let j = 0; j < n; j++) {
    const row: Record<string, unknown> = {};
    const raw: Record<string, unknown> = {};
    dims.forEach((d, i) => { row[d.outputName] = b.keys[i]![j]; raw[d.outputName] = b.keys[i]![j]; });
    query.aggregations.forEach((spec, a) => {
      row[spec.name] = finalValue(kinds[a]!, b.acc[a]![j]!, b.aux[a]![j]!);
      raw[spec.name] = intermediateValue(kinds[a]!, b.acc[a]![j]!, b.aux[a]![j]!);
    });
    applyPostAggregators(query.postAggregations, row, raw);
    rows.push(row);
  }
  return rows;
}

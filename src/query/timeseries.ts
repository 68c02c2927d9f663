import type { SegmentReader } from '../segment/reader.ts';
import { aggregatorKind } from '../spec/aggregator.ts';
import type { TimeseriesQuery } from '../spec/query.ts';
import { parseGranularity } from '../time/granularity.ts';
import type { Interval } from '../time/interval.ts';
import { aggregateRows, ROW_COUNT, selectedIn, States } from './aggregation.ts';
import { emptyState, mergeState } from './kernels.ts';
import { applyPostAggregators } from './post-aggregate.ts';
import { BucketIndex, prepareSegment } from './prepare.ts';
import { finalValue, intermediateValue, isoTime } from './values.ts';

/**
 * Timeseries: one row of aggregates per granularity bucket. Per segment, each bucket of the
 * segment's data interval is reported, empty ones too (Druid fills empty interior buckets), unless
 * `skipEmptyBuckets`; buckets of several segments then merge by their start. With granularity
 * `none` empty buckets are never filled: Druid would fill every millisecond of the data interval,
 * which its own documentation warns against.
 */

export interface TimeseriesBucket {
  key: number;
  time: number;
  /** Per aggregator (then the row count): the state's acc and aux. */
  acc: number[];
  aux: number[];
}

export interface TimeseriesPartial {
  queryType: 'timeseries';
  buckets: TimeseriesBucket[];
}

export function timeseriesOnSegment(query: TimeseriesQuery, segment: SegmentReader, clip?: Interval): TimeseriesPartial {
  const skipEmpty = query.skipEmptyBuckets || parseGranularity(query.granularity).kind === 'none';
  const prepared = prepareSegment(query, segment, clip, !skipEmpty);
  const index = new BucketIndex();
  const spans = prepared.ranges.flatMap(({ selected, buckets }) => buckets.map((b) => ({ b, selected, i: index.of(b) })));
  const states = new States(prepared.kinds, index.keys.length);
  for (const { b, selected, i } of spans) {
    if (selectedIn(selected.rows, b.lo, b.hi) > 0) aggregateRows(prepared.aggregators, states, selected, b.lo, b.hi, null, i);
  }
  states.finish(prepared.aggregators);
  const out: TimeseriesBucket[] = [];
  index.keys.forEach((key, i) => {
    if (skipEmpty && states.rows(i) === 0) return;
    out.push({ key, time: index.times[i]!, acc: states.acc.map((a) => a[i]!), aux: states.aux.map((a) => a[i]!) });
  });
  return { queryType: 'timeseries', buckets: out };
}

export function mergeTimeseries(query: TimeseriesQuery, partials: readonly TimeseriesPartial[]): TimeseriesPartial {
  const kinds = [...query.aggregations.map(aggregatorKind), ROW_COUNT];
  const byKey = new Map<number, TimeseriesBucket>();
  for (const p of partials) {
    for (const b of p.buckets) {
      const into = byKey.get(b.key);
      if (into === undefined) {
        byKey.set(b.key, { key: b.key, time: b.time, acc: [...b.acc], aux: [...b.aux] });
        continue;
      }
      into.time = Math.min(into.time, b.time);
      kinds.forEach((k, a) => mergeState(k.combine, k.type === 'float', into.acc, into.aux, a, b.acc, b.aux, a));
    }
  }
  return { queryType: 'timeseries', buckets: [...byKey.values()].sort((x, y) => x.time - y.time) };
}

export function finalizeTimeseries(query: TimeseriesQuery, merged: TimeseriesPartial): unknown[] {
  const ordered = query.descending ? [...merged.buckets].reverse() : merged.buckets;
  const limited = query.limit === null ? ordered : ordered.slice(0, query.limit);
  const rows: unknown[] = limited.map((b) => ({ timestamp: isoTime(b.time), result: resultOf(query, b) }));
  if (query.grandTotal) rows.push({ timestamp: null, result: resultOf(query, grandTotal(query, merged.buckets)) });
  return rows;
}

function resultOf(query: TimeseriesQuery, b: TimeseriesBucket): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const raw: Record<string, unknown> = {};
  query.aggregations.forEach((spec, a) => {
    const kind = aggregatorKind(spec);
    row[spec.name] = finalValue(kind, b.acc[a]!, b.aux[a]!);
    raw[spec.name] = intermediateValue(kind, b.acc[a]!, b.aux[a]!);
  });
  applyPostAggregators(query.postAggregations, row, raw);
  return row;
}

function grandTotal(query: TimeseriesQuery, buckets: readonly TimeseriesBucket[]): TimeseriesBucket {
  const kinds = [...query.aggregations.map(aggregatorKind), ROW_COUNT];
  const total: TimeseriesBucket = { key: 0, time: 0, acc: kinds.map((k) => emptyState(k.combine)[0]), aux: kinds.map((k) => emptyState(k.combine)[1]) };
  for (const b of buckets) kinds.forEach((k, a) => mergeState(k.combine, k.type === 'float', total.acc, total.aux, a, b.acc, b.aux, a));
  return total;
}

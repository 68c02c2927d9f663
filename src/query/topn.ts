import { aggregatorKind } from '../spec/aggregator.ts';
import type { TopNQuery } from '../spec/query.ts';
import type { TopNMetricSpec } from '../spec/topn-metric.ts';
import { dimensionOrder } from './dimension-order.ts';
import { bucketRows, type GroupedBucket, type GroupedPartial } from './grouped.ts';
import { stateValue } from './kernels.ts';
import { compareMetricValues } from './post-aggregate.ts';
import { isoTime } from './values.ts';

/** topN: per bucket, the `threshold` dimension values ranked by the metric spec. */

type Row = Record<string, unknown>;

export function finalizeTopN(query: TopNQuery, merged: GroupedPartial): unknown[] {
  return merged.buckets.map((b) => ({ timestamp: isoTime(b.time), result: topRows(query, b) }));
}

function topRows(query: TopNQuery, b: GroupedBucket): Row[] {
  const ranked = rankByAggregator(query, query.metric, b);
  // Ranking by an aggregator needs no result rows but the winners'.
  if (ranked !== null) return bucketRows(query, b, ranked);
  const dim = query.dimension.outputName;
  let rows = bucketRows(query, b);
  const stop = query.metric.type === 'dimension' ? query.metric.previousStop : null;
  if (stop !== null && query.metric.type === 'dimension') {
    const after = dimensionOrder(query.metric.ordering);
    rows = rows.filter((r) => after(r[dim], stop) > 0);
  }
  return rows.sort(rowOrder(query, query.metric, dim)).slice(0, query.threshold);
}

const natural = dimensionOrder();

/**
 * The `threshold` best groups by an aggregator's value (descending; inverted: ascending, the
 * whole order reversed), ties by dimension value; null when the metric is not a plain aggregator.
 * Only the groups that can make the cut are compared one by one: a numeric sort of the values
 * finds the cut.
 */
function rankByAggregator(query: TopNQuery, m: TopNMetricSpec, b: GroupedBucket): Int32Array | null {
  const inverted = m.type === 'inverted';
  const spec = inverted ? m.metric : m;
  if (spec.type !== 'numeric') return null;
  const a = query.aggregations.findIndex((x) => x.name === spec.metric);
  if (a < 0) return null;
  const kind = aggregatorKind(query.aggregations[a]!);
  // Scores: higher ranks first; null (NaN) ranks below every number, so it scores -Infinity.
  const sign = inverted ? -1 : 1;
  const scores = new Float64Array(b.size);
  for (let j = 0; j < b.size; j++) {
    const v = stateValue(kind.combine, b.acc[a]![j]!, b.aux[a]![j]!);
    scores[j] = v !== v ? -Infinity * sign : sign * v;
  }
  const cut = b.size <= query.threshold ? -Infinity : Float64Array.from(scores).sort()[b.size - query.threshold]!;
  const keys = b.keys[0]!;
  const candidates: number[] = [];
  for (let j = 0; j < b.size; j++) if (scores[j]! >= cut) candidates.push(j);
  candidates.sort((x, y) => scores[y]! - scores[x]! || sign * natural(keys.values[keys.ids[x]!], keys.values[keys.ids[y]!]) || 0);
  return Int32Array.from(candidates.slice(0, query.threshold));
}

/** Ranks rows: a numeric metric descending (ties by dimension value), a dimension ascending. */
function rowOrder(query: TopNQuery, m: TopNMetricSpec, dim: string): (a: Row, b: Row) => number {
  const byDim = (a: Row, b: Row) => natural(a[dim], b[dim]);
  switch (m.type) {
    case 'numeric': {
      const post = query.postAggregations.find((p) => p.name === m.metric);
      const numericFirst = post?.type === 'arithmetic' && post.ordering === 'numericFirst';
      return (a, b) => compareMetricValues(b[m.metric], a[m.metric], numericFirst) || byDim(a, b);
    }
    case 'dimension': {
      const cmp = dimensionOrder(m.ordering);
      return (a, b) => cmp(a[dim], b[dim]);
    }
    case 'inverted': {
      const inner = rowOrder(query, m.metric, dim);
      return (a, b) => inner(b, a);
    }
  }
}

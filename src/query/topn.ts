import type { TopNQuery } from '../spec/query.ts';
import type { TopNMetricSpec } from '../spec/topn-metric.ts';
import { dimensionOrder } from './dimension-order.ts';
import { bucketRows, type GroupedPartial } from './grouped.ts';
import { compareMetricValues } from './post-aggregate.ts';
import { isoTime } from './values.ts';

/** topN: per bucket, the `threshold` dimension values ranked by the metric spec. */

type Row = Record<string, unknown>;

export function finalizeTopN(query: TopNQuery, merged: GroupedPartial): unknown[] {
  const dim = query.dimension.outputName;
  const order = rowOrder(query, query.metric, dim);
  return merged.buckets.map((b) => {
    let rows = bucketRows(query, b);
    const stop = previousStop(query.metric);
    if (stop !== null) rows = rows.filter((r) => dimensionOrder(stop.ordering)(r[dim], stop.value) > 0);
    return { timestamp: isoTime(b.time), result: rows.sort(order).slice(0, query.threshold) };
  });
}

function previousStop(m: TopNMetricSpec): { value: string; ordering: Extract<TopNMetricSpec, { type: 'dimension' }>['ordering'] } | null {
  return m.type === 'dimension' && m.previousStop !== null ? { value: m.previousStop, ordering: m.ordering } : null;
}

/** Ranks rows: a numeric metric descending (ties by dimension value), a dimension ascending. */
function rowOrder(query: TopNQuery, m: TopNMetricSpec, dim: string): (a: Row, b: Row) => number {
  const natural = dimensionOrder();
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

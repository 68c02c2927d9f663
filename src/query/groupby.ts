import type { DimensionSpec } from '../spec/dimension-spec.ts';
import type { HavingSpec } from '../spec/having.ts';
import type { GroupByQuery } from '../spec/query.ts';
import { dimensionOrder } from './dimension-order.ts';
import { rowFilter } from './filter-match.ts';
import { bucketRows, naturalRanks, type GroupedPartial } from './grouped.ts';
import { compareMetricValues } from './post-aggregate.ts';
import { isoTime } from './values.ts';

/**
 * groupBy: rows ordered by time (unless granularity `all`) then by the dimensions; then `having`,
 * then the limitSpec's ordering, offset and limit; printed as Druid's v1 rows.
 */

type Row = Record<string, unknown>;
interface TimedRow { time: number; row: Row }

export function finalizeGroupBy(query: GroupByQuery, merged: GroupedPartial): unknown[] {
  const all = query.granularity === 'all' || (typeof query.granularity === 'object' && query.granularity.type === 'all');
  // Druid stamps every row of an `all` query with the start of its first interval.
  const universal = all ? query.intervals[0]?.start ?? 0 : null;
  const built = merged.buckets.map((b) => bucketRows(query, b));
  let rows: TimedRow[] = [];
  for (const [bi, j] of naturalOrder(query, merged.buckets, all)) rows.push({ time: universal ?? merged.buckets[bi]!.time, row: built[bi]![j]! });
  if (query.having !== null) {
    const keep = havingTest(query.having);
    rows = rows.filter((r) => keep({ __time: r.time, ...r.row }));
  }
  rows = applyLimitSpec(query, rows, all);
  return rows.map((r) => ({ version: 'v1', timestamp: isoTime(r.time), event: r.row }));
}

/**
 * Rows (as [bucket, group] pairs) in Druid's natural groupBy order: by time unless granularity
 * `all`, then by each dimension's value (or dimensions first with sortByDimsFirst).
 */
function naturalOrder(query: GroupByQuery, buckets: GroupedPartial['buckets'], all: boolean): Array<[number, number]> {
  const ranks = query.dimensions.map((_, d) => naturalRanks(buckets.map((b) => b.keys[d]!)));
  const pairs: Array<[number, number]> = buckets.flatMap((b, bi) => Array.from({ length: b.size }, (_, j): [number, number] => [bi, j]));
  const byDims = ([ba, ja]: [number, number], [bb, jb]: [number, number]): number => {
    for (let d = 0; d < ranks.length; d++) {
      const c = ranks[d]![ba]![buckets[ba]!.keys[d]!.ids[ja]!]! - ranks[d]![bb]![buckets[bb]!.keys[d]!.ids[jb]!]!;
      if (c !== 0) return c;
    }
    return 0;
  };
  const byTime = (a: [number, number], b: [number, number]): number => buckets[a[0]]!.time - buckets[b[0]]!.time;
  return pairs.sort(all ? byDims : query.sortByDimsFirst ? (a, b) => byDims(a, b) || byTime(a, b) : (a, b) => byTime(a, b) || byDims(a, b));
}

function havingTest(h: HavingSpec): (row: Row) => boolean {
  switch (h.type) {
    case 'greaterThan': return (r) => typeof r[h.aggregation] === 'number' && (r[h.aggregation] as number) > h.value;
    case 'lessThan': return (r) => typeof r[h.aggregation] === 'number' && (r[h.aggregation] as number) < h.value;
    case 'equalTo': return (r) => r[h.aggregation] === h.value;
    case 'and': {
      const all = h.havingSpecs.map(havingTest);
      return (r) => all.every((t) => t(r));
    }
    case 'or': {
      const any = h.havingSpecs.map(havingTest);
      return (r) => any.some((t) => t(r));
    }
    case 'not': {
      const inner = havingTest(h.havingSpec);
      return (r) => !inner(r);
    }
    case 'filter': return rowFilter(h.filter);
    case 'dimSelector': return (r) => (r[h.dimension] === null || r[h.dimension] === undefined ? null : String(r[h.dimension])) === h.value;
    case 'always': return () => true;
    case 'never': return () => false;
  }
}

function applyLimitSpec(query: GroupByQuery, rows: TimedRow[], all: boolean): TimedRow[] {
  const spec = query.limitSpec;
  if (spec === null) return rows;
  if (spec.columns.length > 0) {
    const dims = new Set(query.dimensions.map((d) => d.outputName));
    const numericFirst = new Set(query.postAggregations.filter((p) => p.type === 'arithmetic' && p.ordering === 'numericFirst').map((p) => p.name));
    const columns = spec.columns.map((c) => {
      const cmp = dims.has(c.dimension) ? dimensionOrder(c.dimensionOrder) : (x: unknown, y: unknown) => compareMetricValues(x, y, numericFirst.has(c.dimension));
      const sign = c.direction === 'descending' ? -1 : 1;
      return (a: TimedRow, b: TimedRow) => sign * cmp(a.row[c.dimension], b.row[c.dimension]);
    });
    const byColumns = (a: TimedRow, b: TimedRow) => {
      for (const c of columns) {
        const r = c(a, b);
        if (r !== 0) return r;
      }
      return 0;
    };
    const byTime = (a: TimedRow, b: TimedRow) => a.time - b.time;
    // Array.prototype.sort is stable: rows equal on every column keep their natural order.
    rows = [...rows].sort(all ? byColumns : query.sortByDimsFirst ? (a, b) => byColumns(a, b) || byTime(a, b) : (a, b) => byTime(a, b) || byColumns(a, b));
  }
  return rows.slice(spec.offset, spec.limit === null ? undefined : spec.offset + spec.limit);
}

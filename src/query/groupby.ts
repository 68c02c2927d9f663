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
  const { buckets } = merged;
  const built = buckets.map((b) => bucketRows(query, b));
  const { bucketOf, groupOf } = flatIndex(buckets);
  let rows: TimedRow[] = Array.from(naturalOrder(query, buckets, all, bucketOf, groupOf), (i) => ({
    time: universal ?? buckets[bucketOf[i]!]!.time,
    row: built[bucketOf[i]!]![groupOf[i]!]!,
  }));
  if (query.having !== null) {
    const keep = havingTest(query.having);
    rows = rows.filter((r) => keep({ __time: r.time, ...r.row }));
  }
  rows = applyLimitSpec(query, rows, all);
  return rows.map((r) => ({ version: 'v1', timestamp: isoTime(r.time), event: r.row }));
}

/** Numbers the rows of all buckets 0..n-1: row i is group groupOf[i] of bucket bucketOf[i]. */
function flatIndex(buckets: GroupedPartial['buckets']): { bucketOf: Int32Array; groupOf: Int32Array } {
  const n = buckets.reduce((s, b) => s + b.size, 0);
  const bucketOf = new Int32Array(n);
  const groupOf = new Int32Array(n);
  let i = 0;
  buckets.forEach((b, bi) => {
    for (let j = 0; j < b.size; j++, i++) {
      bucketOf[i] = bi;
      groupOf[i] = j;
    }
  });
  return { bucketOf, groupOf };
}

/**
 * Row numbers in Druid's natural groupBy order: by time unless granularity `all`, then by each
 * dimension's value (dimensions first with sortByDimsFirst). Each row gets one number that orders
 * it (bucket and value ranks packed, row number last), so a numeric typed-array sort does the
 * work; only absurdly many distinct values fall back to a comparator.
 */
function naturalOrder(query: GroupByQuery, buckets: GroupedPartial['buckets'], all: boolean, bucketOf: Int32Array, groupOf: Int32Array): Int32Array {
  const n = bucketOf.length;
  // Sort fields, most significant first: [bucket,] rank per dimension [, bucket].
  const dims = query.dimensions.map((_, d) => {
    const { ranks, count } = naturalRanks(buckets.map((b) => b.keys[d]!));
    const rank = new Int32Array(n);
    for (let i = 0; i < n; i++) rank[i] = ranks[bucketOf[i]!]![buckets[bucketOf[i]!]!.keys[d]!.ids[groupOf[i]!]!]!;
    return { size: count, of: rank };
  });
  const time = { size: buckets.length, of: bucketOf };
  const fields = all ? dims : query.sortByDimsFirst ? [...dims, time] : [time, ...dims];
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (!Number.isSafeInteger(fields.reduce((p, f) => p * f.size, 1) * n)) {
    return order.sort((a, b) => {
      for (const f of fields) if (f.of[a] !== f.of[b]) return f.of[a]! - f.of[b]!;
      return 0;
    });
  }
  const keys = new Float64Array(n);
  for (const f of fields) for (let i = 0; i < n; i++) keys[i] = keys[i]! * f.size + f.of[i]!;
  for (let i = 0; i < n; i++) keys[i] = keys[i]! * n + i;
  keys.sort();
  for (let i = 0; i < n; i++) order[i] = keys[i]! % n;
  return order;
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

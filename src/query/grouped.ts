import type { SegmentReader } from '../segment/reader.ts';
import { aggregatorKind, type AggregatorKind } from '../spec/aggregator.ts';
import type { DimensionSpec } from '../spec/dimension-spec.ts';
import type { GroupByQuery, TopNQuery } from '../spec/query.ts';
import type { Interval } from '../time/interval.ts';
import { aggregateRows, ROW_COUNT, States } from './aggregation.ts';
import { groupRows, keyColumn, type GroupedSpan, type Scalar } from './grouping.ts';
import { dimensionOrder } from './dimension-order.ts';
import { emptyState, mergeStates } from './kernels.ts';
import { NumberIndex } from './number-index.ts';
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

/** One dimension's values of a bucket's groups, dictionary-encoded: group j has `values[ids[j]]`. */
export interface KeyPart {
  values: Scalar[];
  ids: Int32Array;
}

export interface GroupedBucket {
  key: number;
  time: number;
  size: number;
  /** One per dimension. */
  keys: KeyPart[];
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
  states.finish(prepared.aggregators);
  const members: number[][] = index.keys.map(() => []);
  const rowCounts = states.acc[states.acc.length - 1]!;
  for (let g = 0; g < grouping.size; g++) if (rowCounts[g]! > 0) members[grouping.bucketOf(g)]!.push(g);
  const buckets: GroupedBucket[] = [];
  index.keys.forEach((key, b) => {
    const list = members[b]!;
    if (list.length === 0) return;
    const keys = columns.map((c, d) => encodeKeys(c.values, list.length, (j) => grouping.idOf(list[j]!, d)));
    buckets.push({ key, time: index.times[b]!, size: list.length, keys, ...gatherStates(states, list) });
  });
  return { queryType: query.queryType, buckets };
}

/**
 * Dictionary-encodes n groups' values of one dimension, given each group's id in `values`; only
 * the values used are kept, so a partial carries no more than its groups need.
 */
function encodeKeys(values: readonly Scalar[], n: number, idOf: (j: number) => number): KeyPart {
  const remap = new Int32Array(values.length).fill(-1);
  const used: Scalar[] = [];
  const ids = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const id = idOf(j);
    let local = remap[id]!;
    if (local < 0) {
      local = remap[id] = used.length;
      used.push(values[id]!);
    }
    ids[j] = local;
  }
  return { values: used, ids };
}

/** The states of the listed groups, in that order. */
function gatherStates(states: { acc: Float64Array[]; aux: Float64Array[] }, groups: ArrayLike<number>): { acc: Float64Array[]; aux: Float64Array[] } {
  const gather = (column: Float64Array) => {
    const out = new Float64Array(groups.length);
    for (let j = 0; j < groups.length; j++) out[j] = column[groups[j]!]!;
    return out;
  };
  return { acc: states.acc.map(gather), aux: states.aux.map(gather) };
}

/** Per-aggregator state columns that grow as groups are added. */
class GrowingStates {
  acc: Float64Array[];
  aux: Float64Array[];
  size = 0;
  private readonly empty: Array<[number, number]>;

  constructor(kinds: readonly AggregatorKind[]) {
    this.empty = kinds.map((k) => emptyState(k.combine));
    this.acc = kinds.map(() => new Float64Array(1024));
    this.aux = kinds.map(() => new Float64Array(1024));
  }

  add(): number {
    if (this.size === this.acc[0]!.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.acc = this.acc.map(grow);
      this.aux = this.aux.map(grow);
    }
    for (let a = 0; a < this.empty.length; a++) {
      this.acc[a]![this.size] = this.empty[a]![0];
      this.aux[a]![this.size] = this.empty[a]![1];
    }
    return this.size++;
  }
}

/** Interns each dimension's values as small integers, to key groups by numbers rather than text. */
class Interner {
  private readonly ids = new Map<Scalar, number>();
  readonly values: Scalar[] = [];

  id(v: Scalar): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(v, id);
      this.values.push(v);
    }
    return id;
  }
}

/** The groups met while merging: each (bucket, dimension values) gets one state slot. */
class GroupTable {
  readonly states: GrowingStates;
  private readonly interners: Interner[];
  private readonly bucketIndex = new Map<number, number>();
  private readonly bucketKeys: number[] = [];
  private readonly bucketTimes: number[] = [];
  private readonly groupBucket: number[] = [];
  private readonly groupIds: number[][];
  // Keys pack the bucket and value ids into one number while they fit in 52 bits; keys too wide
  // for that (huge cardinalities) fall back to text.
  private readonly bits: number;
  private readonly packed = new NumberIndex();
  private readonly packedGroups: number[] = [];
  private readonly wide = new Map<string, number>();

  constructor(kinds: readonly AggregatorKind[], private readonly dims: number) {
    this.states = new GrowingStates(kinds);
    this.interners = Array.from({ length: dims }, () => new Interner());
    this.groupIds = Array.from({ length: dims }, () => []);
    this.bits = 2 ** Math.floor(52 / (dims + 1));
  }

  bucket(key: number, time: number): number {
    let bi = this.bucketIndex.get(key);
    if (bi === undefined) {
      bi = this.bucketKeys.length;
      this.bucketIndex.set(key, bi);
      this.bucketKeys.push(key);
      this.bucketTimes.push(time);
    } else this.bucketTimes[bi] = Math.min(this.bucketTimes[bi]!, time);
    return bi;
  }

  /** Maps a part's local value ids to this table's ids; each distinct value is interned once. */
  remap(d: number, part: KeyPart): Int32Array {
    const interner = this.interners[d]!;
    return Int32Array.from(part.values, (v) => interner.id(v));
  }

  /** The group of bucket `bi` with these value ids, added when new. */
  group(bi: number, ids: readonly number[]): number {
    let key = bi;
    let fits = bi < this.bits;
    for (let d = 0; d < this.dims; d++) {
      fits &&= ids[d]! < this.bits;
      key = key * this.bits + ids[d]!;
    }
    if (fits) {
      const slot = this.packed.slotOf(key);
      if (slot === this.packedGroups.length) this.packedGroups.push(this.add(bi, ids));
      return this.packedGroups[slot]!;
    }
    const text = `${bi}:${ids.join(',')}`;
    let g = this.wide.get(text);
    if (g === undefined) this.wide.set(text, (g = this.add(bi, ids)));
    return g;
  }

  private add(bi: number, ids: readonly number[]): number {
    this.groupBucket.push(bi);
    for (let d = 0; d < this.dims; d++) this.groupIds[d]!.push(ids[d]!);
    return this.states.add();
  }

  buckets(): GroupedBucket[] {
    const members: number[][] = this.bucketKeys.map(() => []);
    this.groupBucket.forEach((bi, g) => members[bi]!.push(g));
    return this.bucketKeys.map((key, bi) => {
      const list = members[bi]!;
      return {
        key,
        time: this.bucketTimes[bi]!,
        size: list.length,
        keys: this.interners.map((it, d) => encodeKeys(it.values, list.length, (j) => this.groupIds[d]![list[j]!]!)),
        ...gatherStates(this.states, list),
      };
    }).sort((x, y) => x.time - y.time);
  }
}

/** Merges buckets with the same key, and within them groups with the same dimension values. */
export function mergeGrouped(query: GroupedQuery, partials: readonly GroupedPartial[]): GroupedPartial {
  const kinds = kindsOf(query);
  const dims = dimensionsOf(query).length;
  const table = new GroupTable(kinds, dims);
  const ids = new Array<number>(dims);
  for (const p of partials) {
    for (const b of p.buckets) {
      const bi = table.bucket(b.key, b.time);
      const remaps = b.keys.map((k, d) => table.remap(d, k));
      const targets = new Int32Array(b.size);
      for (let j = 0; j < b.size; j++) {
        for (let d = 0; d < dims; d++) ids[d] = remaps[d]![b.keys[d]!.ids[j]!]!;
        targets[j] = table.group(bi, ids);
      }
      kinds.forEach((kind, a) => mergeStates(kind.combine, kind.type === 'float', table.states.acc[a]!, table.states.aux[a]!, targets, b.acc[a]!, b.aux[a]!, b.size));
    }
  }
  return { queryType: query.queryType, buckets: table.buckets() };
}

/** The finalized result rows of a bucket: dimension values, aggregators, post-aggregators. */
export function bucketRows(query: GroupedQuery, b: GroupedBucket, only?: ArrayLike<number>): Array<Record<string, unknown>> {
  const dims = dimensionsOf(query);
  const aggs = query.aggregations;
  const kinds = aggs.map(aggregatorKind);
  const n = only === undefined ? b.size : only.length;
  const rows: Array<Record<string, unknown>> = new Array(n);
  for (let k = 0; k < n; k++) {
    const j = only === undefined ? k : only[k]!;
    const row: Record<string, unknown> = {};
    for (let d = 0; d < dims.length; d++) row[dims[d]!.outputName] = b.keys[d]!.values[b.keys[d]!.ids[j]!];
    for (let a = 0; a < aggs.length; a++) row[aggs[a]!.name] = finalValue(kinds[a]!, b.acc[a]![j]!, b.aux[a]![j]!);
    if (query.postAggregations.length > 0) {
      const raw: Record<string, unknown> = { ...row };
      for (let a = 0; a < aggs.length; a++) raw[aggs[a]!.name] = intermediateValue(kinds[a]!, b.acc[a]![j]!, b.aux[a]![j]!);
      applyPostAggregators(query.postAggregations, row, raw);
    }
    rows[k] = row;
  }
  return rows;
}

const naturalOrder = dimensionOrder();

/**
 * Ranks the values of dictionary-encoded key parts (of one dimension, several buckets) in their
 * natural order: per part, local id → rank; `count` distinct values. Sorting many rows then
 * compares integers.
 */
export function naturalRanks(parts: readonly KeyPart[]): { ranks: Int32Array[]; count: number } {
  const distinct = [...new Set(parts.flatMap((p) => p.values))].sort(naturalOrder);
  const rank = new Map(distinct.map((v, i) => [v, i]));
  return { ranks: parts.map((p) => Int32Array.from(p.values, (v) => rank.get(v)!)), count: distinct.length };
}

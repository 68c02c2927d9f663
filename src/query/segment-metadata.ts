import type { SegmentColumn, SegmentReader } from '../segment/reader.ts';
import type { SegmentMetadataQuery } from '../spec/query.ts';
import { compareLexicographic } from '../spec/sorting-orders.ts';
import { SIMPLE_GRANULARITIES, type GranularitySpec } from '../time/granularity.ts';
import { condense, formatInterval, parseInterval } from '../time/interval.ts';

/** segmentMetadata: per segment (or merged) column types, cardinalities, sizes and intervals. */

export interface ColumnAnalysis {
  typeSignature: string;
  type: string;
  hasMultipleValues: boolean;
  hasNulls: boolean;
  size: number;
  cardinality: number | null;
  minValue: string | null;
  maxValue: string | null;
  errorMessage: string | null;
}

export interface SegmentAnalysis {
  id: string;
  intervals: string[] | null;
  columns: Record<string, ColumnAnalysis>;
  size: number;
  numRows: number;
  aggregators: Record<string, unknown> | null;
  timestampSpec: null;
  queryGranularity: unknown;
  rollup: boolean | null;
}

export interface SegmentMetadataPartial {
  queryType: 'segmentMetadata';
  analyses: SegmentAnalysis[];
}

const PAIR_TYPES = { long: 'serializablePairLongLong', float: 'serializablePairLongFloat', double: 'serializablePairLongDouble' } as const;
const utf8 = new TextEncoder();

export function segmentMetadataOnSegment(query: SegmentMetadataQuery, segment: SegmentReader): SegmentMetadataPartial {
  const wants = new Set(query.analysisTypes);
  const include = (name: string) => query.toInclude.type === 'all' || (query.toInclude.type === 'list' && query.toInclude.columns.includes(name));
  const columns: Record<string, ColumnAnalysis> = {};
  for (const c of [segment.column('__time')!, ...segment.dimensions, ...segment.metrics]) {
    if (include(c.name)) columns[c.name] = analyze(c, segment.rows, wants);
  }
  const h = segment.header;
  return {
    queryType: 'segmentMetadata',
    analyses: [{
      id: segment.id,
      intervals: wants.has('interval') ? [formatInterval(segment.interval)] : null,
      columns,
      size: Object.values(columns).reduce((s, c) => s + c.size, 0),
      numRows: segment.rows,
      aggregators: wants.has('aggregators') ? Object.fromEntries(h.metrics.map((m) => [m.name, m.aggregator])) : null,
      timestampSpec: null,
      queryGranularity: wants.has('queryGranularity') ? granularityJson(h.queryGranularity) : null,
      rollup: wants.has('rollup') ? h.rollup : null,
    }],
  };
}

function analyze(c: SegmentColumn, rows: number, wants: Set<string>): ColumnAnalysis {
  const column = (type: string, typeSignature: string, size: number, extra: Partial<ColumnAnalysis> = {}): ColumnAnalysis => ({
    typeSignature, type, hasMultipleValues: false, hasNulls: c.hasNulls, size: wants.has('size') ? size : 0,
    cardinality: null, minValue: null, maxValue: null, errorMessage: null, ...extra,
  });
  if (c.kind === 'string') {
    const dict = c.dictionary;
    return column('STRING', 'STRING', wants.has('size') ? stringColumnSize(c.ids, dict) : 0, {
      cardinality: wants.has('cardinality') ? c.cardinality : null,
      ...(wants.has('minmax') ? { minValue: dict[0] ?? null, maxValue: dict[dict.length - 1] ?? null } : {}),
    });
  }
  if (c.times !== null) return column(PAIR_TYPES[c.type], `COMPLEX<${PAIR_TYPES[c.type]}>`, 0);
  return column(c.type.toUpperCase(), c.type.toUpperCase(), rows * (c.type === 'float' ? 4 : 8));
}

/** Druid's estimate: the bytes the column's values would take as text. */
function stringColumnSize(ids: ArrayLike<number>, dictionary: ReadonlyArray<string | null>): number {
  const counts = new Float64Array(dictionary.length);
  for (let r = 0; r < ids.length; r++) counts[ids[r]!]++;
  return dictionary.reduce((s, v, id) => s + (v === null ? 0 : utf8.encode(v).length * counts[id]!), 0);
}

/** A granularity as Druid prints it back: simple names become their period form. */
function granularityJson(spec: GranularitySpec): unknown {
  if (typeof spec === 'string') {
    const name = spec.toLowerCase();
    if (name === 'all' || name === 'none') return { type: name };
    return { type: 'period', period: SIMPLE_GRANULARITIES[name], timeZone: 'UTC', origin: null };
  }
  if (spec.type === 'period') return { type: 'period', period: spec.period, timeZone: spec.timeZone ?? 'UTC', origin: spec.origin ?? null };
  return spec;
}

export function mergeSegmentMetadata(partials: readonly SegmentMetadataPartial[]): SegmentMetadataPartial {
  return { queryType: 'segmentMetadata', analyses: partials.flatMap((p) => p.analyses) };
}

export function finalizeSegmentMetadata(query: SegmentMetadataQuery, merged: SegmentMetadataPartial): unknown[] {
  const sorted = [...merged.analyses].sort((a, b) => compareLexicographic(a.id, b.id));
  if (!query.merge || sorted.length === 0) return sorted;
  return [sorted.reduce((a, b) => mergeAnalyses(a, b, query.lenientAggregatorMerge))];
}

const same = <T>(a: T, b: T): T | null => (JSON.stringify(a) === JSON.stringify(b) ? a : null);

function mergeAnalyses(a: SegmentAnalysis, b: SegmentAnalysis, lenient: boolean): SegmentAnalysis {
  const columns: Record<string, ColumnAnalysis> = { ...a.columns };
  for (const [name, c] of Object.entries(b.columns)) columns[name] = name in columns ? mergeColumns(columns[name]!, c) : c;
  return {
    id: 'merged',
    intervals: a.intervals === null || b.intervals === null ? null : condense([...a.intervals, ...b.intervals].map(parseInterval)).map(formatInterval),
    columns,
    size: a.size + b.size,
    numRows: a.numRows + b.numRows,
    aggregators: mergeAggregators(a.aggregators, b.aggregators, lenient),
    timestampSpec: null,
    queryGranularity: same(a.queryGranularity, b.queryGranularity),
    rollup: a.rollup === b.rollup ? a.rollup : null,
  };
}

function mergeColumns(a: ColumnAnalysis, b: ColumnAnalysis): ColumnAnalysis {
  if (a.errorMessage !== null) return a;
  if (b.errorMessage !== null) return b;
  if (a.typeSignature !== b.typeSignature) return { ...a, errorMessage: `cannot_merge_diff_types: [${a.typeSignature}] and [${b.typeSignature}]` };
  const pick = (x: string | null, y: string | null, f: (c: number) => boolean) => (x === null ? y : y === null ? x : f(compareLexicographic(x, y)) ? x : y);
  return {
    ...a,
    hasNulls: a.hasNulls || b.hasNulls,
    size: a.size + b.size,
    cardinality: a.cardinality === null || b.cardinality === null ? a.cardinality ?? b.cardinality : Math.max(a.cardinality, b.cardinality),
    minValue: pick(a.minValue, b.minValue, (c) => c <= 0),
    maxValue: pick(a.maxValue, b.maxValue, (c) => c >= 0),
  };
}

/** Strict: any difference nulls them all. Lenient: a conflicting column's aggregator becomes null. */
function mergeAggregators(a: Record<string, unknown> | null, b: Record<string, unknown> | null, lenient: boolean): Record<string, unknown> | null {
  if (a === null || b === null) return lenient ? a ?? b : null;
  const out: Record<string, unknown> = { ...a };
  for (const [name, agg] of Object.entries(b)) {
    if (!(name in out)) out[name] = agg;
    else if (same(out[name], agg) === null) {
      if (!lenient) return null;
      out[name] = null;
    }
  }
  return out;
}

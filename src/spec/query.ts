import { z } from 'zod';
import { parseGranularity, type GranularitySpec } from '../time/granularity.ts';
import { condense, ETERNITY, type Interval } from '../time/interval.ts';
import { aggregatorSchema, type AggregatorSpec } from './aggregator.ts';
import { dimensionSpecSchema, type DimensionSpec } from './dimension-spec.ts';
import { filterSchema, type Filter } from './filter.ts';
import { havingInputs, havingSchema, type HavingSpec } from './having.ts';
import { limitSpecSchema, type LimitSpec } from './limit-spec.ts';
import { postAggregatorInputs, postAggregatorSchema, type PostAggregatorSpec } from './post-aggregator.ts';
import { intervalText, nonEmptyString, nonNegativeInt, requiredNumber, typeError } from './query-fields.ts';
import { topNMetricName, topNMetricSchema, type TopNMetricSpec } from './topn-metric.ts';
import { parseWith } from './validation.ts';

/**
 * Druid native queries (docs/querying/*query.md), parsed and checked. A parsed query is plain
 * data (JSON/msgpack-serialisable) so the broker can forward it; intervals are condensed (sorted,
 * merged), the granularity is kept as its JSON and the filter as parsed data.
 */

interface QueryBase {
  dataSource: string;
  intervals: Interval[];
  context: Record<string, unknown>;
}

interface Aggregating {
  granularity: GranularitySpec;
  filter: Filter | null;
  aggregations: AggregatorSpec[];
  postAggregations: PostAggregatorSpec[];
}

export interface TimeseriesQuery extends QueryBase, Aggregating {
  queryType: 'timeseries';
  descending: boolean;
  limit: number | null;
  /** context.skipEmptyBuckets */
  skipEmptyBuckets: boolean;
  /** context.grandTotal */
  grandTotal: boolean;
}

export interface TopNQuery extends QueryBase, Aggregating {
  queryType: 'topN';
  dimension: DimensionSpec;
  metric: TopNMetricSpec;
  threshold: number;
}

export interface GroupByQuery extends QueryBase, Aggregating {
  queryType: 'groupBy';
  dimensions: DimensionSpec[];
  having: HavingSpec | null;
  limitSpec: LimitSpec | null;
  /** context.sortByDimsFirst */
  sortByDimsFirst: boolean;
}

export type ScanOrder = 'ascending' | 'descending' | 'none';

export interface ScanQuery extends QueryBase {
  queryType: 'scan';
  filter: Filter | null;
  /** Empty: every column. */
  columns: string[];
  resultFormat: 'list' | 'compactedList';
  limit: number | null;
  offset: number;
  order: ScanOrder;
  batchSize: number;
}

export interface TimeBoundaryQuery extends QueryBase {
  queryType: 'timeBoundary';
  filter: Filter | null;
  bound: 'minTime' | 'maxTime' | null;
}

export const ANALYSIS_TYPES = ['cardinality', 'size', 'interval', 'minmax', 'timestampSpec', 'queryGranularity', 'aggregators', 'rollup'] as const;
export type AnalysisType = (typeof ANALYSIS_TYPES)[number];

export interface SegmentMetadataQuery extends QueryBase {
  queryType: 'segmentMetadata';
  toInclude: { type: 'all' } | { type: 'none' } | { type: 'list'; columns: string[] };
  merge: boolean;
  analysisTypes: AnalysisType[];
  lenientAggregatorMerge: boolean;
}

export interface DataSourceMetadataQuery extends QueryBase {
  queryType: 'dataSourceMetadata';
}

export type Query = TimeseriesQuery | TopNQuery | GroupByQuery | ScanQuery | TimeBoundaryQuery | SegmentMetadataQuery | DataSourceMetadataQuery;
export type AggregatingQuery = TimeseriesQuery | TopNQuery | GroupByQuery;
export const QUERY_TYPES = ['timeseries', 'topN', 'groupBy', 'scan', 'timeBoundary', 'segmentMetadata', 'dataSourceMetadata'] as const;

// ---- common fields ----

const dataSource = z.union([
  z.string().min(1, { error: 'must not be empty' }),
  z.object({ type: z.literal('table'), name: nonEmptyString() }).transform((d) => d.name),
], { error: (iss) => (iss.input === undefined ? 'required' : 'expected a table name (other data source types are not supported)') });

/** One interval text, a list of them, or `{ type: "intervals", intervals }`: all become a list. */
const intervals = (required: boolean) => {
  const list = z.preprocess(
    (v) => (typeof v === 'string' ? [v] : v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'intervals' ? (v as { intervals?: unknown }).intervals : v),
    z.array(intervalText(), { error: (iss) => (iss.input === undefined ? 'required' : 'expected an interval, a list of intervals or { type: "intervals", intervals }') }),
  );
  return (required ? list : list.optional().transform((v) => v ?? [ETERNITY])).transform((l) => condense(l));
};

const granularity = z.unknown().optional().transform((spec, ctx): GranularitySpec => {
  if (spec === undefined || spec === null) return 'all';
  try {
    return parseGranularity(spec).spec;
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message, input: spec });
    return z.NEVER;
  }
});

/** Druid (Jackson) reads "true"/"false" strings as booleans too, and context flags often come so. */
const flag = (fallback: boolean) =>
  z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')], { error: 'expected true or false' })
    .optional().transform((v) => v ?? fallback);

const context = z.record(z.string(), z.unknown(), { error: 'expected an object' }).optional().transform((c) => c ?? {});

const positiveInt = () => requiredNumber().int({ error: 'must be an integer' }).positive({ error: 'must be positive' });

/** Druid features grove does not implement are refused by name rather than silently ignored. */
const unsupported = (what: string) =>
  z.unknown().refine((v) => v === undefined || v === null || (Array.isArray(v) && v.length === 0), { error: `${what} are not supported` }).optional();

const base = {
  dataSource,
  context,
  virtualColumns: unsupported('virtual columns'),
};

const aggregating = {
  intervals: intervals(true),
  granularity,
  filter: filterSchema.nullable().optional().transform((f) => f ?? null),
  aggregations: z.array(aggregatorSchema, { error: 'expected an array of aggregators' }).optional().transform((a) => a ?? []),
  postAggregations: z.array(postAggregatorSchema, { error: 'expected an array of post-aggregators' }).optional().transform((p) => p ?? []),
};

// ---- query types ----

const timeseries = z.object({
  queryType: z.literal('timeseries'),
  ...base,
  ...aggregating,
  descending: flag(false),
  limit: positiveInt().nullable().optional().transform((v) => v ?? null),
}).transform((q): TimeseriesQuery => ({
  ...q,
  skipEmptyBuckets: contextFlag(q.context, 'skipEmptyBuckets'),
  grandTotal: contextFlag(q.context, 'grandTotal'),
}));

const topN = z.object({
  queryType: z.literal('topN'),
  ...base,
  ...aggregating,
  dimension: dimensionSpecSchema,
  metric: topNMetricSchema,
  threshold: positiveInt(),
});

const groupBy = z.object({
  queryType: z.literal('groupBy'),
  ...base,
  ...aggregating,
  dimensions: z.array(dimensionSpecSchema, { error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of dimensions') }),
  having: havingSchema.nullable().optional().transform((h) => h ?? null),
  limitSpec: limitSpecSchema.nullable().optional().transform((l) => l ?? null),
  subtotalsSpec: unsupported('subtotals'),
}).transform(({ subtotalsSpec: _subtotals, ...q }): GroupByQuery => ({ ...q, sortByDimsFirst: contextFlag(q.context, 'sortByDimsFirst') }));

const RESULT_FORMATS = ['list', 'compactedList'] as const;
const scan = z.object({
  queryType: z.literal('scan'),
  ...base,
  intervals: intervals(true),
  filter: filterSchema.nullable().optional().transform((f) => f ?? null),
  columns: z.array(nonEmptyString(), { error: 'expected an array of column names' }).nullable().optional().transform((c) => c ?? []),
  resultFormat: z.enum(RESULT_FORMATS, { error: `expected one of ${RESULT_FORMATS.join(', ')}` }).optional().transform((f) => f ?? 'list'),
  limit: positiveInt().nullable().optional().transform((v) => v ?? null),
  offset: nonNegativeInt().optional().transform((v) => v ?? 0),
  order: z.enum(['ascending', 'descending', 'none'], { error: 'expected ascending, descending or none' }).optional().transform((o) => o ?? 'none'),
  batchSize: positiveInt().optional().transform((v) => v ?? 20_480),
  legacy: z.unknown().optional(),
}).superRefine((q, ctx) => {
  if (q.legacy === true) ctx.addIssue({ code: 'custom', path: ['legacy'], message: 'legacy scan results are not supported', input: q.legacy });
  if (q.order !== 'none' && q.columns.length > 0 && !q.columns.includes('__time')) {
    ctx.addIssue({ code: 'custom', path: ['columns'], message: 'must include __time when the scan has an order', input: q.columns });
  }
}).transform(({ legacy: _legacy, ...q }): ScanQuery => q);

const timeBoundary = z.object({
  queryType: z.literal('timeBoundary'),
  ...base,
  intervals: intervals(false),
  filter: filterSchema.nullable().optional().transform((f) => f ?? null),
  bound: z.enum(['minTime', 'maxTime'], { error: 'expected minTime or maxTime' }).nullable().optional().transform((b) => b ?? null),
});

const toInclude = z.discriminatedUnion('type', [
  z.object({ type: z.literal('all') }),
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('list'), columns: z.array(nonEmptyString(), { error: 'expected an array of column names' }) }),
], { error: typeError('toInclude', ['all', 'none', 'list']) });

const segmentMetadata = z.object({
  queryType: z.literal('segmentMetadata'),
  ...base,
  intervals: intervals(false),
  toInclude: toInclude.optional().transform((t) => t ?? { type: 'all' as const }),
  merge: flag(false),
  analysisTypes: z.array(z.enum(ANALYSIS_TYPES, { error: `expected one of ${ANALYSIS_TYPES.join(', ')}` }), { error: 'expected an array of analysis types' })
    .optional().transform((a): AnalysisType[] => a ?? ['cardinality', 'interval', 'minmax']),
  lenientAggregatorMerge: flag(false),
});

const dataSourceMetadata = z.object({ queryType: z.literal('dataSourceMetadata'), ...base, intervals: intervals(false) });

const querySchema = z.discriminatedUnion('queryType', [timeseries, topN, groupBy, scan, timeBoundary, segmentMetadata, dataSourceMetadata], {
  error: (iss) => {
    if (iss.code !== 'invalid_union') return `expected a query object, got ${iss.input === null ? 'null' : typeof iss.input}`;
    const type = (iss.input as { queryType?: unknown } | undefined)?.queryType;
    return type === undefined ? `required (one of ${QUERY_TYPES.join(', ')})` : `unknown query type ${JSON.stringify(type)} (expected one of ${QUERY_TYPES.join(', ')})`;
  },
}).superRefine((q, ctx) => {
  if (q.queryType === 'timeseries' || q.queryType === 'topN' || q.queryType === 'groupBy') checkOutputNames(q, ctx);
});

function contextFlag(ctx: Record<string, unknown>, key: string): boolean {
  const v = ctx[key];
  return v === true || v === 'true';
}

/**
 * Output names are one namespace (dimensions, aggregators, post-aggregators) and every reference
 * (post-aggregator fields, the topN metric, having, limitSpec columns) must name one of them.
 */
function checkOutputNames(q: AggregatingQuery, ctx: z.RefinementCtx): void {
  const issue = (path: Array<string | number>, message: string) => ctx.addIssue({ code: 'custom', path, message, input: undefined });
  const names = new Set<string>();
  const claim = (name: string, path: Array<string | number>) => {
    if (name === '__time') issue(path, '"__time" cannot be an output name');
    else if (names.has(name)) issue(path, `duplicate output name "${name}"`);
    names.add(name);
  };
  const dimensions = q.queryType === 'groupBy' ? q.dimensions : q.queryType === 'topN' ? [q.dimension] : [];
  dimensions.forEach((d, i) => claim(d.outputName, q.queryType === 'groupBy' ? ['dimensions', i] : ['dimension']));
  q.aggregations.forEach((a, i) => claim(a.name, ['aggregations', i, 'name']));
  q.postAggregations.forEach((p, i) => {
    for (const ref of postAggregatorInputs(p, ['postAggregations', i])) {
      if (!names.has(ref.name)) issue(ref.path, `unknown aggregator or earlier post-aggregator "${ref.name}"`);
    }
    if (p.name === null) issue(['postAggregations', i, 'name'], 'required');
    else claim(p.name, ['postAggregations', i, 'name']);
  });
  if (q.queryType === 'topN') {
    const metric = topNMetricName(q.metric);
    const metrics = [...q.aggregations.map((a) => a.name), ...q.postAggregations.map((p) => p.name)];
    if (metric !== null && !metrics.includes(metric)) issue(['metric'], `unknown aggregator or post-aggregator "${metric}"`);
  }
  if (q.queryType === 'groupBy') {
    for (const ref of q.having === null ? [] : havingInputs(q.having, ['having'])) {
      if (!names.has(ref.name)) issue(ref.path, `unknown output name "${ref.name}"`);
    }
    q.limitSpec?.columns.forEach((c, i) => {
      if (!names.has(c.dimension)) issue(['limitSpec', 'columns', i, 'dimension'], `unknown output name "${c.dimension}"`);
    });
  }
}

/** Parses a Druid native query; throws SpecValidationError('invalid_query') naming every bad field. */
export function parseQuery(json: unknown): Query {
  return parseWith(querySchema, json, 'invalid_query') as Query;
}

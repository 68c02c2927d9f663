import { z } from 'zod';
import { compileExpression } from '../ingest/expression.ts';
import type { InputSourceSpec } from '../ingest/input-source.ts';
import { timestampParser } from '../ingest/timestamp.ts';
import type { DimensionSchema, DimensionType } from '../segment/types.ts';
import { parseGranularity, type GranularitySpec } from '../time/granularity.ts';
import { parseInstant } from '../time/instant.ts';
import type { Interval } from '../time/interval.ts';
import { aggregatorSchema, innerAggregator, type AggregatorSpec } from './aggregator.ts';
import { filterSchema, type Filter } from './filter.ts';
import { intervalText, nonEmptyString, optionalBoolean, requiredBoolean, requiredNumber, requiredString, typeError } from './query-fields.ts';
import { issuesOf, SpecValidationError, type FieldIssue } from './validation.ts';

/**
 * Druid's native batch ingestion spec (`spec` of an `index_parallel` or `index` task: dataSchema,
 * ioConfig, tuningConfig), accepted as Druid accepts it and parsed into defaults-filled data.
 * Validation names every bad field before any work starts.
 */

export interface TimestampSpec {
  column: string;
  /** `iso`, `auto`, `millis`, `posix`, `micro`, `nano`, `ruby` or a Joda-time pattern. */
  format: string;
  /** Epoch ms used for rows without a timestamp, or null. */
  missingValue: number | null;
}

export interface DimensionsSpec {
  /** The listed dimensions; empty means schemaless (discover every other field as a string). */
  dimensions: DimensionSchema[];
  dimensionExclusions: string[];
}

export interface IngestGranularitySpec {
  segmentGranularity: GranularitySpec;
  queryGranularity: GranularitySpec;
  rollup: boolean;
  /** Rows whose time chunk overlaps none of these are thrown away; null accepts every row. */
  intervals: Interval[] | null;
}

export interface ExpressionTransform {
  type: 'expression';
  name: string;
  expression: string;
}

export interface TransformSpec {
  filter: Filter | null;
  transforms: ExpressionTransform[];
}

export interface DataSchema {
  dataSource: string;
  timestampSpec: TimestampSpec;
  dimensionsSpec: DimensionsSpec;
  metricsSpec: AggregatorSpec[];
  granularitySpec: IngestGranularitySpec;
  transformSpec: TransformSpec;
}

export type InputFormatSpec =
  | { type: 'json' }
  | {
      type: 'csv' | 'tsv';
      /** Column names, or null when they come from each file's header row. */
      columns: string[] | null;
      findColumnsFromHeader: boolean;
      skipHeaderRows: number;
      delimiter: string;
    };

export interface IoConfig {
  inputSource: InputSourceSpec;
  inputFormat: InputFormatSpec;
  appendToExisting: boolean;
  dropExisting: boolean;
}

export type PartitionsSpec =
  | { type: 'dynamic'; maxRowsPerSegment: number }
  | { type: 'hashed'; numShards: number | null; targetRowsPerSegment: number | null; partitionDimensions: string[] }
  | { type: 'range'; partitionDimensions: string[]; targetRowsPerSegment: number };

export interface TuningConfig {
  maxRowsInMemory: number;
  partitionsSpec: PartitionsSpec;
  forceGuaranteedRollup: boolean;
  maxParseExceptions: number;
  maxSavedParseExceptions: number;
  logParseExceptions: boolean;
}

export interface IngestionSpec {
  dataSchema: DataSchema;
  ioConfig: IoConfig;
  tuningConfig: TuningConfig;
}

/** Druid's defaults. */
export const DEFAULT_MAX_ROWS_IN_MEMORY = 1_000_000;
export const DEFAULT_MAX_ROWS_PER_SEGMENT = 5_000_000;
export const DEFAULT_MAX_PARSE_EXCEPTIONS = 2_147_483_647;
/** Druid keeps none by default; grove keeps the first few so a report can show what went wrong. */
export const DEFAULT_MAX_SAVED_PARSE_EXCEPTIONS = 10;

// ---------------------------------------------------------------------------------------------
// Field schemas

const positiveInt = () => requiredNumber().int({ error: 'must be an integer' }).positive({ error: 'must be positive' });
const nonNegativeInt = () => requiredNumber().int({ error: 'must be an integer' }).nonnegative({ error: 'must not be negative' });
const stringList = () => z.array(requiredString(), { error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of strings') });
const nonEmptyStringList = () => z.array(nonEmptyString(), { error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of names') });
const unsupported = (what: string) => z.unknown().refine((v) => v === undefined || v === null || (Array.isArray(v) && v.length === 0), { error: `${what} is not supported` }).optional();

/** A granularity as Druid writes it (a name, or a `period`/`duration` object), checked to parse. */
const granularity = (fallback: string) =>
  z.unknown().optional().transform((v, ctx): GranularitySpec => {
    if (v === undefined || v === null) return fallback;
    try {
      parseGranularity(v);
      return (typeof v === 'string' ? v.toLowerCase() : v) as GranularitySpec;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message, input: v });
      return z.NEVER;
    }
  });

const timestampSpecSchema = z.object({
  column: nonEmptyString().default('timestamp'),
  format: nonEmptyString().default('auto').superRefine((format, ctx) => {
    try {
      timestampParser(format);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message, input: format });
    }
  }),
  missingValue: z.union([z.string(), z.number(), z.null()], { error: 'expected an ISO-8601 time or epoch millis' }).optional().transform((v, ctx) => {
    if (v === undefined || v === null) return null;
    const t = typeof v === 'number' ? v : parseInstant(v);
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not an ISO-8601 time`, input: v });
      return z.NEVER;
    }
    return t;
  }),
}, { error: 'expected a timestampSpec object' });

const DIMENSION_TYPES = ['string', 'long', 'float', 'double'] as const;

/** A dimension: a name (a string dimension) or `{type, name}`; names become objects first so errors name the field. */
const dimensionSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { type: 'string', name: v } : v),
  z.object({
    type: z.enum(DIMENSION_TYPES, { error: (iss) => `unsupported dimension type ${JSON.stringify(iss.input)} (expected one of ${DIMENSION_TYPES.join(', ')})` }).default('string'),
    name: nonEmptyString(),
  }, { error: 'expected a dimension name or a {type, name} object' }).transform(({ type, name }): DimensionSchema => ({ name, type: type as DimensionType })),
);

const dimensionsSpecSchema = z.object({
  dimensions: z.array(dimensionSchema, { error: 'expected an array of dimensions' }).nullish().transform((v) => v ?? []),
  dimensionExclusions: stringList().nullish().transform((v) => v ?? []),
  spatialDimensions: unsupported('spatialDimensions'),
}, { error: 'expected a dimensionsSpec object' });

const granularitySpecSchema = z.object({
  type: z.literal('uniform', { error: (iss) => `unsupported granularitySpec type ${JSON.stringify(iss.input)} (expected uniform)` }).optional(),
  segmentGranularity: granularity('day').refine((g) => g !== 'none' && !(typeof g === 'object' && 'type' in g && g.type === 'none'), {
    error: 'segmentGranularity none would make a time chunk per millisecond',
  }),
  queryGranularity: granularity('none'),
  rollup: optionalBoolean(true),
  intervals: z.array(intervalText(), { error: 'expected an array of intervals' }).nullish().transform((v) => (v === undefined || v === null || v.length === 0 ? null : v)),
}, { error: 'expected a granularitySpec object' }).transform(({ type: _uniform, ...g }): IngestGranularitySpec => g);

const transformSchema = z.object({
  type: z.literal('expression', { error: (iss) => `unsupported transform type ${JSON.stringify(iss.input)} (expected expression)` }),
  name: nonEmptyString(),
  expression: requiredString().superRefine((text, ctx) => {
    try {
      compileExpression(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message, input: text });
    }
  }),
});

const transformSpecSchema = z.object({
  filter: filterSchema.nullish().transform((f) => f ?? null),
  transforms: z.array(transformSchema, { error: 'expected an array of transforms' }).nullish().transform((v) => v ?? []),
}, { error: 'expected a transformSpec object' });

const dataSchemaSchema = z.object({
  dataSource: nonEmptyString(),
  timestampSpec: timestampSpecSchema.optional().transform((v) => v ?? timestampSpecSchema.parse({})),
  dimensionsSpec: dimensionsSpecSchema.optional().transform((v): DimensionsSpec => v ?? { dimensions: [], dimensionExclusions: [] }),
  metricsSpec: z.array(aggregatorSchema, { error: 'expected an array of aggregators' }).nullish().transform((v) => v ?? []),
  granularitySpec: granularitySpecSchema.optional().transform((v) => v ?? granularitySpecSchema.parse({})),
  transformSpec: transformSpecSchema.optional().transform((v): TransformSpec => v ?? { filter: null, transforms: [] }),
}, { error: (iss) => (iss.input === undefined ? 'required' : 'expected a dataSchema object') });

const localSourceSchema = z.object({
  type: z.literal('local'),
  baseDir: nonEmptyString().optional(),
  filter: nonEmptyString().optional(),
  files: z.array(nonEmptyString(), { error: 'expected an array of file paths' }).optional(),
}).superRefine((s, ctx) => {
  if (s.baseDir === undefined && (s.files === undefined || s.files.length === 0)) {
    ctx.addIssue({ code: 'custom', path: ['baseDir'], message: 'required unless files are listed', input: undefined });
  }
  if (s.filter !== undefined && s.baseDir === undefined) ctx.addIssue({ code: 'custom', path: ['filter'], message: 'needs baseDir', input: s.filter });
}).transform((s): InputSourceSpec => ({ type: 'local', baseDir: s.baseDir, filter: s.filter, files: s.files }));

const inlineSourceSchema = z.object({ type: z.literal('inline'), data: requiredString() })
  .transform(({ data }): InputSourceSpec => ({ type: 'inline', data }));

const INPUT_SOURCE_TYPES = ['local', 'inline'];
const inputSourceSchema = z.discriminatedUnion('type', [localSourceSchema, inlineSourceSchema], { error: typeError('inputSource', INPUT_SOURCE_TYPES) });

const jsonFormatSchema = z.object({
  type: z.literal('json'),
  flattenSpec: z.unknown().refine((v) => v === undefined || v === null || (typeof v === 'object' && !((v as { fields?: unknown[] }).fields?.length)), {
    error: 'flattenSpec fields are not supported',
  }).optional(),
}).transform((): InputFormatSpec => ({ type: 'json' }));

function delimitedFormatSchema(type: 'csv' | 'tsv', defaultDelimiter: string) {
  return z.object({
    type: z.literal(type),
    columns: stringList().nullish(),
    findColumnsFromHeader: requiredBoolean().optional(),
    /** Druid's older name for findColumnsFromHeader. */
    hasHeaderRow: requiredBoolean().optional(),
    skipHeaderRows: nonNegativeInt().default(0),
    delimiter: requiredString().min(1, { error: 'must not be empty' }).default(defaultDelimiter),
    listDelimiter: z.string().optional(),
  }).superRefine((f, ctx) => {
    const fromHeader = f.findColumnsFromHeader ?? f.hasHeaderRow ?? false;
    if ((f.columns === undefined || f.columns === null || f.columns.length === 0) && !fromHeader) {
      ctx.addIssue({ code: 'custom', path: ['columns'], message: 'required unless findColumnsFromHeader is true', input: f.columns });
    }
    const seen = new Set<string>();
    (f.columns ?? []).forEach((c, i) => {
      if (seen.has(c)) ctx.addIssue({ code: 'custom', path: ['columns', i], message: `duplicate column "${c}"`, input: c });
      seen.add(c);
    });
  }).transform((f): InputFormatSpec => {
    const fromHeader = f.findColumnsFromHeader ?? f.hasHeaderRow ?? false;
    return { type, columns: fromHeader || !f.columns?.length ? null : f.columns, findColumnsFromHeader: fromHeader, skipHeaderRows: f.skipHeaderRows, delimiter: f.delimiter };
  });
}

const INPUT_FORMAT_TYPES = ['json', 'csv', 'tsv'];
const inputFormatSchema = z.discriminatedUnion('type', [jsonFormatSchema, delimitedFormatSchema('csv', ','), delimitedFormatSchema('tsv', '\t')], {
  error: typeError('inputFormat', INPUT_FORMAT_TYPES),
});

const ioConfigSchema = z.object({
  type: z.enum(['index_parallel', 'index'], { error: (iss) => `ioConfig type ${JSON.stringify(iss.input)} does not match the task (expected index_parallel or index)` }).optional(),
  inputSource: inputSourceSchema,
  inputFormat: inputFormatSchema,
  appendToExisting: optionalBoolean(false),
  dropExisting: optionalBoolean(false),
  firehose: unsupported('firehose (use inputSource)'),
}, { error: (iss) => (iss.input === undefined ? 'required' : 'expected an ioConfig object') });

const dynamicSchema = z.object({ type: z.literal('dynamic'), maxRowsPerSegment: positiveInt().nullish(), maxTotalRows: z.unknown().optional() });
const hashedSchema = z.object({
  type: z.literal('hashed'),
  numShards: positiveInt().nullish(),
  targetRowsPerSegment: positiveInt().nullish(),
  maxRowsPerSegment: positiveInt().nullish(),
  partitionDimensions: stringList().nullish(),
  partitionFunction: z.literal('murmur3_32_abs', { error: 'only murmur3_32_abs is supported' }).optional(),
}).superRefine((h, ctx) => {
  if (h.numShards != null && (h.targetRowsPerSegment ?? h.maxRowsPerSegment) != null) {
    ctx.addIssue({ code: 'custom', path: ['numShards'], message: 'give numShards or targetRowsPerSegment, not both', input: h.numShards });
  }
});
const rangeSchema = z.object({
  type: z.literal('range'),
  partitionDimensions: nonEmptyStringList().min(1, { error: 'must name at least one dimension' }),
  targetRowsPerSegment: positiveInt().nullish(),
  maxRowsPerSegment: positiveInt().nullish(),
  assumeGrouped: z.boolean().optional(),
}).superRefine(exactlyOneRowTarget);
const singleDimSchema = z.object({
  type: z.literal('single_dim'),
  partitionDimension: nonEmptyString(),
  targetRowsPerSegment: positiveInt().nullish(),
  maxRowsPerSegment: positiveInt().nullish(),
  assumeGrouped: z.boolean().optional(),
}).superRefine(exactlyOneRowTarget);

function exactlyOneRowTarget(r: { targetRowsPerSegment?: number | null; maxRowsPerSegment?: number | null }, ctx: z.RefinementCtx): void {
  const given = [r.targetRowsPerSegment, r.maxRowsPerSegment].filter((v) => v !== undefined && v !== null).length;
  if (given !== 1) ctx.addIssue({ code: 'custom', path: ['targetRowsPerSegment'], message: 'exactly one of targetRowsPerSegment and maxRowsPerSegment is required', input: r.targetRowsPerSegment });
}

const PARTITIONS_SPEC_TYPES = ['dynamic', 'hashed', 'range', 'single_dim'];
const partitionsSpecSchema = z.discriminatedUnion('type', [dynamicSchema, hashedSchema, rangeSchema, singleDimSchema], { error: typeError('partitionsSpec', PARTITIONS_SPEC_TYPES) });

const tuningConfigSchema = z.object({
  type: z.enum(['index_parallel', 'index'], { error: (iss) => `tuningConfig type ${JSON.stringify(iss.input)} does not match the task (expected index_parallel or index)` }).optional(),
  maxRowsInMemory: positiveInt().default(DEFAULT_MAX_ROWS_IN_MEMORY),
  maxRowsPerSegment: positiveInt().nullish(),
  numShards: positiveInt().nullish(),
  partitionDimensions: stringList().nullish(),
  partitionsSpec: partitionsSpecSchema.nullish(),
  forceGuaranteedRollup: optionalBoolean(false),
  maxParseExceptions: nonNegativeInt().nullish(),
  maxSavedParseExceptions: nonNegativeInt().nullish(),
  logParseExceptions: optionalBoolean(false),
  reportParseExceptions: requiredBoolean().optional(),
}, { error: 'expected a tuningConfig object' });

type RawTuning = z.output<typeof tuningConfigSchema>;

/** Druid's rules for which partitionsSpec applies, including the legacy top-level fields. */
function resolvePartitionsSpec(t: RawTuning): PartitionsSpec {
  const p = t.partitionsSpec;
  if (p === undefined || p === null) {
    if (t.forceGuaranteedRollup || t.numShards != null) {
      return { type: 'hashed', numShards: t.numShards ?? null, targetRowsPerSegment: t.numShards != null ? null : t.maxRowsPerSegment ?? DEFAULT_MAX_ROWS_PER_SEGMENT, partitionDimensions: t.partitionDimensions ?? [] };
    }
    return { type: 'dynamic', maxRowsPerSegment: t.maxRowsPerSegment ?? DEFAULT_MAX_ROWS_PER_SEGMENT };
  }
  switch (p.type) {
    case 'dynamic':
      return { type: 'dynamic', maxRowsPerSegment: p.maxRowsPerSegment ?? t.maxRowsPerSegment ?? DEFAULT_MAX_ROWS_PER_SEGMENT };
    case 'hashed': {
      const numShards = p.numShards ?? null;
      const target = p.targetRowsPerSegment ?? p.maxRowsPerSegment ?? null;
      return { type: 'hashed', numShards, targetRowsPerSegment: numShards === null ? target ?? DEFAULT_MAX_ROWS_PER_SEGMENT : null, partitionDimensions: p.partitionDimensions ?? [] };
    }
    case 'range':
      return { type: 'range', partitionDimensions: p.partitionDimensions, targetRowsPerSegment: (p.targetRowsPerSegment ?? p.maxRowsPerSegment)! };
    case 'single_dim':
      return { type: 'range', partitionDimensions: [p.partitionDimension], targetRowsPerSegment: (p.targetRowsPerSegment ?? p.maxRowsPerSegment)! };
  }
}

function resolveTuning(t: RawTuning): TuningConfig {
  // Druid's legacy reportParseExceptions: true means "fail on the first parse exception".
  const strict = t.reportParseExceptions === true;
  return {
    maxRowsInMemory: t.maxRowsInMemory,
    partitionsSpec: resolvePartitionsSpec(t),
    forceGuaranteedRollup: t.forceGuaranteedRollup,
    maxParseExceptions: strict ? 0 : t.maxParseExceptions ?? DEFAULT_MAX_PARSE_EXCEPTIONS,
    maxSavedParseExceptions: t.maxSavedParseExceptions ?? DEFAULT_MAX_SAVED_PARSE_EXCEPTIONS,
    logParseExceptions: t.logParseExceptions,
  };
}

const ingestionSpecSchema = z.object({
  dataSchema: dataSchemaSchema,
  ioConfig: ioConfigSchema,
  tuningConfig: tuningConfigSchema.optional().transform((v) => resolveTuning(v ?? tuningConfigSchema.parse({}))),
}, { error: (iss) => (iss.input === undefined ? 'required' : 'expected an object with dataSchema, ioConfig and tuningConfig') });

// ---------------------------------------------------------------------------------------------
// Cross-field rules, checked on the raw JSON so they are reported together with the field errors

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const nameOf = (v: unknown): string | null => (typeof v === 'string' ? v : typeof obj(v).name === 'string' ? (obj(v).name as string) : null);

/** Every rule Druid enforces across fields: unique column names, compatible partitioning, ... */
function crossFieldIssues(raw: unknown, prefix: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (path: string, reason: string): void => { issues.push({ path: `${prefix}.${path}`, reason }); };
  const spec = obj(raw);
  const dataSchema = obj(spec.dataSchema);
  const dimensions = arr(obj(dataSchema.dimensionsSpec).dimensions);
  const metrics = arr(dataSchema.metricsSpec);
  const exclusions = new Set(arr(obj(dataSchema.dimensionsSpec).dimensionExclusions).filter((v): v is string => typeof v === 'string'));

  const dimensionAt = new Map<string, number>();
  dimensions.forEach((d, i) => {
    const name = nameOf(d);
    if (name === null) return;
    const path = `dataSchema.dimensionsSpec.dimensions[${i}]`;
    if (name === '__time') at(path, '__time is the time column; it cannot be a dimension');
    else if (dimensionAt.has(name)) at(path, `duplicate dimension "${name}" (also dimensions[${dimensionAt.get(name)}])`);
    else dimensionAt.set(name, i);
    if (exclusions.has(name)) at(path, `"${name}" is both a dimension and in dimensionExclusions`);
  });
  const metricAt = new Map<string, number>();
  metrics.forEach((m, i) => {
    const name = nameOf(m);
    if (name === null) return;
    const path = `dataSchema.metricsSpec[${i}].name`;
    if (name === '__time') at(path, '__time is the time column; it cannot be a metric');
    else if (dimensionAt.has(name)) at(path, `"${name}" is also a dimension (dimensions[${dimensionAt.get(name)}])`);
    else if (metricAt.has(name)) at(path, `duplicate metric "${name}" (also metricsSpec[${metricAt.get(name)}])`);
    else metricAt.set(name, i);
  });

  const ioConfig = obj(spec.ioConfig);
  const tuning = obj(spec.tuningConfig);
  const partitionsType = obj(tuning.partitionsSpec).type;
  const perfect = tuning.forceGuaranteedRollup === true;
  if (ioConfig.appendToExisting === true && ioConfig.dropExisting === true) at('ioConfig.dropExisting', 'cannot be true when appendToExisting is true');
  if (ioConfig.dropExisting === true && arr(obj(dataSchema.granularitySpec).intervals).length === 0) {
    at('ioConfig.dropExisting', 'needs granularitySpec.intervals: they say which existing segments to drop');
  }
  if (perfect && ioConfig.appendToExisting === true) at('tuningConfig.forceGuaranteedRollup', 'perfect rollup cannot be guaranteed when appending to existing data (appendToExisting is true)');
  if (perfect && partitionsType === 'dynamic') at('tuningConfig.partitionsSpec.type', 'dynamic partitioning is best-effort rollup; forceGuaranteedRollup needs hashed or range');
  if (!perfect && (partitionsType === 'hashed' || partitionsType === 'range' || partitionsType === 'single_dim')) {
    at('tuningConfig.forceGuaranteedRollup', `must be true for ${partitionsType} partitioning (perfect rollup)`);
  }
  if (partitionsType === 'range' || partitionsType === 'single_dim') {
    const partitionsSpec = obj(tuning.partitionsSpec);
    const names = partitionsType === 'range' ? arr(partitionsSpec.partitionDimensions) : [partitionsSpec.partitionDimension];
    names.forEach((n, i) => {
      if (typeof n !== 'string' || dimensionAt.size === 0) return;
      const path = partitionsType === 'range' ? `tuningConfig.partitionsSpec.partitionDimensions[${i}]` : 'tuningConfig.partitionsSpec.partitionDimension';
      const d = dimensionAt.has(n) ? dimensions[dimensionAt.get(n)!] : undefined;
      if (d === undefined) at(path, `"${n}" is not a dimension`);
      else if (typeof d === 'object' && d !== null && (obj(d).type ?? 'string') !== 'string') at(path, `"${n}" is not a string dimension`);
    });
  }
  return issues;
}

/** Fields the aggregators read, which schemaless discovery leaves out (Druid's DataSchema does so). */
export function metricInputFields(metrics: readonly AggregatorSpec[]): string[] {
  return metrics.flatMap((m) => {
    const inner = innerAggregator(m);
    return [m.name, ...('fieldName' in inner ? [inner.fieldName] : [])];
  });
}

/**
 * Parses an ingestion spec (`spec` of an index task). Throws SpecValidationError('invalid_spec')
 * naming every bad field, paths starting with `prefix`.
 */
export function parseIngestionSpec(json: unknown, prefix = 'spec'): IngestionSpec {
  const result = ingestionSpecSchema.safeParse(json);
  const issues = [...(result.success ? [] : issuesOf(result.error, prefix)), ...crossFieldIssues(json, prefix)];
  if (issues.length > 0 || !result.success) throw new SpecValidationError('invalid_spec', dedupe(issues));
  return result.data;
}

/** What reading one part of a spec gave: the part (null when it is bad) and every bad field. */
export interface SpecPart<T> {
  value: T | null;
  issues: FieldIssue[];
}

/**
 * A dataSchema read as a batch spec reads it, the cross-field rules included (a streaming
 * supervisor spec has the same one). Paths start with `prefix` (`spec.dataSchema...`).
 */
export function readDataSchema(raw: unknown, prefix: string): SpecPart<DataSchema> {
  const result = dataSchemaSchema.safeParse(raw);
  const issues = [...(result.success ? [] : issuesOf(result.error, `${prefix}.dataSchema`)), ...crossFieldIssues({ dataSchema: raw }, prefix)];
  return { value: result.success ? result.data : null, issues: dedupe(issues) };
}

/** An inputFormat (json, csv, tsv) read as a batch spec reads it; paths start with `path`. */
export function readInputFormat(raw: unknown, path: string): SpecPart<InputFormatSpec> {
  const result = inputFormatSchema.safeParse(raw);
  return result.success ? { value: result.data, issues: [] } : { value: null, issues: issuesOf(result.error, path) };
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

import { z } from 'zod';
import type { GranularitySpec } from '../time/granularity.ts';
import { parseGranularity } from '../time/granularity.ts';
import type { Interval } from '../time/interval.ts';
import { parseIngestionSpec, type IngestionSpec } from './ingestion-spec.ts';
import { intervalText, nonEmptyString, optionalBoolean, requiredBoolean, requiredNumber } from './query-fields.ts';
import { issuesOf, SpecValidationError, type FieldIssue } from './validation.ts';

/**
 * Druid's task JSON as submitted to `grove.api.task.submit`: native batch `index_parallel` and
 * `index`, `compact` and `kill`. Parsing refuses a bad task before any work, naming every bad
 * field (`spec.dataSchema.metricsSpec[1].fieldName`, `interval`, ...).
 */

export const TASK_TYPES = ['index_parallel', 'index', 'compact', 'kill'] as const;
export type SubmittableTaskType = (typeof TASK_TYPES)[number];

/** Druid's default lock priorities: batch 50, compaction 25, everything else (kill) 0. */
export const DEFAULT_TASK_PRIORITY: Readonly<Record<SubmittableTaskType, number>> = { index_parallel: 50, index: 50, compact: 25, kill: 0 };

interface TaskCommon {
  /** The id the submitter chose, or null (the overlord makes one). */
  id: string | null;
  /** Tasks of a group share locks; null means the task's own id. */
  groupId: string | null;
  dataSource: string;
  priority: number;
  context: Record<string, unknown>;
}

export interface IndexTaskSpec extends TaskCommon {
  type: 'index_parallel' | 'index';
  spec: IngestionSpec;
}

export type CompactionInput = { type: 'interval'; interval: Interval } | { type: 'segments'; segmentIds: string[] };

export interface CompactTaskSpec extends TaskCommon {
  type: 'compact';
  input: CompactionInput;
  /** Overrides of the compacted segments' granularities and rollup; null keeps theirs. */
  granularitySpec: { segmentGranularity: GranularitySpec | null; queryGranularity: GranularitySpec | null; rollup: boolean | null } | null;
  /** The task's tuningConfig as given (an index_parallel tuningConfig), or null. */
  tuningConfig: Record<string, unknown> | null;
  dropExisting: boolean;
}

export interface KillTaskSpec extends TaskCommon {
  type: 'kill';
  interval: Interval;
}

export type TaskSpec = IndexTaskSpec | CompactTaskSpec | KillTaskSpec;

// ---------------------------------------------------------------------------------------------

const common = {
  id: nonEmptyString().nullish().transform((v) => v ?? null),
  groupId: nonEmptyString().nullish().transform((v) => v ?? null),
  context: z.object({ priority: requiredNumber().int({ error: 'must be an integer' }).optional() }, { error: 'expected an object' })
    .loose().nullish().transform((v) => (v ?? {}) as Record<string, unknown> & { priority?: number }),
};

const granularityOrNull = z.unknown().optional().transform((v, ctx): GranularitySpec | null => {
  if (v === undefined || v === null) return null;
  try {
    parseGranularity(v);
    return v as GranularitySpec;
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message, input: v });
    return z.NEVER;
  }
});

const segmentId = z.union([
  nonEmptyString(),
  z.object({ id: nonEmptyString() }).transform((s) => s.id),
  z.object({ identifier: nonEmptyString() }).transform((s) => s.identifier),
], { error: 'expected a segment id' });

const inputSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('interval'), interval: intervalText() }).transform(({ interval }): CompactionInput => ({ type: 'interval', interval })),
  z.object({ type: z.literal('segments'), segments: z.array(segmentId, { error: 'expected an array of segments' }).min(1, { error: 'must list at least one segment' }) })
    .transform(({ segments }): CompactionInput => ({ type: 'segments', segmentIds: segments })),
], { error: (iss) => (iss.input === undefined ? 'required' : 'expected {type: "interval", interval} or {type: "segments", segments}') });

const compactSchema = z.object({
  type: z.literal('compact'),
  ...common,
  dataSource: nonEmptyString(),
  ioConfig: z.object({ type: z.literal('compact').optional(), inputSpec: inputSpecSchema, dropExisting: optionalBoolean(false) }, { error: 'expected an ioConfig object' }).optional(),
  /** Druid's older forms: the interval (or segments) at the top level. */
  interval: intervalText().optional(),
  segments: z.array(segmentId, { error: 'expected an array of segments' }).optional(),
  segmentGranularity: granularityOrNull,
  granularitySpec: z.object({
    segmentGranularity: granularityOrNull,
    queryGranularity: granularityOrNull,
    rollup: requiredBoolean().nullish().transform((v) => v ?? null),
  }, { error: 'expected a granularitySpec object' }).nullish(),
  tuningConfig: z.record(z.string(), z.unknown(), { error: 'expected a tuningConfig object' }).nullish(),
}).transform((t): CompactTaskSpec => {
  const input: CompactionInput = t.ioConfig?.inputSpec
    ?? (t.interval !== undefined ? { type: 'interval', interval: t.interval } : { type: 'segments', segmentIds: t.segments! });
  const g = t.granularitySpec ?? null;
  const segmentGranularity = g?.segmentGranularity ?? t.segmentGranularity;
  return {
    type: 'compact', id: t.id, groupId: t.groupId, dataSource: t.dataSource, context: t.context,
    priority: t.context.priority ?? DEFAULT_TASK_PRIORITY.compact,
    input,
    granularitySpec: g === null && segmentGranularity === null ? null : { segmentGranularity, queryGranularity: g?.queryGranularity ?? null, rollup: g?.rollup ?? null },
    tuningConfig: t.tuningConfig ?? null,
    dropExisting: t.ioConfig?.dropExisting ?? false,
  };
});

const killSchema = z.object({
  type: z.literal('kill'),
  ...common,
  dataSource: nonEmptyString(),
  interval: intervalText(),
}).transform((t): KillTaskSpec => ({
  type: 'kill', id: t.id, groupId: t.groupId, dataSource: t.dataSource, context: t.context, priority: t.context.priority ?? DEFAULT_TASK_PRIORITY.kill, interval: t.interval,
}));

const indexEnvelopeSchema = z.object({
  type: z.enum(['index_parallel', 'index']),
  ...common,
  /** Druid prints a task's dataSource at the top level too; when given it must match. */
  dataSource: nonEmptyString().optional(),
  spec: z.unknown(),
});

/**
 * Parses a Druid task JSON. Throws SpecValidationError('invalid_spec') listing every bad field:
 * an unknown type, a missing dataSource, a bad granularity, interval or timestamp format, an
 * unknown aggregator, duplicate columns, ...
 */
export function parseTaskSpec(json: unknown): TaskSpec {
  const type = (json !== null && typeof json === 'object' ? (json as { type?: unknown }).type : undefined);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new SpecValidationError('invalid_spec', [{ path: '', reason: 'expected a task object' }]);
  switch (type) {
    case 'index_parallel':
    case 'index':
      return parseIndexTask(json as Record<string, unknown>);
    case 'compact':
      return parseOrThrow(compactSchema, json, compactInputIssues(json as Record<string, unknown>));
    case 'kill':
      return parseOrThrow(killSchema, json);
    default:
      throw new SpecValidationError('invalid_spec', [{
        path: 'type',
        reason: type === undefined ? `required (one of ${TASK_TYPES.join(', ')})` : `unknown task type ${JSON.stringify(type)} (expected one of ${TASK_TYPES.join(', ')})`,
      }]);
  }
}

function parseOrThrow<S extends z.ZodType>(schema: S, json: unknown, moreIssues: FieldIssue[] = []): z.output<S> {
  const result = schema.safeParse(json);
  const issues = [...(result.success ? [] : issuesOf(result.error)), ...moreIssues];
  if (!result.success || issues.length > 0) throw new SpecValidationError('invalid_spec', issues);
  return result.data;
}

/** A compaction names what to compact in exactly one way (checked apart so it is reported with the rest). */
function compactInputIssues(json: Record<string, unknown>): FieldIssue[] {
  const given = [json.ioConfig, json.interval, json.segments].filter((v) => v !== undefined).length;
  if (given === 0) return [{ path: 'ioConfig.inputSpec', reason: 'required: what to compact (an interval or segments)' }];
  if (given > 1) return [{ path: 'ioConfig.inputSpec', reason: 'give ioConfig.inputSpec, interval or segments, only one of them' }];
  return [];
}

function parseIndexTask(json: Record<string, unknown>): IndexTaskSpec {
  const issues: FieldIssue[] = [];
  const envelope = indexEnvelopeSchema.safeParse(json);
  if (!envelope.success) issues.push(...issuesOf(envelope.error));
  const taskType = json.type as 'index_parallel' | 'index';
  const rawSpec = modernize(json.spec, json.dataSource);
  let spec: IngestionSpec | null = null;
  try {
    spec = parseIngestionSpec(rawSpec, 'spec');
  } catch (e) {
    if (!(e instanceof SpecValidationError)) throw e;
    issues.push(...e.details);
  }
  issues.push(...typeMismatches(rawSpec, taskType));
  if (spec !== null && envelope.success && envelope.data.dataSource !== undefined && envelope.data.dataSource !== spec.dataSchema.dataSource) {
    issues.push({ path: 'dataSource', reason: `"${envelope.data.dataSource}" differs from spec.dataSchema.dataSource "${spec.dataSchema.dataSource}"` });
  }
  if (issues.length > 0 || spec === null || !envelope.success) throw new SpecValidationError('invalid_spec', issues);
  const t = envelope.data;
  return {
    type: taskType, id: t.id, groupId: t.groupId, dataSource: spec.dataSchema.dataSource, context: t.context,
    priority: t.context.priority ?? DEFAULT_TASK_PRIORITY[taskType], spec,
  };
}

/** Druid wants the ioConfig and tuningConfig types to name the task's type. */
function typeMismatches(rawSpec: unknown, taskType: string): FieldIssue[] {
  const spec = (rawSpec ?? {}) as Record<string, Record<string, unknown> | undefined>;
  return (['ioConfig', 'tuningConfig'] as const)
    .filter((k) => typeof spec[k]?.type === 'string' && spec[k]!.type !== taskType)
    .map((k) => ({ path: `spec.${k}.type`, reason: `"${String(spec[k]!.type)}" does not match the task type "${taskType}"` }));
}

/**
 * Druid's older spellings, rewritten to today's: `dataSchema.parser.parseSpec` (timestampSpec,
 * dimensionsSpec, format) and `ioConfig.firehose` (local or inline), and a dataSource given only
 * at the task's top level. Anything else passes through untouched for the schema to judge.
 */
function modernize(spec: unknown, topLevelDataSource: unknown): unknown {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return spec;
  const s = { ...(spec as Record<string, unknown>) };
  const dataSchema = { ...asObject(s.dataSchema) };
  const ioConfig = { ...asObject(s.ioConfig) };
  if (dataSchema.dataSource === undefined && typeof topLevelDataSource === 'string') dataSchema.dataSource = topLevelDataSource;
  const parseSpec = asObject(asObject(dataSchema.parser).parseSpec);
  if (dataSchema.parser !== undefined) {
    dataSchema.timestampSpec ??= parseSpec.timestampSpec;
    dataSchema.dimensionsSpec ??= parseSpec.dimensionsSpec;
    delete dataSchema.parser;
    if (ioConfig.inputFormat === undefined && typeof parseSpec.format === 'string') {
      const { format, timestampSpec: _t, dimensionsSpec: _d, ...rest } = parseSpec;
      ioConfig.inputFormat = { type: format, ...rest };
    }
  }
  const firehose = asObject(ioConfig.firehose);
  if (ioConfig.firehose !== undefined && ioConfig.inputSource === undefined && (firehose.type === 'local' || firehose.type === 'inline')) {
    ioConfig.inputSource = firehose;
    delete ioConfig.firehose;
  }
  if (s.dataSchema !== undefined || dataSchema.dataSource !== undefined) s.dataSchema = dataSchema;
  if (s.ioConfig !== undefined) s.ioConfig = ioConfig;
  return s;
}

const asObject = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

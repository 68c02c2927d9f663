import { z } from 'zod';
import { parseDurationMs, PeriodFormatError } from '../time/period.ts';
import { readDataSchema, readInputFormat, type DataSchema, type InputFormatSpec } from './ingestion-spec.ts';
import { nonEmptyString, optionalBoolean, requiredNumber } from './query-fields.ts';
import { issuesOf, SpecValidationError, type FieldIssue } from './validation.ts';

/**
 * Druid's streaming supervisor spec with a JetStream stream for Kafka's topic:
 * `{ "type": "nats", "spec": { dataSchema, ioConfig, tuningConfig } }`, or the same three at the
 * top level (Druid accepts both). The supervisor's id is its datasource, as in Druid.
 */

export interface SupervisorIoConfig {
  /** The JetStream stream. */
  stream: string;
  /**
   * Partition `n` is the subject `${subjectPrefix}.${n}`. Null when not given: the supervisor
   * takes the stream's first subject without its last token (`orders.*` → `orders`) at submission.
   */
  subjectPrefix: string | null;
  /** As the spec gave it (the task reads it again); checked here. */
  inputFormat: unknown;
  taskCount: number;
  replicas: number;
  taskDurationMs: number;
  useEarliestSequence: boolean;
  completionTimeoutMs: number;
  lateMessageRejectionPeriodMs: number | null;
  earlyMessageRejectionPeriodMs: number | null;
  /** Druid's: how long after submission the first groups start, and how often the supervisor looks again. */
  startDelayMs: number;
  periodMs: number;
  /** Rows come from `grove.push.<dataSource>`: the supervisor creates the stream, with message-id de-duplication. */
  push: boolean;
  /** Push: JetStream's `duplicate_window`, how long a message id is remembered. */
  duplicateWindowMs: number;
}

export interface SupervisorTuningConfig {
  maxRowsInMemory: number;
  maxRowsPerSegment: number;
  intermediatePersistPeriodMs: number;
  /** 0 waits for ever (Druid's). */
  handoffConditionTimeoutMs: number;
}

export interface SupervisorSpec {
  dataSource: string;
  dataSchema: DataSchema;
  ioConfig: SupervisorIoConfig;
  tuningConfig: SupervisorTuningConfig;
  /** Druid's `suspended`: submitted suspended, it launches nothing until resumed. */
  suspended: boolean;
  /** The spec in Druid's nested form (`{ type, spec: {...} }`), as the log records it and status shows it. */
  json: SupervisorSpecJson;
}

export interface SupervisorSpecJson {
  type: 'nats';
  spec: { dataSchema: unknown; ioConfig: Record<string, unknown>; tuningConfig: Record<string, unknown> };
  suspended?: boolean;
}

/** Druid's defaults for a streaming supervisor (KafkaSupervisorIOConfig, KafkaSupervisorTuningConfig). */
export const SUPERVISOR_DEFAULTS = {
  taskDuration: 'PT1H',
  completionTimeout: 'PT30M',
  startDelay: 'PT5S',
  period: 'PT30S',
  duplicateWindow: 'PT2M',
  maxRowsInMemory: 150_000,
  maxRowsPerSegment: 5_000_000,
  intermediatePersistPeriod: 'PT10M',
  handoffConditionTimeout: 900_000,
} as const;

/** The stream a push supervisor writes to and reads from, and its subjects' prefix. */
export const pushStreamOf = (dataSource: string): { stream: string; subjectPrefix: string } => ({
  stream: `GROVE_PUSH_${dataSource}`,
  subjectPrefix: `grove.stream.${dataSource}`,
});

/** JetStream refuses these in stream names (and `.`, `*`, `>` would break subjects). */
const isStreamName = (s: string): boolean => !/[\s.*>/\\]/.test(s);
const isSubjectPrefix = (s: string): boolean => /^[^\s.*>]+(\.[^\s.*>]+)*$/.test(s);
const isToken = (s: string): boolean => s.length > 0 && !/[\s.*>]/.test(s);

/** A duration as Druid writes it (an ISO-8601 period such as PT1H) or milliseconds; in ms. */
const duration = (fallback: string | number | null) =>
  z.union([z.string(), z.number()], { error: (i) => `expected an ISO-8601 period (e.g. PT1H) or milliseconds, got ${i.input === null ? 'null' : typeof i.input}` })
    .nullish()
    .transform((v, ctx): number | null => {
      const given = v ?? fallback;
      if (given === null) return null;
      try {
        const ms = parseDurationMs(given);
        if (ms < 0 || !Number.isFinite(ms)) throw new PeriodFormatError(String(given));
        return ms;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: e instanceof PeriodFormatError ? `${JSON.stringify(given)} is not an ISO-8601 period of fixed length (e.g. PT10M, P1D) nor milliseconds` : (e as Error).message, input: v });
        return z.NEVER;
      }
    });

const positiveInt = (fallback: number) => requiredNumber().int({ error: 'must be an integer' }).positive({ error: 'must be positive' }).optional().default(fallback);

const ioConfigSchema = z.object({
  type: z.literal('nats', { error: (i) => `ioConfig type ${JSON.stringify(i.input)} does not match the supervisor (expected nats)` }).optional(),
  stream: nonEmptyString().refine(isStreamName, { error: 'a JetStream stream name cannot contain whitespace, ".", "*", ">", "/" or "\\"' }).optional(),
  subjectPrefix: nonEmptyString().refine(isSubjectPrefix, { error: 'must be a subject without wildcards, e.g. "orders" for the partitions orders.0, orders.1, ...' }).optional(),
  inputFormat: z.unknown().optional(),
  taskCount: positiveInt(1),
  replicas: positiveInt(1),
  taskDuration: duration(SUPERVISOR_DEFAULTS.taskDuration),
  useEarliestSequence: z.boolean({ error: 'expected true or false' }).optional(),
  /** Druid's name for it, accepted from a Kafka spec. */
  useEarliestOffset: z.boolean({ error: 'expected true or false' }).optional(),
  completionTimeout: duration(SUPERVISOR_DEFAULTS.completionTimeout),
  lateMessageRejectionPeriod: duration(null),
  earlyMessageRejectionPeriod: duration(null),
  startDelay: duration(SUPERVISOR_DEFAULTS.startDelay),
  period: duration(SUPERVISOR_DEFAULTS.period),
  push: optionalBoolean(false),
  duplicateWindow: duration(SUPERVISOR_DEFAULTS.duplicateWindow),
}, { error: (i) => (i.input === undefined ? 'required' : 'expected an ioConfig object') }).superRefine((io, ctx) => {
  if (io.stream === undefined && !io.push) ctx.addIssue({ code: 'custom', path: ['stream'], message: 'required (the JetStream stream to read), unless push is true', input: undefined });
  if (io.push && io.stream !== undefined) ctx.addIssue({ code: 'custom', path: ['stream'], message: 'a push supervisor has its own stream (GROVE_PUSH_<dataSource>): leave stream out', input: io.stream });
  if (io.push && io.subjectPrefix !== undefined) ctx.addIssue({ code: 'custom', path: ['subjectPrefix'], message: 'a push supervisor has its own subjects (grove.stream.<dataSource>.<n>): leave subjectPrefix out', input: io.subjectPrefix });
  if (io.taskDuration === 0) ctx.addIssue({ code: 'custom', path: ['taskDuration'], message: 'must be longer than 0', input: 0 });
  if (io.completionTimeout === 0) ctx.addIssue({ code: 'custom', path: ['completionTimeout'], message: 'must be longer than 0', input: 0 });
  if (io.period === 0) ctx.addIssue({ code: 'custom', path: ['period'], message: 'must be longer than 0', input: 0 });
});

const tuningConfigSchema = z.object({
  type: z.literal('nats', { error: (i) => `tuningConfig type ${JSON.stringify(i.input)} does not match the supervisor (expected nats)` }).optional(),
  maxRowsInMemory: positiveInt(SUPERVISOR_DEFAULTS.maxRowsInMemory),
  maxRowsPerSegment: positiveInt(SUPERVISOR_DEFAULTS.maxRowsPerSegment),
  intermediatePersistPeriod: duration(SUPERVISOR_DEFAULTS.intermediatePersistPeriod),
  handoffConditionTimeout: duration(SUPERVISOR_DEFAULTS.handoffConditionTimeout),
}, { error: 'expected a tuningConfig object' });

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The three parts and `suspended`, from the nested form or the flat one, and the path prefix of their fields. */
function partsOf(json: unknown): { parts: Json; prefix: string; suspended: unknown } | FieldIssue {
  if (!isObject(json)) return { path: '', reason: 'expected a supervisor spec object: { "type": "nats", "spec": { dataSchema, ioConfig, tuningConfig } }' };
  if (json.type !== 'nats') {
    return { path: 'type', reason: json.type === undefined ? 'required: "nats" (a JetStream stream; Druid\'s "kafka" and "kinesis" are not supported)' : `unsupported supervisor type ${JSON.stringify(json.type)} (expected nats)` };
  }
  if (json.spec === undefined) return { parts: json, prefix: '', suspended: json.suspended };
  if (!isObject(json.spec)) return { path: 'spec', reason: 'expected an object with dataSchema, ioConfig and tuningConfig' };
  return { parts: json.spec, prefix: 'spec', suspended: json.suspended ?? json.spec.suspended };
}

const join = (prefix: string, path: string): string => (prefix === '' ? path : `${prefix}.${path}`);

/**
 * Reads a supervisor spec. Throws SpecValidationError('invalid_spec') naming every bad field, with
 * paths as the spec was written (`spec.ioConfig.taskCount`, or `ioConfig.taskCount` in the flat form).
 */
export function parseSupervisorSpec(json: unknown): SupervisorSpec {
  const found = partsOf(json);
  if ('path' in found) throw new SpecValidationError('invalid_spec', [found]);
  const { parts, prefix } = found;
  const issues: FieldIssue[] = [];
  const schema = readDataSchema(parts.dataSchema, prefix === '' ? '' : prefix);
  // readDataSchema joins `${prefix}.dataSchema`: with no prefix, drop the leading dot.
  issues.push(...schema.issues.map((i) => ({ ...i, path: i.path.replace(/^\./, '') })));
  const io = ioConfigSchema.safeParse(parts.ioConfig);
  if (!io.success) issues.push(...issuesOf(io.error, join(prefix, 'ioConfig')));
  const push = io.success && io.data.push;
  const rawFormat = isObject(parts.ioConfig) ? parts.ioConfig.inputFormat : undefined;
  const format: { value: InputFormatSpec | null; issues: FieldIssue[] } = rawFormat === undefined && push
    ? { value: { type: 'json' }, issues: [] }
    : readInputFormat(rawFormat, join(prefix, 'ioConfig.inputFormat'));
  if (rawFormat === undefined && !push) issues.push({ path: join(prefix, 'ioConfig.inputFormat'), reason: 'required (json, csv or tsv)' });
  else issues.push(...format.issues);
  const tuning = tuningConfigSchema.optional().safeParse(parts.tuningConfig ?? undefined);
  if (!tuning.success) issues.push(...issuesOf(tuning.error, join(prefix, 'tuningConfig')));
  if (found.suspended !== undefined && typeof found.suspended !== 'boolean') issues.push({ path: 'suspended', reason: 'expected true or false' });
  const dataSource = schema.value?.dataSource;
  if (push && dataSource !== undefined && !isToken(dataSource)) {
    issues.push({ path: join(prefix, 'dataSchema.dataSource'), reason: 'a push datasource names the subject grove.push.<dataSource>: no whitespace, ".", "*" or ">"' });
  }
  if (issues.length > 0 || !io.success || !tuning.success || schema.value === null) throw new SpecValidationError('invalid_spec', issues);
  return assemble(schema.value, io.data, tuning.data ?? tuningConfigSchema.parse({}), format.value ?? rawFormat, found.suspended === true, parts);
}

function assemble(
  dataSchema: DataSchema,
  io: z.output<typeof ioConfigSchema>,
  tuning: z.output<typeof tuningConfigSchema>,
  inputFormat: unknown,
  suspended: boolean,
  parts: Json,
): SupervisorSpec {
  const pushed = io.push ? pushStreamOf(dataSchema.dataSource) : null;
  const ioConfig: SupervisorIoConfig = {
    stream: pushed?.stream ?? io.stream!,
    subjectPrefix: pushed?.subjectPrefix ?? io.subjectPrefix ?? null,
    inputFormat,
    taskCount: io.taskCount,
    replicas: io.replicas,
    taskDurationMs: io.taskDuration!,
    // A push stream is grove's own: every row pushed is read, from its first sequence.
    useEarliestSequence: io.push || (io.useEarliestSequence ?? io.useEarliestOffset ?? false),
    completionTimeoutMs: io.completionTimeout!,
    lateMessageRejectionPeriodMs: io.lateMessageRejectionPeriod,
    earlyMessageRejectionPeriodMs: io.earlyMessageRejectionPeriod,
    startDelayMs: io.startDelay!,
    periodMs: io.period!,
    push: io.push,
    duplicateWindowMs: io.duplicateWindow!,
  };
  const tuningConfig: SupervisorTuningConfig = {
    maxRowsInMemory: tuning.maxRowsInMemory,
    maxRowsPerSegment: tuning.maxRowsPerSegment,
    intermediatePersistPeriodMs: tuning.intermediatePersistPeriod!,
    handoffConditionTimeoutMs: tuning.handoffConditionTimeout!,
  };
  const rawIo = isObject(parts.ioConfig) ? parts.ioConfig : {};
  const json: SupervisorSpecJson = {
    type: 'nats',
    spec: {
      dataSchema: parts.dataSchema,
      // A push supervisor's stream and subjects follow from its datasource: the JSON leaves them out, as it must.
      ioConfig: { ...rawIo, type: 'nats', inputFormat, ...(io.push ? {} : { stream: ioConfig.stream, ...(ioConfig.subjectPrefix !== null ? { subjectPrefix: ioConfig.subjectPrefix } : {}) }) },
      // Defaults filled in, in the units the user wrote them: tasks get this one as it is.
      tuningConfig: {
        maxRowsInMemory: SUPERVISOR_DEFAULTS.maxRowsInMemory,
        maxRowsPerSegment: SUPERVISOR_DEFAULTS.maxRowsPerSegment,
        intermediatePersistPeriod: SUPERVISOR_DEFAULTS.intermediatePersistPeriod,
        handoffConditionTimeout: SUPERVISOR_DEFAULTS.handoffConditionTimeout,
        ...(isObject(parts.tuningConfig) ? parts.tuningConfig : {}),
        type: 'nats',
      },
    },
    ...(suspended ? { suspended } : {}),
  };
  return { dataSource: dataSchema.dataSource, dataSchema, ioConfig, tuningConfig, suspended, json };
}

/** The same spec with the subject prefix the supervisor found for it (the log keeps it, so every group reads the same partitions). */
export function withSubjectPrefix(spec: SupervisorSpec, subjectPrefix: string): SupervisorSpec {
  return {
    ...spec,
    ioConfig: { ...spec.ioConfig, subjectPrefix },
    json: { ...spec.json, spec: { ...spec.json.spec, ioConfig: { ...spec.json.spec.ioConfig, subjectPrefix } } },
  };
}

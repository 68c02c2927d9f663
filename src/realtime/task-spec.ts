import { DEFAULT_MAX_PARSE_EXCEPTIONS, DEFAULT_MAX_SAVED_PARSE_EXCEPTIONS, readDataSchema, readInputFormat, type DataSchema, type InputFormatSpec } from '../spec/ingestion-spec.ts';
import { SpecValidationError, type FieldIssue } from '../spec/validation.ts';
import { isSubjectToken } from '../bus/subjects.ts';
import type { PartitionOffsets } from '../streaming/task-protocol.ts';
import { parseDurationMs } from '../time/period.ts';

/** Druid's streaming tuningConfig, as an `index_nats` task uses it. */
export interface RealtimeTuning {
  /** Rows held in memory across all in-flight segments before they are persisted to the work dir. */
  maxRowsInMemory: number;
  /** Rows after which a segment is closed and the next rows of its chunk go to a new one. */
  maxRowsPerSegment: number;
  /** Persist at least this often (ms), so a long quiet task does not hold rows in memory for ever. */
  intermediatePersistPeriodMs: number;
  /** How long to wait for the handoff after publishing; 0 waits for ever. */
  handoffConditionTimeoutMs: number;
  maxParseExceptions: number;
  maxSavedParseExceptions: number;
  logParseExceptions: boolean;
}

/** An `index_nats` task JSON (src/streaming/task-protocol.ts), read and defaulted. */
export interface RealtimeTask {
  /** The lock group of the task's replicas (its own id when alone); the task's id is the one the overlord gave it. */
  groupId: string | null;
  dataSource: string;
  dataSchema: DataSchema;
  stream: string;
  subjectPrefix: string;
  inputFormat: InputFormatSpec;
  baseSequenceName: string;
  start: PartitionOffsets;
  end: PartitionOffsets | null;
  /** Rows outside [minimumMessageTime, maximumMessageTime] (epoch ms, inclusive) are thrown away. */
  minimumMessageTime: number | null;
  maximumMessageTime: number | null;
  tuning: RealtimeTuning;
}

/** Druid's streaming defaults (KafkaIndexTaskTuningConfig). */
const DEFAULTS = {
  maxRowsInMemory: 150_000,
  maxRowsPerSegment: 5_000_000,
  intermediatePersistPeriodMs: 600_000,
  handoffConditionTimeoutMs: 900_000,
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Collects every bad field of the task JSON, so one error names them all. */
class Reader {
  readonly issues: FieldIssue[] = [];

  bad(path: string, reason: string): void {
    this.issues.push({ path, reason });
  }

  obj(v: unknown, path: string): Obj {
    if (isObj(v)) return v;
    this.bad(path, v === undefined ? 'required' : 'expected an object');
    return {};
  }

  str(v: unknown, path: string): string {
    if (typeof v === 'string' && v !== '') return v;
    this.bad(path, v === undefined ? 'required' : 'expected a non-empty string');
    return '';
  }

  token(v: unknown, path: string): string {
    const s = this.str(v, path);
    if (s !== '' && !s.split('.').every(isSubjectToken)) this.bad(path, 'must be NATS subject tokens (no spaces, "*" or ">")');
    return s;
  }

  int(v: unknown, path: string, fallback: number, min: number): number {
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.bad(path, 'must be an integer');
    else if (v < min) this.bad(path, `must be at least ${min}`);
    else return v;
    return fallback;
  }

  bool(v: unknown, path: string, fallback: boolean): boolean {
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    this.bad(path, 'must be true or false');
    return fallback;
  }

  duration(v: unknown, path: string, fallback: number): number {
    if (v === undefined || v === null) return fallback;
    try {
      const ms = parseDurationMs(v as string | number);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    } catch { /* reported below */ }
    this.bad(path, 'expected an ISO-8601 duration (PT10M) or milliseconds');
    return fallback;
  }

  time(v: unknown, path: string): number | null {
    if (v === undefined || v === null) return null;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    this.bad(path, 'expected epoch milliseconds');
    return null;
  }

  /** Per-partition stream sequences: partition names are integers, sequences non-negative integers. */
  offsets(v: unknown, path: string): PartitionOffsets {
    const o = this.obj(v, path);
    const out: PartitionOffsets = {};
    for (const [p, seq] of Object.entries(o)) {
      if (!/^\d+$/.test(p)) this.bad(`${path}.${p}`, 'a partition is a number (the n of <subjectPrefix>.<n>)');
      else if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) this.bad(`${path}.${p}`, 'expected a stream sequence (a non-negative integer)');
      else out[p] = seq;
    }
    if (isObj(v) && Object.keys(o).length === 0) this.bad(path, 'names no partition: a task reads at least one');
    return out;
  }

  part<T>(read: { value: T | null; issues: FieldIssue[] }): T | null {
    this.issues.push(...read.issues);
    return read.value;
  }
}

/**
 * Reads an `index_nats` task JSON. Throws SpecValidationError('invalid_spec') naming every bad
 * field by its path (`spec.ioConfig.startSequenceNumbers.0`, ...), before any work starts.
 */
export function parseRealtimeTask(json: unknown): RealtimeTask {
  const r = new Reader();
  const root = r.obj(json, '');
  if (root.type !== 'index_nats') r.bad('type', 'expected "index_nats"');
  const spec = r.obj(root.spec, 'spec');
  const dataSchema = r.part(readDataSchema(spec.dataSchema, 'spec'));
  const io = r.obj(spec.ioConfig, 'spec.ioConfig');
  const tuning = isObj(spec.tuningConfig) || spec.tuningConfig === undefined || spec.tuningConfig === null ? (spec.tuningConfig ?? {}) as Obj : r.obj(spec.tuningConfig, 'spec.tuningConfig');
  const id = root.id === undefined || root.id === null ? null : r.token(root.id, 'id');
  const dataSource = r.str(root.dataSource ?? dataSchema?.dataSource, 'dataSource');
  if (dataSchema !== null && dataSource !== '' && dataSchema.dataSource !== dataSource) r.bad('spec.dataSchema.dataSource', `"${dataSchema.dataSource}" differs from the task's dataSource "${dataSource}"`);
  const before = r.issues.length;
  const start = r.offsets(io.startSequenceNumbers, 'spec.ioConfig.startSequenceNumbers');
  const startIsGood = r.issues.length === before;
  const end = io.endSequenceNumbers === undefined || io.endSequenceNumbers === null ? null : r.offsets(io.endSequenceNumbers, 'spec.ioConfig.endSequenceNumbers');
  // Against a start with bad partitions, every end would look wrong: those are named already.
  if (end !== null && startIsGood) r.issues.push(...endIssues(start, end, 'spec.ioConfig.endSequenceNumbers'));
  const task: RealtimeTask = {
    groupId: root.groupId === undefined || root.groupId === null ? id : r.str(root.groupId, 'groupId'),
    dataSource,
    dataSchema: dataSchema!,
    stream: r.token(io.stream, 'spec.ioConfig.stream'),
    subjectPrefix: r.token(io.subjectPrefix, 'spec.ioConfig.subjectPrefix'),
    inputFormat: r.part(readInputFormat(io.inputFormat ?? { type: 'json' }, 'spec.ioConfig.inputFormat'))!,
    baseSequenceName: r.str(io.baseSequenceName, 'spec.ioConfig.baseSequenceName'),
    start,
    end,
    minimumMessageTime: r.time(io.minimumMessageTime, 'spec.ioConfig.minimumMessageTime'),
    maximumMessageTime: r.time(io.maximumMessageTime, 'spec.ioConfig.maximumMessageTime'),
    tuning: readTuning(r, tuning),
  };
  if (r.issues.length > 0) throw new SpecValidationError('invalid_spec', r.issues);
  return task;
}

function readTuning(r: Reader, t: Obj): RealtimeTuning {
  const at = (k: string): string => `spec.tuningConfig.${k}`;
  return {
    maxRowsInMemory: r.int(t.maxRowsInMemory, at('maxRowsInMemory'), DEFAULTS.maxRowsInMemory, 1),
    maxRowsPerSegment: r.int(t.maxRowsPerSegment, at('maxRowsPerSegment'), DEFAULTS.maxRowsPerSegment, 1),
    intermediatePersistPeriodMs: r.duration(t.intermediatePersistPeriod, at('intermediatePersistPeriod'), DEFAULTS.intermediatePersistPeriodMs),
    handoffConditionTimeoutMs: r.int(t.handoffConditionTimeout, at('handoffConditionTimeout'), DEFAULTS.handoffConditionTimeoutMs, 0),
    maxParseExceptions: r.int(t.maxParseExceptions, at('maxParseExceptions'), DEFAULT_MAX_PARSE_EXCEPTIONS, 0),
    maxSavedParseExceptions: r.int(t.maxSavedParseExceptions, at('maxSavedParseExceptions'), DEFAULT_MAX_SAVED_PARSE_EXCEPTIONS, 0),
    logParseExceptions: r.bool(t.logParseExceptions, at('logParseExceptions'), false),
  };
}

/** An end must name exactly the partitions the start names, none before its start. */
export function endIssues(start: PartitionOffsets, end: PartitionOffsets, path: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const p of Object.keys(start)) if (end[p] === undefined) issues.push({ path: `${path}.${p}`, reason: 'missing: the task reads this partition' });
  for (const [p, seq] of Object.entries(end)) {
    if (start[p] === undefined) issues.push({ path: `${path}.${p}`, reason: 'the task does not read this partition' });
    else if (seq < start[p]!) issues.push({ path: `${path}.${p}`, reason: `${seq} is before the start ${start[p]}` });
  }
  return issues;
}

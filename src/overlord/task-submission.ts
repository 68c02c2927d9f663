import type { LockType } from '../../machines/lock/events.ts';
import type { TaskType } from '../../machines/task/events.ts';
import { GroveError } from '../bus/errors.ts';
import { isSubjectToken } from '../bus/subjects.ts';
import { parseSegmentId } from '../segment/id.ts';
import { parseTaskSpec, type TaskSpec } from '../spec/task-spec.ts';
import { isSpecValidationError, type FieldIssue } from '../spec/validation.ts';
import { parseGranularity } from '../time/granularity.ts';
import { formatInstant } from '../time/instant.ts';
import { condense, type Interval } from '../time/interval.ts';
import { decision, type Decision } from './decision.ts';
import { LOCK_PRIORITY } from './lockbox.ts';
import type { OverlordState } from './overlord-state.ts';

const LOCK_TYPES: readonly LockType[] = ['EXCLUSIVE', 'SHARED', 'APPEND', 'REPLACE'];

/** A lock a task takes before it is handed to an indexer (Druid's `isReady`). */
export interface UpfrontLock {
  interval: Interval;
  lockType: LockType;
}

/** What the overlord keeps of a submitted task beside its machine: what to lock first. */
export interface SubmittedTask {
  taskId: string;
  taskType: TaskType;
  dataSource: string;
  groupId: string | null;
  priority: number;
  realtime: boolean;
  context: Record<string, unknown>;
  locks: UpfrontLock[];
}

const invalid = (details: FieldIssue[]): GroveError =>
  new GroveError('invalid_spec', `invalid task: ${details.map((d) => `${d.path || '(root)'}: ${d.reason}`).join('; ')}`, details);

/**
 * Reads a task JSON as submitted: Druid's `index_parallel`, `index`, `compact` and `kill` (validated
 * by src/spec, every bad field named), and `index_nats`, the streaming task a supervisor submits.
 * Throws `invalid_spec` with every bad field in `details`.
 */
export function readTask(json: unknown, now: number, random: string): SubmittedTask {
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  const read = type === 'index_nats' ? readStreamingTask(json as Record<string, unknown>) : readBatchTask(json);
  const issues = [...lockTypeIssues(read.context), ...(read.taskId !== null && !isSubjectToken(read.taskId) ? [{ path: 'id', reason: 'must not contain ".", "*", ">" or whitespace: it names NATS subjects' }] : [])];
  if (issues.length > 0) throw invalid(issues);
  return { ...read, taskId: read.taskId ?? newTaskId(read, random, now) };
}

type ReadTask = Omit<SubmittedTask, 'taskId'> & { taskId: string | null };

function readBatchTask(json: unknown): ReadTask {
  let spec: TaskSpec;
  try {
    spec = parseTaskSpec(json);
  } catch (e) {
    if (isSpecValidationError(e)) throw invalid(e.details);
    throw e;
  }
  let locks: UpfrontLock[];
  try {
    locks = upfrontLocksOf(spec);
  } catch (e) {
    throw invalid([{ path: 'ioConfig.inputSpec.segments', reason: (e as Error).message }]);
  }
  return { taskId: spec.id, taskType: spec.type, dataSource: spec.dataSource, groupId: spec.groupId, priority: spec.priority, realtime: false, context: spec.context, locks };
}

/**
 * A streaming task's outline; its ingestion spec belongs to the streaming indexer, which reads it
 * whole. Realtime tasks lock as they allocate, so they take nothing up front.
 */
function readStreamingTask(json: Record<string, unknown>): ReadTask {
  const issues: FieldIssue[] = [];
  const spec = (json.spec ?? {}) as { dataSchema?: { dataSource?: unknown } };
  const dataSource = json.dataSource ?? spec.dataSchema?.dataSource;
  if (typeof dataSource !== 'string' || dataSource === '') issues.push({ path: 'spec.dataSchema.dataSource', reason: 'required: the datasource the task writes' });
  for (const key of ['id', 'groupId'] as const) {
    if (json[key] !== undefined && json[key] !== null && (typeof json[key] !== 'string' || json[key] === '')) issues.push({ path: key, reason: 'must be a non-empty string' });
  }
  const context = (json.context ?? {}) as Record<string, unknown>;
  if (typeof context !== 'object' || Array.isArray(context)) issues.push({ path: 'context', reason: 'expected an object' });
  else if (context.priority !== undefined && !Number.isInteger(context.priority)) issues.push({ path: 'context.priority', reason: 'must be an integer' });
  if (issues.length > 0) throw invalid(issues);
  return {
    taskId: (json.id as string | undefined) ?? null, taskType: 'index_nats', dataSource: dataSource as string, groupId: (json.groupId as string | undefined) ?? null,
    priority: (context.priority as number | undefined) ?? LOCK_PRIORITY.realtime, realtime: true, context, locks: [],
  };
}

function lockTypeIssues(context: Record<string, unknown>): FieldIssue[] {
  const t = context.taskLockType;
  return t === undefined || LOCK_TYPES.includes(t as LockType) ? [] : [{ path: 'context.taskLockType', reason: `expected one of ${LOCK_TYPES.join(', ')}` }];
}

/** Druid's lock type for a task: `context.taskLockType`, else by concurrency settings and whether it appends. */
function lockTypeOf(context: Record<string, unknown>, appending: boolean): LockType {
  if (LOCK_TYPES.includes(context.taskLockType as LockType)) return context.taskLockType as LockType;
  if (context.useConcurrentLocks === true) return appending ? 'APPEND' : 'REPLACE';
  return appending && context.useSharedLock === true ? 'SHARED' : 'EXCLUSIVE';
}

/**
 * The time chunks a task locks before it runs: a batch index task's `granularitySpec.intervals`
 * widened to whole segment-granularity chunks, a compaction's interval (or its segments' span), a
 * kill's interval. An index task without intervals locks as it goes (by allocation, or asking).
 */
export function upfrontLocksOf(spec: TaskSpec): UpfrontLock[] {
  switch (spec.type) {
    case 'index':
    case 'index_parallel': {
      const { intervals, segmentGranularity } = spec.spec.dataSchema.granularitySpec;
      if (intervals === null) return [];
      const g = parseGranularity(segmentGranularity);
      const chunks = intervals.filter((i) => i.start < i.end).map((i) => ({ start: g.bucket(i.start).start, end: g.bucket(i.end - 1).end }));
      const lockType = lockTypeOf(spec.context, spec.spec.ioConfig.appendToExisting);
      return condense(chunks).map((interval) => ({ interval, lockType }));
    }
    case 'compact': {
      const interval = spec.input.type === 'interval' ? spec.input.interval : spanOf(spec.input.segmentIds.map((id) => parseSegmentId(id, spec.dataSource).interval));
      return [{ interval, lockType: lockTypeOf(spec.context, false) }];
    }
    case 'kill':
      return [{ interval: spec.interval, lockType: lockTypeOf(spec.context, false) }];
  }
}

const spanOf = (is: Interval[]): Interval => ({ start: Math.min(...is.map((i) => i.start)), end: Math.max(...is.map((i) => i.end)) });

/** Druid's task id, `<type>_<dataSource>_<random>_<time>`, with what NATS subjects cannot hold taken out. */
function newTaskId(task: Pick<SubmittedTask, 'taskType' | 'dataSource'>, random: string, now: number): string {
  return `${task.taskType}_${task.dataSource}_${random}_${formatInstant(now)}`.replace(/[\s.*>:]/g, '');
}

/** Submits a task: TaskSubmitted, if no task has its id yet. Pure. */
export function decideSubmission(state: OverlordState, task: SubmittedTask, json: unknown): Decision<{ taskId: string }> {
  if (state.task(task.taskId) !== null) throw new GroveError('conflict', `task ${task.taskId} already exists`);
  return decision(
    { taskId: task.taskId },
    [{
      type: 'TaskSubmitted',
      data: { taskId: task.taskId, taskType: task.taskType, dataSource: task.dataSource, groupId: task.groupId ?? task.taskId, priority: task.priority, realtime: task.realtime, spec: json },
    }],
    [{ type: 'state', kind: 'task', id: task.taskId, in: ['absent'] }],
  );
}

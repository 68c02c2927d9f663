import type { CommitMetadata, SegmentDescriptor } from '../../machines/segment/events.ts';
import { badRequest, GroveError } from '../bus/errors.ts';
import type { Expectation } from '../events/expectations.ts';
import { segmentId } from '../segment/id.ts';
import type { FieldIssue } from '../spec/validation.ts';
import { describeInterval } from '../timeline/describe.ts';
import { contains, overlaps, parseInterval, type Interval } from '../time/interval.ts';
import { assertNotPreempted, decision, requireTask, taskStillIn, type Decision } from './decision.ts';
import type { LockView } from './lock-index.ts';
import type { OverlordState, TaskView } from './overlord-state.ts';

/** Druid's SegmentTransactionalInsertAction: a task's segments, and maybe its stream offsets. */
export interface PublishRequest {
  taskId: string;
  segments: SegmentDescriptor[];
  commit?: CommitMetadata;
  /** Druid's `dropExisting`: older used segments inside the task's overwrite locks go unused in the same append. */
  dropExisting?: boolean;
}

export interface Published {
  published: string[];
  alreadyPublished: boolean;
  /** The segments `dropExisting` marked unused. */
  dropped?: string[];
}

/** An offsets compare-and-swap that failed: which partitions differed, and whether trying again can help. */
export interface OffsetsMismatch {
  dataSource: string;
  stream: string;
  partitions: Array<{ partition: string; committed: number; start: number }>;
  retryable: boolean;
}

/**
 * Publishes a task's segments in one append (with the offsets' compare-and-swap when it commits
 * stream offsets), if every segment is covered by a granted, unrevoked lock of the task. The same
 * segments published again (a retry, or a replica) are a successful no-op. Pure.
 */
export function decidePublish(state: OverlordState, req: PublishRequest): Decision<Published> {
  const task = requireTask(state, req.taskId);
  const ids = req.segments.map((s) => s.id);
  if (ids.length === 0) return decideOffsetsOnly(state, task, req.commit);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw badRequest(`segment ${dup} is listed twice`, [{ path: `segments[${ids.lastIndexOf(dup)}].id`, reason: 'listed twice' }]);
  const published = ids.filter((id) => ['used', 'unused'].includes(state.segments.get(id)?.phase ?? ''));
  if (published.length === ids.length) return decision({ published: ids, alreadyPublished: true });
  if (published.length > 0) {
    throw new GroveError('conflict', `segments ${published.join(', ')} are already published but ${ids.filter((id) => !published.includes(id)).join(', ')} are not: a publish is all or nothing`);
  }
  assertMayPublish(state, task);
  const intervals = checkShapes(task, req.segments);
  const locks = coveringLocks(state, task, req.segments, intervals);
  const expect: Expectation[] = [taskStillIn(task), ...[...new Set(locks)].map((id): Expectation => ({ type: 'state', kind: 'lock', id, in: ['granted'] }))];
  if (req.commit !== undefined) expect.push(checkOffsets(state, task.dataSource, req.commit));
  const data = { dataSource: task.dataSource, taskId: task.taskId, segments: req.segments, ...(req.commit !== undefined ? { commit: req.commit } : {}) };
  const dropped = req.dropExisting ? replacedSegments(state, task, new Set(ids), intervals) : [];
  if (dropped.length === 0) return decision({ published: ids, alreadyPublished: false }, [{ type: 'SegmentsPublished', data }], expect);
  for (const id of dropped) expect.push({ type: 'state', kind: 'segment', id, in: ['published.used.available', 'published.used.unavailable'] });
  return decision({ published: ids, alreadyPublished: false, dropped }, [
    { type: 'SegmentsPublished', data },
    { type: 'SegmentsMarkedUnused', data: { dataSource: task.dataSource, segmentIds: dropped, reason: 'dropExisting' } },
  ], expect);
}

function assertMayPublish(state: OverlordState, task: TaskView): void {
  if (task.state !== 'running' && task.state !== 'publishing') throw new GroveError('conflict', `task ${task.taskId} is ${task.state}${task.error ? ` (${task.error})` : ''}: it cannot publish`);
  assertNotPreempted(state, task.taskId);
}

/**
 * A streaming task that read nothing it kept still moves its offsets, or the next group, which
 * starts where it ended, could never commit (Druid publishes an empty segment set with the
 * metadata): the offsets' compare-and-swap alone, recorded as a publish of no segments.
 */
function decideOffsetsOnly(state: OverlordState, task: TaskView, commit: CommitMetadata | undefined): Decision<Published> {
  if (commit === undefined) throw badRequest('nothing to publish: no segments, and no stream offsets to commit', [{ path: 'segments', reason: 'at least one segment is required, unless commit is given' }]);
  assertMayPublish(state, task);
  const expect = [taskStillIn(task), checkOffsets(state, task.dataSource, commit)];
  return decision({ published: [], alreadyPublished: false }, [{ type: 'SegmentsPublished', data: { dataSource: task.dataSource, taskId: task.taskId, segments: [], commit } }], expect);
}

/**
 * What `dropExisting` replaces (Druid: every existing segment fully inside the ingestion
 * intervals): used segments inside one of the task's overwriting locks, of an older version than
 * that lock's. Those the new segments cover are left to overshadowing, so that they switch over
 * atomically once the new ones load; the rest (chunks the new data left empty) go unused now.
 */
function replacedSegments(state: OverlordState, task: TaskView, publishing: ReadonlySet<string>, published: Interval[]): string[] {
  const overwriting = state.locks.locksOf(task.taskId).filter((l) => l.state === 'granted' && (l.lockType === 'EXCLUSIVE' || l.lockType === 'REPLACE'));
  const out = new Set<string>();
  for (const lock of overwriting) {
    for (const chunk of state.segments.usedTimeline(task.dataSource).chunks(lock.interval)) {
      if (chunk.version >= lock.version! || !contains(lock.interval, chunk.interval)) continue;
      if (published.some((i) => overlaps(i, chunk.interval))) continue;
      for (const p of chunk.partitions) if (!publishing.has(p.id)) out.add(p.id);
    }
  }
  return [...out].sort();
}

/** Each descriptor names the task's datasource, and its id is what its fields make. */
function checkShapes(task: TaskView, segments: SegmentDescriptor[]): Interval[] {
  const issues: FieldIssue[] = [];
  const intervals = segments.map((s, i) => {
    const at = `segments[${i}]`;
    if (s.dataSource !== task.dataSource) issues.push({ path: `${at}.dataSource`, reason: `"${s.dataSource}" is not the task's datasource "${task.dataSource}"` });
    if (s.shardSpec.partitionNum !== s.partitionNum) issues.push({ path: `${at}.shardSpec.partitionNum`, reason: `${s.shardSpec.partitionNum} differs from partitionNum ${s.partitionNum}` });
    let interval: Interval;
    try {
      interval = parseInterval(s.interval);
    } catch (e) {
      issues.push({ path: `${at}.interval`, reason: (e as Error).message });
      return { start: 0, end: 0 };
    }
    const expected = segmentId({ dataSource: s.dataSource, interval, version: s.version, partitionNum: s.partitionNum });
    if (s.id !== expected) issues.push({ path: `${at}.id`, reason: `"${s.id}" does not match its fields, which make "${expected}"` });
    return interval;
  });
  if (issues.length > 0) throw badRequest(`malformed segments: ${issues.map((x) => `${x.path}: ${x.reason}`).join('; ')}`, issues);
  return intervals;
}

/**
 * The task's granted lock covering each segment (Druid's TaskLocks.checkLockCoversSegments): its
 * interval contains the segment's, and, unless it is an appending lock, its version is not older
 * than the segment's. A segment another group allocated, or one abandoned, is not the task's.
 */
function coveringLocks(state: OverlordState, task: TaskView, segments: SegmentDescriptor[], intervals: Interval[]): string[] {
  const own = state.locks.locksOf(task.taskId).filter((l) => l.state === 'granted');
  const issues: FieldIssue[] = [];
  const locks = segments.map((s, i) => {
    const path = `segments[${i}]`;
    const known = state.segments.get(s.id);
    if (known?.phase === 'abandoned') issues.push({ path, reason: `segment ${s.id} was abandoned when the tasks that allocated it ended` });
    else if (known !== undefined && known.taskId !== null && state.task(known.taskId)?.groupId !== task.groupId) {
      issues.push({ path, reason: `segment ${s.id} was allocated to task ${known.taskId}, which is not of group ${task.groupId}` });
    }
    const lock = own.find((l) => covers(l, intervals[i]!, s.version));
    if (lock === undefined) issues.push({ path, reason: uncoveredReason(own, s, intervals[i]!) });
    return lock?.lockId ?? '';
  });
  if (issues.length > 0) throw new GroveError('conflict', `task ${task.taskId} cannot publish: ${issues.map((x) => `${x.path}: ${x.reason}`).join('; ')}`, issues);
  return locks;
}

const covers = (l: LockView, interval: Interval, version: string): boolean =>
  contains(l.interval, interval) && (l.lockType === 'APPEND' || l.lockType === 'SHARED' || version <= l.version!);

function uncoveredReason(own: LockView[], s: SegmentDescriptor, interval: Interval): string {
  const around = own.find((l) => contains(l.interval, interval));
  if (around !== undefined) return `its version ${s.version} is newer than the version ${around.version} of the task's ${around.lockType} lock on ${describeInterval(around.interval)}`;
  return `no granted lock of the task covers ${describeInterval(interval)}`;
}

/**
 * The offsets compare-and-swap (Druid's DataSourceMetadata.matches): every partition this publish
 * read must start where the committed offsets end (a partition never committed starts anywhere).
 * Returns the expectation that pins the committed offsets for the append; throws a `conflict`
 * saying which partitions differ and whether a retry can help: it can when the committed offsets
 * are behind this publish's start (an earlier publish has yet to land), never when ahead.
 */
export function checkOffsets(state: OverlordState, dataSource: string, commit: CommitMetadata): Expectation {
  const startKeys = Object.keys(commit.start).sort();
  const endKeys = Object.keys(commit.end).sort();
  if (startKeys.join('\u0000') !== endKeys.join('\u0000')) {
    throw badRequest(`commit.end names partitions [${endKeys.join(', ')}] but commit.start names [${startKeys.join(', ')}]`, [{ path: 'commit.end', reason: 'must name the partitions commit.start names' }]);
  }
  const backwards = startKeys.filter((p) => commit.end[p]! < commit.start[p]!);
  if (backwards.length > 0) throw badRequest(`commit.end is before commit.start for partitions ${backwards.join(', ')}`, backwards.map((p) => ({ path: `commit.end.${p}`, reason: `${commit.end[p]} is before the start ${commit.start[p]}` })));
  const committed = state.cluster.committedOffsets(dataSource, commit.stream);
  const partitions = startKeys
    .filter((p) => committed?.[p] !== undefined && committed[p] !== commit.start[p])
    .map((p) => ({ partition: p, committed: committed![p]!, start: commit.start[p]! }));
  if (partitions.length > 0) {
    const mismatch: OffsetsMismatch = { dataSource, stream: commit.stream, partitions, retryable: partitions.every((d) => d.committed < d.start) };
    const each = partitions.map((d) => `partition ${d.partition} is committed up to ${d.committed} but this publish starts at ${d.start}`).join('; ');
    const advice = mismatch.retryable
      ? 'a retry can succeed once the earlier offsets are committed'
      : 'a retry cannot help: those offsets were already committed, so the task must start again from the committed offsets';
    throw new GroveError('conflict', `stream offsets of ${dataSource}/${commit.stream} differ, nothing was published: ${each}; ${advice}`, mismatch);
  }
  return { type: 'offsets', dataSource, stream: commit.stream, equals: committed };
}

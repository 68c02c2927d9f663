import type { LockType } from '../../machines/lock/events.ts';
import type { ShardSpec } from '../../machines/segment/events.ts';
import { badRequest, GroveError } from '../bus/errors.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { Expectation } from '../events/expectations.ts';
import { segmentId } from '../segment/id.ts';
import { chunkIntervalAt, findAppendSlot } from '../timeline/append-slot.ts';
import { describeInterval } from '../timeline/describe.ts';
import { parseGranularity, SEGMENT_GRANULARITY_ORDER, type GranularitySpec } from '../time/granularity.ts';
import { formatInstant } from '../time/instant.ts';
import { contains, containsInstant, formatInterval, sameInterval, type Interval } from '../time/interval.ts';
import { assertNotPreempted, decision, requireActiveTask, taskStillIn, type Decision } from './decision.ts';
import { decideLock, describeHolder } from './lockbox.ts';
import type { OverlordState, TaskView } from './overlord-state.ts';
import type { SegmentView } from './segment-index.ts';

/** Druid's SegmentAllocateAction: a segment id for a row of an appending task. */
export interface AllocateRequest {
  taskId: string;
  dataSource: string;
  /** The row's time, epoch ms. */
  timestamp: number;
  segmentGranularity: GranularitySpec;
  sequenceName: string;
  previousSegmentId: string | null;
  lockType: LockType;
}

export interface Allocation {
  segmentId: string;
  interval: string;
  version: string;
  partitionNum: number;
  shardSpec: ShardSpec;
}

type Attempt = { ok: Decision<Allocation> } | { reason: string };

/**
 * Allocates a segment (Druid's SegmentAllocateAction): the same (sequenceName, previousSegmentId)
 * always gets the same segment, so replicas build identical ones. Otherwise the row goes into the
 * used chunk holding it, taking its interval and version, else into the preferred granularity's
 * bucket, else finer ones; each candidate needs a time-chunk lock of the task, taken here without
 * waiting when it has none. Pure.
 */
export function decideAllocation(state: OverlordState, req: AllocateRequest, now: number, newLockId: string): Decision<Allocation> {
  const task = requireActiveTask(state, req.taskId, 'allocate segments');
  if (req.dataSource !== task.dataSource) throw badRequest(`task ${task.taskId} writes datasource "${task.dataSource}", not "${req.dataSource}"`);
  assertNotPreempted(state, task.taskId);
  const prior = state.segments.allocationOf(req.dataSource, req.sequenceName, req.previousSegmentId);
  if (prior !== undefined) return repeatAllocation(state, task, prior, req, now, newLockId);
  const reasons: Array<{ interval: string; reason: string }> = [];
  for (const interval of candidateIntervals(state, req)) {
    const attempt = tryInterval(state, task, req, interval, now, newLockId);
    if ('ok' in attempt) return attempt.ok;
    reasons.push({ interval: describeInterval(interval), reason: attempt.reason });
  }
  throw new GroveError(
    'conflict',
    `cannot allocate a segment of ${req.dataSource} for ${formatInstant(req.timestamp)}: ${reasons.map((r) => r.reason).join('; ')}`,
    { timestamp: formatInstant(req.timestamp), candidates: reasons },
  );
}

/**
 * The segment this sequence was given before, to whichever replica asks; a replica that has no
 * lock over it yet takes one (its group's, so no conflict), since it will publish the segment too.
 * A realtime replica serves the segment while it builds it, as the task that allocated it does.
 */
function repeatAllocation(state: OverlordState, task: TaskView, prior: SegmentView, req: AllocateRequest, now: number, newLockId: string): Decision<Allocation> {
  const where = `sequence "${req.sequenceName}" after ${req.previousSegmentId ?? 'its start'}`;
  if (prior.phase === 'abandoned') throw new GroveError('conflict', `${where} was given segment ${prior.id}, which was abandoned when its task group ended`);
  if (!containsInstant(prior.interval, req.timestamp)) {
    throw new GroveError('conflict', `${where} was given segment ${prior.id} on ${describeInterval(prior.interval)}, which does not hold ${formatInstant(req.timestamp)}`);
  }
  const lock = lockFor(state, task, req, prior.interval, now, newLockId);
  if ('reason' in lock) throw new GroveError('conflict', `${where} was given segment ${prior.id}, but task ${task.taskId} cannot lock it: ${lock.reason}`);
  const allocation = allocationOf(prior.id, prior.interval, prior.version, prior.partitionNum, prior.allocation!.shardSpec);
  // Once published, the segment is served whole by whoever published it; a replica still building its copy is not asked.
  const serves = task.realtime && prior.phase === 'building' && !prior.servers.includes(task.taskId);
  if (!serves) return decision(allocation, lock.events, lock.events.length > 0 ? [taskStillIn(task), ...lock.expect] : []);
  const served: NewEvent = { type: 'ReplicaLoaded', data: { dataSource: prior.dataSource, segmentId: prior.id, serverId: task.taskId, realtime: true } };
  return decision(allocation, [...lock.events, served], [taskStillIn(task), ...lock.expect, { type: 'state', kind: 'segment', id: prior.id, in: ['building'] }]);
}

/** The chunk already holding the row; else the preferred bucket, then finer ones (Druid's order). */
function candidateIntervals(state: OverlordState, req: AllocateRequest): Interval[] {
  const existing = chunkIntervalAt(state.segments.usedTimeline(req.dataSource), req.timestamp);
  if (existing !== null) return [existing];
  const name = typeof req.segmentGranularity === 'string' ? req.segmentGranularity.toLowerCase() : '';
  const from = (SEGMENT_GRANULARITY_ORDER as readonly string[]).indexOf(name);
  const specs: GranularitySpec[] = from < 0 ? [req.segmentGranularity] : SEGMENT_GRANULARITY_ORDER.slice(from);
  return specs.map((g) => parseGranularity(g).bucket(req.timestamp));
}

function tryInterval(state: OverlordState, task: TaskView, req: AllocateRequest, interval: Interval, now: number, newLockId: string): Attempt {
  const slot = findAppendSlot(state.segments.usedTimeline(req.dataSource), interval);
  if (slot.kind === 'conflict') return { reason: slot.reason };
  const pending = state.segments.buildingOverlapping(req.dataSource, interval);
  const odd = pending.find((p) => !sameInterval(p.interval, interval));
  if (odd !== undefined) return { reason: `unpublished segment ${odd.id} covers ${describeInterval(odd.interval)}, which overlaps ${describeInterval(interval)} but differs from it` };
  const lock = lockFor(state, task, req, interval, now, newLockId);
  if ('reason' in lock) return lock;
  const versions = [...(slot.kind === 'existing' ? [slot.version] : []), ...pending.map((p) => p.version)].sort();
  const version = versions.at(-1) ?? lock.version;
  const intoUsed = slot.kind === 'existing' && slot.version === version;
  const partitionNum = Math.max(intoUsed ? slot.nextPartitionNum : 0, state.segments.highestPartition(req.dataSource, interval, version) + 1);
  const shardSpec: ShardSpec = { type: 'numbered', partitionNum, partitions: intoUsed ? slot.corePartitions : 0 };
  const allocation = allocationOf(segmentId({ dataSource: req.dataSource, interval, version, partitionNum }), interval, version, partitionNum, shardSpec);
  const allocated: NewEvent = {
    type: 'SegmentAllocated',
    data: {
      segment: { id: allocation.segmentId, dataSource: req.dataSource, interval: allocation.interval, version, partitionNum, shardSpec },
      taskId: task.taskId, lockId: lock.lockId, sequenceName: req.sequenceName, previousSegmentId: req.previousSegmentId, realtime: task.realtime,
    },
  };
  const fresh: Expectation = { type: 'state', kind: 'segment', id: allocation.segmentId, in: ['absent'] };
  return { ok: decision(allocation, [...lock.events, allocated], [taskStillIn(task), fresh, ...lock.expect]) };
}

type HeldLock = { lockId: string; version: string; events: NewEvent[]; expect: Expectation[] };

/** A lock of the task over `interval`: one it holds, or one granted now without waiting. */
function lockFor(state: OverlordState, task: TaskView, req: AllocateRequest, interval: Interval, now: number, newLockId: string): HeldLock | { reason: string } {
  const own = state.locks.locksOf(task.taskId).find((l) => l.state === 'granted' && contains(l.interval, interval));
  if (own !== undefined) return { lockId: own.lockId, version: own.version!, events: [], expect: [{ type: 'state', kind: 'lock', id: own.lockId, in: ['granted'] }] };
  const d = decideLock(state, { taskId: task.taskId, interval, lockType: req.lockType, timeoutMs: 0 }, now, newLockId);
  switch (d.kind) {
    case 'held':
      return { lockId: d.lock.lockId, version: d.lock.version!, events: [], expect: [] };
    case 'granted':
      return { ...d.decision.result, events: d.decision.events, expect: d.decision.expect };
    case 'queued':
      return { reason: `task ${task.taskId} is still waiting for its lock on ${describeInterval(interval)}` };
    case 'waiting':
      return { reason: `${describeInterval(interval)} is locked by ${d.blockers.map((l) => describeHolder(state, l)).join(', ')}` };
  }
}

function allocationOf(id: string, interval: Interval, version: string, partitionNum: number, shardSpec: ShardSpec): Allocation {
  return { segmentId: id, interval: formatInterval(interval), version, partitionNum, shardSpec };
}

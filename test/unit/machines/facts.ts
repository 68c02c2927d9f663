/** Builders of log facts for machine tests, and a few samples of every fact each machine takes. */
import type { MachineKind } from '../../../machines/index.ts';
import type { SegmentDescriptor } from '../../../machines/segment/events.ts';
import type { EventData, EventOf, EventType, GroveEvent } from '../../../src/events/catalog.ts';

export const T0 = Date.UTC(2024, 0, 1);

export function fact<T extends EventType>(type: T, data: EventData<T>, at = T0): EventOf<T> {
  return { type, data, at } as EventOf<T>;
}

export const DS = 'wikipedia';
export const SEG = `${DS}_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_2024-01-01T00:00:00.000Z`;

export function descriptor(id = SEG): SegmentDescriptor {
  return {
    id,
    dataSource: DS,
    interval: '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z',
    version: '2024-01-01T00:00:00.000Z',
    partitionNum: 0,
    shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 },
    dimensions: ['page'],
    metrics: ['count'],
    rows: 10,
    size: 1024,
    loadSpec: { type: 'local', path: `${DS}/${id}.seg` },
    checksum: 'abc',
  };
}

export const segmentFacts = {
  allocated: ({ id = SEG, taskId = 'task-rt', realtime = true } = {}) =>
    fact('SegmentAllocated', {
      segment: descriptor(id),
      taskId,
      lockId: `lock-${taskId}`,
      sequenceName: 'seq',
      previousSegmentId: null,
      realtime,
    }),
  published: ({ ids = [SEG], taskId = 'task-rt' } = {}) =>
    fact('SegmentsPublished', { dataSource: DS, taskId, segments: ids.map(descriptor) }),
  markedUnused: (ids = [SEG], at = T0) => fact('SegmentsMarkedUnused', { dataSource: DS, segmentIds: ids, reason: 'overshadowed' }, at),
  markedUsed: (ids = [SEG]) => fact('SegmentsMarkedUsed', { dataSource: DS, segmentIds: ids, reason: 'manual' }),
  abandoned: (ids = [SEG]) => fact('SegmentsAbandoned', { dataSource: DS, segmentIds: ids, taskId: 'task-rt', reason: 'task failed' }),
  killed: (ids = [SEG]) => fact('SegmentsKilled', { dataSource: DS, segmentIds: ids, taskId: 'kill-1' }),
};

export const replicaFacts = {
  assigned: (serverId = 'hist-1', segmentId = SEG) =>
    fact('ReplicaAssigned', { dataSource: DS, segmentId, serverId, tier: '_default_tier', reason: 'rule' }),
  loadStarted: (serverId = 'hist-1', segmentId = SEG) => fact('ReplicaLoadStarted', { dataSource: DS, segmentId, serverId }),
  loaded: (serverId = 'hist-1', segmentId = SEG) => fact('ReplicaLoaded', { dataSource: DS, segmentId, serverId }),
  /** A realtime task of the builder's group announcing it builds the same segment. */
  replicaLoaded: (serverId = 'task-rt-replica', segmentId = SEG) => fact('ReplicaLoaded', { dataSource: DS, segmentId, serverId, realtime: true }),
  loadFailed: (serverId = 'hist-1', segmentId = SEG) =>
    fact('ReplicaLoadFailed', { dataSource: DS, segmentId, serverId, reason: 'checksum mismatch' }),
  dropRequested: (serverId = 'hist-1', segmentId = SEG) =>
    fact('ReplicaDropRequested', { dataSource: DS, segmentId, serverId, reason: 'rule' }),
  dropped: (serverId = 'hist-1', segmentId = SEG) => fact('ReplicaDropped', { dataSource: DS, segmentId, serverId }),
};

export const TASK = 'index_wikipedia_1';
const report = { rowStats: { processed: 10, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments: 1 };

export const taskFacts = {
  submitted: ({ realtime = false, at = T0 } = {}) =>
    fact(
      'TaskSubmitted',
      {
        taskId: TASK,
        taskType: realtime ? 'index_nats' : 'index_parallel',
        dataSource: DS,
        groupId: TASK,
        priority: realtime ? 75 : 50,
        realtime,
        spec: { type: realtime ? 'index_nats' : 'index_parallel' },
      },
      at,
    ),
  assigned: (indexerId = 'indexer-1') => fact('TaskAssigned', { taskId: TASK, indexerId }),
  waitingForLock: () => fact('TaskWaitingForLock', { taskId: TASK, lockId: 'lock-1' }),
  started: (indexerId = 'indexer-1') => fact('TaskStarted', { taskId: TASK, indexerId }),
  publishing: () => fact('TaskPublishing', { taskId: TASK }),
  awaitingHandoff: () => fact('TaskAwaitingHandoff', { taskId: TASK, segmentIds: [SEG] }),
  succeeded: () => fact('TaskSucceeded', { taskId: TASK, report }),
  failed: (error = 'lock revoked by index_other') => fact('TaskFailed', { taskId: TASK, error, code: 'lock_preempted' }),
  canceled: () => fact('TaskCanceled', { taskId: TASK, reason: 'canceled by user' }),
};

export const LOCK = 'lock-1';

export const lockFacts = {
  requested: ({ at = T0 } = {}) =>
    fact(
      'LockRequested',
      {
        lockId: LOCK,
        taskId: TASK,
        groupId: TASK,
        dataSource: DS,
        interval: '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z',
        lockType: 'EXCLUSIVE',
        priority: 50,
        deadline: T0 + 300_000,
      },
      at,
    ),
  granted: () => fact('LockGranted', { lockId: LOCK, version: '2024-01-01T00:00:00.000Z' }),
  rejected: () => fact('LockRejected', { lockId: LOCK, reason: 'timed out waiting' }),
  revoked: () => fact('LockRevoked', { lockId: LOCK, byTaskId: 'index_realtime', byLockId: 'lock-rt' }),
  released: () => fact('LockReleased', { lockId: LOCK, reason: 'task succeeded' }),
};

const handoffRef = { dataSource: DS, segmentId: SEG, taskId: 'task-rt' };

export const handoffFacts = {
  started: () => fact('HandoffStarted', { ...handoffRef, deadline: T0 + 900_000 }),
  completed: () => fact('HandoffCompleted', { ...handoffRef, serverId: 'hist-1' }),
  timedOut: () => fact('HandoffTimedOut', handoffRef),
};

export const SUPERVISOR = 'wikipedia-stream';
const sup = { supervisorId: SUPERVISOR };

export const supervisorFacts = {
  submitted: (spec: unknown = { type: 'nats', taskCount: 1 }) => fact('SupervisorSubmitted', { ...sup, dataSource: DS, spec }),
  started: () => fact('SupervisorStarted', sup),
  suspended: () => fact('SupervisorSuspended', sup),
  resumed: () => fact('SupervisorResumed', sup),
  reset: () => fact('SupervisorReset', sup),
  terminated: () => fact('SupervisorTerminated', sup),
  unhealthy: () => fact('SupervisorUnhealthy', { ...sup, reason: 'stream unreachable' }),
  healthy: () => fact('SupervisorHealthy', sup),
  launched: (groupId = 'g1') =>
    fact('TaskGroupLaunched', { ...sup, groupId, taskIds: [`${groupId}-t`], partitions: ['0'], startOffsets: { 0: 0 } }),
  publishing: (groupId = 'g1') => fact('TaskGroupPublishing', { ...sup, groupId, endOffsets: { 0: 100 } }),
  completed: (groupId = 'g1') => fact('TaskGroupCompleted', { ...sup, groupId }),
  stopped: (groupId = 'g1') => fact('TaskGroupStopped', { ...sup, groupId, reason: 'replaced' }),
};

/** The entity every sample concerns, per machine. */
export const SAMPLE_ID: { readonly [K in MachineKind]: string } = {
  segment: SEG,
  replica: `${SEG}@hist-1`,
  task: TASK,
  lock: LOCK,
  handoff: SEG,
  supervisor: SUPERVISOR,
};

const { allocated, published, markedUnused, markedUsed, abandoned, killed } = segmentFacts;
const { assigned, loadStarted, loaded, loadFailed, dropRequested, dropped, replicaLoaded } = replicaFacts;

/**
 * A few facts of every type each machine takes, about one entity: enough variety (realtime or
 * batch, two historicals plus the realtime task) to reach every state, small enough to enumerate
 * every path.
 */
export const SAMPLES: { readonly [K in MachineKind]: readonly GroveEvent[] } = {
  segment: [
    allocated({ realtime: true }),
    allocated({ taskId: 'task-batch', realtime: false }),
    published(),
    markedUnused(),
    markedUsed(),
    abandoned(),
    killed(),
    loaded('hist-1'),
    loaded('hist-2'),
    dropped('hist-1'),
    dropped('hist-2'),
    dropped('task-rt'),
    replicaLoaded(),
  ],
  replica: [assigned(), loadStarted(), loaded(), loadFailed(), dropRequested(), dropped()],
  task: [
    taskFacts.submitted({ realtime: true }),
    taskFacts.submitted({ realtime: false }),
    ...(['assigned', 'waitingForLock', 'started', 'publishing', 'awaitingHandoff', 'succeeded', 'failed', 'canceled'] as const).map(
      (name) => taskFacts[name](),
    ),
  ],
  lock: Object.values(lockFacts).map((make) => make()),
  handoff: Object.values(handoffFacts).map((make) => make()),
  supervisor: [
    ...(['submitted', 'started', 'suspended', 'resumed', 'reset', 'terminated', 'unhealthy', 'healthy'] as const).map((name) =>
      supervisorFacts[name](),
    ),
    ...['g1', 'g2'].flatMap((g) => [
      supervisorFacts.launched(g),
      supervisorFacts.publishing(g),
      supervisorFacts.completed(g),
      supervisorFacts.stopped(g),
    ]),
  ],
};

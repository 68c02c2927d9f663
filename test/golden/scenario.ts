import type { NewEvent } from '../../src/events/catalog.ts';
import type { LogRecord } from '../../src/log/record.ts';

/**
 * A day in the life of datasource `wiki` (and a little of `koala`), as the overlord, indexers,
 * coordinator and historicals would log it: a batch task publishes version V1 of two days, rules
 * are set, an overwrite publishes V2 of the first day (one partition at a time, so V2 is first
 * incomplete), V1 is marked unused and one of its segments dropped and killed, a streaming task
 * builds a realtime segment of the third day, and a compaction task's lock is revoked by a
 * realtime task of higher priority. Each inner array is one append (one command).
 */

export const DS = 'wiki';
export const OTHER_DS = 'koala';
export const V1 = '2024-01-01T00:00:00.000Z';
export const V2 = '2024-01-02T00:00:00.000Z';
export const V3 = '2024-01-03T00:00:00.000Z';
export const V4 = '2024-01-04T00:00:00.000Z';
export const V5 = '2024-01-05T00:00:00.000Z';
export const DAY1 = '2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z';
export const DAY2 = '2013-01-02T00:00:00.000Z/2013-01-03T00:00:00.000Z';
export const DAY3 = '2013-01-03T00:00:00.000Z/2013-01-04T00:00:00.000Z';

export const segmentId = (ds: string, interval: string, version: string, partition: number): string =>
  `${ds}_${interval.replace('/', '_')}_${version}${partition === 0 ? '' : `_${partition}`}`;

export const SEG = {
  day1v1p0: segmentId(DS, DAY1, V1, 0),
  day1v1p1: segmentId(DS, DAY1, V1, 1),
  day2v1p0: segmentId(DS, DAY2, V1, 0),
  day1v2p0: segmentId(DS, DAY1, V2, 0),
  day1v2p1: segmentId(DS, DAY1, V2, 1),
  day3rt: segmentId(DS, DAY3, V3, 0),
  koala: segmentId(OTHER_DS, DAY1, V1, 0),
};

function descriptor(ds: string, interval: string, version: string, partitionNum: number, partitions: number, rows: number) {
  const id = segmentId(ds, interval, version, partitionNum);
  return {
    id, dataSource: ds, interval, version, partitionNum,
    shardSpec: { type: 'numbered' as const, partitionNum, partitions },
    dimensions: ['page', 'language'], metrics: ['count', 'added'], rows, size: rows * 64,
    loadSpec: { type: 'local' as const, path: `${ds}/${id}` }, checksum: `sha-${id.length}`,
  };
}

const report = (processed: number, segments: number) => ({ rowStats: { processed, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments });

function task(taskId: string, dataSource: string, taskType: 'index_parallel' | 'compact' | 'kill' | 'index_nats', priority: number, realtime = false): NewEvent {
  return { type: 'TaskSubmitted', data: { taskId, taskType, dataSource, groupId: taskId, priority, realtime, spec: { type: taskType, dataSource } } };
}

function lock(lockId: string, taskId: string, dataSource: string, interval: string, priority: number): NewEvent {
  return { type: 'LockRequested', data: { lockId, taskId, groupId: taskId, dataSource, interval, lockType: 'EXCLUSIVE', priority, deadline: 4_102_444_800_000 } };
}

function load(segment: string, dataSource: string, serverId: string): NewEvent[] {
  const ref = { dataSource, segmentId: segment, serverId };
  return [
    { type: 'ReplicaAssigned', data: { ...ref, tier: '_default_tier', reason: 'rule' } },
    { type: 'ReplicaLoadStarted', data: ref },
    { type: 'ReplicaLoaded', data: ref },
  ];
}

export function scenario(): NewEvent[][] {
  return [
    [
      { type: 'ServerJoined', data: { serverId: 'h1', kind: 'historical', tier: '_default_tier', capacity: 1e9 } },
      { type: 'ServerJoined', data: { serverId: 'idx1', kind: 'indexer', tier: '_default_tier', capacity: 4 } },
    ],
    // Batch task A: version V1 of days 1 (two partitions) and 2.
    [task('taskA', DS, 'index_parallel', 50), lock('lockA', 'taskA', DS, `${DAY1.split('/')[0]}/${DAY2.split('/')[1]}`, 50)],
    [{ type: 'LockGranted', data: { lockId: 'lockA', version: V1 } }, { type: 'TaskStarted', data: { taskId: 'taskA', indexerId: 'idx1' } }],
    [{ type: 'TaskPublishing', data: { taskId: 'taskA' } }],
    [{ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'taskA', segments: [descriptor(DS, DAY1, V1, 0, 2, 1000), descriptor(DS, DAY1, V1, 1, 2, 800), descriptor(DS, DAY2, V1, 0, 1, 1200)] } }],
    [{ type: 'TaskSucceeded', data: { taskId: 'taskA', report: report(3000, 3) } }, { type: 'LockReleased', data: { lockId: 'lockA', reason: 'task succeeded' } }],
    [{ type: 'RulesSet', data: { dataSource: DS, rules: [{ type: 'loadForever', tieredReplicants: { _default_tier: 1 } }], comment: 'one replica' } }],
    load(SEG.day1v1p0, DS, 'h1'),
    load(SEG.day1v1p1, DS, 'h1'),
    load(SEG.day2v1p0, DS, 'h1'),
    // A little of another datasource.
    [task('taskK', OTHER_DS, 'index_parallel', 50), lock('lockK', 'taskK', OTHER_DS, DAY1, 50)],
    [{ type: 'LockGranted', data: { lockId: 'lockK', version: V1 } }, { type: 'TaskStarted', data: { taskId: 'taskK', indexerId: 'idx1' } }],
    [{ type: 'SegmentsPublished', data: { dataSource: OTHER_DS, taskId: 'taskK', segments: [descriptor(OTHER_DS, DAY1, V1, 0, 1, 10)] } }],
    [{ type: 'TaskSucceeded', data: { taskId: 'taskK', report: report(10, 1) } }, { type: 'LockReleased', data: { lockId: 'lockK', reason: 'task succeeded' } }],
    // Batch task B overwrites day 1 with V2, publishing one partition at a time.
    [task('taskB', DS, 'index_parallel', 50), lock('lockB', 'taskB', DS, DAY1, 50)],
    [{ type: 'LockGranted', data: { lockId: 'lockB', version: V2 } }, { type: 'TaskStarted', data: { taskId: 'taskB', indexerId: 'idx1' } }, { type: 'TaskPublishing', data: { taskId: 'taskB' } }],
    [{ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'taskB', segments: [descriptor(DS, DAY1, V2, 0, 2, 900)] } }],
    [{ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'taskB', segments: [descriptor(DS, DAY1, V2, 1, 2, 700)] } }],
    [{ type: 'TaskSucceeded', data: { taskId: 'taskB', report: report(1600, 2) } }, { type: 'LockReleased', data: { lockId: 'lockB', reason: 'task succeeded' } }],
    load(SEG.day1v2p0, DS, 'h1'),
    load(SEG.day1v2p1, DS, 'h1'),
    // The coordinator marks the overshadowed V1 of day 1 unused, and drops one of its segments.
    [{ type: 'SegmentsMarkedUnused', data: { dataSource: DS, segmentIds: [SEG.day1v1p0, SEG.day1v1p1], reason: 'overshadowed' } }],
    [{ type: 'ReplicaDropRequested', data: { dataSource: DS, segmentId: SEG.day1v1p0, serverId: 'h1', reason: 'unused' } }],
    [{ type: 'ReplicaDropped', data: { dataSource: DS, segmentId: SEG.day1v1p0, serverId: 'h1' } }],
    // A kill task deletes the unused, unserved segment for good.
    [task('taskKill', DS, 'kill', 25), { type: 'TaskStarted', data: { taskId: 'taskKill', indexerId: 'idx1' } }],
    [{ type: 'SegmentsKilled', data: { dataSource: DS, segmentIds: [SEG.day1v1p0], taskId: 'taskKill' } }, { type: 'TaskSucceeded', data: { taskId: 'taskKill', report: report(0, 0) } }],
    // A compaction of day 2 is preempted by a realtime task of higher priority.
    [task('taskC', DS, 'compact', 25), lock('lockC', 'taskC', DS, DAY2, 25)],
    [{ type: 'LockGranted', data: { lockId: 'lockC', version: V4 } }, { type: 'TaskStarted', data: { taskId: 'taskC', indexerId: 'idx1' } }],
    [task('taskR', DS, 'index_nats', 75, true), lock('lockR2', 'taskR', DS, DAY2, 75)],
    [
      { type: 'LockRevoked', data: { lockId: 'lockC', byTaskId: 'taskR', byLockId: 'lockR2' } },
      { type: 'TaskFailed', data: { taskId: 'taskC', error: 'lock lockC was revoked by taskR', code: 'lock_preempted' } },
      { type: 'LockGranted', data: { lockId: 'lockR2', version: V5 } },
    ],
    // The realtime task builds a segment of day 3 and serves it while it does.
    [lock('lockR3', 'taskR', DS, DAY3, 75), { type: 'LockGranted', data: { lockId: 'lockR3', version: V3 } }, { type: 'TaskStarted', data: { taskId: 'taskR', indexerId: 'idx1' } }],
    [{
      type: 'SegmentAllocated',
      data: {
        segment: { id: SEG.day3rt, dataSource: DS, interval: DAY3, version: V3, partitionNum: 0, shardSpec: { type: 'numbered', partitionNum: 0, partitions: 0 } },
        taskId: 'taskR', lockId: 'lockR3', sequenceName: 'taskR_0', previousSegmentId: null, realtime: true,
      },
    }],
  ];
}

/** The scenario's records as the log would stamp them: seq from 1, one minute between appends. */
export function scenarioRecords(start = Date.parse('2024-06-01T00:00:00.000Z')): LogRecord[] {
  let seq = 0;
  return scenario().flatMap((batch, i) =>
    batch.map((e) => ({ seq: ++seq, at: start + i * 60_000, type: e.type, data: e.data, meta: { actor: 'scenario', correlationId: `c${i}`, causationId: null } })));
}

/** The seq of the first record matching `pred`, so tests name points by what happened there. */
export function seqOf(records: readonly LogRecord[], pred: (r: LogRecord) => boolean): number {
  const r = records.find(pred);
  if (r === undefined) throw new Error('no record matches');
  return r.seq;
}

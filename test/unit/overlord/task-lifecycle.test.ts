import { describe, expect, it } from 'vitest';
import { decideAllocation } from '../../../src/overlord/allocation.ts';
import { decideHandoffCompletion, decideHandoffTimeout } from '../../../src/overlord/handoff.ts';
import { decideIndexerLoss } from '../../../src/overlord/indexer-loss.ts';
import { decidePublish } from '../../../src/overlord/publish.ts';
import { decideEnding } from '../../../src/overlord/task-ending.ts';
import { decideUpdate, type TaskUpdate } from '../../../src/overlord/task-update.ts';
import { DAY1, DAY2, descriptor, DS, T0, World } from './world.ts';
import { thrownBy } from '../../support/grove-errors.ts';

const update = (w: World, u: TaskUpdate) => w.commit(decideUpdate(w.state, u, w.now, 60_000));

function allocateFor(w: World, taskId: string, sequenceName = 's') {
  return w.commit(decideAllocation(w.state, { taskId, dataSource: DS, timestamp: Date.parse('2024-01-01T05:00:00Z'), segmentGranularity: 'hour', sequenceName, previousSegmentId: null, lockType: 'APPEND' }, w.now, w.nextLockId()));
}

describe('a dead task\'s locks are released', () => {
  it('releases every lock, drops what a realtime task served and abandons the unpublished segments of a task that fails, in one append', () => {
    const w = new World().run('rt', { realtime: true }).run('other', { priority: 80 });
    const seg = allocateFor(w, 'rt');
    w.grant('rt', DAY2);
    w.grant('other', '2024-01-03T00:00:00Z/2024-01-04T00:00:00Z');
    const waiting = w.lock('rt', '2024-01-03T00:00:00Z/2024-01-04T00:00:00Z');
    const locks = w.state.locks.locksOf('rt').map((l) => l.lockId);
    const d = decideUpdate(w.state, { taskId: 'rt', type: 'failed', error: 'out of memory' }, w.now, 1000);
    expect(d.events.map((e) => e.type)).toEqual(['TaskFailed', 'LockReleased', 'LockReleased', 'LockReleased', 'ReplicaDropped', 'SegmentsAbandoned']);
    w.commit(d);
    expect(locks.map((id) => w.lockState(id))).toEqual(['released', 'released', 'released']);
    expect(w.state.locks.locksOf('rt')).toEqual([]);
    expect(waiting.kind).toBe('waiting');
    expect(w.cluster.stateOf('segment', seg.segmentId)).toBe('abandoned');
    expect(w.state.task('rt')).toMatchObject({ state: 'failed', error: 'out of memory' });
  });

  it('keeps the segments a replica may still publish while another task of its group lives, and abandons them with the last', () => {
    const w = new World().run('r1', { realtime: true, groupId: 'g' }).run('r2', { realtime: true, groupId: 'g' });
    const seg = allocateFor(w, 'r1');
    allocateFor(w, 'r2');
    w.commit(decideEnding(w.state, 'r1', { kind: 'failed', error: 'crashed' }));
    expect(w.cluster.stateOf('segment', seg.segmentId)).toBe('building');
    w.commit(decideEnding(w.state, 'r2', { kind: 'canceled', reason: 'stop' }));
    expect(w.cluster.stateOf('segment', seg.segmentId)).toBe('abandoned');
  });

  it('ends a task once: ending an ended task is nothing to do', () => {
    const w = new World().run('a');
    w.commit(decideEnding(w.state, 'a', { kind: 'canceled', reason: 'user' }));
    expect(decideEnding(w.state, 'a', { kind: 'canceled', reason: 'user' })).toBeNull();
  });
});

describe('a dead indexer\'s tasks fail and their locks are released', () => {
  it('records ServerLeft with every consequence in one append: tasks failed, locks released, segments abandoned, replicas dropped', () => {
    const w = new World().given({ type: 'ServerJoined', data: { serverId: 'indexer-1', kind: 'indexer', tier: '_default_tier', capacity: 2 } });
    w.run('rt', { realtime: true }).run('batch');
    const building = allocateFor(w, 'rt');
    const published = allocateFor(w, 'rt', 'second');
    w.commit(decidePublish(w.state, { taskId: 'rt', segments: [descriptor({ interval: published.interval, version: published.version, partitionNum: published.partitionNum, core: 0 })] }));
    w.grant('batch', DAY2);
    const d = decideIndexerLoss(w.state, 'indexer-1', 'no heartbeat for 10000 ms')!;
    expect(d.events.map((e) => e.type)).toEqual(['ServerLeft', 'TaskFailed', 'LockReleased', 'TaskFailed', 'LockReleased', 'ReplicaDropped', 'ReplicaDropped', 'SegmentsAbandoned']);
    w.commit(d);
    expect(d.result.failedTasks).toEqual(['batch', 'rt']);
    expect(w.state.task('batch')).toMatchObject({ state: 'failed', errorCode: 'unavailable', error: 'indexer indexer-1 was lost while running the task: no heartbeat for 10000 ms' });
    expect(w.cluster.stateOf('segment', building.segmentId)).toBe('abandoned');
    expect(w.cluster.stateOf('segment', published.segmentId)).toBe('published.used.unavailable');
    expect(w.cluster.servers.get('indexer-1')!.alive).toBe(false);
    expect(decideIndexerLoss(w.state, 'indexer-1', 'again')).toBeNull();
  });
});

describe('indexers report a task\'s progress', () => {
  it('moves a realtime task through its states, waiting for the handoff of what it published', () => {
    const w = new World().submit('rt', { realtime: true }).given({ type: 'TaskAssigned', data: { taskId: 'rt', indexerId: 'indexer-1' } });
    update(w, { taskId: 'rt', type: 'started' });
    update(w, { taskId: 'rt', type: 'started' });
    const seg = allocateFor(w, 'rt');
    update(w, { taskId: 'rt', type: 'publishing' });
    w.commit(decidePublish(w.state, { taskId: 'rt', segments: [descriptor({ interval: seg.interval, version: seg.version, core: 0 })] }));
    update(w, { taskId: 'rt', type: 'awaitingHandoff', segmentIds: [seg.segmentId] });
    expect(w.cluster.stateOf('handoff', seg.segmentId)).toBe('waiting');
    expect(decideHandoffCompletion(w.state, seg.segmentId)).toBeNull();
    w.given(
      { type: 'ServerJoined', data: { serverId: 'historical-1', kind: 'historical', tier: '_default_tier', capacity: 1e9 } },
      { type: 'ReplicaLoaded', data: { dataSource: DS, segmentId: seg.segmentId, serverId: 'historical-1' } },
    );
    w.commit(decideHandoffCompletion(w.state, seg.segmentId));
    expect(w.cluster.entity('handoff', seg.segmentId)!.context.serverId).toBe('historical-1');
    const [lock] = w.state.locks.locksOf('rt');
    update(w, { taskId: 'rt', type: 'succeeded' });
    expect(w.taskState('rt')).toBe('succeeded');
    expect(w.lockState(lock!.lockId)).toBe('released');
  });

  it('times a handoff out after its deadline', () => {
    const w = new World().run('rt', { realtime: true });
    const seg = allocateFor(w, 'rt');
    update(w, { taskId: 'rt', type: 'publishing' });
    w.commit(decidePublish(w.state, { taskId: 'rt', segments: [descriptor({ interval: seg.interval, version: seg.version, core: 0 })] }));
    update(w, { taskId: 'rt', type: 'awaitingHandoff', segmentIds: [seg.segmentId] });
    expect(decideHandoffTimeout(w.state, seg.segmentId, T0 + 59_999)).toBeNull();
    w.commit(decideHandoffTimeout(w.state, seg.segmentId, T0 + 60_000));
    expect(w.cluster.stateOf('handoff', seg.segmentId)).toBe('timedOut');
  });

  it('fails a preempted task at its next report, unless it reports failing anyway', () => {
    const w = new World().run('batch').run('rt', { realtime: true });
    w.grant('batch', DAY1);
    w.grant('rt', DAY1);
    expect(thrownBy(() => decideUpdate(w.state, { taskId: 'batch', type: 'publishing' }, T0, 1)).code).toBe('lock_preempted');
    update(w, { taskId: 'batch', type: 'failed', error: 'gave up' });
    expect(w.taskState('batch')).toBe('failed');
  });

  it('refuses reports that contradict the task: success before start, handoff for a batch task, a second ending', () => {
    const w = new World().submit('queued').run('batch');
    expect(thrownBy(() => decideUpdate(w.state, { taskId: 'queued', type: 'succeeded' }, T0, 1)).message).toMatch(/must start before it can succeed/);
    expect(thrownBy(() => decideUpdate(w.state, { taskId: 'batch', type: 'awaitingHandoff' }, T0, 1)).message).toMatch(/only realtime tasks wait for handoff/);
    update(w, { taskId: 'batch', type: 'succeeded' });
    expect(decideUpdate(w.state, { taskId: 'batch', type: 'succeeded' }, T0, 1).events).toEqual([]);
    expect(thrownBy(() => decideUpdate(w.state, { taskId: 'batch', type: 'failed' }, T0, 1)).message).toMatch(/already succeeded/);
  });
});

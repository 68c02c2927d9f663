import { describe, expect, it } from 'vitest';
import { decideAllocation } from '../../../src/overlord/allocation.ts';
import { decideHandoffCompletion, decideHandoffTimeout } from '../../../src/overlord/handoff.ts';
import { decidePublish } from '../../../src/overlord/publish.ts';
import { decideEnding } from '../../../src/overlord/task-ending.ts';
import { decideUpdate, type TaskUpdate } from '../../../src/overlord/task-update.ts';
import { thrownBy } from '../../support/grove-errors.ts';
import { descriptor, DS, T0, World } from '../overlord/world.ts';

/** The overlord's side of realtime tasks: replicas, offsets-only commits, handoff and the end of a task. */

const STREAM = 'clicks';

function allocate(w: World, taskId: string, previousSegmentId: string | null = null) {
  return w.commit(decideAllocation(w.state, {
    taskId, dataSource: DS, timestamp: Date.parse('2024-01-01T05:00:00Z'), segmentGranularity: 'hour', sequenceName: 'group-1', previousSegmentId, lockType: 'APPEND',
  }, w.now, w.nextLockId()));
}

const update = (w: World, u: TaskUpdate) => w.commit(decideUpdate(w.state, u, w.now, 60_000));
const servers = (w: World, segmentId: string) => w.cluster.entity('segment', segmentId)!.context.servers;

/** Two replicas of one realtime group. */
const replicas = () => new World().run('r1', { realtime: true, groupId: 'group-1' }).run('r2', { realtime: true, groupId: 'group-1' });

/** r1 allocated, built and published one segment; it is waiting for its handoff. */
function publishedByR1(w: World) {
  const a = allocate(w, 'r1');
  update(w, { taskId: 'r1', type: 'publishing' });
  w.commit(decidePublish(w.state, { taskId: 'r1', segments: [descriptor({ interval: a.interval, version: a.version, core: 0 })] }));
  update(w, { taskId: 'r1', type: 'awaitingHandoff', segmentIds: [a.segmentId] });
  return a;
}

const joinHistorical = (w: World, id: string) => w.given({ type: 'ServerJoined', data: { serverId: id, kind: 'historical', tier: '_default_tier', capacity: 1e9 } });

describe('replicas of a realtime task group', () => {
  it('a replica given the segment its group already allocated serves it too while it builds it', () => {
    const w = replicas();
    const a = allocate(w, 'r1');
    expect(allocate(w, 'r2')).toEqual(a);
    expect(servers(w, a.segmentId)).toEqual(['r1', 'r2']);
    const before = w.cluster.position;
    allocate(w, 'r2');
    expect(w.cluster.position).toBe(before);
  });

  it('a replica that reaches a segment its group already published is not made to serve it: the published copy is whole elsewhere', () => {
    const w = replicas();
    const a = publishedByR1(w);
    expect(allocate(w, 'r2')).toEqual(a);
    expect(servers(w, a.segmentId)).toEqual(['r1']);
  });

  it('a replica that stops no longer serves what it builds, while the other goes on serving it', () => {
    const w = replicas();
    const a = allocate(w, 'r1');
    allocate(w, 'r2');
    w.commit(decideEnding(w.state, 'r1', { kind: 'failed', error: 'killed' }));
    expect(w.cluster.stateOf('segment', a.segmentId)).toBe('building');
    expect(servers(w, a.segmentId)).toEqual(['r2']);
  });

  it('the replicas wait for one handoff per segment: the first to wait starts it, the others wait for it', () => {
    const w = replicas();
    const a = publishedByR1(w);
    allocate(w, 'r2');
    update(w, { taskId: 'r2', type: 'publishing' });
    expect(w.commit(decidePublish(w.state, { taskId: 'r2', segments: [descriptor({ interval: a.interval, version: a.version, core: 0 })] }))).toEqual({ published: [a.segmentId], alreadyPublished: true });
    const d = decideUpdate(w.state, { taskId: 'r2', type: 'awaitingHandoff', segmentIds: [a.segmentId] }, w.now, 60_000);
    expect(d.events.map((e) => e.type)).toEqual(['TaskAwaitingHandoff']);
    w.commit(d);
    expect(w.cluster.entity('handoff', a.segmentId)!.context.taskId).toBe('r1');
  });
});

describe('handoff', () => {
  it('completes when a historical serves the segment, not when another realtime task does', () => {
    const w = replicas();
    const a = allocate(w, 'r1');
    allocate(w, 'r2');
    update(w, { taskId: 'r1', type: 'publishing' });
    w.commit(decidePublish(w.state, { taskId: 'r1', segments: [descriptor({ interval: a.interval, version: a.version, core: 0 })] }));
    update(w, { taskId: 'r1', type: 'awaitingHandoff', segmentIds: [a.segmentId] });
    expect(servers(w, a.segmentId)).toEqual(['r1', 'r2']);
    expect(decideHandoffCompletion(w.state, a.segmentId)).toBeNull();
    joinHistorical(w, 'h1').given({ type: 'ReplicaLoaded', data: { dataSource: DS, segmentId: a.segmentId, serverId: 'h1' } });
    w.commit(decideHandoffCompletion(w.state, a.segmentId));
    expect(w.cluster.entity('handoff', a.segmentId)!.context).toMatchObject({ serverId: 'h1' });
  });

  it('waits as long as the task asks (handoffConditionTimeout), and for ever when it asks 0', () => {
    const w = new World().run('rt', { realtime: true }).run('patient', { realtime: true });
    const a = allocate(w, 'rt');
    update(w, { taskId: 'rt', type: 'publishing' });
    w.commit(decidePublish(w.state, { taskId: 'rt', segments: [descriptor({ interval: a.interval, version: a.version, core: 0 })] }));
    update(w, { taskId: 'rt', type: 'awaitingHandoff', segmentIds: [a.segmentId], handoffTimeoutMs: 5000 });
    expect(decideHandoffTimeout(w.state, a.segmentId, T0 + 4999)).toBeNull();
    expect(decideHandoffTimeout(w.state, a.segmentId, T0 + 5000)).not.toBeNull();

    const b = w.commit(decideAllocation(w.state, { taskId: 'patient', dataSource: DS, timestamp: Date.parse('2024-01-02T05:00:00Z'), segmentGranularity: 'hour', sequenceName: 'p', previousSegmentId: null, lockType: 'APPEND' }, w.now, w.nextLockId()));
    update(w, { taskId: 'patient', type: 'publishing' });
    w.commit(decidePublish(w.state, { taskId: 'patient', segments: [descriptor({ interval: b.interval, version: b.version, core: 0 })] }));
    update(w, { taskId: 'patient', type: 'awaitingHandoff', segmentIds: [b.segmentId], handoffTimeoutMs: 0 });
    expect(decideHandoffTimeout(w.state, b.segmentId, T0 + 365 * 86_400_000)).toBeNull();
  });

  it('a realtime task that succeeds after its handoff drops its copy in the same append', () => {
    const w = replicas();
    const a = publishedByR1(w);
    joinHistorical(w, 'h1').given({ type: 'ReplicaLoaded', data: { dataSource: DS, segmentId: a.segmentId, serverId: 'h1' } });
    w.commit(decideHandoffCompletion(w.state, a.segmentId));
    const d = decideUpdate(w.state, { taskId: 'r1', type: 'succeeded' }, w.now, 60_000);
    expect(d.events.map((e) => e.type)).toEqual(['TaskSucceeded', 'LockReleased', 'ReplicaDropped']);
    w.commit(d);
    expect(servers(w, a.segmentId)).toEqual(['h1']);
    expect(w.cluster.stateOf('segment', a.segmentId)).toBe('published.used.available');
  });
});

describe('committing stream offsets', () => {
  it('a task that kept no rows commits its offsets alone, under the same compare-and-swap', () => {
    const w = new World().run('rt', { realtime: true });
    const r = w.commit(decidePublish(w.state, { taskId: 'rt', segments: [], commit: { stream: STREAM, start: { 0: 1 }, end: { 0: 40 } } }));
    expect(r).toEqual({ published: [], alreadyPublished: false });
    expect(w.cluster.committedOffsets(DS, STREAM)).toEqual({ 0: 40 });
    const again = thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: [], commit: { stream: STREAM, start: { 0: 1 }, end: { 0: 40 } } }));
    expect(again.code).toBe('conflict');
    expect(again.details).toMatchObject({ partitions: [{ partition: '0', committed: 40, start: 1 }], retryable: false });
  });

  it('a publish of no segments and no offsets is refused, naming what is missing', () => {
    const w = new World().run('rt', { realtime: true });
    const e = thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: [] }));
    expect(e.code).toBe('bad_request');
    expect(e.details).toEqual([{ path: 'segments', reason: 'at least one segment is required, unless commit is given' }]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API, INTERNAL } from '../../../src/bus/subjects.ts';
import type { OffsetsMismatch } from '../../../src/overlord/publish.ts';
import type { TaskStatus } from '../../../src/overlord/task-view.ts';
import { rejectionOf } from '../../support/bus.ts';
import { indexTask } from '../../unit/overlord/task-json.ts';
import { logFrom, segmentOf, startGrove, TestIndexer } from './support.ts';

const g = startGrove('internal');
let ix: TestIndexer;

beforeAll(async () => {
  ix = await TestIndexer.start(g.actorNc, 'ix-internal', 32);
});
afterAll(async () => {
  await ix.stop();
});

const status = (taskId: string) => request<TaskStatus>(g.clientNc, API.taskStatus, { taskId });

/** A batch task with no intervals: it locks as it goes. */
async function running(id: string): Promise<void> {
  await request(g.clientNc, API.taskSubmit, indexTask({ id }));
  await ix.ran(id);
  await ix.update({ taskId: id, type: 'started' });
}

async function streaming(id: string, groupId = id): Promise<void> {
  await request(g.actorNc, INTERNAL.overlordTaskSubmit, { type: 'index_nats', id, groupId, spec: { dataSchema: { dataSource: 'wikipedia' } } });
  await ix.ran(id);
  await ix.update({ taskId: id, type: 'started' });
}

describe('grove.overlord.lock.acquire and .release', () => {
  it('answers a request that must wait once the lock is granted, with a higher version', async () => {
    await running('holds-march');
    await running('wants-march');
    const held = await ix.lock('holds-march', '2024-03-01/2024-03-02');
    let answered = false;
    const waiting = ix.lock('wants-march', '2024-03-01/2024-03-02').then((grant) => ((answered = true), grant));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    expect(await request(g.actorNc, INTERNAL.overlordLockRelease, { taskId: 'holds-march', lockId: held.lockId })).toEqual({ released: [held.lockId] });
    const granted = await waiting;
    expect(granted.version > held.version).toBe(true);
    expect(await ix.lock('wants-march', '2024-03-01T06:00:00Z/2024-03-01T07:00:00Z')).toEqual(granted);
  });

  it('rejects a request that waited past its timeout, naming who holds the lock, in the log and the reply', async () => {
    await running('holds-april');
    await running('impatient');
    await ix.lock('holds-april', '2024-04-01/2024-04-02');
    const from = g.state.position + 1;
    const err = await rejectionOf(ix.lock('impatient', '2024-04-01/2024-04-02', 'EXCLUSIVE', 300));
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/not granted by its deadline .*: held by task holds-april \(EXCLUSIVE on 2024-04-01T00:00:00.000Z\/2024-04-02T00:00:00.000Z, priority 50\)/);
    expect((await logFrom(g.actorNc, from)).map((r) => r.type)).toEqual(['LockRequested', 'LockRejected']);
    expect(await status('impatient')).toMatchObject({ state: 'running' });
  });

  it('fails a queued task whose up-front lock waits too long, with a clear reason', async () => {
    await running('holds-may');
    await ix.lock('holds-may', '2024-05-01/2024-05-02');
    await request(g.clientNc, API.taskSubmit, indexTask({ id: 'queued-may', intervals: ['2024-05-01/2024-05-02'], context: { taskLockTimeout: 300 } }));
    await expect.poll(() => status('queued-may').then((s) => s.state), { timeout: 5000 }).toBe('failed');
    expect(await status('queued-may')).toMatchObject({ errorCode: 'timeout', error: expect.stringMatching(/not granted by its deadline .*: held by task holds-may/) });
  });
});

describe('grove.overlord.allocate', () => {
  it('gives replicas of a task group the same segment ids, sequence after sequence', async () => {
    await streaming('replica-1', 'stream-group');
    await streaming('replica-2', 'stream-group');
    const a1 = await ix.allocate('replica-1', '2024-06-01T10:15:00Z', { sequenceName: 'group_0' });
    const b1 = await ix.allocate('replica-1', '2024-06-01T10:45:00Z', { sequenceName: 'group_0', previousSegmentId: a1.segmentId });
    expect(await ix.allocate('replica-2', '2024-06-01T10:15:00Z', { sequenceName: 'group_0' })).toEqual(a1);
    expect(await ix.allocate('replica-2', '2024-06-01T10:45:00Z', { sequenceName: 'group_0', previousSegmentId: a1.segmentId })).toEqual(b1);
    expect([a1.partitionNum, b1.partitionNum, b1.interval]).toEqual([0, 1, '2024-06-01T10:00:00.000Z/2024-06-01T11:00:00.000Z']);
  });
});

describe('grove.overlord.publish', () => {
  it('commits segments and stream offsets in one append; a stale start writes nothing and says a retry cannot help', async () => {
    await streaming('offsets-1');
    const a = await ix.allocate('offsets-1', '2024-07-01T01:00:00Z');
    await ix.update({ taskId: 'offsets-1', type: 'publishing' });
    const from = g.state.position + 1;
    await ix.publish('offsets-1', [segmentOf(a)], { stream: 'wiki-events', start: { 0: 0, 1: 0 }, end: { 0: 40, 1: 60 } });
    const [published] = await logFrom(g.actorNc, from, 'SegmentsPublished');
    expect(published!.data).toMatchObject({ commit: { end: { 0: 40, 1: 60 } } });
    expect(g.state.committedOffsets('wikipedia', 'wiki-events')).toEqual({ 0: 40, 1: 60 });

    await streaming('offsets-2');
    const b = await ix.allocate('offsets-2', '2024-07-01T02:00:00Z');
    const before = g.state.position;
    const stale = await rejectionOf(ix.publish('offsets-2', [segmentOf(b)], { stream: 'wiki-events', start: { 0: 10 }, end: { 0: 50 } }));
    expect(stale.code).toBe('conflict');
    expect(stale.details).toEqual({ dataSource: 'wikipedia', stream: 'wiki-events', partitions: [{ partition: '0', committed: 40, start: 10 }], retryable: false } satisfies OffsetsMismatch);
    expect(g.state.position).toBe(before);
    expect(g.state.stateOf('segment', b.segmentId)).toBe('building');
    expect(await ix.publish('offsets-2', [segmentOf(b)], { stream: 'wiki-events', start: { 0: 40 }, end: { 0: 50 } })).toEqual({ published: [b.segmentId], alreadyPublished: false });
    expect(g.state.committedOffsets('wikipedia', 'wiki-events')).toEqual({ 0: 50, 1: 60 });
  });

  it('answers the same segments published again with a successful no-op', async () => {
    await streaming('twice');
    const a = await ix.allocate('twice', '2024-07-02T01:00:00Z');
    expect(await ix.publish('twice', [segmentOf(a)])).toEqual({ published: [a.segmentId], alreadyPublished: false });
    const before = g.state.position;
    expect(await ix.publish('twice', [segmentOf(a)])).toEqual({ published: [a.segmentId], alreadyPublished: true });
    expect(g.state.position).toBe(before);
  });
});

describe('an overlord that restarts rebuilds what it needs from the log', () => {
  it('still answers for its tasks, re-arms the deadlines of waiting locks, and assigns what was queued', async () => {
    await running('holds-august');
    await ix.lock('holds-august', '2024-08-01/2024-08-02');
    await request(g.clientNc, API.taskSubmit, indexTask({ id: 'queued-august', intervals: ['2024-08-01/2024-08-02'] }));
    await request(g.clientNc, API.taskSubmit, indexTask({ id: 'impatient-august', intervals: ['2024-08-01/2024-08-02'], context: { taskLockTimeout: 1500 } }));
    await expect.poll(() => Promise.all(['queued-august', 'impatient-august'].map((id) => status(id).then((s) => s.state)))).toEqual(['waitingForLock', 'waitingForLock']);
    await g.restartOverlord();
    expect(await status('holds-august')).toMatchObject({ state: 'running' });
    await expect.poll(() => status('impatient-august').then((s) => s.state), { timeout: 5000 }).toBe('failed');
    expect(await status('impatient-august')).toMatchObject({ errorCode: 'timeout' });
    await ix.update({ taskId: 'holds-august', type: 'failed', error: 'made way' });
    await ix.ran('queued-august');
    await ix.update({ taskId: 'queued-august', type: 'started' });
    expect(await status('queued-august')).toMatchObject({ state: 'running', indexerId: 'ix-internal' });
  });
});

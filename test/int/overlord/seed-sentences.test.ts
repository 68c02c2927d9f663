import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API, INTERNAL } from '../../../src/bus/subjects.ts';
import type { LockType } from '../../../machines/lock/events.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { coexists } from '../../../src/overlord/lockbox.ts';
import type { LockView } from '../../../src/overlord/lock-index.ts';
import type { TaskStatus } from '../../../src/overlord/task-view.ts';
import { parseInterval } from '../../../src/time/interval.ts';
import { rejectionOf } from '../../support/bus.ts';
import { indexTask } from '../../unit/overlord/task-json.ts';
import { logFrom, segment, segmentOf, startGrove, TestIndexer } from './support.ts';

const g = startGrove('seed');

const day = (d: number): string => `2024-01-${String(d).padStart(2, '0')}T00:00:00.000Z/2024-01-${String(d + 1).padStart(2, '0')}T00:00:00.000Z`;
const REPORT = { rowStats: { processed: 5, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments: 1 };

const submit = (json: unknown) => request<{ taskId: string }>(g.clientNc, API.taskSubmit, json);
const status = (taskId: string) => request<TaskStatus>(g.clientNc, API.taskStatus, { taskId });
const stateOf = async (taskId: string) => (await status(taskId)).state;

/** A batch task overwriting `interval`: submitted, handed to the indexer, started; returns its lock's version. */
async function runningOverwrite(ix: TestIndexer, id: string, interval: string): Promise<string> {
  await submit(indexTask({ id, intervals: [interval] }));
  await ix.ran(id);
  await ix.update({ taskId: id, type: 'started' });
  return (await ix.lock(id, interval)).version;
}

async function publishAndSucceed(ix: TestIndexer, id: string, interval: string, version: string): Promise<void> {
  await ix.update({ taskId: id, type: 'publishing' });
  await ix.publish(id, [segment(interval, version)]);
  await ix.update({ taskId: id, type: 'succeeded', report: REPORT });
}

/**
 * Walks the log's lock facts and returns every moment two locks of different groups were granted
 * together although they could not coexist.
 */
function incompatibleHolds(records: LogRecord[]): string[] {
  type Held = Pick<LockView, 'lockId' | 'groupId' | 'interval' | 'lockType'>;
  const asked = new Map<string, Held>();
  const held = new Map<string, Held>();
  const found: string[] = [];
  for (const r of records) {
    const d = r.data as { lockId: string; groupId: string; interval: string; lockType: LockType };
    if (r.type === 'LockRequested') asked.set(d.lockId, { lockId: d.lockId, groupId: d.groupId, interval: parseInterval(d.interval), lockType: d.lockType });
    if (r.type === 'LockReleased' || r.type === 'LockRevoked') held.delete(d.lockId);
    if (r.type !== 'LockGranted') continue;
    const mine = asked.get(d.lockId)!;
    for (const other of held.values()) {
      if (other.groupId !== mine.groupId && mine.interval.start < other.interval.end && other.interval.start < mine.interval.end && !coexists(mine.lockType, mine.interval, other as LockView)) {
        found.push(`seq ${r.seq}: ${mine.lockId} granted beside ${other.lockId}`);
      }
    }
    held.set(d.lockId, mine);
  }
  return found;
}

describe('the seed\'s sentences, through the NATS API', () => {
  it('no two tasks write the same time range of a datasource at once', async () => {
    const from = g.state.position + 1;
    const ix = await TestIndexer.start(g.actorNc, 'ix-same', 4);
    const first = await runningOverwrite(ix, 'same-a', day(1));
    await submit(indexTask({ id: 'same-b', intervals: [day(1)] }));
    await expect.poll(() => stateOf('same-b')).toBe('waitingForLock');
    expect(ix.runs.map((r) => r.taskId)).toEqual(['same-a']);
    await publishAndSucceed(ix, 'same-a', day(1), first);
    await ix.ran('same-b');
    await ix.update({ taskId: 'same-b', type: 'started' });
    const second = (await ix.lock('same-b', day(1))).version;
    expect(second > first).toBe(true);
    expect(incompatibleHolds(await logFrom(g.actorNc, from))).toEqual([]);
    await ix.update({ taskId: 'same-b', type: 'failed', error: 'test over' });
    await ix.stop();
  });

  it('two tasks write different time ranges of a datasource at once', async () => {
    const ix = await TestIndexer.start(g.actorNc, 'ix-apart', 4);
    await runningOverwrite(ix, 'apart-a', day(5));
    await runningOverwrite(ix, 'apart-b', day(6));
    expect([await stateOf('apart-a'), await stateOf('apart-b')]).toEqual(['running', 'running']);
    for (const id of ['apart-a', 'apart-b']) await ix.update({ taskId: id, type: 'failed', error: 'test over' });
    await ix.stop();
  });

  it('where both need the same time chunks, the realtime task takes priority; the revoked batch task fails and publishes nothing', async () => {
    const from = g.state.position + 1;
    const ix = await TestIndexer.start(g.actorNc, 'ix-rt', 4);
    const batchVersion = await runningOverwrite(ix, 'backfill', day(10));
    await request(g.actorNc, INTERNAL.overlordTaskSubmit, { type: 'index_nats', id: 'kafka-like', spec: { dataSchema: { dataSource: 'wikipedia' } } });
    await ix.ran('kafka-like');
    await ix.update({ taskId: 'kafka-like', type: 'started' });
    const rt = await ix.allocate('kafka-like', '2024-01-10T05:30:00Z');
    expect(rt.version > batchVersion).toBe(true);
    const revoked = (await logFrom(g.actorNc, from, 'LockRevoked')).map((r) => r.data);
    expect(revoked).toEqual([expect.objectContaining({ byTaskId: 'kafka-like' })]);

    const refused = await rejectionOf(ix.publish('backfill', [segment(day(10), batchVersion)]));
    expect(refused.code).toBe('lock_preempted');
    expect(refused.message).toMatch(/task backfill lost its EXCLUSIVE lock on wikipedia 2024-01-10.* to task kafka-like/);
    expect(await status('backfill')).toMatchObject({ state: 'failed', errorCode: 'lock_preempted' });
    const published = (await logFrom(g.actorNc, from, 'SegmentsPublished')).map((r) => (r.data as { taskId: string }).taskId);
    expect(published).not.toContain('backfill');
    expect(g.state.stateOf('segment', segment(day(10), batchVersion).id)).toBe('absent');

    await ix.update({ taskId: 'kafka-like', type: 'publishing' });
    expect(await ix.publish('kafka-like', [segmentOf(rt)])).toEqual({ published: [rt.segmentId], alreadyPublished: false });
    await ix.update({ taskId: 'kafka-like', type: 'failed', error: 'test over' });
    await ix.stop();
  });

  it('each overwrite gets a strictly higher version, even when the clock steps back', async () => {
    const ix = await TestIndexer.start(g.actorNc, 'ix-versions', 4);
    const versions: string[] = [];
    for (let i = 0; i < 3; i++) {
      g.clock.offsetMs = -i * 3_600_000;
      const version = await runningOverwrite(ix, `overwrite-${i}`, day(20));
      await publishAndSucceed(ix, `overwrite-${i}`, day(20), version);
      versions.push(version);
    }
    g.clock.offsetMs = 0;
    expect([...versions].sort()).toEqual(versions);
    expect(new Set(versions).size).toBe(3);
    await ix.stop();
  });

  it('a dead task\'s locks are released: held and waited for, in the same append as its failure', async () => {
    const ix = await TestIndexer.start(g.actorNc, 'ix-dead-task', 4);
    await runningOverwrite(ix, 'holder', day(14));
    await runningOverwrite(ix, 'doomed', day(12));
    await ix.lock('doomed', day(13));
    // Caught from the start: it fails while the update below is still being answered.
    const waiting = rejectionOf(ix.lock('doomed', day(14)));
    await expect.poll(() => [...g.overlord.state.locks.locksOf('doomed')].filter((l) => l.state === 'requested').length).toBe(1);
    const locks = g.overlord.state.locks.locksOf('doomed').map((l) => l.lockId);
    const from = g.state.position + 1;
    await ix.update({ taskId: 'doomed', type: 'failed', error: 'the JVM would have crashed here' });
    const err = await waiting;
    expect(err.message).toMatch(/was released before it was granted/);
    const records = await logFrom(g.actorNc, from);
    expect(records.map((r) => r.type)).toEqual(['TaskFailed', 'LockReleased', 'LockReleased', 'LockReleased']);
    expect(new Set(records.map((r) => r.meta.correlationId)).size).toBe(1);
    expect(locks.map((id) => g.state.stateOf('lock', id))).toEqual(['released', 'released', 'released']);
    await ix.update({ taskId: 'holder', type: 'failed', error: 'test over' });
    await ix.stop();
  });

  it('a dead indexer\'s tasks fail, their locks are released, what they served dropped and their segments abandoned, in one append with ServerLeft', async () => {
    const ix = await TestIndexer.start(g.actorNc, 'ix-doomed', 2);
    await request(g.actorNc, INTERNAL.overlordTaskSubmit, { type: 'index_nats', id: 'stranded', spec: { dataSchema: { dataSource: 'wikipedia' } } });
    await ix.ran('stranded');
    await ix.update({ taskId: 'stranded', type: 'started' });
    const building = await ix.allocate('stranded', '2024-01-16T01:00:00Z');
    const from = g.state.position + 1;
    ix.crash();
    await expect.poll(() => stateOf('stranded'), { timeout: 10_000 }).toBe('failed');
    const records = await logFrom(g.actorNc, from);
    expect(records.map((r) => r.type)).toEqual(['ServerLeft', 'TaskFailed', 'LockReleased', 'ReplicaDropped', 'SegmentsAbandoned']);
    expect(new Set(records.map((r) => r.meta.correlationId)).size).toBe(1);
    expect(await status('stranded')).toMatchObject({ errorCode: 'unavailable', error: expect.stringMatching(/indexer ix-doomed was lost while running the task: no heartbeat for \d+ ms/) });
    expect(g.state.stateOf('segment', building.segmentId)).toBe('abandoned');

    const next = await TestIndexer.start(g.actorNc, 'ix-next', 2);
    await runningOverwrite(next, 'after-the-crash', day(16));
    await next.update({ taskId: 'after-the-crash', type: 'failed', error: 'test over' });
    await next.stop();
  });
});

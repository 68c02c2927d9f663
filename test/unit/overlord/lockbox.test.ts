import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LockType } from '../../../machines/lock/events.ts';
import { isGroveError } from '../../../src/bus/errors.ts';
import { coexists, decideRelease, decideRetry, decideTimeout } from '../../../src/overlord/lockbox.ts';
import { decideEnding } from '../../../src/overlord/task-ending.ts';
import { decideUpdate } from '../../../src/overlord/task-update.ts';
import { formatInterval, overlaps } from '../../../src/time/interval.ts';
import { DAY1, DAY2, T0, World } from './world.ts';

const HOUR3 = '2024-01-01T03:00:00.000Z/2024-01-01T04:00:00.000Z';
const JANUARY = '2024-01-01T00:00:00.000Z/2024-02-01T00:00:00.000Z';

describe('no two tasks write the same time range of a datasource at once', () => {
  it('grants a lock at once when nothing overlaps it, versioned with the time of acquisition', () => {
    const w = new World().run('a');
    const g = w.grant('a', DAY1);
    expect(g.version).toBe(new Date(T0).toISOString());
    expect(w.lockState(g.lockId)).toBe('granted');
  });

  it('makes a task of equal priority wait for an overlapping lock, and grants it once the lock is released', () => {
    const w = new World().run('a').run('b');
    const first = w.grant('a', DAY1);
    const second = w.lock('b', DAY1);
    expect(second.kind).toBe('waiting');
    if (second.kind !== 'waiting') return;
    expect(second.blockers.map((l) => l.taskId)).toEqual(['a']);
    expect(decideRetry(w.state, w.state.locks.get(second.lockId)!, T0)).toBeNull();
    w.commit(decideRelease(w.state, 'a'));
    expect(w.lockState(first.lockId)).toBe('released');
    w.commit(decideRetry(w.state, w.state.locks.get(second.lockId)!, T0 + 1));
    expect(w.lockState(second.lockId)).toBe('granted');
  });

  it('conflicts on any overlap, whatever the granularity: an hour inside a day, a day inside a month', () => {
    const w = new World().run('day').run('hour').run('month');
    w.grant('day', DAY1);
    expect(w.lock('hour', HOUR3).kind).toBe('waiting');
    expect(w.lock('month', JANUARY).kind).toBe('waiting');
  });

  it('never holds two incompatible overlapping locks of different groups, whatever happens in whatever order', () => {
    const types: LockType[] = ['EXCLUSIVE', 'SHARED', 'APPEND', 'REPLACE'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('lock' as const), task: fc.nat(5), start: fc.nat(8), len: fc.integer({ min: 1, max: 4 }), type: fc.constantFrom(...types) }),
      fc.record({ kind: fc.constant('release' as const), task: fc.nat(5) }),
      fc.record({ kind: fc.constant('retry' as const) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const w = new World();
      for (let t = 0; t <= 5; t++) w.run(`t${t}`, { priority: [0, 25, 50, 50, 75, 75][t]!, groupId: t === 5 ? 'g4' : undefined });
      w.run('t6', { groupId: 'g4', priority: 75 });
      for (const o of ops) {
        w.now += 1000;
        if (o.kind === 'lock') {
          const start = Date.UTC(2024, 0, 1 + o.start);
          try {
            w.lock(`t${o.task}`, formatInterval({ start, end: start + o.len * 86_400_000 }), o.type);
          } catch (e) {
            // As the actor does: a preempted task fails at its next call; an ended one gets a conflict.
            if (isGroveError(e, 'lock_preempted')) w.commit(decideEnding(w.state, `t${o.task}`, { kind: 'failed', error: (e as Error).message }));
            else if (!isGroveError(e, 'conflict')) throw e;
          }
        } else if (o.kind === 'release') w.commit(decideRelease(w.state, `t${o.task}`));
        else {
          for (const l of w.state.locks.waitingRequests()) {
            const granted = decideRetry(w.state, l, w.now);
            if (granted !== null) w.commit(granted);
          }
        }
        const held = [...w.state.locks.heldOverlapping('wikipedia', { start: Date.UTC(2023, 0, 1), end: Date.UTC(2025, 0, 1) })];
        for (const a of held) for (const b of held) if (a !== b && a.groupId !== b.groupId && overlaps(a.interval, b.interval)) expect(coexists(a.lockType, a.interval, b), `${a.lockId} ${a.lockType} beside ${b.lockId} ${b.lockType}`).toBe(true);
      }
    }), { numRuns: 150 });
  });
});

describe('two tasks write different time ranges of a datasource at once', () => {
  it('grants both, each with its own version', () => {
    const w = new World().run('a').run('b');
    w.grant('a', DAY1);
    w.now += 5;
    const b = w.grant('b', DAY2);
    expect(b.version).toBe(new Date(T0 + 5).toISOString());
  });

  it('does not let locks of another datasource stand in the way', () => {
    const w = new World().run('a').run('b', { dataSource: 'other' });
    w.grant('a', DAY1);
    expect(w.lock('b', DAY1).kind).toBe('granted');
  });
});

describe('where both need the same time chunks, the higher priority takes them', () => {
  it('revokes a batch lock for a realtime task, which takes priority', () => {
    const w = new World().run('batch').run('realtime', { realtime: true });
    const batch = w.grant('batch', DAY1);
    const rt = w.grant('realtime', HOUR3);
    expect(w.lockState(batch.lockId)).toBe('revoked');
    expect(w.cluster.entity('lock', batch.lockId)!.context.revokedBy).toEqual({ taskId: 'realtime', lockId: rt.lockId });
    expect(rt.version > batch.version).toBe(true);
  });

  it('revokes nothing unless every conflicting lock has strictly lower priority', () => {
    const w = new World().run('low', { priority: 25 }).run('equal', { priority: 75 }).run('high', { priority: 75 });
    const low = w.grant('low', HOUR3);
    const equal = w.grant('equal', '2024-01-01T10:00:00.000Z/2024-01-01T11:00:00.000Z');
    const d = w.lock('high', DAY1);
    expect(d.kind).toBe('waiting');
    if (d.kind === 'waiting') expect(d.blockers.map((l) => l.taskId)).toEqual(['equal']);
    expect([w.lockState(low.lockId), w.lockState(equal.lockId)]).toEqual(['granted', 'granted']);
  });

  it('never revokes the lock of a task that is publishing', () => {
    const w = new World().run('batch').run('realtime', { realtime: true });
    const batch = w.grant('batch', DAY1);
    w.commit(decideUpdate(w.state, { taskId: 'batch', type: 'publishing' }, T0, 1000));
    expect(w.lock('realtime', HOUR3).kind).toBe('waiting');
    expect(w.lockState(batch.lockId)).toBe('granted');
  });

  it('honours context.priority over the defaults', () => {
    const w = new World().run('realtime', { realtime: true }).run('urgent', { priority: 90 });
    const rt = w.grant('realtime', DAY1);
    w.grant('urgent', DAY1);
    expect(w.lockState(rt.lockId)).toBe('revoked');
  });

  it('fails a preempted task that has not started at once, in the same append', () => {
    const w = new World().submit('queued').run('realtime', { realtime: true });
    w.grant('queued', DAY1);
    w.grant('realtime', DAY1);
    expect(w.taskState('queued')).toBe('failed');
    expect(w.state.task('queued')!.error).toMatch(/preempted by task realtime/);
    expect(w.state.task('queued')!.errorCode).toBe('lock_preempted');
  });

  it('fails a running preempted task at its next call, naming the task that preempted it', () => {
    const w = new World().run('batch').run('realtime', { realtime: true });
    w.grant('batch', DAY1);
    w.grant('realtime', DAY1);
    expect(w.taskState('batch')).toBe('running');
    let error: unknown;
    try {
      w.lock('batch', DAY2);
    } catch (e) {
      error = e;
    }
    expect(isGroveError(error, 'lock_preempted')).toBe(true);
    expect((error as Error).message).toMatch(/to task realtime/);
  });
});

describe('lock types (Druid\'s TaskLockType)', () => {
  const cases: Array<[LockType, LockType, string, string, boolean]> = [
    ['SHARED', 'SHARED', DAY1, DAY1, true],
    ['EXCLUSIVE', 'SHARED', DAY1, DAY1, false],
    ['SHARED', 'EXCLUSIVE', DAY1, DAY1, false],
    ['APPEND', 'APPEND', DAY1, HOUR3, true],
    ['REPLACE', 'APPEND', DAY1, HOUR3, true],
    ['APPEND', 'REPLACE', HOUR3, DAY1, true],
    ['APPEND', 'REPLACE', JANUARY, DAY1, false],
    ['REPLACE', 'REPLACE', DAY1, DAY1, false],
    ['APPEND', 'SHARED', DAY1, DAY1, false],
  ];
  it.each(cases)('a %s lock beside a held %s lock (%s beside %s): coexists = %s', (asked, held, askedOn, heldOn, together) => {
    const w = new World().run('holder').run('asker');
    w.grant('holder', heldOn, held);
    expect(w.lock('asker', askedOn, asked).kind).toBe(together ? 'granted' : 'waiting');
  });
});

describe('groups, reuse and release', () => {
  it('lets tasks of one group share a lock: no conflict, one version', () => {
    const w = new World().run('sub1', { groupId: 'parallel' }).run('sub2', { groupId: 'parallel' });
    const a = w.grant('sub1', DAY1);
    w.now += 10;
    const b = w.grant('sub2', HOUR3);
    expect(b.version).toBe(a.version);
  });

  it('gives a task the lock it already holds when it asks again, appending nothing', () => {
    const w = new World().run('a');
    const g = w.grant('a', DAY1);
    const again = w.lock('a', HOUR3);
    expect(again).toMatchObject({ kind: 'held', lock: { lockId: g.lockId } });
  });

  it('releases every lock of a task, granted or waiting', () => {
    const w = new World().run('a').run('b');
    w.grant('a', DAY1);
    const g = w.grant('b', DAY2);
    const waiting = w.lock('b', DAY1);
    const { released } = w.commit(decideRelease(w.state, 'b'));
    expect(released.sort()).toEqual([g.lockId, waiting.kind === 'waiting' ? waiting.lockId : ''].sort());
    expect(w.commit(decideRelease(w.state, 'b'))).toEqual({ released: [] });
  });
});

describe('a waiting request times out', () => {
  it('is rejected after its deadline with the holders named, and the task waiting to start fails', () => {
    const w = new World().run('holder').submit('queued');
    w.grant('holder', DAY1);
    const d = w.lock('queued', DAY1, 'EXCLUSIVE', 60_000);
    expect(w.taskState('queued')).toBe('waitingForLock');
    const lockId = d.kind === 'waiting' ? d.lockId : '';
    expect(decideTimeout(w.state, lockId, T0 + 59_999)).toBeNull();
    const { reason } = w.commit(decideTimeout(w.state, lockId, T0 + 60_000));
    expect(reason).toMatch(/not granted by its deadline 2024-06-01T12:01:00.000Z: held by task holder \(EXCLUSIVE on 2024-01-01T00:00:00.000Z\/2024-01-02T00:00:00.000Z, priority 50\)/);
    expect(w.lockState(lockId)).toBe('rejected');
    expect(w.state.task('queued')).toMatchObject({ state: 'failed', errorCode: 'timeout' });
  });

  it('leaves a running task running: it hears of the timeout in its reply', () => {
    const w = new World().run('holder').run('asker');
    w.grant('holder', DAY1);
    const d = w.lock('asker', DAY1, 'EXCLUSIVE', 1000);
    w.commit(decideTimeout(w.state, (d as { lockId: string }).lockId, T0 + 1000));
    expect(w.taskState('asker')).toBe('running');
  });
});

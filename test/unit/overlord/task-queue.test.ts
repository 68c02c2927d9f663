import { describe, expect, it } from 'vitest';
import { decideAssignment, nextStep, pickIndexer } from '../../../src/overlord/task-queue.ts';
import { decideSubmission, readTask } from '../../../src/overlord/task-submission.ts';
import { formatInterval } from '../../../src/time/interval.ts';
import { indexTask } from './task-json.ts';
import { DAY1, T0, World } from './world.ts';
import { thrownBy } from '../../support/grove-errors.ts';

const locksOf = (json: unknown) => readTask(json, T0, 'abcd1234').locks.map((l) => [formatInterval(l.interval), l.lockType]);

describe('reading a submitted task', () => {
  it('names a task as Druid does when it has no id, and reads its type, datasource, group and priority', () => {
    const t = readTask(indexTask(), T0, 'abcd1234');
    expect(t).toMatchObject({ taskId: 'index_parallel_wikipedia_abcd1234_2024-06-01T120000000Z', taskType: 'index_parallel', dataSource: 'wikipedia', groupId: null, priority: 50, realtime: false });
    expect(readTask({ ...indexTask({ id: 'mine' }), context: { priority: 90 } }, T0, 'x')).toMatchObject({ taskId: 'mine', priority: 90 });
  });

  it('locks the intervals of a batch task up front, widened to whole segment-granularity chunks', () => {
    expect(locksOf(indexTask({ intervals: ['2024-01-01T05:00:00Z/2024-01-02T01:00:00Z', '2024-01-05/2024-01-06'] }))).toEqual([
      ['2024-01-01T00:00:00.000Z/2024-01-03T00:00:00.000Z', 'EXCLUSIVE'],
      ['2024-01-05T00:00:00.000Z/2024-01-06T00:00:00.000Z', 'EXCLUSIVE'],
    ]);
    expect(locksOf(indexTask())).toEqual([]);
  });

  it('picks the lock type Druid would: taskLockType, concurrent locks, shared appends', () => {
    const day = ['2024-01-01/2024-01-02'];
    expect(locksOf(indexTask({ intervals: day, context: { taskLockType: 'REPLACE' } }))[0]![1]).toBe('REPLACE');
    expect(locksOf(indexTask({ intervals: day, appendToExisting: true, context: { useConcurrentLocks: true } }))[0]![1]).toBe('APPEND');
    expect(locksOf(indexTask({ intervals: day, appendToExisting: true, context: { useSharedLock: true } }))[0]![1]).toBe('SHARED');
  });

  it('locks a compaction\'s interval, or the span of its segments, and a kill\'s interval', () => {
    expect(locksOf({ type: 'compact', dataSource: 'wikipedia', interval: DAY1 })).toEqual([[DAY1, 'EXCLUSIVE']]);
    const seg = (d: string) => `wikipedia_2024-01-0${d}T00:00:00.000Z_2024-01-0${Number(d) + 1}T00:00:00.000Z_v1`;
    expect(locksOf({ type: 'compact', dataSource: 'wikipedia', ioConfig: { type: 'compact', inputSpec: { type: 'segments', segments: [seg('3'), seg('1')] } } }))
      .toEqual([['2024-01-01T00:00:00.000Z/2024-01-04T00:00:00.000Z', 'EXCLUSIVE']]);
    expect(locksOf({ type: 'kill', dataSource: 'wikipedia', interval: DAY1 })).toEqual([[DAY1, 'EXCLUSIVE']]);
  });

  it('answers an invalid task with every bad field named', () => {
    const e = thrownBy(() => readTask({ type: 'index_parallel', id: 'a.b', context: { taskLockType: 'BIG' }, spec: { dataSchema: { dataSource: 'w', granularitySpec: { segmentGranularity: 'fortnight' } } } }, T0, 'x'));
    expect(e.code).toBe('invalid_spec');
    const paths = (e.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toContain('spec.dataSchema.granularitySpec.segmentGranularity');
    expect(paths).toContain('spec.ioConfig');
    const more = thrownBy(() => readTask({ ...indexTask({ id: 'a.b' }), context: { taskLockType: 'BIG' } }, T0, 'x'));
    expect((more.details as Array<{ path: string }>).map((d) => d.path)).toEqual(['context.taskLockType', 'id']);
    expect(thrownBy(() => readTask({ type: 'index_nats', spec: {} }, T0, 'x')).details).toEqual([{ path: 'spec.dataSchema.dataSource', reason: 'required: the datasource the task writes' }]);
  });

  it('reads a streaming task as realtime, priority 75, locking nothing up front', () => {
    expect(readTask({ type: 'index_nats', spec: { dataSchema: { dataSource: 'wikipedia' } } }, T0, 'x')).toMatchObject({ realtime: true, priority: 75, locks: [] });
  });

  it('refuses a second task with the same id', () => {
    const w = new World();
    const t = readTask(indexTask({ id: 'once' }), T0, 'x');
    w.commit(decideSubmission(w.state, t, {}));
    expect(thrownBy(() => decideSubmission(w.state, t, {})).message).toBe('task once already exists');
  });
});

describe('the task queue (Druid\'s TaskQueue)', () => {
  it('takes the up-front locks one by one, waits for a held one, then assigns', () => {
    const w = new World().run('holder');
    w.grant('holder', DAY1);
    w.commit(decideSubmission(w.state, readTask(indexTask({ id: 'queued' }), T0, 'x'), {}));
    const locks = [{ interval: { start: Date.UTC(2024, 0, 2), end: Date.UTC(2024, 0, 3) }, lockType: 'EXCLUSIVE' as const }, { interval: { start: Date.UTC(2024, 0, 1), end: Date.UTC(2024, 0, 2) }, lockType: 'EXCLUSIVE' as const }];
    expect(nextStep(w.state, w.state.task('queued')!, locks)).toEqual({ kind: 'lock', lock: locks[0] });
    w.grant('queued', formatInterval(locks[0]!.interval));
    expect(nextStep(w.state, w.state.task('queued')!, locks)).toEqual({ kind: 'lock', lock: locks[1] });
    w.lock('queued', DAY1);
    expect(w.taskState('queued')).toBe('waitingForLock');
    expect(nextStep(w.state, w.state.task('queued')!, locks)).toEqual({ kind: 'wait' });
  });

  it('gives a task to the indexer with the most free slots, and to none when all are full', () => {
    const w = new World().submit('a').submit('b').submit('c');
    const slots = [{ indexerId: 'i1', capacity: 1 }, { indexerId: 'i2', capacity: 2 }];
    expect(pickIndexer(w.state, slots)).toBe('i2');
    w.commit(decideAssignment(w.state, 'a', 'i2'));
    expect(pickIndexer(w.state, slots)).toBe('i1');
    w.commit(decideAssignment(w.state, 'b', 'i1'));
    w.commit(decideAssignment(w.state, 'c', 'i2'));
    expect(pickIndexer(w.state, slots)).toBeNull();
    expect(w.state.unassignedTasks()).toEqual([]);
    expect(thrownBy(() => decideAssignment(w.state, 'c', 'i1')).message).toMatch(/pending on indexer i2: it cannot be assigned/);
  });

  it('orders waiting tasks by priority, then age', () => {
    const w = new World().submit('old-batch');
    w.now += 1;
    w.submit('new-realtime', { realtime: true }).submit('new-batch');
    expect(w.state.unassignedTasks().map((t) => t.taskId)).toEqual(['new-realtime', 'old-batch', 'new-batch']);
  });
});

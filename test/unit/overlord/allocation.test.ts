import { describe, expect, it } from 'vitest';
import { isGroveError } from '../../../src/bus/errors.ts';
import { decideAllocation, type AllocateRequest } from '../../../src/overlord/allocation.ts';
import { descriptor, DS, T0, World } from './world.ts';
import { thrownBy } from '../../support/grove-errors.ts';

const V1 = '2023-12-31T00:00:00.000Z';
const at = (iso: string): number => Date.parse(iso);

function request(o: Partial<AllocateRequest> = {}): AllocateRequest {
  return { taskId: 'rt', dataSource: DS, timestamp: at('2024-01-01T05:30:00Z'), segmentGranularity: 'hour', sequenceName: 'seq', previousSegmentId: null, lockType: 'EXCLUSIVE', ...o };
}

function allocate(w: World, o: Partial<AllocateRequest> = {}) {
  return w.commit(decideAllocation(w.state, request(o), w.now, w.nextLockId()));
}

describe('allocate (Druid\'s SegmentAllocateAction)', () => {
  it('opens a chunk of the preferred granularity under a new lock, partition 0 with no core set', () => {
    const w = new World().run('rt', { realtime: true });
    const a = allocate(w);
    expect(a).toEqual({
      segmentId: `${DS}_2024-01-01T05:00:00.000Z_2024-01-01T06:00:00.000Z_${new Date(T0).toISOString()}`,
      interval: '2024-01-01T05:00:00.000Z/2024-01-01T06:00:00.000Z', version: new Date(T0).toISOString(), partitionNum: 0,
      shardSpec: { type: 'numbered', partitionNum: 0, partitions: 0 },
    });
    expect(w.cluster.stateOf('segment', a.segmentId)).toBe('building');
    expect(w.state.locks.locksOf('rt').map((l) => [l.state, l.intervalText])).toEqual([['granted', a.interval]]);
  });

  it('gives the same (sequenceName, previousSegmentId) the same segment, to a replica too', () => {
    const w = new World().run('rt', { realtime: true, groupId: 'g' }).run('replica', { realtime: true, groupId: 'g' });
    const first = allocate(w);
    const before = w.cluster.position;
    expect(allocate(w)).toEqual(first);
    expect(w.cluster.position).toBe(before);
    expect(allocate(w, { taskId: 'replica' })).toEqual(first);
    expect(w.state.locks.locksOf('replica').map((l) => l.state)).toEqual(['granted']);
  });

  it('numbers the next segment of a sequence after the last one in the chunk', () => {
    const w = new World().run('rt', { realtime: true });
    const first = allocate(w);
    const second = allocate(w, { previousSegmentId: first.segmentId });
    expect([second.partitionNum, second.version, second.interval]).toEqual([1, first.version, first.interval]);
  });

  it('appends to the used chunk holding the row, taking its interval and version, after its core partitions', () => {
    const w = new World().run('rt', { realtime: true });
    w.given({ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'rt', segments: [0, 1].map((p) => descriptor({ version: V1, partitionNum: p, core: 2 })) } });
    const a = allocate(w, { segmentGranularity: 'hour' });
    expect(a).toMatchObject({ interval: '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z', version: V1, partitionNum: 2, shardSpec: { partitionNum: 2, partitions: 2 } });
  });

  it('falls back to finer granularities when the preferred bucket would straddle existing chunks', () => {
    const w = new World().run('rt', { realtime: true });
    w.given({
      type: 'SegmentsPublished',
      data: { dataSource: DS, taskId: 'rt', segments: ['01', '03'].map((h) => descriptor({ interval: `2024-01-01T${h}:00:00.000Z/2024-01-01T${h}:30:00.000Z`, version: V1 })) },
    });
    const a = allocate(w, { segmentGranularity: 'day' });
    expect(a.interval).toBe('2024-01-01T05:00:00.000Z/2024-01-01T06:00:00.000Z');
  });

  it('refuses clearly a row whose chunk is split between versions', () => {
    const w = new World().run('rt', { realtime: true });
    w.given({ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'rt', segments: [descriptor({ interval: '2024-01-01T05:00:00.000Z/2024-01-01T06:00:00.000Z', version: V1 })] } });
    w.given({ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'rt', segments: [descriptor({ interval: '2024-01-01T05:00:00.000Z/2024-01-01T05:20:00.000Z', version: '2024-01-01T00:00:00.000Z' })] } });
    const e = thrownBy(() => decideAllocation(w.state, request({ timestamp: at('2024-01-01T05:45:00Z') }), w.now, 'l'));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/spans 2 visible chunks/);
  });

  it('names the task whose lock stands in the way when no candidate can be locked', () => {
    const w = new World().run('overwrite', { priority: 80 }).run('rt', { realtime: true });
    w.grant('overwrite', '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z');
    const e = thrownBy(() => decideAllocation(w.state, request(), w.now, 'l'));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/locked by task overwrite \(EXCLUSIVE on .*, priority 80\)/);
  });

  it('takes the chunk from a lower-priority batch task, whose next call then fails', () => {
    const w = new World().run('batch').run('rt', { realtime: true });
    w.grant('batch', '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z');
    allocate(w);
    const e = thrownBy(() => decideAllocation(w.state, request({ taskId: 'batch', sequenceName: 'b' }), w.now, 'l'));
    expect(isGroveError(e, 'lock_preempted')).toBe(true);
    expect(e.details).toMatchObject({ taskId: 'batch', byTaskId: 'rt' });
  });

  it('refuses a datasource the task does not write, and a sequence reused for another time', () => {
    const w = new World().run('rt', { realtime: true });
    expect(thrownBy(() => decideAllocation(w.state, request({ dataSource: 'other' }), w.now, 'l')).code).toBe('bad_request');
    allocate(w);
    const e = thrownBy(() => decideAllocation(w.state, request({ timestamp: at('2024-01-03T00:00:00Z') }), w.now, 'l'));
    expect(e.message).toMatch(/does not hold 2024-01-03T00:00:00.000Z/);
  });
});

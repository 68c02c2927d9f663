import { describe, expect, it } from 'vitest';
import type { OffsetsMismatch } from '../../../src/overlord/publish.ts';
import { decidePublish, type PublishRequest } from '../../../src/overlord/publish.ts';
import { DAY1, DAY2, descriptor, DS, World } from './world.ts';
import { thrownBy } from '../../support/grove-errors.ts';

/** A running batch task holding an EXCLUSIVE lock on DAY1; returns the world and the lock's version. */
function overwriting(): { w: World; version: string } {
  const w = new World().run('batch');
  return { w, version: w.grant('batch', DAY1).version };
}

const publish = (w: World, req: PublishRequest) => w.commit(decidePublish(w.state, req));

describe('publish (Druid\'s SegmentTransactionalInsertAction)', () => {
  it('publishes every segment of the task in one append, each covered by its lock', () => {
    const { w, version } = overwriting();
    const segments = [0, 1].map((p) => descriptor({ version, partitionNum: p, core: 2 }));
    const before = w.cluster.position;
    expect(publish(w, { taskId: 'batch', segments })).toEqual({ published: segments.map((s) => s.id), alreadyPublished: false });
    expect(w.cluster.position).toBe(before + 1);
    expect(segments.map((s) => w.cluster.stateOf('segment', s.id))).toEqual(['published.used.unavailable', 'published.used.unavailable']);
  });

  it('treats the same segments published again as a successful no-op, even after the task ended', () => {
    const { w, version } = overwriting();
    const segments = [descriptor({ version })];
    publish(w, { taskId: 'batch', segments });
    w.given({ type: 'TaskSucceeded', data: { taskId: 'batch', report: { rowStats: { processed: 1, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments: 1 } } });
    const again = decidePublish(w.state, { taskId: 'batch', segments });
    expect(again.events).toEqual([]);
    expect(again.result).toEqual({ published: [segments[0]!.id], alreadyPublished: true });
  });

  it('refuses a half-published set: a publish is all or nothing', () => {
    const { w, version } = overwriting();
    publish(w, { taskId: 'batch', segments: [descriptor({ version })] });
    const e = thrownBy(() => decidePublish(w.state, { taskId: 'batch', segments: [0, 1].map((p) => descriptor({ version, partitionNum: p })) }));
    expect(e.message).toMatch(/already published but .*_1 are not/);
  });

  it('refuses segments no granted lock of the task covers, or newer than its lock, naming each', () => {
    const { w, version } = overwriting();
    const e = thrownBy(() => decidePublish(w.state, { taskId: 'batch', segments: [descriptor({ version, interval: DAY2 }), descriptor({ version: '2099-01-01T00:00:00.000Z' })] }));
    expect(e.code).toBe('conflict');
    expect(e.details).toEqual([
      { path: 'segments[0]', reason: 'no granted lock of the task covers 2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z' },
      { path: 'segments[1]', reason: expect.stringMatching(/version 2099-01-01T00:00:00.000Z is newer than the version .* of the task's EXCLUSIVE lock/) },
    ]);
  });

  it('names malformed descriptors field by field', () => {
    const { w, version } = overwriting();
    const s = { ...descriptor({ version }), dataSource: 'other', id: 'nonsense' };
    const e = thrownBy(() => decidePublish(w.state, { taskId: 'batch', segments: [s] }));
    expect(e.code).toBe('bad_request');
    expect((e.details as Array<{ path: string }>).map((d) => d.path)).toEqual(['segments[0].dataSource', 'segments[0].id']);
  });

  it('refuses a segment another group allocated, and one that was abandoned', () => {
    const w = new World().run('rt', { realtime: true }).run('other', { realtime: true });
    w.grant('other', DAY1, 'APPEND');
    w.grant('rt', DAY1, 'APPEND');
    const version = w.state.locks.locksOf('rt')[0]!.version!;
    const mine = descriptor({ version, partitionNum: 0 });
    w.given({ type: 'SegmentAllocated', data: { segment: mine, taskId: 'other', lockId: 'x', sequenceName: 's', previousSegmentId: null, realtime: true } });
    expect(thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: [mine] })).message).toMatch(/allocated to task other, which is not of group rt/);
    w.given({ type: 'SegmentsAbandoned', data: { dataSource: DS, segmentIds: [mine.id], taskId: 'other', reason: 'gone' } });
    expect(thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: [mine] })).message).toMatch(/was abandoned/);
  });
});

describe('publishing with stream offsets: one compare-and-swap', () => {
  function streaming(): { w: World; version: string } {
    const w = new World().run('rt', { realtime: true });
    return { w, version: w.grant('rt', DAY1, 'APPEND').version };
  }
  const commit = (start: Record<string, number>, end: Record<string, number>) => ({ stream: 'events', start, end });

  it('commits the offsets with the segments, expecting what is committed now, and merges partitions', () => {
    const { w, version } = streaming();
    const d = decidePublish(w.state, { taskId: 'rt', segments: [descriptor({ version })], commit: commit({ 0: 0 }, { 0: 100 }) });
    expect(d.expect).toContainEqual({ type: 'offsets', dataSource: DS, stream: 'events', equals: null });
    w.commit(d);
    publish(w, { taskId: 'rt', segments: [descriptor({ version, partitionNum: 1 })], commit: commit({ 1: 0 }, { 1: 50 }) });
    expect(w.cluster.committedOffsets(DS, 'events')).toEqual({ 0: 100, 1: 50 });
  });

  it('writes nothing when a partition was committed past the start, and says a retry cannot help', () => {
    const { w, version } = streaming();
    publish(w, { taskId: 'rt', segments: [descriptor({ version })], commit: commit({ 0: 0 }, { 0: 100 }) });
    const e = thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: [descriptor({ version, partitionNum: 1 })], commit: commit({ 0: 50 }, { 0: 150 }) }));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/partition 0 is committed up to 100 but this publish starts at 50; a retry cannot help/);
    expect(e.details).toEqual({ dataSource: DS, stream: 'events', partitions: [{ partition: '0', committed: 100, start: 50 }], retryable: false } satisfies OffsetsMismatch);
  });

  it('says a retry can help when the committed offsets are behind the start (an earlier publish is still to land)', () => {
    const { w, version } = streaming();
    publish(w, { taskId: 'rt', segments: [descriptor({ version })], commit: commit({ 0: 0 }, { 0: 100 }) });
    const e = thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: [descriptor({ version, partitionNum: 1 })], commit: commit({ 0: 200 }, { 0: 300 }) }));
    expect((e.details as OffsetsMismatch).retryable).toBe(true);
    expect(e.message).toMatch(/a retry can succeed once the earlier offsets are committed/);
  });

  it('refuses offsets whose start and end name different partitions, or run backwards', () => {
    const { w, version } = streaming();
    const seg = [descriptor({ version })];
    expect(thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: seg, commit: commit({ 0: 0 }, { 1: 5 }) })).code).toBe('bad_request');
    expect(thrownBy(() => decidePublish(w.state, { taskId: 'rt', segments: seg, commit: commit({ 0: 9 }, { 0: 5 }) })).message).toMatch(/before commit.start for partitions 0/);
  });
});

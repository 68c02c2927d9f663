import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API, node } from '../../../src/bus/subjects.ts';
import { rejectionOf } from '../../support/bus.ts';
import {
  clicks, createStream, finishTask, produce, streamingCluster, streamingTaskJson, submitStreamingTask, sumOf, taskOffsets, taskStatus, totals, untilEnded, untilTotals,
  type StreamingCluster,
} from './support.ts';

const c = streamingCluster('realtime-index-nats');
const last = (seqs: number[]): number => seqs[seqs.length - 1]!;

/** Asks the broker every few ms until stopped; every answer it got. */
function watchTotals(cluster: StreamingCluster, dataSource: string): { stop(): Promise<Array<{ rows: number; added: number } | null>> } {
  const seen: Array<{ rows: number; added: number } | null> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      seen.push(await totals(cluster, dataSource));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return { async stop() { running = false; await loop; return seen; } };
}

describe('an index_nats task in a cluster', () => {
  it('a task JSON with bad fields fails with invalid_spec naming them, and the indexer runs on (the next tests run on it)', async () => {
    const json = streamingTaskJson({ id: 'rt-bad', dataSource: 'bad', stream: 'bad', start: { 0: 1 } });
    json.spec.ioConfig.startSequenceNumbers = { 0: -1 };
    (json.spec.tuningConfig as Record<string, unknown>).maxRowsInMemory = 'many';
    const taskId = await submitStreamingTask(c, json);

    expect(await untilEnded(c, taskId)).toMatchObject({
      state: 'failed',
      error: 'invalid spec: spec.ioConfig.startSequenceNumbers.0: expected a stream sequence (a non-negative integer); spec.tuningConfig.maxRowsInMemory: must be an integer',
    });
  });

  it('reads two partitions, is queryable while it reads, finishes at the end it is given, publishes with its offsets and hands off with no gap and no double count', async () => {
    await createStream(c, 'clicks');
    const p0 = clicks(30, 0, 'a');
    const p1 = clicks(20, 3, 'b');
    const seqs0 = await produce(c, 'clicks', 0, p0, 5);
    await produce(c, 'clicks', 1, p1);
    const taskId = await submitStreamingTask(c, streamingTaskJson({
      id: 'rt-clicks', dataSource: 'clicks', stream: 'clicks', start: { 0: 1, 1: 1 },
      // Small enough that rows are persisted to disk and a chunk spans two segments.
      tuningConfig: { maxRowsInMemory: 7, maxRowsPerSegment: 6 },
    }));

    await untilTotals(c, 'clicks', { rows: 50, added: sumOf(p0) + sumOf(p1) });
    expect((await taskStatus(c, taskId)).state).toBe('running');
    const late = clicks(10, 6, 'c');
    const lateSeqs = await produce(c, 'clicks', 1, late, 3);
    const expected = { rows: 60, added: sumOf(p0) + sumOf(p1) + sumOf(late) };
    await untilTotals(c, 'clicks', expected);

    const current = { 0: last(seqs0) + 1, 1: last(lateSeqs) + 1 };
    expect(await taskOffsets(c, taskId)).toEqual({ taskId, phase: 'reading', start: { 0: 1, 1: 1 }, current });
    // Paused, as a supervisor pauses a group before it ends it: what comes next is left for the next group.
    expect((await taskOffsets(c, taskId, { pause: true })).current).toEqual(current);
    const nextGroups = await produce(c, 'clicks', 1, clicks(4, 8, 'next'));
    await new Promise((r) => setTimeout(r, 300));
    expect((await taskOffsets(c, taskId)).current).toEqual(current);
    expect(await totals(c, 'clicks')).toEqual(expected);
    // Partition 0 went quiet long before this end: the task learns from the stream that nothing of it is left before there.
    const end = { 0: last(nextGroups) + 1, 1: current[1] };
    const watch = watchTotals(c, 'clicks');
    expect(await finishTask(c, taskId, end)).toEqual({ taskId, end });
    const ended = await untilEnded(c, taskId);
    const seen = await watch.stop();

    expect(ended).toMatchObject({ state: 'succeeded', rowStats: { processed: 60, processedWithError: 0, unparseable: 0, thrownAway: 0 } });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.filter((s) => s?.rows !== expected.rows || s.added !== expected.added)).toEqual([]);
    expect(await totals(c, 'clicks')).toEqual(expected);
    expect(c.state.committedOffsets('clicks', 'clicks')).toEqual(end);
    const segments = await c.segments('clicks');
    expect(segments.length).toBeGreaterThan(6);
    expect(segments.map((s) => [s.state, s.servers])).toEqual(segments.map(() => ['published.used.available', ['h1']]));
    expect(segments.reduce((n, s) => n + s.rows, 0)).toBe(60);
    expect((await rejectionOf(request(c.actorNc, node.query(taskId), { query: {}, segments: [] }, { timeoutMs: 1000 }))).code).toBe('unavailable');
  });

  it('a task told to finish exactly where it has read publishes at once, with nothing more to wait for', async () => {
    await createStream(c, 'exact');
    const rows = clicks(8, 1, 'e');
    const seqs = await produce(c, 'exact', 0, rows, 2);
    const taskId = await submitStreamingTask(c, streamingTaskJson({ id: 'rt-exact', dataSource: 'exact', stream: 'exact', start: { 0: 1 } }));
    await untilTotals(c, 'exact', { rows: 8, added: sumOf(rows) });
    const end = { 0: last(seqs) + 1 };
    expect((await taskOffsets(c, taskId)).current).toEqual(end);

    await finishTask(c, taskId, end);
    expect(await untilEnded(c, taskId, 15_000)).toMatchObject({ state: 'succeeded', rowStats: { processed: 8 } });
    expect(c.state.committedOffsets('exact', 'exact')).toEqual(end);
  });

  it('two replicas of one group build the same segments; the first publishes them, the second finds them published; nothing is counted twice', async () => {
    await createStream(c, 'views');
    const p0 = clicks(24, 0, 'v');
    const p1 = clicks(12, 1, 'w');
    const end = { 0: last(await produce(c, 'views', 0, p0, 4)) + 1, 1: last(await produce(c, 'views', 1, p1, 4)) + 1 };
    const from = c.state.position + 1;
    const ids = await Promise.all(['rt-views-a', 'rt-views-b'].map((id) => submitStreamingTask(c, streamingTaskJson({
      id, groupId: 'views-group', dataSource: 'views', stream: 'views', start: { 0: 1, 1: 1 }, end, tuningConfig: { maxRowsPerSegment: 5 },
    }))));

    const ended = await Promise.all(ids.map((id) => untilEnded(c, id)));
    expect(ended.map((s) => [s.state, s.rowStats?.processed])).toEqual([['succeeded', 36], ['succeeded', 36]]);
    expect(await totals(c, 'views')).toEqual({ rows: 36, added: sumOf(p0) + sumOf(p1) });
    const log = await c.log(from, ['SegmentAllocated', 'SegmentsPublished']);
    const allocated = log.filter((r) => r.type === 'SegmentAllocated').map((r) => (r.data as { segment: { id: string } }).segment.id);
    const published = log.filter((r) => r.type === 'SegmentsPublished').map((r) => (r.data as { segments: Array<{ id: string }> }).segments.map((s) => s.id).sort());
    expect(published).toEqual([[...allocated].sort()]);
    expect(c.state.committedOffsets('views', 'views')).toEqual(end);
    const segments = await c.segments('views');
    expect(segments.map((s) => s.state)).toEqual(segments.map(() => 'published.used.available'));
  });

  it('throws away rows outside the message time window and counts bad rows as unparseable', async () => {
    await createStream(c, 'edges');
    const inside = clicks(6, 4, 'in');
    const early = [{ ts: '2024-01-01T01:00:00Z', page: 'early', added: 1000 }];
    const late = [{ ts: '2024-01-01T09:00:00Z', page: 'late', added: 1000 }];
    const seqs = await produce(c, 'edges', 0, [...early, ...inside, 'not json', ...late], 3);
    const taskId = await submitStreamingTask(c, streamingTaskJson({
      id: 'rt-edges', dataSource: 'edges', stream: 'edges', start: { 0: 1 }, end: { 0: last(seqs) + 1 },
      minimumMessageTime: Date.parse('2024-01-01T04:00:00Z'), maximumMessageTime: Date.parse('2024-01-01T07:00:00Z'),
    }));

    expect(await untilEnded(c, taskId)).toMatchObject({ state: 'succeeded', rowStats: { processed: 6, processedWithError: 0, unparseable: 1, thrownAway: 2 } });
    expect(await totals(c, 'edges')).toEqual({ rows: 6, added: sumOf(inside) });
  });

  it('with no historical to take its segments, the handoff times out after handoffConditionTimeout and the task succeeds anyway, saying so', async () => {
    await request(c.clientNc, API.rulesSet, { dataSource: 'untaken', rules: [{ type: 'loadForever', tieredReplicants: { cold: 1 } }] });
    await createStream(c, 'untaken');
    const rows = clicks(5, 0, 'u');
    const seqs = await produce(c, 'untaken', 0, rows);
    const from = c.state.position + 1;
    const taskId = await submitStreamingTask(c, streamingTaskJson({
      id: 'rt-untaken', dataSource: 'untaken', stream: 'untaken', start: { 0: 1 }, end: { 0: last(seqs) + 1 }, tuningConfig: { handoffConditionTimeout: 1500 },
    }));

    expect((await untilEnded(c, taskId)).state).toBe('succeeded');
    const segments = await c.segments('untaken');
    expect(segments.map((s) => s.state)).toEqual(segments.map(() => 'published.used.unavailable'));
    const timedOut = (await c.log(from, ['HandoffTimedOut'])).map((r) => r.data as { taskId: string; segmentId: string });
    expect(timedOut.map((h) => h.segmentId).sort()).toEqual(segments.map((s) => s.id).sort());
    expect(timedOut.every((h) => h.taskId === taskId)).toBe(true);
    expect(c.output.some((line) => line.includes('within handoffConditionTimeout 1500 ms: the task stops serving them and succeeds anyway'))).toBe(true);
  });

  it('a canceled task stops reading, publishes nothing, commits nothing and no longer serves', async () => {
    await createStream(c, 'canceled');
    const rows = clicks(9, 2, 'x');
    await produce(c, 'canceled', 0, rows, 3);
    const taskId = await submitStreamingTask(c, streamingTaskJson({ id: 'rt-canceled', dataSource: 'canceled', stream: 'canceled', start: { 0: 1 } }));
    await untilTotals(c, 'canceled', { rows: 9, added: sumOf(rows) });

    await request(c.clientNc, API.taskCancel, { taskId });
    expect((await untilEnded(c, taskId)).state).toBe('canceled');
    expect(await c.log(1, ['SegmentsPublished']).then((rs) => rs.filter((r) => (r.data as { dataSource: string }).dataSource === 'canceled'))).toEqual([]);
    expect(c.state.committedOffsets('canceled', 'canceled')).toBeNull();
    await expect.poll(() => rejectionOf(request(c.actorNc, node.query(taskId), { query: {}, segments: [] }, { timeoutMs: 500 })).then((e) => e.code), { timeout: 10_000 }).toBe('unavailable');
    expect(await totals(c, 'canceled')).toBeNull();
  });

  it('a task whose start is behind the committed offsets fails at publish, saying a retry cannot help, and publishes nothing', async () => {
    const committed = c.state.committedOffsets('edges', 'edges')!;
    const from = c.state.position + 1;
    const taskId = await submitStreamingTask(c, streamingTaskJson({ id: 'rt-edges-again', dataSource: 'edges', stream: 'edges', start: { 0: 1 }, end: committed }));

    const ended = await untilEnded(c, taskId);
    expect(ended.state).toBe('failed');
    expect(ended.error).toMatch(/publishing: stream offsets of edges\/edges differ, nothing was published: partition 0 is committed up to \d+ but this publish starts at 1; a retry cannot help/);
    expect(await c.log(from, ['SegmentsPublished'])).toEqual([]);
    expect(c.state.committedOffsets('edges', 'edges')).toEqual(committed);
    expect((await totals(c, 'edges'))?.rows).toBe(6);
  });
});

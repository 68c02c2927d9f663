import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import { keyOf } from '../../../src/historical/cache.ts';
import { testCluster, type Row } from './support.ts';

const cluster = testCluster('cluster-compaction', { dropGraceMs: 300, sweepEveryMs: 500 });

const V1 = '2024-03-01T00:00:00.000Z';
/** Rows of one append: `n` page views an hour apart, from `hour` on. */
const batch = (day: string, k: number): Row[] => Array.from({ length: 6 }, (_, i) => ({ ts: `${day}T${String((i * 4 + k) % 24).padStart(2, '0')}:15:00Z`, page: `page${(i + k) % 4}`, added: i + k }));

const queries = (dataSource: string, interval: string) => [
  { queryType: 'timeseries', dataSource, intervals: [interval], granularity: 'hour', aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }, { type: 'longSum', name: 'rows', fieldName: 'count' }] },
  { queryType: 'groupBy', dataSource, intervals: [interval], granularity: 'all', dimensions: ['page'], aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }, { type: 'count', name: 'n' }] },
  { queryType: 'topN', dataSource, intervals: [interval], granularity: 'day', dimension: 'page', metric: 'added', threshold: 3, aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }] },
];

/** Publishes `appends` small appended segments into the day, as streaming or appending batch tasks leave them. */
async function appendedDay(dataSource: string, day: string, appends: number): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < appends; k++) {
    const [s] = await cluster.writeAndPublish(dataSource, batch(day, k), { version: V1, appendFrom: k });
    ids.push(s!.id);
  }
  await cluster.until(dataSource, ids, 'published.used.available');
  return ids;
}

const answers = (dataSource: string, interval: string) => Promise.all(queries(dataSource, interval).map((q) => cluster.query(q)));

describe('compaction rewrites a chunk\'s segments as a new version: fewer, larger segments, the same answers', () => {
  it('a compact task turns a chunk of many small appended segments into one segment with identical query results', async () => {
    await cluster.startHistorical('h1');
    await cluster.startTasks();
    const old = await appendedDay('wiki', '2024-01-01', 8);
    const before = await answers('wiki', '2024-01-01/2024-01-02');

    const status = await cluster.runTask({ type: 'compact', dataSource: 'wiki', ioConfig: { type: 'compact', inputSpec: { type: 'interval', interval: '2024-01-01/2024-01-02' } } });
    expect(status.state, status.error).toBe('succeeded');
    await cluster.until('wiki', old, 'published.unused.unavailable');
    const used = await cluster.segments('wiki', { state: 'published.used' });
    expect(used).toHaveLength(1);
    expect(used[0]!.version > V1).toBe(true);
    await cluster.until('wiki', [used[0]!.id], 'published.used.available');
    expect(await answers('wiki', '2024-01-01/2024-01-02')).toEqual(before);
  });

  it('auto-compaction submits compact tasks for the chunks that need one, newest first, keeping off the latest day', async () => {
    const days = ['2024-02-01', '2024-02-02', '2024-02-03'];
    for (const d of days) await appendedDay('auto', d, 3);
    const before = await answers('auto', '2024-02-01/2024-02-04');
    await request(cluster.clientNc, API.compactionSet, { dataSource: 'auto', config: { skipOffsetFromLatest: 'P1D', tuningConfig: { partitionsSpec: { type: 'dynamic', maxRowsPerSegment: 1000 } } } });
    expect(await request(cluster.clientNc, API.compactionGet, { dataSource: 'auto' })).toMatchObject({ dataSource: 'auto', taskPriority: 25, skipOffsetFromLatest: 'P1D' });
    await expect.poll(async () => (await cluster.segments('auto', { state: 'published.used' })).map((s) => s.interval.slice(0, 10)), { timeout: 60_000, interval: 250 })
      .toEqual(['2024-02-01', '2024-02-02', '2024-02-03', '2024-02-03', '2024-02-03']);
    await expect.poll(async () => (await cluster.segments('auto', { state: 'published.used.available' })).length, { timeout: 10_000 }).toBe(5);
    await cluster.brokerCaughtUp();
    expect(await answers('auto', '2024-02-01/2024-02-04')).toEqual(before);
    const tasks = async () => (await request<Array<{ type: string; state: string }>>(cluster.clientNc, API.taskList, { dataSource: 'auto' })).map((t) => [t.type, t.state]);
    await expect.poll(tasks, { timeout: 10_000 }).toEqual([['compact', 'succeeded'], ['compact', 'succeeded']]);
    await request(cluster.clientNc, API.compactionSet, { dataSource: 'auto', config: null });
  });

  it('a compact task naming a stale list of segments fails, and publishes nothing', async () => {
    const [one] = await cluster.segments('wiki', { state: 'published.unused' });
    const status = await cluster.runTask({ type: 'compact', dataSource: 'wiki', ioConfig: { type: 'compact', inputSpec: { type: 'segments', segments: [one!.id] } } });
    expect(status.state).toBe('failed');
    expect(status.error).toContain('not the used segments');
    expect(await cluster.segments('wiki', { state: 'published.used' })).toHaveLength(1);
  });
});

describe('kill deletes unused segments for good', () => {
  it('a kill task removes the unused segments of an interval from deep storage and from the metadata', async () => {
    const unused = await cluster.segments('wiki', { state: 'published.unused.unavailable' });
    expect(unused).toHaveLength(8);
    const files = unused.map((s) => cluster.deep.pathOf(keyOf(cluster.state.entity('segment', s.id)!.context.descriptor!)));
    expect(files.every((f) => existsSync(f))).toBe(true);
    const from = cluster.state.position + 1;
    const status = await cluster.runTask({ type: 'kill', dataSource: 'wiki', interval: '2024-01-01/2024-01-02' });
    expect(status.state, status.error).toBe('succeeded');
    expect(files.some((f) => existsSync(f))).toBe(false);
    expect((await cluster.segments('wiki')).map((s) => s.state)).toEqual(['published.used.available']);
    const [killed] = await cluster.log(from, ['SegmentsKilled']);
    expect((killed!.data as { segmentIds: string[] }).segmentIds.sort()).toEqual(unused.map((s) => s.id).sort());
    expect(await answers('wiki', '2024-01-01/2024-01-02')).not.toEqual([[], [], []]);
  });

  it('a kill leaves used segments alone', async () => {
    const [used] = await cluster.segments('wiki');
    const status = await cluster.runTask({ type: 'kill', dataSource: 'wiki', interval: '2024-01-01/2024-01-02' });
    expect(status.state).toBe('succeeded');
    expect((await cluster.segments('wiki')).map((s) => s.id)).toEqual([used!.id]);
  });
});

import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import { rejectionOf } from '../../support/bus.ts';
import { dayRows, testCluster } from './support.ts';

const cluster = testCluster('cluster-segments-api');

const V1 = '2024-03-01T00:00:00.000Z';
const V2 = '2024-03-02T00:00:00.000Z';
const markUnused = (body: object) => request<{ numChangedSegments: number }>(cluster.clientNc, API.segmentMarkUnused, body);
const markUsed = (body: object) => request<{ numChangedSegments: number }>(cluster.clientNc, API.segmentMarkUsed, body);

describe('grove.api.segment.list and grove.api.datasource.list', () => {
  it('lists a datasource\'s segments with their machine state, servers, rows and size, filtered by interval and state', async () => {
    await cluster.startHistorical('h1');
    const segs = await cluster.writeAndPublish('api', [...dayRows('2024-01-01', 3, 1), ...dayRows('2024-01-02', 2, 1), ...dayRows('2024-01-03', 1, 1)], { version: V1 });
    await cluster.until('api', segs.map((s) => s.id), 'published.used.available');
    const all = await cluster.segments('api');
    expect(all[0]).toEqual({
      id: segs[0]!.id, dataSource: 'api', interval: '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z', version: V1, partitionNum: 0,
      state: 'published.used.available', servers: ['h1'], rows: 3, size: segs[0]!.size,
    });
    expect((await cluster.segments('api', { interval: '2024-01-02T12:00Z/2024-01-05' })).map((s) => s.id)).toEqual([segs[1]!.id, segs[2]!.id]);
    expect(await cluster.segments('api', { state: 'published.unused' })).toEqual([]);
    expect(await cluster.segments('api', { state: 'published.used' })).toHaveLength(3);
    expect(await cluster.segments('no-such-datasource')).toEqual([]);
  });

  it('lists datasources with their used segments, rows and intervals', async () => {
    const list = await request<Array<{ name: string }>>(cluster.clientNc, API.datasourceList, {});
    expect(list.find((d) => d.name === 'api')).toEqual({ name: 'api', segments: 3, rows: 6, intervals: ['2024-01-01T00:00:00.000Z/2024-01-04T00:00:00.000Z'] });
  });

  it('answers JSON with JSON, as the stock nats CLI asks', async () => {
    const msg = await cluster.clientNc.request(API.segmentList, new TextEncoder().encode('{"dataSource":"api","state":"published.used.available"}'), { timeout: 5000 });
    const body = JSON.parse(new TextDecoder().decode(msg.data)) as { ok: boolean; result: unknown[] };
    expect(body.ok).toBe(true);
    expect(body.result).toHaveLength(3);
  });
});

describe('grove.api.segment.markUnused and markUsed', () => {
  it('markUnused by interval changes only the used segments wholly inside it, and they leave the historicals at once', async () => {
    const res = await markUnused({ dataSource: 'api', interval: '2024-01-01T12:00Z/2024-01-03' });
    expect(res).toEqual({ numChangedSegments: 1 });
    const [first, second, third] = await cluster.segments('api');
    await cluster.until('api', [second!.id], 'published.unused.unavailable');
    expect([first!.state, third!.state]).toEqual(['published.used.available', 'published.used.available']);
    expect(await markUnused({ dataSource: 'api', interval: '2024-01-01T12:00Z/2024-01-03' }), 'marking again changes nothing').toEqual({ numChangedSegments: 0 });
  });

  it('markUsed brings segments back, and the coordinator loads them again', async () => {
    const [, second] = await cluster.segments('api');
    expect(await markUsed({ dataSource: 'api', segmentIds: [second!.id] })).toEqual({ numChangedSegments: 1 });
    await cluster.until('api', [second!.id], 'published.used.available');
  });

  it('markUsed skips segments that used segments overshadow', async () => {
    const [old] = await cluster.writeAndPublish('over', dayRows('2024-02-01', 2, 1), { version: V1 });
    await cluster.until('over', [old!.id], 'published.used.available');
    const [fresh] = await cluster.writeAndPublish('over', dayRows('2024-02-01', 2, 2), { version: V2 });
    await cluster.until('over', [old!.id], 'published.unused.unavailable');
    expect(await markUsed({ dataSource: 'over', interval: '2024-02-01/2024-02-02' })).toEqual({ numChangedSegments: 0 });
    expect(await markUnused({ dataSource: 'over', segmentIds: [fresh!.id] })).toEqual({ numChangedSegments: 1 });
    expect(await markUsed({ dataSource: 'over', interval: '2024-02-01/2024-02-02' }), 'the newer version comes back; the older one it overshadows does not').toEqual({ numChangedSegments: 1 });
    // Its drop may still be under way when it is marked used again: it is loaded afresh after.
    await expect.poll(() => cluster.total('over', '2024-02-01/2024-02-02'), { timeout: 10_000 }).toBe(4);
    expect((await cluster.segments('over', { state: 'published.unused' })).map((s) => s.id)).toEqual([old!.id]);
  });

  it('names what is wrong with a request, and changes nothing', async () => {
    const before = cluster.state.position;
    const unknown = await rejectionOf(markUsed({ dataSource: 'api', segmentIds: ['api_2020-01-01T00:00:00.000Z_2020-01-02T00:00:00.000Z_v9'] }));
    expect(unknown.code).toBe('not_found');
    expect(unknown.message).toContain('api_2020-01-01T00:00:00.000Z_2020-01-02T00:00:00.000Z_v9');
    const both = await rejectionOf(markUnused({ dataSource: 'api', interval: '2024-01-01/2024-01-02', segmentIds: ['x'] }));
    expect(both.code).toBe('bad_request');
    expect(both.details).toEqual([{ path: 'interval', reason: 'give either "interval" or "segmentIds" (exactly one of them)' }]);
    const badInterval = await rejectionOf(markUnused({ dataSource: 'api', interval: '2024-01-02/2024-01-01' }));
    expect(badInterval.details).toEqual([{ path: 'interval', reason: expect.stringMatching(/end/) }]);
    const noDataSource = await rejectionOf(cluster.segments(''));
    expect(noDataSource.details).toEqual([{ path: 'dataSource', reason: 'must not be empty' }]);
    expect(await cluster.log(before + 1, ['SegmentsMarkedUsed', 'SegmentsMarkedUnused'])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import { keyOf } from '../../../src/historical/cache.ts';
import { parseQuery, runQuery } from '../../../src/query/index.ts';
import { openSegment } from '../../../src/segment/reader.ts';
import { rejectionOf } from '../../support/bus.ts';
import { dayRows, testCluster, type Row } from '../cluster/support.ts';

const cluster = testCluster('broker', { heartbeatTimeoutMs: 60_000 });

const V1 = '2024-03-01T00:00:00.000Z';
const rowsOf = (day: string, k: number): Row[] => Array.from({ length: 12 }, (_, i) => ({ ts: `${day}T${String(i).padStart(2, '0')}:00:00Z`, page: `page${(i * k) % 5}`, added: i * k + 1 }));

const groupBy = {
  queryType: 'groupBy', dataSource: 'fan', intervals: ['2024-01-01/2024-01-08'], granularity: 'all', dimensions: ['page'],
  aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }, { type: 'count', name: 'rows' }],
  postAggregations: [{ type: 'arithmetic', name: 'avg', fn: '/', fields: [{ type: 'fieldAccess', fieldName: 'added' }, { type: 'fieldAccess', fieldName: 'rows' }] }],
  having: { type: 'greaterThan', aggregation: 'added', value: 10 },
  limitSpec: { type: 'default', limit: 3, columns: [{ dimension: 'added', direction: 'descending' }] },
};

describe('the broker fans a query out to the servers of the segments and merges their parts', () => {
  it('gives exactly what the engine gives over the same segments in one place (post-aggregation, having, limit, sort)', async () => {
    await cluster.startHistorical('h1');
    await cluster.startHistorical('h2');
    const days = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-06'];
    const segs = await cluster.writeAndPublish('fan', days.flatMap((d, i) => rowsOf(d, i + 1)), { version: V1 });
    await cluster.until('fan', segs.map((s) => s.id), 'published.used.available');
    const local = segs.map((s) => ({ segment: openSegment(cluster.deep.pathOf(keyOf(s))) }));
    const expected = runQuery(parseQuery(groupBy), local);
    expect(expected).toHaveLength(3);
    expect(await cluster.query(groupBy)).toEqual(expected);

    const topN = { queryType: 'topN', dataSource: 'fan', intervals: ['2024-01-01/2024-01-08'], granularity: 'day', dimension: 'page', metric: 'added', threshold: 2, aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }] };
    expect(await cluster.query(topN)).toEqual(runQuery(parseQuery(topN), local));
    // A segment is available once one replica is loaded; the second may still be on its way.
    const counts = async () => {
      const served = new Map<string, number>();
      for (const s of await cluster.segments('fan')) for (const h of s.servers) served.set(h, (served.get(h) ?? 0) + 1);
      return served;
    };
    await expect.poll(counts, { timeout: 15_000, interval: 50, message: 'both historicals serve every segment (two replicas by default)' }).toEqual(new Map([['h1', 6], ['h2', 6]]));
  });

  it('a segment whose server does not answer is read from another replica', async () => {
    await cluster.crashHistorical('h2');
    const local = (await cluster.segments('fan')).map((s) => ({ segment: openSegment(cluster.deep.pathOf(keyOf(cluster.state.entity('segment', s.id)!.context.descriptor!))) }));
    expect((await cluster.segments('fan')).every((s) => s.servers.includes('h2')), 'the coordinator has not noticed yet').toBe(true);
    expect(await cluster.query(groupBy)).toEqual(runQuery(parseQuery(groupBy), local));
  });

  it('a segment no server can read makes the query fail, naming it, rather than leaving it out', async () => {
    await cluster.crashHistorical('h1');
    const e = await rejectionOf(cluster.query(groupBy));
    expect(e.code).toBe('unavailable');
    const named = (e.details as Array<{ segmentId: string; servers: string[] }>);
    expect(named.map((d) => d.segmentId).sort()).toEqual((await cluster.segments('fan')).map((s) => s.id).sort());
    expect(named[0]!.servers.sort()).toEqual(['h1', 'h2']);
  });
});

describe('what the broker answers without asking anyone', () => {
  it('a datasource with no served segments has no results', async () => {
    expect(await cluster.query({ queryType: 'timeseries', dataSource: 'nothing', intervals: ['2024/2025'], granularity: 'all', aggregations: [{ type: 'count', name: 'n' }] })).toEqual([]);
  });

  it('a bad query is refused with every bad field named', async () => {
    const e = await rejectionOf(request(cluster.clientNc, API.query, { queryType: 'timeseries', dataSource: 'fan', granularity: 'fortnight', aggregations: [{ type: 'longSum', name: 'x' }] }));
    expect(e.code).toBe('invalid_query');
    expect((e.details as Array<{ path: string }>).map((d) => d.path).sort()).toEqual(['aggregations[0].fieldName', 'granularity', 'intervals']);
  });
});

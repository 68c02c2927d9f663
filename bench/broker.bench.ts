import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from '../src/bus/client.ts';
import { API } from '../src/bus/subjects.ts';
import { keyOf } from '../src/historical/cache.ts';
import { parseQuery, runQuery } from '../src/query/index.ts';
import { openSegment } from '../src/segment/reader.ts';
import { median, type Bench } from './harness.ts';
import { BENCH_DS, publish, startBenchCluster, writeBenchSegments } from './handoff.bench.ts';

/**
 * What the broker adds on top of the query engine: a timeseries over 100 segments served by two
 * historicals, asked through grove.api.query (parse, timeline lookup, fan-out, each historical's
 * partial over its segments, merge, finalize, the NATS round trips), against the engine running the
 * same query over the same 100 segments in one process. Reported as a ratio, and both times.
 */

const SEGMENTS = 100;
const QUERIES = 30;

const query = {
  queryType: 'timeseries', dataSource: BENCH_DS, intervals: ['2020-01-01/2020-02-01'], granularity: 'hour',
  aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }, { type: 'count', name: 'rows' }],
  postAggregations: [{ type: 'arithmetic', name: 'mean', fn: '/', fields: [{ type: 'fieldAccess', fieldName: 'added' }, { type: 'fieldAccess', fieldName: 'rows' }] }],
};

function timed(n: number, f: () => unknown): Promise<number[]> {
  return (async () => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await f();
      out.push(performance.now() - t0);
    }
    return out;
  })();
}

const bench: Bench = {
  name: 'broker',
  async run(ctx) {
    const rows = Math.max(500, Math.round(20_000 * ctx.scale));
    const cluster = await startBenchCluster(join(ctx.dir, 'cluster'), 2);
    try {
      const segments = await writeBenchSegments(ctx.dir, cluster.deep, SEGMENTS, rows, 'v1');
      await publish(cluster.nc, segments);
      const local = segments.map((s) => ({ segment: openSegment(cluster.deep.pathOf(keyOf(s))) }));
      const parsed = parseQuery(query);
      const expected = runQuery(parsed, local);
      // Served once every segment answers through the broker the way the engine answers locally.
      for (let waited = 0; JSON.stringify(await request(cluster.nc, API.query, query).catch(() => null)) !== JSON.stringify(expected); waited += 100) {
        if (waited > 60_000) throw new Error('the segments were not all served within a minute');
        await new Promise((r) => setTimeout(r, 100));
      }
      ctx.log(`${SEGMENTS} segments of ${rows.toLocaleString('en-US')} rows on 2 historicals; ${expected.length} hourly results`);
      const engine: number[] = [];
      const broker: number[] = [];
      for (let run = 0; run < ctx.runs; run++) {
        engine.push(median(await timed(QUERIES, () => runQuery(parseQuery(query), local))));
        broker.push(median(await timed(QUERIES, () => request(cluster.nc, API.query, query))));
      }
      return [
        { name: `engine alone, timeseries over ${SEGMENTS} segments`, unit: 'ms', values: engine, higherIsBetter: false },
        { name: `through the broker (2 historicals), same query`, unit: 'ms', values: broker, higherIsBetter: false },
        { name: 'broker time / engine time', unit: 'x', values: broker.map((b, i) => b / engine[i]!), higherIsBetter: false },
      ];
    } finally {
      await cluster.stop();
    }
  },
};

export default bench;

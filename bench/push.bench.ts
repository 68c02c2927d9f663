import { performance } from 'node:perf_hooks';
import { request } from '../src/bus/client.ts';
import { API, push } from '../src/bus/subjects.ts';
import type { Bench } from './harness.ts';
import { BENCH_METRICS, DAY, startStreamingCluster, untilCounted, type StreamingBenchCluster } from './streaming-cluster.ts';

/**
 * Push throughput end to end (issue 6's benchmark, cut to a 2-core machine): a producer sends
 * batches of rows to `grove.push.<ds>` as requests, a few in flight, each answered once JetStream
 * has stored its rows (one message each, with its id); a push supervisor's task (taskCount 1, its 2
 * partitions) reads them. Rows/s end to end is from the first request to the first broker count
 * that has them all; the push rate alone is to the last reply. Each run pushes new rows to the
 * same supervisor, whose task is up and reading before the first.
 */

const DS = 'pushed';
const BATCH = 100;
const IN_FLIGHT = 4;

const supervisorSpec = {
  type: 'nats',
  spec: {
    dataSchema: {
      dataSource: DS, timestampSpec: { column: 'ts', format: 'millis' }, dimensionsSpec: { dimensions: ['page', 'user'] },
      metricsSpec: BENCH_METRICS, granularitySpec: { segmentGranularity: 'day', queryGranularity: 'none', rollup: false },
    },
    ioConfig: { push: true, inputFormat: { type: 'json' }, taskCount: 1, replicas: 1, taskDuration: 'PT1H', startDelay: 'PT0S', useEarliestSequence: true },
    tuningConfig: { handoffConditionTimeout: 0 },
  },
};

/** Pushes `rows` rows (`first` on, distinct from every other run's) in batches; resolves at the last reply. */
async function pushRows(c: StreamingBenchCluster, first: number, rows: number): Promise<void> {
  const encoder = new TextEncoder();
  let next = first;
  const end = first + rows;
  const worker = async (): Promise<void> => {
    while (next < end) {
      const from = next;
      next = Math.min(end, next + BATCH);
      const batch = [];
      for (let r = from; r < next; r++) batch.push({ ts: DAY + (r % 86_400) * 1000, page: `page${r % 500}`, user: `u${r % 97}`, added: r % 100, n: r });
      const reply = await c.nc.request(push(DS), encoder.encode(JSON.stringify(batch)), { timeout: 30_000 });
      const answer = JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; result?: { accepted: number }; error?: unknown };
      if (!answer.ok || answer.result!.accepted !== batch.length) throw new Error(`push answered ${JSON.stringify(answer)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

const bench: Bench = {
  name: 'push',
  async run(ctx) {
    const c = await startStreamingCluster(ctx.dir, { push: true });
    const rows = Math.round(20_000 * ctx.scale);
    const endToEnd: number[] = [];
    const accepted: number[] = [];
    try {
      await request(c.nc, API.supervisorSubmit, supervisorSpec);
      // A first row, counted: the supervisor made its stream, its task is reading and serving.
      await pushRows(c, 0, 1);
      await untilCounted(c, DS, 1, 60_000, 50);
      let total = 1;
      for (let run = 0; run < Math.min(ctx.runs, 3); run++) {
        const t0 = performance.now();
        await pushRows(c, total, rows);
        const replied = performance.now();
        total += rows;
        const counted = await untilCounted(c, DS, total);
        accepted.push(rows / ((replied - t0) / 1000));
        endToEnd.push(rows / ((counted - t0) / 1000));
        ctx.log(`${rows} rows: all accepted in ${Math.round(replied - t0)} ms, all counted by the broker ${Math.round(counted - t0)} ms after the first request`);
      }
    } finally {
      await c.stop();
    }
    const how = `${BATCH} rows a request, ${IN_FLIGHT} in flight, ${rows} rows a run, one task`;
    return [
      { name: `push -> broker counts them all (${how})`, unit: 'rows/s', values: endToEnd, higherIsBetter: true },
      { name: `push requests alone, each answered after JetStream acked its rows (${how})`, unit: 'rows/s', values: accepted, higherIsBetter: true },
    ];
  },
};

export default bench;

import { performance } from 'node:perf_hooks';
import { decode } from '@msgpack/msgpack';
import { request } from '../src/bus/client.ts';
import { API, eventSubject } from '../src/bus/subjects.ts';
import type { LogRecord } from '../src/log/record.ts';
import type { PartitionOffsets } from '../src/streaming/task-protocol.ts';
import { percentile, type Bench, type Figure } from './harness.ts';
import {
  benchRow, benchSubjectPrefix, benchTaskJson, createBenchStream, DAY, failIfEnded, fillStream, finishTask, PARTITIONS, reached, sleep, submitTask,
  taskOffsets, totalsQuery, untilCounted, untilEnded, type StreamingBenchCluster, startStreamingCluster,
} from './streaming-cluster.ts';

/**
 * Streaming ingestion (issue 6's benchmark, cut to a 2-core machine): one index_nats task, run by
 * an indexer in its child process, reads a pre-filled JetStream stream of 2 partitions into
 * queryable in-flight segments. Rows/s is taken between the first message indexed and the last
 * (the task's `current` offsets, polled), so process start-up is left out. Then the task is told
 * to finish: publish -> handoff is from its SegmentsPublished to the last HandoffCompleted of its
 * segments (a coordinator assigns them, a historical loads them). Each run has its own stream.
 *
 * Then query latency while ingesting: a datasource with historical segments (a first task's,
 * handed off) and a second task reading a stream a producer writes at a steady rate; a
 * timeseries (count and longSum, granularity all) over both, through the broker, asked back to
 * back, its p50 and p99 per run.
 */

const POLL_MS = 10;
const DAY_MS = 86_400_000;

/** Polls the task's offsets: when the first message was in, and when all were. */
async function readingTimes(c: StreamingBenchCluster, taskId: string, end: PartitionOffsets): Promise<{ first: number; last: number }> {
  let first = 0;
  for (;;) {
    const o = await taskOffsets(c, taskId);
    const now = performance.now();
    if (o === null) await failIfEnded(c, taskId);
    if (o !== null && first === 0 && PARTITIONS.some((p) => o.current[p]! > 1)) first = now;
    if (o !== null && reached(o.current, end)) return { first, last: now };
    await sleep(POLL_MS);
  }
}

/** Resolves with the time from the task's SegmentsPublished to the last HandoffCompleted of those segments. */
function publishToHandoff(c: StreamingBenchCluster, dataSource: string): Promise<number> {
  return new Promise((resolve) => {
    let publishedAt = 0;
    const waiting = new Set<string>();
    const subs = [
      c.nc.subscribe(eventSubject('segment', 'SegmentsPublished'), { callback: (_e, m) => {
        const r = decode(m.data) as LogRecord<'SegmentsPublished', { dataSource: string; segments: Array<{ id: string }> }>;
        if (r.data.dataSource !== dataSource) return;
        publishedAt = performance.now();
        for (const s of r.data.segments) waiting.add(s.id);
      } }),
      c.nc.subscribe(eventSubject('handoff', 'HandoffCompleted'), { callback: (_e, m) => {
        const r = decode(m.data) as LogRecord<'HandoffCompleted', { segmentId: string }>;
        if (!waiting.delete(r.data.segmentId) || waiting.size > 0) return;
        for (const s of subs) s.unsubscribe();
        resolve(performance.now() - publishedAt);
      } }),
    ];
  });
}

/** Tells the task to finish at `end`; resolves once it succeeded, with publish -> handoff in ms. */
async function finishAndHandOff(c: StreamingBenchCluster, taskId: string, dataSource: string, end: PartitionOffsets): Promise<number> {
  const handoff = publishToHandoff(c, dataSource);
  await finishTask(c, taskId, end);
  const handoffMs = await handoff;
  const state = await untilEnded(c, taskId);
  if (state !== 'succeeded') throw new Error(`task ${taskId} ${state}`);
  return handoffMs;
}

/** One run: fill, ingest, finish, hand off. */
async function ingestOnce(c: StreamingBenchCluster, stream: string, rows: number, perMessage: number): Promise<{ rowsPerSecond: number; handoffMs: number }> {
  const end = await fillStream(c, stream, rows, perMessage);
  const taskId = await submitTask(c, benchTaskJson(stream));
  const { first, last } = await readingTimes(c, taskId, end);
  const handoffMs = await finishAndHandOff(c, taskId, stream, end);
  // The first poll that saw rows saw at most one message's worth per partition already in.
  return { rowsPerSecond: (rows - PARTITIONS.length * perMessage) / ((last - first) / 1000), handoffMs };
}

/** A producer writing `perMessage` rows a message, `rowsPerSecond` in all, to the partitions in turn, on days after the historical ones. */
function steadyProducer(c: StreamingBenchCluster, stream: string, rowsPerSecond: number, perMessage: number, firstDay: number): { stop(): Promise<PartitionOffsets> } {
  const encoder = new TextEncoder();
  const end: PartitionOffsets = {};
  let running = true;
  const everyMs = (1000 * perMessage) / rowsPerSecond;
  const loop = (async () => {
    const t0 = performance.now();
    for (let m = 0; running; m++) {
      const lines = [];
      for (let r = m * perMessage; r < (m + 1) * perMessage; r++) lines.push(benchRow(r % 1_000_000, 1_000_000, firstDay));
      const partition = PARTITIONS[m % PARTITIONS.length]!;
      const ack = await c.js.publish(`${benchSubjectPrefix(stream)}.${partition}`, encoder.encode(lines.join('\n')));
      end[partition] = Math.max(end[partition] ?? 1, ack.seq + 1);
      const wait = t0 + (m + 1) * everyMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
  })();
  return { async stop() { running = false; await loop; return end; } };
}

interface QueryWhileIngesting {
  p50: number[];
  p99: number[];
  queries: number;
}

/**
 * `historicalRows` rows over 4 days handed off to the historical, then a task on a stream a
 * producer writes `rate` rows/s to (day 5 on); `runs` times, queries back to back for `seconds`.
 */
async function queryWhileIngesting(c: StreamingBenchCluster, ctx: { runs: number; log(m: string): void }, historicalRows: number, rate: number, seconds: number): Promise<QueryWhileIngesting> {
  const ds = 'mixed';
  const hEnd = await fillStream(c, 'mixed_h', historicalRows, 100, 4);
  const hTask = await submitTask(c, benchTaskJson('mixed_h', ds, hEnd));
  if ((await untilEnded(c, hTask)) !== 'succeeded') throw new Error(`task ${hTask} did not succeed`);
  await untilCounted(c, ds, historicalRows);
  await createBenchStream(c, 'mixed_rt');
  const producer = steadyProducer(c, 'mixed_rt', rate, 10, DAY + 4 * DAY_MS);
  const rtTask = await submitTask(c, benchTaskJson('mixed_rt', ds));
  const query = totalsQuery(ds);
  const out: QueryWhileIngesting = { p50: [], p99: [], queries: 0 };
  try {
    // Once the realtime task's rows show in the answers, both kinds of segments are asked.
    for (let waited = 0; (await request<Array<{ result: { rows: number } }>>(c.nc, API.query, query))[0]!.result.rows <= historicalRows; waited += 50) {
      if (waited > 60_000) throw new Error('the realtime task served nothing within a minute');
      await failIfEnded(c, rtTask);
      await sleep(50);
    }
    for (let run = 0; run < ctx.runs; run++) {
      const times: number[] = [];
      let rows = 0;
      for (const until = performance.now() + seconds * 1000; performance.now() < until;) {
        const t0 = performance.now();
        const r = await request<Array<{ result: { rows: number } }>>(c.nc, API.query, query);
        times.push(performance.now() - t0);
        rows = r[0]!.result.rows;
      }
      out.p50.push(percentile(times, 50));
      out.p99.push(percentile(times, 99));
      out.queries += times.length;
      ctx.log(`query while ingesting ${rate} rows/s: ${times.length} queries, p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms; last answer ${rows} rows (${historicalRows} historical)`);
    }
  } finally {
    const end = await producer.stop();
    const handoffMs = await finishAndHandOff(c, rtTask, ds, end);
    ctx.log(`realtime task finished at ${JSON.stringify(end)}, handed off in ${Math.round(handoffMs)} ms`);
  }
  return out;
}

const bench: Bench = {
  name: 'streaming',
  async run(ctx) {
    const c = await startStreamingCluster(ctx.dir);
    const runs = Math.min(ctx.runs, 3);
    const cases = [
      { label: '100 rows a message', rows: Math.round(200_000 * ctx.scale), perMessage: 100 },
      { label: 'one row a message', rows: Math.round(20_000 * ctx.scale), perMessage: 1 },
    ];
    const figures: Figure[] = [];
    const handoffs: number[] = [];
    try {
      let n = 0;
      for (const k of cases) {
        const rates: number[] = [];
        for (let i = 0; i < runs; i++) {
          const r = await ingestOnce(c, `s${n++}`, k.rows, k.perMessage);
          ctx.log(`${k.label}: ${k.rows} rows at ${Math.round(r.rowsPerSecond)} rows/s; publish -> handoff ${Math.round(r.handoffMs)} ms`);
          rates.push(r.rowsPerSecond);
          handoffs.push(r.handoffMs);
        }
        figures.push({ name: `JetStream -> queryable, one task, 2 partitions, ${k.label} (${k.rows} rows)`, unit: 'rows/s', values: rates, higherIsBetter: true, ...(k.perMessage > 1 ? { goal: '>= 200000 per core' } : {}) });
      }
      figures.push({ name: 'publish -> handoff of the task\'s segments (2 segments, 1 historical)', unit: 'ms', values: handoffs, higherIsBetter: false });
      const historicalRows = Math.round(400_000 * ctx.scale);
      const rate = 5000;
      const seconds = ctx.scale < 1 ? 2 : 4;
      const q = await queryWhileIngesting(c, { runs, log: ctx.log }, historicalRows, rate, seconds);
      const what = `timeseries (count, longSum, granularity all) through the broker over ${historicalRows} historical rows (8 segments) + a realtime task ingesting ${rate} rows/s`;
      figures.push({ name: `${what}: p50`, unit: 'ms', values: q.p50, higherIsBetter: false });
      figures.push({ name: `${what}: p99`, unit: 'ms', values: q.p99, higherIsBetter: false });
    } finally {
      await c.stop();
    }
    return figures;
  },
};

export default bench;

import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decode } from '@msgpack/msgpack';
import { RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';
import { Broker } from '../actors/broker/broker.ts';
import { Coordinator } from '../actors/coordinator/coordinator.ts';
import { Historical } from '../actors/historical/historical.ts';
import { Indexer } from '../actors/indexer/indexer.ts';
import { Metastore } from '../actors/metastore/metastore.ts';
import { Overlord } from '../actors/overlord/overlord.ts';
import { request } from '../src/bus/client.ts';
import { connectBus } from '../src/bus/connection.ts';
import { API, eventSubject, INTERNAL, streamingTask } from '../src/bus/subjects.ts';
import type { LogRecord } from '../src/log/record.ts';
import { ClusterState } from '../src/projections/cluster-state.ts';
import { LocalDeepStorage } from '../src/storage/local.ts';
import type { PartitionOffsets, StreamingTaskJson, TaskOffsetsReply } from '../src/streaming/task-protocol.ts';
import { startTestNats, TEST_PASSWORDS } from '../test/support/nats-server.ts';
import type { Bench, Figure } from './harness.ts';

/**
 * Streaming ingestion (issue 6's benchmark, cut to a 2-core machine): one index_nats task, run by
 * an indexer in its child process, reads a pre-filled JetStream stream of 2 partitions into
 * queryable in-flight segments. Rows/s is taken between the first message indexed and the last
 * (the task's `current` offsets, polled), so process start-up is left out. Then the task is told
 * to finish: publish -> handoff is from its SegmentsPublished to the last HandoffCompleted of its
 * segments (a coordinator assigns them, a historical loads them). Each run has its own stream.
 */

const PARTITIONS = ['0', '1'];
const DAY = Date.UTC(2024, 0, 1);
const POLL_MS = 10;

interface Cluster {
  nc: NatsConnection;
  js: JetStreamClient;
  stop(): Promise<void>;
}

async function startCluster(dir: string): Promise<Cluster> {
  const nats = await startTestNats();
  const connect = (name: string) => connectBus({ url: nats.url, user: 'actor', password: TEST_PASSWORDS.actor, name });
  const nc = await connect('bench');
  const hnc = await connect('bench-historical');
  const metastore = await Metastore.start({ nc, id: 'm', path: join(dir, 'metadata'), state: new ClusterState() });
  await request(nc, INTERNAL.metaAppend, { events: [{ type: 'RulesSet', data: { dataSource: '_default', rules: [{ type: 'loadForever', tieredReplicants: { _default_tier: 1 } }] } }], meta: { actor: 'bench' } });
  const overlord = await Overlord.start({ nc, id: 'o' });
  const indexer = await Indexer.start({ nc, id: 'i', natsUrl: nats.url, natsPassword: TEST_PASSWORDS.actor, deepStorageDir: join(dir, 'deep'), workRoot: join(dir, 'tasks'), maxHeapMb: 1024, log: () => undefined });
  const coordinator = await Coordinator.start({ nc, id: 'c' });
  const historical = await Historical.start({ nc: hnc, id: 'h0', tier: '_default_tier', capacityBytes: 2 ** 40, cacheDir: join(dir, 'cache'), deepStorage: new LocalDeepStorage(join(dir, 'deep')) });
  const broker = await Broker.start({ nc, id: 'b' });
  return {
    nc, js: nc.jetstream(),
    async stop() {
      await indexer.stop();
      await overlord.stop();
      await historical.stop();
      await hnc.close();
      await broker.stop();
      await coordinator.stop();
      await metastore.stop();
      await nc.close();
      await nats.dispose();
    },
  };
}

/** Fills a new stream: `rows` rows over one day, `perMessage` a message, half on each partition; returns the end offsets. */
async function fillStream(c: Cluster, stream: string, rows: number, perMessage: number): Promise<PartitionOffsets> {
  const jsm = await c.nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`grove.bench.${stream}.*`], retention: RetentionPolicy.Limits, storage: StorageType.File });
  const encoder = new TextEncoder();
  const end: PartitionOffsets = {};
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0, m = 0; i < rows; i += perMessage, m++) {
    const partition = PARTITIONS[m % PARTITIONS.length]!;
    const lines = [];
    for (let r = i; r < Math.min(rows, i + perMessage); r++) lines.push(JSON.stringify({ ts: DAY + Math.floor((r * 86_400_000) / rows), page: `page${r % 500}`, user: `u${r % 97}`, added: r % 100 }));
    pending.push(c.js.publish(`grove.bench.${stream}.${partition}`, encoder.encode(lines.join('\n'))).then((ack) => (end[partition] = Math.max(end[partition] ?? 0, ack.seq + 1))));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return end;
}

function taskJson(stream: string): StreamingTaskJson {
  return {
    type: 'index_nats', id: `bench-${stream}`, groupId: `bench-${stream}`, dataSource: stream,
    spec: {
      dataSchema: {
        dataSource: stream, timestampSpec: { column: 'ts', format: 'millis' }, dimensionsSpec: { dimensions: ['page', 'user'] },
        metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
        granularitySpec: { segmentGranularity: 'day', queryGranularity: 'none', rollup: false },
      },
      ioConfig: { stream, subjectPrefix: `grove.bench.${stream}`, inputFormat: { type: 'json' }, baseSequenceName: `bench-${stream}`, startSequenceNumbers: { 0: 1, 1: 1 } },
      tuningConfig: { handoffConditionTimeout: 0 },
    },
    context: { supervisorId: 'bench', taskGroupId: '0' },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const reached = (o: PartitionOffsets, end: PartitionOffsets) => PARTITIONS.every((p) => (o[p] ?? 0) >= end[p]!);

/** Polls the task's offsets: when the first message was in, and when all were. */
async function readingTimes(c: Cluster, taskId: string, end: PartitionOffsets): Promise<{ first: number; last: number }> {
  let first = 0;
  for (;;) {
    const o = await request<TaskOffsetsReply>(c.nc, streamingTask.offsets(taskId), {}, { timeoutMs: 2000 }).catch(() => null);
    const now = performance.now();
    if (o === null) await failIfEnded(c, taskId);
    if (o !== null && first === 0 && PARTITIONS.some((p) => o.current[p]! > 1)) first = now;
    if (o !== null && reached(o.current, end)) return { first, last: now };
    await sleep(POLL_MS);
  }
}

/** Resolves with the time from the task's SegmentsPublished to the last HandoffCompleted of those segments. */
function publishToHandoff(c: Cluster, dataSource: string): Promise<number> {
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

/** A task that cannot answer may have failed: say why rather than wait for ever. */
async function failIfEnded(c: Cluster, taskId: string): Promise<void> {
  const { state, error } = await request<{ state: string; error?: string }>(c.nc, API.taskStatus, { taskId });
  if (['succeeded', 'failed', 'canceled'].includes(state)) throw new Error(`task ${taskId} ${state}${error ? `: ${error}` : ''}`);
}

async function untilEnded(c: Cluster, taskId: string): Promise<string> {
  for (;;) {
    const { state } = await request<{ state: string }>(c.nc, API.taskStatus, { taskId });
    if (['succeeded', 'failed', 'canceled'].includes(state)) return state;
    await sleep(50);
  }
}

/** One run: fill, ingest, finish, hand off. */
async function ingestOnce(c: Cluster, stream: string, rows: number, perMessage: number): Promise<{ rowsPerSecond: number; handoffMs: number }> {
  const end = await fillStream(c, stream, rows, perMessage);
  const { taskId } = await request<{ taskId: string }>(c.nc, INTERNAL.overlordTaskSubmit, taskJson(stream));
  const { first, last } = await readingTimes(c, taskId, end);
  const handoff = publishToHandoff(c, stream);
  await request(c.nc, streamingTask.finish(taskId), { end });
  const handoffMs = await handoff;
  const state = await untilEnded(c, taskId);
  if (state !== 'succeeded') throw new Error(`task ${taskId} ${state}`);
  // The first poll that saw rows saw at most one message's worth per partition already in.
  return { rowsPerSecond: (rows - PARTITIONS.length * perMessage) / ((last - first) / 1000), handoffMs };
}

const bench: Bench = {
  name: 'streaming',
  async run(ctx) {
    const c = await startCluster(ctx.dir);
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
    } finally {
      await c.stop();
    }
    return figures;
  },
};

export default bench;

import { join } from 'node:path';
import { RetentionPolicy, StorageType, type JetStreamClient, type NatsConnection } from 'nats';
import { Broker } from '../actors/broker/broker.ts';
import { Coordinator } from '../actors/coordinator/coordinator.ts';
import { Historical } from '../actors/historical/historical.ts';
import { Indexer } from '../actors/indexer/indexer.ts';
import { Metastore } from '../actors/metastore/metastore.ts';
import { Overlord } from '../actors/overlord/overlord.ts';
import { PushActor } from '../actors/push/push.ts';
import { SupervisorActor } from '../actors/supervisor/supervisor.ts';
import { request } from '../src/bus/client.ts';
import { connectBus } from '../src/bus/connection.ts';
import { API, INTERNAL, streamingTask } from '../src/bus/subjects.ts';
import { ClusterState } from '../src/projections/cluster-state.ts';
import { LocalDeepStorage } from '../src/storage/local.ts';
import type { PartitionOffsets, StreamingTaskJson, TaskOffsetsReply } from '../src/streaming/task-protocol.ts';
import { startTestNats, TEST_PASSWORDS } from '../test/support/nats-server.ts';

/**
 * What the streaming benches share: the whole cluster in this process (metastore, overlord, an
 * indexer running tasks in child processes, coordinator, one historical, broker; optionally a
 * supervisor and a push actor) on a nats-server of its own, streams of bench rows, index_nats
 * tasks over them, and the broker's count and sum.
 */

export const PARTITIONS = ['0', '1'];
export const DAY = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

export interface StreamingBenchCluster {
  nc: NatsConnection;
  js: JetStreamClient;
  stop(): Promise<void>;
}

export async function startStreamingCluster(dir: string, o: { push?: boolean } = {}): Promise<StreamingBenchCluster> {
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
  const supervisor = o.push ? await SupervisorActor.start({ nc, id: 's', tickMs: 200 }) : null;
  const pusher = o.push ? await PushActor.start({ nc, id: 'p' }) : null;
  return {
    nc, js: nc.jetstream(),
    async stop() {
      await pusher?.stop();
      await supervisor?.stop();
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

/** Row `r` of `rows` bench rows spread evenly over `days` days from `firstDay`, as JSON. */
export function benchRow(r: number, rows: number, firstDay = DAY, days = 1): string {
  return JSON.stringify({ ts: firstDay + Math.floor((r * days * DAY_MS) / rows), page: `page${r % 500}`, user: `u${r % 97}`, added: r % 100 });
}

export const benchSubjectPrefix = (stream: string): string => `grove.bench.${stream}`;

export async function createBenchStream(c: StreamingBenchCluster, stream: string): Promise<void> {
  const jsm = await c.nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${benchSubjectPrefix(stream)}.*`], retention: RetentionPolicy.Limits, storage: StorageType.File });
}

/** Fills a new stream: `rows` rows over `days` days, `perMessage` a message, the partitions in turn; returns the end offsets. */
export async function fillStream(c: StreamingBenchCluster, stream: string, rows: number, perMessage: number, days = 1): Promise<PartitionOffsets> {
  await createBenchStream(c, stream);
  const encoder = new TextEncoder();
  const end: PartitionOffsets = {};
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0, m = 0; i < rows; i += perMessage, m++) {
    const partition = PARTITIONS[m % PARTITIONS.length]!;
    const lines = [];
    for (let r = i; r < Math.min(rows, i + perMessage); r++) lines.push(benchRow(r, rows, DAY, days));
    pending.push(c.js.publish(`${benchSubjectPrefix(stream)}.${partition}`, encoder.encode(lines.join('\n'))).then((ack) => (end[partition] = Math.max(end[partition] ?? 0, ack.seq + 1))));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return end;
}

export const BENCH_METRICS = [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }];

/** An index_nats task reading `stream` into `dataSource` (day segments, no rollup) from the first message, to `end` if given. */
export function benchTaskJson(stream: string, dataSource = stream, end?: PartitionOffsets): StreamingTaskJson {
  return {
    type: 'index_nats', id: `bench-${stream}`, groupId: `bench-${stream}`, dataSource,
    spec: {
      dataSchema: {
        dataSource, timestampSpec: { column: 'ts', format: 'millis' }, dimensionsSpec: { dimensions: ['page', 'user'] },
        metricsSpec: BENCH_METRICS,
        granularitySpec: { segmentGranularity: 'day', queryGranularity: 'none', rollup: false },
      },
      ioConfig: {
        stream, subjectPrefix: benchSubjectPrefix(stream), inputFormat: { type: 'json' }, baseSequenceName: `bench-${stream}`,
        startSequenceNumbers: Object.fromEntries(PARTITIONS.map((p) => [p, 1])), ...(end ? { endSequenceNumbers: end } : {}),
      },
      tuningConfig: { handoffConditionTimeout: 0 },
    },
    context: { supervisorId: 'bench', taskGroupId: '0' },
  };
}

export async function submitTask(c: StreamingBenchCluster, task: StreamingTaskJson): Promise<string> {
  return (await request<{ taskId: string }>(c.nc, INTERNAL.overlordTaskSubmit, task)).taskId;
}

export const taskOffsets = (c: StreamingBenchCluster, taskId: string): Promise<TaskOffsetsReply | null> =>
  request<TaskOffsetsReply>(c.nc, streamingTask.offsets(taskId), {}, { timeoutMs: 2000 }).catch(() => null);

export const finishTask = (c: StreamingBenchCluster, taskId: string, end: PartitionOffsets): Promise<unknown> => request(c.nc, streamingTask.finish(taskId), { end });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const reached = (o: PartitionOffsets, end: PartitionOffsets): boolean => PARTITIONS.every((p) => (o[p] ?? 0) >= end[p]!);
const ENDED = ['succeeded', 'failed', 'canceled'];

/** A task that cannot answer may have failed: say why rather than wait for ever. */
export async function failIfEnded(c: StreamingBenchCluster, taskId: string): Promise<void> {
  const { state, error } = await request<{ state: string; error?: string }>(c.nc, API.taskStatus, { taskId });
  if (ENDED.includes(state)) throw new Error(`task ${taskId} ${state}${error ? `: ${error}` : ''}`);
}

export async function untilEnded(c: StreamingBenchCluster, taskId: string): Promise<string> {
  for (;;) {
    const { state } = await request<{ state: string }>(c.nc, API.taskStatus, { taskId });
    if (ENDED.includes(state)) return state;
    await sleep(50);
  }
}

/** The timeseries the benches ask: rows (the `count` metric summed) and the sum of `added`, granularity all. */
export function totalsQuery(dataSource: string, interval = '2024-01-01/2024-02-01'): Record<string, unknown> {
  return {
    queryType: 'timeseries', dataSource, intervals: [interval], granularity: 'all',
    aggregations: [{ type: 'longSum', name: 'rows', fieldName: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
  };
}

/** Rows and the sum of `added` as the broker answers now (zeros before anything is served). */
export async function totals(c: StreamingBenchCluster, dataSource: string): Promise<{ rows: number; added: number }> {
  const r = await request<Array<{ result: { rows: number; added: number } }>>(c.nc, API.query, totalsQuery(dataSource), { timeoutMs: 10_000 });
  return r[0]?.result ?? { rows: 0, added: 0 };
}

/** Polls the broker until it counts `rows` rows; the time it first did (performance.now()). */
export async function untilCounted(c: StreamingBenchCluster, dataSource: string, rows: number, timeoutMs = 120_000, pollMs = 20): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const n = (await totals(c, dataSource).catch(() => ({ rows: -1 }))).rows;
    const now = performance.now();
    if (n === rows) return now;
    if (n > rows) throw new Error(`the broker counts ${n} rows of ${dataSource}, more than the ${rows} sent`);
    if (now > deadline) throw new Error(`the broker counts ${n} rows of ${dataSource} after ${timeoutMs} ms, not ${rows}`);
    await sleep(pollMs);
  }
}

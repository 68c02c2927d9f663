import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NatsConnection, Subscription } from 'nats';
import { decode } from '@msgpack/msgpack';
import { Broker } from '../actors/broker/broker.ts';
import { Coordinator } from '../actors/coordinator/coordinator.ts';
import { Historical } from '../actors/historical/historical.ts';
import { Metastore } from '../actors/metastore/metastore.ts';
import type { SegmentDescriptor } from '../machines/segment/events.ts';
import { request } from '../src/bus/client.ts';
import { connectBus } from '../src/bus/connection.ts';
import { eventSubject, INTERNAL } from '../src/bus/subjects.ts';
import type { LogRecord } from '../src/log/record.ts';
import { ClusterState } from '../src/projections/cluster-state.ts';
import { segmentId } from '../src/segment/id.ts';
import { writeSegmentFile } from '../src/segment/writer.ts';
import { LocalDeepStorage } from '../src/storage/local.ts';
import { formatInterval } from '../src/time/interval.ts';
import { startTestNats, TEST_PASSWORDS, type TestNats } from '../test/support/nats-server.ts';
import { percentile, type Bench, type Figure } from './harness.ts';

/**
 * Handoff latency (the seed's "Indexing and handoff", coordinator and historical side): from the
 * moment a task's publish is appended to the moment a historical serves the segment (its
 * ReplicaLoaded on the event feed): the coordinator folds the publish, plans, appends the
 * assignment and asks the historical, which copies the file from deep storage, opens it (checksum
 * checked) and announces it. Druid's floor is the coordinator period: minutes.
 */

const HOUR = 3_600_000;
const START = Date.UTC(2020, 0, 1);
export const BENCH_DS = 'handoff';

/** A metastore, coordinator, broker and historicals in one process on a nats-server of their own. */
export interface BenchCluster {
  nats: TestNats;
  nc: NatsConnection;
  deep: LocalDeepStorage;
  broker: Broker;
  stop(): Promise<void>;
}

export async function startBenchCluster(dir: string, historicals: number): Promise<BenchCluster> {
  const nats = await startTestNats();
  const connect = (name: string) => connectBus({ url: nats.url, user: 'actor', password: TEST_PASSWORDS.actor, name });
  const nc = await connect('bench');
  const deep = new LocalDeepStorage(join(dir, 'deep'));
  const metastore = await Metastore.start({ nc, id: 'm', path: join(dir, 'metadata'), state: new ClusterState() });
  await request(nc, INTERNAL.metaAppend, { events: [{ type: 'RulesSet', data: { dataSource: '_default', rules: [{ type: 'loadForever', tieredReplicants: { _default_tier: 1 } }] } }], meta: { actor: 'bench' } });
  const coordinator = await Coordinator.start({ nc, id: 'c' });
  const broker = await Broker.start({ nc, id: 'b' });
  const nodes: Array<{ h: Historical; nc: NatsConnection }> = [];
  for (let i = 0; i < historicals; i++) {
    const hnc = await connect(`bench-h${i}`);
    nodes.push({ nc: hnc, h: await Historical.start({ nc: hnc, id: `h${i}`, tier: '_default_tier', capacityBytes: 2 ** 40, cacheDir: join(dir, 'cache', `h${i}`), deepStorage: deep }) });
  }
  return {
    nats, nc, deep, broker,
    async stop() {
      for (const n of nodes) {
        await n.h.stop();
        await n.nc.close();
      }
      await broker.stop();
      await coordinator.stop();
      await metastore.stop();
      await nc.close();
      await nats.dispose();
    },
  };
}

/** Writes hourly segments of `rows` rows each into deep storage, as tasks leave them before they publish. */
export async function writeBenchSegments(dir: string, deep: LocalDeepStorage, count: number, rows: number, version: string): Promise<SegmentDescriptor[]> {
  const out: SegmentDescriptor[] = [];
  for (let k = 0; k < count; k++) {
    const interval = { start: START + k * HOUR, end: START + (k + 1) * HOUR };
    const time = Float64Array.from({ length: rows }, (_, r) => interval.start + Math.floor((r * HOUR) / rows));
    const pages = Array.from({ length: rows }, (_, r) => `page${r % 50}`);
    const order = pages.map((_, r) => r).sort((a, b) => time[a]! - time[b]! || (pages[a]! < pages[b]! ? -1 : pages[a]! > pages[b]! ? 1 : 0));
    const file = join(dir, 'written', `${k}.grove`);
    const meta = { dataSource: BENCH_DS, interval, version, partitionNum: 0, shardSpec: { type: 'numbered' as const, partitionNum: 0, partitions: 1 }, queryGranularity: 'none' as const, rollup: false };
    const written = await writeSegmentFile(file, meta, {
      rowCount: rows,
      time: Float64Array.from(order, (r) => time[r]!),
      dimensions: [{ name: 'page', type: 'string' }],
      dimensionValues: [order.map((r) => pages[r]!)],
      metrics: [{ name: 'added', aggregator: { type: 'longSum', name: 'added', fieldName: 'added' } }],
      metricValues: [Float64Array.from(order, (r) => r % 7)],
      metricTimes: [null],
    });
    const loadSpec = await deep.put(file, { dataSource: BENCH_DS, interval, version, partitionNum: 0 });
    out.push({
      id: segmentId({ dataSource: BENCH_DS, interval, version, partitionNum: 0 }), dataSource: BENCH_DS, interval: formatInterval(interval), version, partitionNum: 0,
      shardSpec: meta.shardSpec, dimensions: ['page'], metrics: ['added'], rows, size: written.size, loadSpec, checksum: written.checksum,
    });
  }
  return out;
}

export function publish(nc: NatsConnection, segments: SegmentDescriptor[]): Promise<unknown> {
  return request(nc, INTERNAL.metaAppend, { events: [{ type: 'SegmentsPublished', data: { dataSource: BENCH_DS, taskId: 'bench-task', segments } }], meta: { actor: 'bench' } });
}

/** Resolves when a segment is served, as the ReplicaLoaded on the event feed says. */
class LoadWatch {
  private readonly waiting = new Map<string, () => void>();
  private readonly sub: Subscription;

  constructor(nc: NatsConnection) {
    this.sub = nc.subscribe(eventSubject('replica', 'ReplicaLoaded'), {
      callback: (_e, msg) => {
        const r = decode(msg.data) as LogRecord<'ReplicaLoaded', { segmentId: string }>;
        this.waiting.get(r.data.segmentId)?.();
      },
    });
  }

  loaded(id: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(id, () => {
      this.waiting.delete(id);
      resolve(performance.now());
    }));
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}

const bench: Bench = {
  name: 'handoff',
  async run(ctx) {
    const count = Math.max(20, Math.round(200 * ctx.scale));
    const oneByOne: number[][] = [];
    const burst: number[][] = [];
    for (let run = 0; run < ctx.runs; run++) {
      const dir = join(ctx.dir, `run-${run}`);
      const cluster = await startBenchCluster(dir, 2);
      const watch = new LoadWatch(cluster.nc);
      try {
        const single = await writeBenchSegments(dir, cluster.deep, count, 1000, `v${run}-a`);
        const latencies: number[] = [];
        for (const s of single) {
          const done = watch.loaded(s.id);
          const t0 = performance.now();
          await publish(cluster.nc, [s]);
          latencies.push((await done) - t0);
        }
        oneByOne.push(latencies);
        const many = (await writeBenchSegments(join(dir, 'burst'), cluster.deep, count * 2, 1000, `v${run}-b`)).slice(count);
        const done = many.map((s) => watch.loaded(s.id));
        const t0 = performance.now();
        await publish(cluster.nc, many);
        burst.push((await Promise.all(done)).map((t) => t - t0));
      } finally {
        watch.stop();
        await cluster.stop();
      }
    }
    const at = (runs: number[][], p: number) => runs.map((r) => percentile(r, p));
    const figures: Figure[] = [
      { name: `publish -> served, one segment at a time (${count} segments), p50`, unit: 'ms', values: at(oneByOne, 50), higherIsBetter: false },
      { name: `publish -> served, one segment at a time (${count} segments), p99`, unit: 'ms', values: at(oneByOne, 99), goal: '< 250', higherIsBetter: false },
      { name: `publish -> served, ${count} segments in one publish on 2 historicals, p50`, unit: 'ms', values: at(burst, 50), higherIsBetter: false },
      { name: `publish -> served, ${count} segments in one publish on 2 historicals, p99 (the last one served)`, unit: 'ms', values: at(burst, 99), higherIsBetter: false },
    ];
    return figures;
  },
};

export default bench;

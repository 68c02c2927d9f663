import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { Metastore } from '../actors/metastore/metastore.ts';
import { Overlord } from '../actors/overlord/overlord.ts';
import { request } from '../src/bus/client.ts';
import { connectBus } from '../src/bus/connection.ts';
import { encodeBody } from '../src/bus/codec.ts';
import { API, heartbeat, indexer, INTERNAL } from '../src/bus/subjects.ts';
import type { NewEvent } from '../src/events/catalog.ts';
import type { LogRecord } from '../src/log/record.ts';
import { decideLock } from '../src/overlord/lockbox.ts';
import { OverlordState } from '../src/overlord/overlord-state.ts';
import { ClusterState } from '../src/projections/cluster-state.ts';
import { formatInstant } from '../src/time/instant.ts';
import { formatInterval } from '../src/time/interval.ts';
import { startTestNats, TEST_PASSWORDS } from '../test/support/nats-server.ts';
import { median, type Bench, type Figure } from './harness.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const hour = (i: number): string => formatInterval({ start: T0 + i * HOUR, end: T0 + (i + 1) * HOUR });

/** A metastore and an overlord on their own nats-server, as `grove start` runs them. */
async function withGrove<T>(dir: string, f: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nats = await startTestNats();
  const nc = await connectBus({ url: nats.url, user: 'actor', password: TEST_PASSWORDS.actor, name: 'bench-overlord' });
  const m = await Metastore.start({ nc, id: 'bench', path: join(dir, `meta-${Date.now()}`), state: new ClusterState(), snapshotEvery: 0 });
  const o = await Overlord.start({ nc, id: 'bench' });
  try {
    return await f(nc);
  } finally {
    await o.stop();
    await m.stop();
    await nc.close();
    await nats.dispose();
  }
}

/** An indexer that only joins, beats its heart and accepts tasks: the bench drives them itself. */
async function joinIndexer(nc: NatsConnection, id: string, capacity: number): Promise<() => void> {
  await request(nc, INTERNAL.metaAppend, { events: [{ type: 'ServerJoined', data: { serverId: id, kind: 'indexer', tier: '_default_tier', capacity } }], meta: { actor: `indexer:${id}` } });
  const runs = nc.subscribe(indexer.run(id), { callback: (_e, m) => m.respond(encodeBody({ ok: true, result: { accepted: true } }, 'msgpack')) });
  const beat = (): void => nc.publish(heartbeat('indexer', id), encodeBody({ id, capacity, running: [] }, 'msgpack'));
  beat();
  const timer = setInterval(beat, 1000);
  return () => {
    clearInterval(timer);
    runs.unsubscribe();
  };
}

/** Waits for the overlord to hand the task to the indexer, then reports it started. */
async function startedOnIndexer(nc: NatsConnection, taskId: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      await request(nc, INTERNAL.overlordTaskUpdate, { taskId, type: 'started' });
      return;
    } catch (e) {
      if (tries > 200) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Runs `workers` loops of `each` operations at once; returns operations per second and CPU ms per operation. */
async function measure(workers: number, each: number, op: (worker: number, i: number) => Promise<unknown>): Promise<{ perSecond: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; i < each; i++) await op(w, i);
  }));
  const used = process.cpuUsage(cpu);
  const n = workers * each;
  return { perSecond: n / ((performance.now() - t) / 1000), cpuMs: (used.user + used.system) / 1000 / n };
}

async function throughAPI(dir: string, runs: number, scale: number): Promise<Figure[]> {
  const each = Math.max(50, Math.round(500 * scale));
  const figures = new Map<string, { unit: string; values: number[]; higherIsBetter: boolean }>();
  const add = (name: string, unit: string, value: number, higherIsBetter: boolean): void => {
    const f = figures.get(name) ?? { unit, values: [], higherIsBetter };
    f.values.push(value);
    figures.set(name, f);
  };
  await withGrove(dir, async (nc) => {
    // Each client drives its own running task, on a datasource of its own, as indexers' tasks do.
    const batch = (w: number) => `bench-batch-${w}`;
    const stream = (w: number) => `bench-stream-${w}`;
    const stopIndexer = await joinIndexer(nc, 'bench-indexer', 16);
    for (let w = 0; w < 8; w++) {
      await request(nc, API.taskSubmit, { type: 'index', id: batch(w), spec: { dataSchema: { dataSource: `ds${w}`, timestampSpec: { column: 't' }, dimensionsSpec: { dimensions: [] }, granularitySpec: { segmentGranularity: 'hour' } }, ioConfig: { type: 'index', inputSource: { type: 'inline', data: '' }, inputFormat: { type: 'json' } } } });
      await request(nc, INTERNAL.overlordTaskSubmit, { type: 'index_nats', id: stream(w), spec: { dataSchema: { dataSource: `rt${w}` } } });
    }
    for (let w = 0; w < 8; w++) for (const taskId of [batch(w), stream(w)]) await startedOnIndexer(nc, taskId);
    let round = 0;
    const lockRoundTrip = async (w: number, i: number): Promise<void> => {
      const g = await request<{ lockId: string }>(nc, INTERNAL.overlordLockAcquire, { taskId: batch(w), interval: hour(round * 100_000 + i), lockType: 'EXCLUSIVE' });
      await request(nc, INTERNAL.overlordLockRelease, { taskId: batch(w), lockId: g.lockId });
    };
    const allocate = (w: number, i: number) => request(nc, INTERNAL.overlordAllocate, {
      taskId: stream(w), dataSource: `rt${w}`, timestamp: T0 + (round % 24) * HOUR, segmentGranularity: 'hour', sequenceName: `seq-${round}-${i}`, previousSegmentId: null,
    });
    for (; round < runs; round++) {
      for (const workers of [1, 8]) {
        const lock = await measure(workers, each / workers, lockRoundTrip);
        add(`lock acquire + release round trips, ${workers} client${workers > 1 ? 's' : ''}`, 'round trips/s', lock.perSecond, true);
        add(`  CPU per round trip (one process: client, overlord, metastore), ${workers} client${workers > 1 ? 's' : ''}`, 'ms', lock.cpuMs, false);
        const alloc = await measure(workers, each / workers, allocate);
        add(`allocate calls (each a new segment), ${workers} client${workers > 1 ? 's' : ''}`, 'calls/s', alloc.perSecond, true);
        add(`  CPU per allocate call, ${workers} client${workers > 1 ? 's' : ''}`, 'ms', alloc.cpuMs, false);
      }
    }
    stopIndexer();
  });
  return [...figures].map(([name, f]) => ({ name, ...f }));
}

/**
 * An overlord state holding `perDataSource` granted locks (one per hour) in each of `dataSources`
 * datasources, folded through the machines as the overlord folds the log.
 */
function stateWithLocks(dataSources: number, perDataSource: number): OverlordState {
  const cluster = new ClusterState();
  const state = new OverlordState(cluster);
  let seq = 0;
  const fold = (events: NewEvent[]): void => {
    for (const e of events) cluster.apply({ seq: ++seq, at: T0, type: e.type, data: e.data, meta: { actor: 'bench', correlationId: 'b', causationId: null } } as LogRecord);
  };
  for (let d = 0; d < dataSources; d++) {
    const dataSource = `ds${d}`;
    const events: NewEvent[] = [];
    for (let l = 0; l < perDataSource; l++) {
      const taskId = `${dataSource}-t${l}`;
      const lockId = `${taskId}-lock`;
      events.push(
        { type: 'TaskSubmitted', data: { taskId, taskType: 'index', dataSource, groupId: taskId, priority: 50, realtime: false, spec: {} } },
        { type: 'LockRequested', data: { lockId, taskId, groupId: taskId, dataSource, interval: hour(l * 2), lockType: 'EXCLUSIVE', priority: 50, deadline: T0 } },
        { type: 'LockGranted', data: { lockId, version: formatInstant(T0) } },
      );
    }
    fold(events);
  }
  fold([{ type: 'TaskSubmitted', data: { taskId: 'asker', taskType: 'index', dataSource: 'ds0', groupId: 'asker', priority: 50, realtime: false, spec: {} } }]);
  return state;
}

interface DecisionTimes {
  grantUs: number;
  waitUs: number;
}

/** Median µs of one lockbox decision in ds0: a free hour (grant) and a held one (wait). */
function decisionTimes(state: OverlordState, iterations: number): DecisionTimes {
  const intervals = (first: number) => Array.from({ length: 50 }, (_, i) => ({ start: T0 + (i * 2 + first) * HOUR, end: T0 + (i * 2 + first + 1) * HOUR }));
  const time = (asked: Array<{ start: number; end: number }>): number => {
    const samples: number[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const t = performance.now();
      for (let i = 0; i < iterations; i++) decideLock(state, { taskId: 'asker', interval: asked[i % asked.length]!, lockType: 'EXCLUSIVE', timeoutMs: 1000 }, T0 + HOUR, 'l');
      samples.push(((performance.now() - t) * 1000) / iterations);
    }
    return median(samples);
  };
  return { grantUs: time(intervals(1)), waitUs: time(intervals(0)) };
}

async function lockboxScaling(runs: number, scale: number, log: (m: string) => void): Promise<Figure[]> {
  const dataSources = Math.max(10, Math.round(1000 * scale));
  const perDataSource = 100;
  log(`folding ${dataSources * perDataSource} granted locks over ${dataSources} datasources ...`);
  const big = stateWithLocks(dataSources, perDataSource);
  const small = stateWithLocks(1, perDataSource);
  log(`held: ${big.locks.heldCount} and ${small.locks.heldCount}`);
  // Warm the JIT on both first: whichever ran first would otherwise pay for it.
  decisionTimes(big, 2000);
  decisionTimes(small, 2000);
  const bigTimes: DecisionTimes[] = [];
  const smallTimes: DecisionTimes[] = [];
  for (let run = 0; run < runs; run++) {
    bigTimes.push(decisionTimes(big, 2000));
    smallTimes.push(decisionTimes(small, 2000));
  }
  const ratio = bigTimes.map((b, i) => b.grantUs / smallTimes[i]!.grantUs);
  return [
    { name: `lockbox decision, grant, ${dataSources * perDataSource} locks held over ${dataSources} datasources`, unit: 'µs', values: bigTimes.map((t) => t.grantUs), higherIsBetter: false },
    { name: `lockbox decision, grant, ${perDataSource} locks held in 1 datasource`, unit: 'µs', values: smallTimes.map((t) => t.grantUs), higherIsBetter: false },
    { name: `lockbox decision, wait (conflict named), ${dataSources * perDataSource} locks over ${dataSources} datasources`, unit: 'µs', values: bigTimes.map((t) => t.waitUs), higherIsBetter: false },
    { name: `lockbox decision, wait (conflict named), ${perDataSource} locks in 1 datasource`, unit: 'µs', values: smallTimes.map((t) => t.waitUs), higherIsBetter: false },
    { name: 'grant decision time, many datasources / one datasource (unrelated locks cost nothing)', unit: '×', values: ratio, goal: '≈ 1', higherIsBetter: false },
  ];
}

const bench: Bench = {
  name: 'overlord',
  async run(ctx) {
    return [...(await throughAPI(ctx.dir, ctx.runs, ctx.scale)), ...(await lockboxScaling(ctx.runs, ctx.scale, ctx.log))];
  },
};
export default bench;

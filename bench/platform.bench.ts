import { execFile, fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NatsConnection } from 'nats';
import { Metastore } from '../actors/metastore/metastore.ts';
import { keysOf } from '../actors/metastore/metastore.ts';
import { request, requestEncoded } from '../src/bus/client.ts';
import { encodeBody } from '../src/bus/codec.ts';
import { connectBus } from '../src/bus/connection.ts';
import { API, INTERNAL } from '../src/bus/subjects.ts';
import { EventLog } from '../src/log/event-log.ts';
import { ProjectionHost } from '../src/log/projection.ts';
import { ClusterState } from '../src/projections/cluster-state.ts';
import { startTestNats, TEST_PASSWORDS } from '../test/support/nats-server.ts';
import { percentile, repeat, type Bench, type Figure } from './harness.ts';

/** A segment's usual life in the log: published, assigned to a historical, loading, loaded. */
function segmentLife(n: number): Array<{ type: string; data: unknown }> {
  const id = `bench_2013-01-01T00:00:00.000Z_2013-01-02T00:00:00.000Z_v1_${n}`;
  const ref = { dataSource: 'bench', segmentId: id, serverId: `h${n % 4}` };
  return [
    { type: 'SegmentsPublished', data: { dataSource: 'bench', taskId: `t${n >> 8}`, segments: [{ id, dataSource: 'bench', interval: '2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z', version: 'v1', partitionNum: n, shardSpec: { type: 'numbered', partitionNum: n, partitions: 0 }, dimensions: ['a', 'b'], metrics: ['count'], rows: 1000, size: 65536, loadSpec: { type: 'local', path: `bench/${n}` }, checksum: 'x' }] } },
    { type: 'ReplicaAssigned', data: { ...ref, tier: '_default_tier', reason: 'rule' } },
    { type: 'ReplicaLoadStarted', data: ref },
    { type: 'ReplicaLoaded', data: ref },
  ];
}

const thisFile = fileURLToPath(import.meta.url);
const meta = (actor: string) => ({ actor, correlationId: 'bench', causationId: null });

async function withMetastore<T>(dir: string, f: (nc: NatsConnection, m: Metastore, url: string) => Promise<T>): Promise<T> {
  const nats = await startTestNats();
  const nc = await connectBus({ url: nats.url, user: 'actor', password: TEST_PASSWORDS.actor, name: 'bench' });
  const m = await Metastore.start({ nc, id: 'bench', path: join(dir, `meta-${Date.now()}`), state: new ClusterState(), snapshotEvery: 0 });
  try {
    return await f(nc, m, nats.url);
  } finally {
    await m.stop();
    await nc.close();
    await nats.dispose();
  }
}

/** What the parent asks of the load generator, and what it answers. */
type LoadOrder = { kind: 'prepare'; commands: number; from: number } | { kind: 'burst' } | { kind: 'latencies'; count: number } | { kind: 'exit' };
type LoadAnswer = { kind: 'done' } | { kind: 'latencies'; ms: number[] };

const PER_COMMAND = 25; // segments per command: 100 events
const IN_FLIGHT = 16;

/**
 * The load generator: a process of its own, as the metastore's clients (the overlord, the
 * coordinator, indexers) are actors of their own, so that building and encoding the commands is
 * not counted as the metastore's time and the figures are the metastore's. It encodes a burst's
 * commands before the burst (`prepare`): on two cores, encoding them while sending took a fifth
 * of a core from the metastore it measures.
 */
async function runLoadGenerator(url: string): Promise<void> {
  const nc = await connectBus({ url, user: 'actor', password: TEST_PASSWORDS.actor, name: 'bench-load' });
  const answer = (a: LoadAnswer): void => void process.send!(a);
  let prepared: Uint8Array[] = [];
  process.on('message', (order: LoadOrder) => {
    void (async () => {
      if (order.kind === 'exit') {
        await nc.close();
        process.exit(0);
      }
      if (order.kind === 'prepare') {
        const command = (c: number) => ({ events: Array.from({ length: PER_COMMAND }, (_, i) => segmentLife(order.from + c * PER_COMMAND + i)).flat(), meta: { actor: 'bench' } });
        prepared = Array.from({ length: order.commands }, (_, c) => encodeBody(command(c), 'msgpack'));
        return answer({ kind: 'done' });
      }
      if (order.kind === 'burst') {
        const inFlight: Array<Promise<unknown>> = [];
        for (const body of prepared.splice(0)) {
          inFlight.push(requestEncoded(nc, INTERNAL.metaAppend, body));
          if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
        }
        await Promise.all(inFlight);
        return answer({ kind: 'done' });
      }
      const ms: number[] = [];
      for (let i = 0; i < order.count; i++) {
        const t = performance.now();
        await request(nc, INTERNAL.metaAppend, { events: [{ type: 'ServerJoined', data: { serverId: `s${i}`, kind: 'historical', tier: '_default_tier', capacity: 1 } }], meta: { actor: 'bench' } });
        ms.push(performance.now() - t);
      }
      answer({ kind: 'latencies', ms });
    })();
  });
  // Gone with the parent, even if it never said so.
  process.on('disconnect', () => process.exit(0));
  process.send!({ kind: 'done' } satisfies LoadAnswer);
}

function loadGenerator(url: string): { ask: (o: LoadOrder) => Promise<LoadAnswer>; stop: () => Promise<void> } {
  const child = fork(thisFile, ['load', url], { execArgv: process.execArgv });
  let ready = new Promise<LoadAnswer>((r) => child.once('message', r));
  return {
    ask: async (o) => {
      await ready;
      ready = new Promise<LoadAnswer>((r) => child.once('message', r));
      child.send(o);
      return ready;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.send({ kind: 'exit' } satisfies LoadOrder);
      await exited;
    },
  };
}

async function appendThroughput(dir: string, runs: number, scale: number): Promise<Figure[]> {
  const commands = Math.max(50, Math.round(1000 * scale));
  const events = commands * PER_COMMAND * 4;
  const throughput: number[] = [];
  const perCpu: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  await withMetastore(dir, async (_nc, _m, url) => {
    const load = loadGenerator(url);
    try {
      // A first burst, not counted, warms up both processes' compilers.
      const warmUp = Math.ceil(commands / 10);
      await load.ask({ kind: 'prepare', commands: warmUp, from: 0 });
      await load.ask({ kind: 'burst' });
      for (let run = 0; run < runs; run++) {
        await load.ask({ kind: 'prepare', commands, from: (warmUp + run * commands) * PER_COMMAND });
        const started = performance.now();
        const cpu = process.cpuUsage();
        await load.ask({ kind: 'burst' });
        throughput.push(events / ((performance.now() - started) / 1000));
        const used = process.cpuUsage(cpu);
        perCpu.push(events / ((used.user + used.system) / 1e6));
        const { ms } = (await load.ask({ kind: 'latencies', count: 300 })) as { ms: number[] };
        p50.push(percentile(ms, 50));
        p99.push(percentile(ms, 99));
      }
    } finally {
      await load.stop();
    }
  });
  return [
    { name: `append over NATS, batched commands of 100 events (${IN_FLIGHT} in flight, from a load generator process)`, unit: 'events/s', values: throughput, goal: '>= 50,000', higherIsBetter: true },
    { name: 'the same, per CPU-second of the metastore process (the load generator and nats-server not counted)', unit: 'events/CPU-s', values: perCpu, higherIsBetter: true },
    { name: 'append latency of a single-event command, p50', unit: 'ms', values: p50, higherIsBetter: false },
    { name: 'append latency of a single-event command, p99', unit: 'ms', values: p99, higherIsBetter: false },
  ];
}

async function buildLog(path: string, events: number, log: (m: string) => void): Promise<EventLog> {
  const eventLog = EventLog.open(path, { keysOf });
  const state = new ClusterState();
  const perBatch = 1000;
  for (let n = 0; n * 4 < events; ) {
    const batch = Array.from({ length: perBatch / 4 }, () => segmentLife(n++)).flat();
    await eventLog.append(batch, meta('bench'), { check: (rs) => state.admit(rs, []) });
    if ((n * 4) % 200_000 === 0) log(`  built ${n * 4} events`);
  }
  return eventLog;
}

async function refold(dir: string, runs: number, scale: number, log: (m: string) => void): Promise<Figure[]> {
  const events = Math.round(1_000_000 * scale);
  const path = join(dir, 'refold');
  log(`building a ${events}-event log ...`);
  const eventLog = await buildLog(path, events, log);
  const cpuRates: number[] = [];
  const rates = await repeat(runs, () => {
    const state = new ClusterState();
    const t = performance.now();
    const cpu = process.cpuUsage();
    for (const r of eventLog.scan()) state.apply(r);
    const used = process.cpuUsage(cpu);
    cpuRates.push(eventLog.lastSeq / ((used.user + used.system) / 1e6));
    return eventLog.lastSeq / ((performance.now() - t) / 1000);
  });
  // Cold start: the snapshot, then the events after it.
  const live = new ClusterState();
  const host = new ProjectionHost(eventLog, [live], { snapshotEvery: 0 });
  host.start();
  await host.snapshot();
  host.stop();
  await eventLog.append(segmentLife(10_000_000), meta('bench'));
  await eventLog.close();
  const cold = await repeat(runs, () => coldStartInFreshProcess(path));
  return [
    { name: `refold of a ${events}-event log into the cluster state`, unit: 'events/s', values: rates, goal: '>= 100,000', higherIsBetter: true },
    { name: 'the same, per CPU-second', unit: 'events/CPU-s', values: cpuRates, higherIsBetter: true },
    { name: `cold start of a fresh grove process from a snapshot of that log (+4 events after it)`, unit: 's', values: cold, goal: '< 3', higherIsBetter: false },
  ];
}

/**
 * A cold start is a process starting: the log opened, the snapshot restored, the events after it
 * folded, timed inside a fresh node process.
 */
async function coldStartInFreshProcess(path: string): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, thisFile, 'cold-start', path]);
  return Number(stdout.trim().split('\n').pop());
}

function coldStart(path: string): number {
  const t = performance.now();
  const reopened = EventLog.open(path, { keysOf });
  const h = new ProjectionHost(reopened, [new ClusterState()], { snapshotEvery: 0 });
  h.start();
  const seconds = (performance.now() - t) / 1000;
  h.stop();
  void reopened.close();
  return seconds;
}

async function apiOverhead(dir: string, runs: number): Promise<Figure[]> {
  const ratios: number[] = [];
  const groveP50: number[] = [];
  const rawP50: number[] = [];
  await withMetastore(dir, async (nc, m) => {
    await m.log.append(segmentLife(1), meta('bench'));
    const echo = nc.subscribe('grove.bench.echo', { callback: (_e, msg) => msg.respond(msg.data) });
    const body = new Uint8Array(64);
    for (let run = 0; run < runs; run++) {
      const raw: number[] = [];
      const grove: number[] = [];
      for (let i = 0; i < 2000; i++) {
        let t = performance.now();
        await nc.request('grove.bench.echo', body, { timeout: 5000 });
        raw.push(performance.now() - t);
        t = performance.now();
        await request(nc, API.logRead, { from: 1, limit: 1 });
        grove.push(performance.now() - t);
      }
      rawP50.push(percentile(raw, 50));
      groveP50.push(percentile(grove, 50));
      ratios.push(percentile(grove, 50) / percentile(raw, 50));
    }
    echo.unsubscribe();
  });
  return [
    { name: 'raw NATS request/reply, p50', unit: 'ms', values: rawP50, higherIsBetter: false },
    { name: 'grove.api.log.read (one record), p50', unit: 'ms', values: groveP50, higherIsBetter: false },
    { name: 'API overhead: grove read p50 / raw NATS p50', unit: '×', values: ratios, goal: '<= 2', higherIsBetter: false },
  ];
}

const bench: Bench = {
  name: 'platform',
  async run(ctx) {
    return [
      ...(await appendThroughput(ctx.dir, ctx.runs, ctx.scale)),
      ...(await refold(ctx.dir, ctx.runs, ctx.scale, ctx.log)),
      ...(await apiOverhead(ctx.dir, ctx.runs)),
    ];
  },
};
export default bench;

if (process.argv[1] === thisFile && process.argv[2] === 'cold-start') console.log(coldStart(process.argv[3]!));
if (process.argv[1] === thisFile && process.argv[2] === 'load') await runLoadGenerator(process.argv[3]!);

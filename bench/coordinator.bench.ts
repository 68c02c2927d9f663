import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { SegmentDescriptor } from '../machines/segment/events.ts';
import { eventsOf } from '../src/coordinator/intents.ts';
import { CoordinatorPlanner } from '../src/coordinator/planner.ts';
import type { NewEvent } from '../src/events/catalog.ts';
import { ClusterState } from '../src/projections/cluster-state.ts';
import { segmentId } from '../src/segment/id.ts';
import { formatInterval } from '../src/time/interval.ts';
import { median, percentile, type Bench, type Figure } from './harness.ts';

/**
 * The coordinator's reaction to one event with N segments in its projections: the fact folded into
 * the cluster state (the coordinator's indexes follow it step by step) and the planning pass that
 * decides what to do about it — a new segment to load, a loaded replica that completes an
 * overwrite (overshadowing), a load that failed. Time per event, at 10k, 100k and 1M segments:
 * flat if the coordinator's work is proportional to what changed, not to what it holds.
 */

const HOUR = 3_600_000;
const START = Date.UTC(2000, 0, 1);
const SERVERS = 10;
const EVENTS = 300;
const DS = 'bench';

function descriptor(hour: number, version: string): SegmentDescriptor {
  const interval = { start: START + hour * HOUR, end: START + (hour + 1) * HOUR };
  const id = segmentId({ dataSource: DS, interval, version, partitionNum: 0 });
  return {
    id, dataSource: DS, interval: formatInterval(interval), version, partitionNum: 0, shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 },
    dimensions: ['page'], metrics: ['count'], rows: 1000, size: 100_000, loadSpec: { type: 'local', path: id }, checksum: 'c',
  };
}

/** A cluster state fed facts as its follower feeds them. */
class World {
  readonly state = new ClusterState();
  private seq = 0;

  fact(e: NewEvent): void {
    this.seq++;
    this.state.apply({ seq: this.seq, at: START + this.seq, type: e.type, data: e.data, meta: { actor: 'bench', correlationId: 'c', causationId: null } });
  }
}

const replica = (type: string, d: SegmentDescriptor, serverId: string, more: object = {}): NewEvent =>
  ({ type, data: { dataSource: DS, segmentId: d.id, serverId, ...more } }) as NewEvent;

/** N hourly segments, each loaded on one of the historicals, with one replica wanted. */
function build(n: number): { world: World; seconds: number } {
  const world = new World();
  const t0 = performance.now();
  world.fact({ type: 'RulesSet', data: { dataSource: '_default', rules: [{ type: 'loadForever', tieredReplicants: { _default_tier: 1 } }] } });
  for (let s = 0; s < SERVERS; s++) world.fact({ type: 'ServerJoined', data: { serverId: `h${s}`, kind: 'historical', tier: '_default_tier', capacity: 1e15 } });
  for (let from = 0; from < n; from += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - from) }, (_, i) => descriptor(from + i, 'v1'));
    world.fact({ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'bench', segments: batch } });
    for (const [i, d] of batch.entries()) {
      const server = `h${(from + i) % SERVERS}`;
      world.fact(replica('ReplicaAssigned', d, server, { tier: '_default_tier', reason: 'rule' }));
      world.fact(replica('ReplicaLoaded', d, server));
    }
  }
  return { world, seconds: (performance.now() - t0) / 1000 };
}

/** Milliseconds from a fact's arrival to the coordinator's decisions about it. */
/**
 * Milliseconds from a fact's arrival to the coordinator's decisions about it; the decisions are then
 * folded in as the metastore would append them (not timed), so the next event finds the state right.
 */
function react(world: World, planner: CoordinatorPlanner, e: NewEvent): { ms: number; intents: number; what: string } {
  const t0 = performance.now();
  world.fact(e);
  const intents = planner.plan(START + 1e9);
  const ms = performance.now() - t0;
  for (const decided of eventsOf(intents)) world.fact(decided);
  return { ms, intents: intents.length, what: JSON.stringify(intents) };
}

/** Plans and folds the decisions, untimed: the steps between the measured ones. */
function settle(world: World, planner: CoordinatorPlanner): void {
  for (const decided of eventsOf(planner.plan(START + 1e9))) world.fact(decided);
}

interface Timings {
  publish: number[];
  overwrite: number[];
  failure: number[];
}

function measure(world: World, planner: CoordinatorPlanner, n: number, run: number): Timings {
  const t: Timings = { publish: [], overwrite: [], failure: [] };
  for (let k = 0; k < EVENTS; k++) {
    // A new hour is published: the coordinator assigns it a historical.
    const fresh = descriptor(n + run * EVENTS + k, 'v1');
    const published = react(world, planner, { type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'bench', segments: [fresh] } });
    if (published.intents !== 1) throw new Error(`a new segment should get one assignment, got ${published.intents}`);
    t.publish.push(published.ms);
    // An old hour is overwritten; once the new version is loaded, the old one is marked unused.
    const hour = Math.floor((k * 7919) % n);
    const v2 = descriptor(hour, `v2-${run}-${String(k).padStart(4, '0')}`);
    world.fact({ type: 'SegmentsPublished', data: { dataSource: DS, taskId: 'bench', segments: [v2] } });
    settle(world, planner);
    const v2Server = [...planner.view.replicasOf(v2.id).keys()][0]!;
    const loaded = react(world, planner, replica('ReplicaLoaded', v2, v2Server));
    if (loaded.intents !== 1) throw new Error(`a served overwrite should mark one segment unused, got ${loaded.what}`);
    t.overwrite.push(loaded.ms);
    // The new hour fails to load where it was assigned: it is assigned elsewhere.
    const freshServer = [...planner.view.replicasOf(fresh.id).keys()][0]!;
    world.fact(replica('ReplicaLoadStarted', fresh, freshServer));
    settle(world, planner);
    const failed = react(world, planner, replica('ReplicaLoadFailed', fresh, freshServer, { reason: 'bench' }));
    if (failed.intents !== 1) throw new Error(`a failed load should be retried elsewhere, got ${failed.intents}`);
    t.failure.push(failed.ms);
  }
  return t;
}

interface ChildResult {
  log: string;
  runs: Timings[];
}

/** One size, measured in this process (the child's side). */
function measureSize(n: number, runs: number): ChildResult {
  const { world, seconds } = build(n);
  const planner = new CoordinatorPlanner(world.state, { dropGraceMs: 60_000, loadRetryMs: 30_000, maxSegmentsToMove: 0 });
  const t0 = performance.now();
  planner.start(() => undefined);
  const first = planner.plan(START + 1e9);
  const startMs = performance.now() - t0;
  if (first.length !== 0) throw new Error(`the built cluster should need nothing, got ${first.length} decisions`);
  const log = `${n.toLocaleString('en-US')} segments: folded in ${seconds.toFixed(1)} s; indexes and first pass ${(startMs / 1000).toFixed(1)} s; heap ${(process.memoryUsage().heapUsed / 2 ** 30).toFixed(2)} GiB`;
  return { log, runs: Array.from({ length: runs }, (_, run) => measure(world, planner, n, run)) };
}

const exec = promisify(execFile);
const thisFile = fileURLToPath(import.meta.url);

/** Each size in a process of its own: a million segments' snapshots need more than Node's default heap. */
async function inChild(n: number, runs: number): Promise<ChildResult> {
  const { stdout } = await exec(process.execPath, ['--max-old-space-size=12288', '--import', 'tsx', thisFile, String(n), String(runs)], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
}

const bench: Bench = {
  name: 'coordinator',
  async run(ctx) {
    const sizes = [10_000, 100_000, 1_000_000].map((n) => Math.max(1000, Math.round(n * ctx.scale)));
    const figures: Figure[] = [];
    for (const n of sizes) {
      const { log, runs } = await inChild(n, ctx.runs);
      ctx.log(log);
      const label = `${n.toLocaleString('en-US')} segments`;
      const per = (pick: (t: Timings) => number[], p: number) => runs.map((r) => (p === 50 ? median(pick(r)) : percentile(pick(r), p)));
      figures.push(
        { name: `${label}: new segment published -> assignment, p50`, unit: 'ms', values: per((t) => t.publish, 50), goal: '< 10', higherIsBetter: false },
        { name: `${label}: new segment published -> assignment, p99`, unit: 'ms', values: per((t) => t.publish, 99), goal: '< 10', higherIsBetter: false },
        { name: `${label}: overwrite served -> old version unused, p50`, unit: 'ms', values: per((t) => t.overwrite, 50), goal: '< 10', higherIsBetter: false },
        { name: `${label}: overwrite served -> old version unused, p99`, unit: 'ms', values: per((t) => t.overwrite, 99), goal: '< 10', higherIsBetter: false },
        { name: `${label}: load failed -> assigned elsewhere, p50`, unit: 'ms', values: per((t) => t.failure, 50), goal: '< 10', higherIsBetter: false },
      );
    }
    return figures;
  },
};

export default bench;

if (process.argv[1] === thisFile) {
  const [n, runs] = process.argv.slice(2).map(Number) as [number, number];
  console.log(JSON.stringify(measureSize(n, runs)));
}

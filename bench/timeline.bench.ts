import { performance } from 'node:perf_hooks';
import { type Bench, type BenchContext, type Figure } from './harness.ts';
import { VersionedTimeline, type TimelineEntry } from '../src/timeline/versioned-timeline.ts';

/**
 * The versioned timeline at the coordinator's scale: one datasource of 1,000,000 segments (hourly
 * chunks of 4 core partitions), then per run 10,000 of each operation on top of it. A timeline
 * that scanned its segments would take milliseconds per operation here, not microseconds.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2000, 0, 1);
const PARTITIONS = 4;
const OPS = 10_000;

type Timeline = VersionedTimeline<null>;

function hourly(hour: number, partitionNum: number): TimelineEntry<null> {
  const start = START + hour * HOUR;
  return { id: `h${hour}_${partitionNum}`, interval: { start, end: start + HOUR }, version: 'v1', partitionNum, corePartitions: PARTITIONS, payload: null };
}

/** A one-partition day overwrite (version v2) hiding 24 hourly chunks. */
function dayOverwrite(day: number, run: number): TimelineEntry<null> {
  const start = START + day * DAY;
  return { id: `d${day}_r${run}`, interval: { start, end: start + DAY }, version: `v2-${run}`, partitionNum: 0, corePartitions: 1, payload: null };
}

/** An appended partition (beyond the core set) of an hourly chunk. */
function appended(hour: number, run: number, i: number): TimelineEntry<null> {
  return { ...hourly(hour, PARTITIONS + 1 + run * OPS + i), id: `a${hour}_${run}_${i}` };
}

/** Random distinct days, so that one run's overwrites never collide. */
function pickDays(days: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * days));
  return [...picked];
}

/** Microseconds per call of `op` over `items`. */
function microsPerOp<T>(items: readonly T[], op: (item: T) => unknown): number {
  const t0 = performance.now();
  for (const item of items) op(item);
  return ((performance.now() - t0) * 1000) / items.length;
}

function build(segments: number): { timeline: Timeline; seconds: number } {
  const timeline: Timeline = new VersionedTimeline<null>();
  const t0 = performance.now();
  for (let h = 0; h < segments / PARTITIONS; h++) {
    for (let p = 0; p < PARTITIONS; p++) timeline.add(hourly(h, p));
  }
  return { timeline, seconds: (performance.now() - t0) / 1000 };
}

interface RunTimes {
  addOverwrite: number;
  addAppend: number;
  lookupDay: number;
  isOvershadowed: number;
  findFullyOvershadowedDay: number;
  remove: number;
}

/** One run: overwrite and append on top of the base timeline, query it, then take it all back out. */
function oneRun(timeline: Timeline, hours: number, run: number): RunTimes {
  const days = Math.floor(hours / 24);
  // A tenth of the days get overwritten, so that most lookups still cross 24 hourly chunks.
  const overwritten = pickDays(days, Math.min(OPS, Math.floor(days / 10)));
  const overwrites = overwritten.map((d) => dayOverwrite(d, run));
  const appends = Array.from({ length: OPS }, (_, i) => appended(Math.floor(Math.random() * hours), run, i));
  const addOverwrite = microsPerOp(overwrites, (s) => timeline.add(s));
  const addAppend = microsPerOp(appends, (s) => timeline.add(s));
  const skip = new Set(overwritten);
  const queryDays = Array.from({ length: OPS }, () => Math.floor(Math.random() * days)).filter((d) => !skip.has(d));
  const lookupDay = microsPerOp(queryDays, (d) => timeline.lookup({ start: START + d * DAY, end: START + (d + 1) * DAY }));
  const ids = Array.from({ length: OPS }, () => `h${Math.floor(Math.random() * hours)}_${Math.floor(Math.random() * PARTITIONS)}`);
  const isOvershadowed = microsPerOp(ids, (id) => timeline.isOvershadowed(id));
  const findFullyOvershadowedDay = microsPerOp(overwrites, (s) => timeline.findFullyOvershadowed(s.interval));
  const remove = microsPerOp([...overwrites, ...appends], (s) => timeline.remove(s.id));
  return { addOverwrite, addAppend, lookupDay, isOvershadowed, findFullyOvershadowedDay, remove };
}

function figure(name: string, values: number[], goal?: string): Figure {
  return { name, unit: 'µs/op', values, higherIsBetter: false, ...(goal !== undefined ? { goal } : {}) };
}

const bench: Bench = {
  name: 'timeline',
  run(ctx: BenchContext): Promise<Figure[]> {
    const segments = Math.round((1_000_000 * ctx.scale) / PARTITIONS) * PARTITIONS;
    const { timeline, seconds } = build(segments);
    ctx.log(`built a timeline of ${timeline.size.toLocaleString('en-US')} segments in ${seconds.toFixed(1)} s (${((seconds * 1e6) / segments).toFixed(2)} µs per add)`);
    const hours = segments / PARTITIONS;
    const runs: RunTimes[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      runs.push(oneRun(timeline, hours, i));
      if (timeline.size !== segments) throw new Error(`run ${i} left ${timeline.size} segments, expected ${segments}`);
    }
    const of = (k: keyof RunTimes): number[] => runs.map((r) => r[k]);
    return Promise.resolve([
      { name: `build: add ${segments.toLocaleString('en-US')} hourly segments`, unit: 's', values: [seconds], higherIsBetter: false },
      figure(`add a day overwrite hiding 24 hourly chunks, at ${segments.toLocaleString('en-US')}`, of('addOverwrite')),
      figure('add an appended partition to a complete chunk', of('addAppend')),
      figure('lookup one day (24 visible chunks x 4 partitions)', of('lookupDay')),
      figure('isOvershadowed(id)', of('isOvershadowed')),
      figure('findFullyOvershadowed(day) after an overwrite (96 segments found)', of('findFullyOvershadowedDay')),
      figure('remove (overwrites restore the hours beneath; appends)', of('remove')),
    ]);
  },
};

export default bench;

import { join } from 'node:path';
import { runQuery, type SegmentSlice } from '../src/query/engine.ts';
import { openSegment } from '../src/segment/reader.ts';
import { writeSegmentFile } from '../src/segment/writer.ts';
import type { SegmentColumnsInput, SegmentMeta } from '../src/segment/types.ts';
import { parseQuery } from '../src/spec/query.ts';
import { formatInterval } from '../src/time/interval.ts';
import { median, repeat, type Bench, type Figure } from './harness.ts';

/**
 * Query engine throughput over loaded segments, single-threaded (so rows/s is per core).
 * Data: 5 M rows (× scale) over four days, one segment per day; five string dimensions with
 * cardinalities 10, 100, 1 000, 10 000 and 50, Zipf-distributed (s = 1); two long metrics.
 */

const DAYS = 4;
const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const CARDINALITIES = [10, 100, 1_000, 10_000, 50];
const DIMENSIONS = CARDINALITIES.map((_, i) => `d${i}`);

/** A small seeded generator (mulberry32), so every run queries the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Samples value k of a cardinality with probability proportional to 1/(k+1). */
function zipf(cardinality: number, rand: () => number): () => number {
  const cdf = new Float64Array(cardinality);
  let total = 0;
  for (let k = 0; k < cardinality; k++) cdf[k] = total += 1 / (k + 1);
  return () => {
    const u = rand() * total;
    let lo = 0;
    let hi = cardinality - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function dayColumns(day: number, rows: number, rand: () => number): SegmentColumnsInput {
  const pools = CARDINALITIES.map((c, d) => Array.from({ length: c }, (_, k) => `d${d}_value_${k}`));
  const samplers = CARDINALITIES.map((c) => zipf(c, rand));
  const step = DAY / rows;
  return {
    rowCount: rows,
    time: Float64Array.from({ length: rows }, (_, i) => START + day * DAY + Math.floor(i * step)),
    dimensions: DIMENSIONS.map((name) => ({ name, type: 'string' as const })),
    dimensionValues: pools.map((pool, d) => Array.from({ length: rows }, () => pool[samplers[d]!()]!)),
    metrics: [
      { name: 'm1', aggregator: { type: 'longSum', name: 'm1', fieldName: 'm1' } },
      { name: 'm2', aggregator: { type: 'longSum', name: 'm2', fieldName: 'm2' } },
    ],
    metricValues: [
      Float64Array.from({ length: rows }, () => 1 + Math.floor(rand() * 10)),
      Float64Array.from({ length: rows }, () => Math.floor(rand() * 1_000)),
    ],
    metricTimes: [null, null],
  };
}

async function writeData(dir: string, totalRows: number, log: (m: string) => void): Promise<SegmentSlice[]> {
  const rand = random(42);
  const slices: SegmentSlice[] = [];
  for (let day = 0; day < DAYS; day++) {
    const interval = { start: START + day * DAY, end: START + (day + 1) * DAY };
    const meta: SegmentMeta = {
      dataSource: 'bench', interval, version: '2024-02-01T00:00:00.000Z', partitionNum: 0,
      shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 }, queryGranularity: 'none', rollup: false,
    };
    const path = join(dir, `day-${day}`, 'index.grove');
    await writeSegmentFile(path, meta, dayColumns(day, Math.round(totalRows / DAYS), rand));
    slices.push({ segment: openSegment(path) });
    log(`wrote segment ${day + 1}/${DAYS} (${formatInterval(interval)})`);
  }
  return slices;
}

const intervals = [formatInterval({ start: START, end: START + DAYS * DAY })];

const QUERIES = {
  'timeseries count + longSum by hour': {
    goal: '>= 300000000',
    query: { queryType: 'timeseries', dataSource: 'bench', intervals, granularity: 'hour', aggregations: [{ type: 'count', name: 'rows' }, { type: 'longSum', name: 'm1', fieldName: 'm1' }] },
  },
  'topN on the 10 000-value dimension by longSum': {
    goal: '>= 50000000',
    query: { queryType: 'topN', dataSource: 'bench', intervals, granularity: 'all', dimension: 'd3', metric: 'm2', threshold: 100, aggregations: [{ type: 'longSum', name: 'm2', fieldName: 'm2' }] },
  },
  'groupBy two dimensions (50 × 100 values) filtered on a third': {
    goal: '>= 30000000',
    query: {
      queryType: 'groupBy', dataSource: 'bench', intervals, granularity: 'all', dimensions: ['d4', 'd1'],
      filter: { type: 'selector', dimension: 'd0', value: 'd0_value_0' },
      aggregations: [{ type: 'count', name: 'rows' }, { type: 'longSum', name: 'm1', fieldName: 'm1' }],
    },
  },
  // The same with 100 × 1 000 possible groups (about 80 000 in the result): per-group work dominates.
  'groupBy two dimensions (100 × 1 000 values) filtered on a third': {
    goal: undefined,
    query: {
      queryType: 'groupBy', dataSource: 'bench', intervals, granularity: 'all', dimensions: ['d1', 'd2'],
      filter: { type: 'selector', dimension: 'd0', value: 'd0_value_0' },
      aggregations: [{ type: 'count', name: 'rows' }, { type: 'longSum', name: 'm1', fieldName: 'm1' }],
    },
  },
} as const;

const bench: Bench = {
  name: 'query',
  async run(ctx) {
    const totalRows = Math.round(5_000_000 * ctx.scale);
    const slices = await writeData(ctx.dir, totalRows, ctx.log);
    const rows = slices.reduce((n, s) => n + s.segment.rows, 0);
    const figures: Figure[] = [];
    for (const [name, { goal, query }] of Object.entries(QUERIES)) {
      const parsed = parseQuery(query);
      runQuery(parsed, slices); // warm up: compile the loops, decode dictionaries
      const wall: number[] = [];
      // The machines are shared: CPU time (this process, GC threads included) measures the
      // engine's work per core; wall-clock time, logged beside it, also counts waiting for a core.
      const values = await repeat(ctx.runs, () => {
        const started = process.hrtime.bigint();
        const cpu = process.cpuUsage();
        runQuery(parsed, slices);
        const used = process.cpuUsage(cpu);
        wall.push(rows / (Number(process.hrtime.bigint() - started) / 1e9));
        return rows / ((used.user + used.system) / 1e6);
      });
      ctx.log(`${name}: wall-clock median ${Math.round(median(wall)).toLocaleString('en-US')} rows/s`);
      figures.push({ name: `${name} (${rows.toLocaleString('en-US')} rows)`, unit: 'rows/s per core (CPU time)', values, ...(goal ? { goal } : {}), higherIsBetter: true });
    }
    return figures;
  },
};

export default bench;

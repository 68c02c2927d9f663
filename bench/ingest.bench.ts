import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runBatchIngestion } from '../src/ingest/batch-ingestion.ts';
import { parseTaskSpec, type IndexTaskSpec } from '../src/spec/task-spec.ts';
import { median, type Bench, type BenchContext, type Figure } from './harness.ts';

/**
 * Batch ingestion throughput and memory (issue 4): a generated file of 5 M rows (× scale), five
 * string dimensions of cardinality 10, 100, 1 000, 10 000 and 50 drawn Zipf-like, two metrics,
 * rollup on (hourly), ingested to segment files with maxRowsInMemory 1,000,000. Each run is a
 * child process, so its CPU time and peak RSS are its own.
 */

const CARDINALITIES = [10, 100, 1_000, 10_000, 50];
const DIMENSIONS = CARDINALITIES.map((_, i) => `dim${i + 1}`);
const DAY = Date.UTC(2024, 0, 1);
const MAX_ROWS_IN_MEMORY = 1_000_000;

interface ChildResult {
  rows: number;
  wallMs: number;
  cpuMs: number;
  maxRssBytes: number;
  segments: number;
  rolledUpRows: number;
}

/** Zipf(s = 1) over `n` values: the cumulative weights, to sample by binary search. */
function zipfCdf(n: number): Float64Array {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cdf[k] = total += 1 / (k + 1);
  for (let k = 0; k < n; k++) cdf[k]! /= total;
  return cdf;
}

function sample(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Writes `rows` generated rows as newline-delimited JSON or CSV (with a header). */
export async function generate(path: string, rows: number, format: 'json' | 'csv'): Promise<void> {
  const cdfs = CARDINALITIES.map(zipfCdf);
  let state = 42;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = createWriteStream(path);
  const write = (text: string): Promise<void> => (out.write(text) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  if (format === 'csv') await write(`timestamp,${DIMENSIONS.join(',')},clicks,revenue\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const ts = new Date(DAY + Math.floor(random() * 86_400_000)).toISOString();
    const dims = cdfs.map((cdf, d) => `${DIMENSIONS[d]}-${sample(cdf, random())}`);
    const clicks = 1 + Math.floor(random() * 20);
    const revenue = Math.round(random() * 10_000) / 100;
    chunk += format === 'json'
      ? `{"timestamp":"${ts}","${DIMENSIONS[0]}":"${dims[0]}","${DIMENSIONS[1]}":"${dims[1]}","${DIMENSIONS[2]}":"${dims[2]}","${DIMENSIONS[3]}":"${dims[3]}","${DIMENSIONS[4]}":"${dims[4]}","clicks":${clicks},"revenue":${revenue}}\n`
      : `${ts},${dims.join(',')},${clicks},${revenue}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}

export function task(file: string, format: 'json' | 'csv'): unknown {
  return {
    type: 'index_parallel',
    spec: {
      dataSchema: {
        dataSource: 'bench',
        timestampSpec: { column: 'timestamp', format: 'iso' },
        dimensionsSpec: { dimensions: DIMENSIONS },
        metricsSpec: [
          { type: 'count', name: 'count' },
          { type: 'longSum', name: 'clicks', fieldName: 'clicks' },
          { type: 'doubleSum', name: 'revenue', fieldName: 'revenue' },
        ],
        granularitySpec: { segmentGranularity: 'day', queryGranularity: 'hour', rollup: true },
      },
      ioConfig: {
        type: 'index_parallel',
        inputSource: { type: 'local', files: [file] },
        inputFormat: format === 'json' ? { type: 'json' } : { type: 'csv', findColumnsFromHeader: true },
      },
      tuningConfig: { type: 'index_parallel', maxRowsInMemory: MAX_ROWS_IN_MEMORY },
    },
  };
}

/** In the child: one ingestion, measured from inside. */
async function child(file: string, format: 'json' | 'csv', workDir: string): Promise<ChildResult> {
  const { spec } = parseTaskSpec(task(file, format)) as IndexTaskSpec;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await runBatchIngestion(spec, { workDir, segmentIds: { version: new Date(0).toISOString() } });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return {
    rows: result.report.rowStats.processed,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    segments: result.segments.length,
    rolledUpRows: result.segments.reduce((n, s) => n + s.written.rows, 0),
  };
}

const exec = promisify(execFile);
const thisFile = fileURLToPath(import.meta.url);

async function runChild(ctx: BenchContext, file: string, format: 'json' | 'csv', run: number): Promise<ChildResult> {
  const workDir = join(ctx.dir, `work-${format}-${run}`);
  try {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', thisFile, file, format, workDir], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function formatFigures(ctx: BenchContext, format: 'json' | 'csv', rows: number): Promise<{ figures: Figure[]; rss: number[] }> {
  const file = join(ctx.dir, `input.${format}`);
  if (!existsSync(file)) {
    ctx.log(`generating ${rows.toLocaleString('en-US')} ${format.toUpperCase()} rows`);
    await generate(file, rows, format);
  }
  const results: ChildResult[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const r = await runChild(ctx, file, format, run);
    ctx.log(`${format}: ${r.rows.toLocaleString('en-US')} rows -> ${r.rolledUpRows.toLocaleString('en-US')} rolled-up rows in ${r.segments} segment(s), ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
    results.push(r);
  }
  const label = format.toUpperCase();
  return {
    figures: [
      { name: `${label} -> segment files, rows per CPU-second`, unit: 'rows/s/core', values: results.map((r) => r.rows / (r.cpuMs / 1000)), goal: '>= 400000', higherIsBetter: true },
      { name: `${label} -> segment files, rows per wall-clock second (one process)`, unit: 'rows/s', values: results.map((r) => r.rows / (r.wallMs / 1000)), higherIsBetter: true },
    ],
    rss: results.map((r) => r.maxRssBytes / 2 ** 20),
  };
}

/**
 * How fast this machine runs the one step no ingestion can skip, JSON.parse of a bench row, and a
 * plain loop, in CPU time: shared, throttled machines differ several-fold, and this says by how much.
 */
function calibrate(ctx: BenchContext): void {
  const line = '{"timestamp":"2024-01-01T03:13:29.070Z","dim1":"dim1-6","dim2":"dim2-29","dim3":"dim3-3","dim4":"dim4-71","dim5":"dim5-3","clicks":14,"revenue":78.87}';
  const cpuMs = (since: NodeJS.CpuUsage): number => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
  let sink = 0;
  let started = process.cpuUsage();
  for (let i = 0; i < 300_000; i++) sink += (JSON.parse(line) as { clicks: number }).clicks;
  const parseNs = (cpuMs(started) * 1e6) / 300_000;
  started = process.cpuUsage();
  for (let i = 0; i < 1e8; i++) sink += i & 7;
  const loopMs = cpuMs(started);
  ctx.log(`calibration (CPU time): JSON.parse of one row ${parseNs.toFixed(0)} ns, a 1e8-iteration loop ${loopMs.toFixed(0)} ms${sink > 0 ? '' : '.'}`);
}

const bench: Bench = {
  name: 'ingest',
  async run(ctx) {
    calibrate(ctx);
    const rows = Math.round(5_000_000 * ctx.scale);
    const json = await formatFigures(ctx, 'json', rows);
    const csv = await formatFigures(ctx, 'csv', rows);
    const rss = [...json.rss, ...csv.rss];
    ctx.log(`peak RSS median ${median(rss).toFixed(0)} MiB over ${rss.length} runs`);
    return [
      ...json.figures,
      ...csv.figures,
      { name: `peak RSS, ${rows.toLocaleString('en-US')} rows with maxRowsInMemory ${MAX_ROWS_IN_MEMORY.toLocaleString('en-US')}`, unit: 'MiB', values: rss, goal: '< 1024', higherIsBetter: false },
    ];
  },
};

export default bench;

if (process.argv[1] === thisFile) {
  const [file, format, workDir] = process.argv.slice(2) as [string, 'json' | 'csv', string];
  console.log(JSON.stringify(await child(file, format, workDir)));
}

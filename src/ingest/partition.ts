import murmurhash from 'murmurhash';
import type { ShardSpec } from '../../machines/segment/events.ts';
import type { PartitionsSpec } from '../spec/ingestion-spec.ts';
import { compareLexicographic } from '../spec/sorting-orders.ts';
import type { Granularity } from '../time/granularity.ts';
import type { Interval } from '../time/interval.ts';
import { dimAt, type RowBlock } from './row-block.ts';
import type { RowSchema } from './row-schema.ts';
import { RunWriter, type Run } from './run.ts';

/**
 * Time chunks and partitions (Druid's "Partitioning"): rows are split by segmentGranularity into
 * time chunks, and each chunk into partitions by the partitionsSpec: consecutive pieces of at
 * most maxRowsPerSegment rows (dynamic), hash buckets of the partition dimensions (hashed), or
 * ranges of them (range). Every input here is already perfectly rolled up and sorted.
 */

/** One time chunk's rows, as a run, with what planning its partitions needs. */
export interface ChunkRows {
  interval: Interval;
  run: Run;
  /** For range partitioning: a uniform sample of the rows' partition keys. */
  sample: PartitionKey[];
}

/** A partition's source rows and shard spec (numbered as a fresh version's core partitions). */
export interface PlannedPartition {
  interval: Interval;
  shardSpec: ShardSpec;
  rows: number;
  /** The partition's rows: a run, or a slice [from, to) of its chunk's run. */
  source: { run: Run; from: number; to: number };
}

export type PartitionKey = Array<string | null>;

/** Where spill-sized runs go: a file path for each new run, or null to keep runs in memory. */
export type RunPlacement = () => string | null;

const SAMPLE_SIZE = 10_000;

/** Splits a sorted stream of rows into time chunks, each written to its own run. */
export async function splitIntoChunks(
  schema: RowSchema, rows: AsyncIterable<RowBlock>, segmentGranularity: Granularity, spec: PartitionsSpec, place: RunPlacement,
): Promise<ChunkRows[]> {
  const chunks: ChunkRows[] = [];
  let writer: RunWriter | null = null;
  let interval: Interval | null = null;
  let sampler: Reservoir | null = null;
  const keyOf = spec.type === 'range' ? partitionKeyReader(schema, spec.partitionDimensions) : null;
  const close = async (): Promise<void> => {
    if (writer !== null && interval !== null) chunks.push({ interval, run: await writer.finish(), sample: sampler?.items ?? [] });
  };
  for await (const block of rows) {
    let r = 0;
    while (r < block.length) {
      const t = block.time[r]!;
      if (interval === null || t >= interval.end) {
        await close();
        interval = segmentGranularity.bucket(t);
        writer = new RunWriter(schema, place());
        sampler = keyOf === null ? null : new Reservoir(SAMPLE_SIZE, interval.start);
      }
      // Rows are in time order: those before the chunk's end go to it together.
      const end = firstAtOrAfter(block.time, interval.end, r, block.length);
      writer!.appendRange(block, r, end);
      if (sampler !== null) for (let i = r; i < end; i++) sampler.offer(() => keyOf!(block, i));
      r = end;
    }
    await writer?.drain();
  }
  await close();
  return chunks;
}

/** The first index in `[from, to)` whose time is at least `t` (times ascending), or `to`. */
function firstAtOrAfter(times: Float64Array, t: number, from: number, to: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Plans a chunk's partitions, routing its rows into per-partition runs where needed. */
export async function partitionChunk(schema: RowSchema, chunk: ChunkRows, spec: PartitionsSpec, place: RunPlacement): Promise<PlannedPartition[]> {
  switch (spec.type) {
    case 'dynamic':
      return dynamicPartitions(chunk, spec.maxRowsPerSegment);
    case 'hashed':
      return hashedPartitions(schema, chunk, spec, place);
    case 'range':
      return rangePartitions(schema, chunk, spec, place);
  }
}

/** Consecutive pieces of at most maxRowsPerSegment rows, as Druid's dynamic partitioning cuts. */
function dynamicPartitions(chunk: ChunkRows, maxRows: number): PlannedPartition[] {
  const n = chunk.run.rows;
  const count = Math.max(1, Math.ceil(n / maxRows));
  return Array.from({ length: count }, (_, i) => ({
    interval: chunk.interval,
    shardSpec: { type: 'numbered', partitionNum: i, partitions: count },
    rows: Math.min(n, (i + 1) * maxRows) - i * maxRows,
    source: { run: chunk.run, from: i * maxRows, to: Math.min(n, (i + 1) * maxRows) },
  }));
}

async function hashedPartitions(
  schema: RowSchema, chunk: ChunkRows, spec: Extract<PartitionsSpec, { type: 'hashed' }>, place: RunPlacement,
): Promise<PlannedPartition[]> {
  const numBuckets = spec.numShards ?? Math.max(1, Math.ceil(chunk.run.rows / spec.targetRowsPerSegment!));
  const keyJson = groupKeyWriter(schema, spec.partitionDimensions);
  const buckets = await route(schema, chunk.run, numBuckets, (block, r) => hashBucket(keyJson(block, r), numBuckets), place);
  // Empty buckets make no segment; the others are numbered in bucket order (Druid's hashed shard specs).
  const filled = buckets.map((run, bucketId) => ({ run, bucketId })).filter((b) => b.run.rows > 0);
  return filled.map(({ run, bucketId }, partitionNum) => ({
    interval: chunk.interval,
    shardSpec: { type: 'hashed', partitionNum, partitions: filled.length, partitionDimensions: spec.partitionDimensions, numBuckets, bucketId },
    rows: run.rows,
    source: { run, from: 0, to: run.rows },
  }));
}

async function rangePartitions(
  schema: RowSchema, chunk: ChunkRows, spec: Extract<PartitionsSpec, { type: 'range' }>, place: RunPlacement,
): Promise<PlannedPartition[]> {
  const boundaries = rangeBoundaries(chunk.sample, chunk.run.rows, spec.targetRowsPerSegment);
  const keyOf = partitionKeyReader(schema, spec.partitionDimensions);
  const runs = await route(schema, chunk.run, boundaries.length + 1, (block, r) => upperBound(boundaries, keyOf(block, r)), place);
  // A sampled boundary can leave a range empty: its neighbour takes over its span, so the kept
  // ranges still cover every possible key from the first (start null) to the last (end null).
  const kept = runs.map((run, i) => ({ run, start: i === 0 ? null : boundaries[i - 1]! })).filter((p) => p.run.rows > 0);
  return kept.map(({ run, start }, partitionNum) => ({
    interval: chunk.interval,
    shardSpec: {
      type: 'range', partitionNum, partitions: kept.length, partitionDimensions: spec.partitionDimensions,
      start: partitionNum === 0 ? null : start, end: partitionNum === kept.length - 1 ? null : kept[partitionNum + 1]!.start,
    },
    rows: run.rows,
    source: { run, from: 0, to: run.rows },
  }));
}

/** Sends each row of `run` to the partition `partitionOf` names, one run per partition. */
async function route(
  schema: RowSchema, run: Run, partitions: number, partitionOf: (block: RowBlock, row: number) => number, place: RunPlacement,
): Promise<Run[]> {
  const writers = Array.from({ length: partitions }, () => new RunWriter(schema, place()));
  for await (const block of run.blocks()) {
    for (let r = 0; r < block.length; r++) writers[partitionOf(block, r)]!.append(block, r);
    for (const w of writers) await w.drain();
  }
  const runs = await Promise.all(writers.map((w) => w.finish()));
  await run.dispose();
  return runs;
}

// ---------------------------------------------------------------------------------------------
// Hashing: Druid's murmur3_32_abs over the JSON of the row's group key

/**
 * The bucket of a group key's JSON, as Druid's HashPartitionFunction.MURMUR3_32_ABS computes it
 * (`Math.abs(murmur3_32(bytes).asInt() % numBuckets)`), so segments can be pruned alike.
 */
export function hashBucket(groupKeyJson: string, numBuckets: number): number {
  const hash = murmurhash.v3(groupKeyJson) | 0;
  return Math.abs(hash % numBuckets);
}

/**
 * The group key JSON Druid hashes: with partition dimensions, the list of their value lists
 * (`[["a"],[]]`); without, the floored time and every non-null dimension by name.
 */
function groupKeyWriter(schema: RowSchema, partitionDimensions: readonly string[]): (block: RowBlock, row: number) => string {
  if (partitionDimensions.length > 0) {
    const keyOf = partitionKeyReader(schema, partitionDimensions);
    return (block, row) => JSON.stringify(keyOf(block, row).map((v) => (v === null ? [] : [v])));
  }
  const byName = schema.dimensions.map((d, i) => ({ name: d.name, i })).sort((a, b) => compareLexicographic(a.name, b.name));
  const valueOf = dimensionText(schema);
  return (block, row) => {
    const dims: Record<string, string[]> = {};
    for (const { name, i } of byName) {
      const v = valueOf(block, i, row);
      if (v !== null) dims[name] = [v];
    }
    return JSON.stringify([block.time[row], dims]);
  };
}

/** A dimension of a row as Druid's input row gives it: its string value, or null. */
function dimensionText(schema: RowSchema): (block: RowBlock, d: number, row: number) => string | null {
  return (block, d, row) => {
    const dictionary = schema.dictionaries[d];
    const v = dimAt(block, d, row, dictionary === null);
    if (dictionary === null || dictionary === undefined) return v === v ? String(v) : null;
    return dictionary.values[v]!;
  };
}

/** Reads the values of `names` (dimensions of the schema; unknown ones read null) from a row. */
function partitionKeyReader(schema: RowSchema, names: readonly string[]): (block: RowBlock, row: number) => PartitionKey {
  const indexes = names.map((n) => schema.dimensions.findIndex((d) => d.name === n));
  const valueOf = dimensionText(schema);
  return (block, row) => indexes.map((d) => (d < 0 ? null : valueOf(block, d, row)));
}

// ---------------------------------------------------------------------------------------------
// Ranges

function compareKeys(a: PartitionKey, b: PartitionKey): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareLexicographic(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Range boundaries cutting `rows` rows into pieces of about `target` rows, read off a sorted
 * sample of the keys; equal keys always share a range, so boundaries are strictly increasing.
 */
function rangeBoundaries(sample: readonly PartitionKey[], rows: number, target: number): PartitionKey[] {
  const sorted = [...sample].sort(compareKeys);
  const pieces = Math.ceil(rows / target);
  const boundaries: PartitionKey[] = [];
  for (let i = 1; i < pieces && sorted.length > 0; i++) {
    const candidate = sorted[Math.floor((i * sorted.length) / pieces)]!;
    const previous = boundaries[boundaries.length - 1];
    if (compareKeys(candidate, sorted[0]!) > 0 && (previous === undefined || compareKeys(candidate, previous) > 0)) boundaries.push(candidate);
  }
  return boundaries;
}

/** The number of boundaries at or below `key`: the index of the range holding it. */
function upperBound(boundaries: readonly PartitionKey[], key: PartitionKey): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(boundaries[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A uniform sample of fixed size (Vitter's algorithm R) with a seeded generator: runs repeat exactly. */
class Reservoir {
  readonly items: PartitionKey[] = [];
  private seen = 0;
  private state: number;

  constructor(private readonly capacity: number, seed: number) {
    this.state = (seed ^ 0x9e3779b9) >>> 0;
  }

  offer(make: () => PartitionKey): void {
    this.seen++;
    if (this.items.length < this.capacity) {
      this.items.push(make());
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.capacity) this.items[j] = make();
  }

  /** mulberry32 */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

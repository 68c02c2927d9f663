import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ShardSpec } from '../../machines/segment/events.ts';
import type { TaskReport } from '../../machines/task/events.ts';
import { SEGMENT_FILE_NAME } from '../segment/format.ts';
import { segmentId } from '../segment/id.ts';
import type { SegmentColumnsInput, SegmentMeta, WrittenSegment } from '../segment/types.ts';
import { writeSegmentFile } from '../segment/writer.ts';
import type { IngestionSpec } from '../spec/ingestion-spec.ts';
import { parseGranularity } from '../time/granularity.ts';
import type { Interval } from '../time/interval.ts';
import { IncrementalIndex } from './incremental-index.ts';
import { listInputEntities, type InputEntity } from './input-source.ts';
import { byteLineReader } from './byte-line-reader.ts';
import { readByteLines } from './byte-lines.ts';
import { mergeRuns } from './merge.ts';
import { MaxParseExceptionsExceededError, RowAccounting } from './parse-exceptions.ts';
import { partitionChunk, splitIntoChunks, type PlannedPartition, type RunPlacement } from './partition.ts';
import { RowProcessor } from './row-processor.ts';
import { RowSchema } from './row-schema.ts';
import { ScannedRowReader } from './scanned-row-reader.ts';
import { MemoryRun, slices, writeRunFile, type Run } from './run.ts';
import { BLOCK_ROWS } from './row-block.ts';
import { collectColumns, segmentColumns } from './segment-columns.ts';

/** A segment the ingestion is about to write, before it has an id. */
export interface PlannedSegment {
  /** The time chunk (segmentGranularity bucket). */
  interval: Interval;
  /** 0..n-1 within the chunk. */
  partitionIndex: number;
  /** The shard spec for a fresh version: partitionNum = partitionIndex, partitions = n. */
  shardSpec: ShardSpec;
  rows: number;
}

/** What the indexer decides for a planned segment: its version and place among the chunk's segments. */
export interface SegmentIdentity {
  version: string;
  partitionNum: number;
  shardSpec: ShardSpec;
}

/**
 * How segments get their ids. `version`: an overwrite under one lock version, partitions numbered
 * as planned. `allocate`: the caller picks each segment's identity (e.g. appending, through the
 * overlord's allocate), called once with every planned segment before any file is written.
 */
export type SegmentVersioning =
  | { version: string }
  | { allocate(planned: readonly PlannedSegment[]): Promise<readonly SegmentIdentity[]> | readonly SegmentIdentity[] };

export interface IngestionProgress {
  phase: 'reading' | 'merging' | 'writing';
  rowsRead: number;
  bytesRead: number;
  /** Size of all inputs as stored; bytesRead reaches it when reading is done. */
  bytesTotal: number;
  rowsPerSecond: number;
}

export interface BatchIngestionOptions {
  /** Scratch space: spill files go under `spill/`, the segment files under `segments/`. */
  workDir: string;
  segmentIds: SegmentVersioning;
  onProgress?: (progress: IngestionProgress) => void;
  signal?: AbortSignal;
  /** Where parse exceptions are logged when the spec's logParseExceptions is true (default: console.warn). */
  log?: (message: string) => void;
}

/** One segment file written under workDir, ready to push to deep storage and publish. */
export interface IngestedSegment {
  dataSource: string;
  interval: Interval;
  version: string;
  partitionNum: number;
  shardSpec: ShardSpec;
  file: string;
  written: WrittenSegment;
  dimensions: string[];
  metrics: string[];
}

export interface BatchIngestionResult {
  /** In time order, then partition order. */
  segments: IngestedSegment[];
  report: TaskReport;
}

/** The ingestion failed (too many parse exceptions, an unreadable input, ...): publish nothing. */
export class IngestionFailedError extends Error {
  constructor(message: string, readonly report: TaskReport, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IngestionFailedError';
  }
}

const PROGRESS_EVERY_MS = 250;

/**
 * Runs a native batch ingestion spec to segment files (Druid's index task without its locking
 * and publishing, which the indexer does): reads every input, rolls rows up in memory, spills
 * sorted runs past maxRowsInMemory, merges them (perfect rollup per time chunk), partitions each
 * chunk by the partitionsSpec (or merges straight into the one segment the rows are sure to
 * make), asks `segmentIds` for the segments' identities, and writes one file per segment.
 * Throws IngestionFailedError (with the row report) when it cannot finish.
 */
export async function runBatchIngestion(spec: IngestionSpec, options: BatchIngestionOptions): Promise<BatchIngestionResult> {
  const spillDir = join(options.workDir, 'spill');
  await mkdir(spillDir, { recursive: true });
  const { dataSchema, tuningConfig } = spec;
  const accounting = new RowAccounting(
    tuningConfig.maxParseExceptions,
    tuningConfig.maxSavedParseExceptions,
    tuningConfig.logParseExceptions ? (options.log ?? ((m) => console.warn(m))) : null,
  );
  const schema = new RowSchema(dataSchema, dataSchema.timestampSpec.column);
  const runs: Run[] = [];
  try {
    const progress = new ProgressMeter(options.onProgress);
    const spilled = await readInputs(spec, schema, accounting, progress, spillDir, options.signal);
    runs.push(...spilled);
    progress.report('merging', true);
    const single = singleSegment(spec, runs);
    const segments = single !== null
      ? await mergeIntoSegment(spec, schema, runs, single, progress, options)
      : await partitionAndWrite(spec, schema, runs, spillDir, progress, options);
    return { segments, report: accounting.report(segments.length) };
  } catch (e) {
    if (e instanceof IngestionFailedError) throw e;
    if (e instanceof MaxParseExceptionsExceededError) throw new IngestionFailedError(e.message, e.report, { cause: e });
    throw new IngestionFailedError((e as Error).message ?? String(e), accounting.report(0), { cause: e });
  } finally {
    await Promise.all(runs.map((r) => r.dispose()));
    await rm(spillDir, { recursive: true, force: true });
  }
}

/** Rows the index will hold at most: maxRowsInMemory, or fewer if the input cannot hold as many. */
function expectedRowsInMemory(spec: IngestionSpec, inputBytes: number): number {
  // A row takes a few bytes at least (a compressed input may hold more: the index grows then).
  return Math.max(1024, Math.min(spec.tuningConfig.maxRowsInMemory, MAX_PRESIZED_ROWS, Math.ceil(inputBytes / 4)));
}

/** Beyond this many rows the index grows as it fills instead of reserving it all at once. */
const MAX_PRESIZED_ROWS = 1 << 20;

/**
 * Reads every input into the index, spilling sorted runs to `spillDir` whenever it fills. Returns
 * the runs: the spills plus what is left in memory (a single in-memory run when nothing spilled).
 */
async function readInputs(
  spec: IngestionSpec, schema: RowSchema, accounting: RowAccounting, progress: ProgressMeter, spillDir: string, signal: AbortSignal | undefined,
): Promise<Run[]> {
  const entities = await listInputEntities(spec.ioConfig.inputSource);
  progress.bytesTotal = entities.reduce((n, e) => n + e.size, 0);
  const index = new IncrementalIndex(schema, spec.dataSchema.granularitySpec.rollup, expectedRowsInMemory(spec, progress.bytesTotal));
  const processor = new RowProcessor(spec, index, accounting);
  const rows = ScannedRowReader.for(spec.dataSchema, schema);
  const runs: Run[] = [];
  const spill = async (): Promise<void> => {
    for (const block of processor.spills.splice(0)) {
      runs.push(await writeRunFile(schema, join(spillDir, `spill-${runs.length}`), slices(block, BLOCK_ROWS)));
      index.recycle(block);
    }
  };
  for (const entity of entities) {
    await readEntity(entity, spec, rows, processor, progress, signal, spill);
  }
  if (index.size > 0) runs.push(new MemoryRun([index.drainSorted()]));
  return runs;
}

/**
 * The time chunk of every row, when the rows are sure to make one segment: dynamic partitioning,
 * every run's rows in one chunk, and no more of them all together than maxRowsPerSegment (rollup
 * across runs can only make fewer). Then the merge goes straight into the segment's columns.
 */
function singleSegment(spec: IngestionSpec, runs: readonly Run[]): Interval | null {
  const { partitionsSpec } = spec.tuningConfig;
  const rows = runs.reduce((n, r) => n + r.rows, 0);
  if (partitionsSpec.type !== 'dynamic' || rows === 0 || rows > partitionsSpec.maxRowsPerSegment) return null;
  const chunk = parseGranularity(spec.dataSchema.granularitySpec.segmentGranularity).bucket(runs.find((r) => r.times !== null)!.times!.first);
  return runs.every((r) => r.times === null || (r.times.first >= chunk.start && r.times.last < chunk.end)) ? chunk : null;
}

/** One segment, its columns filled by the merge of `runs`. */
async function mergeIntoSegment(
  spec: IngestionSpec, schema: RowSchema, runs: readonly Run[], interval: Interval, progress: ProgressMeter, options: BatchIngestionOptions,
): Promise<IngestedSegment[]> {
  const merged = mergeRuns(schema, runs, spec.dataSchema.granularitySpec.rollup);
  const cols = await collectColumns(schema, merged, runs.reduce((n, r) => n + r.rows, 0));
  const planned: PlannedSegment = { interval, partitionIndex: 0, shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 }, rows: cols.rowCount };
  const [identity] = await identify([planned], options.segmentIds);
  progress.report('writing', true);
  checkAborted(options.signal);
  return [await writeSegment(spec, interval, identity!, cols, options)];
}

/**
 * The general way: the merge split into time chunks, each chunk into partitions by the
 * partitionsSpec (runs of their own, on disk once anything spilled), then a file per partition.
 */
async function partitionAndWrite(
  spec: IngestionSpec, schema: RowSchema, runs: Run[], spillDir: string, progress: ProgressMeter, options: BatchIngestionOptions,
): Promise<IngestedSegment[]> {
  const { dataSchema, tuningConfig } = spec;
  let spillNo = 0;
  const place: RunPlacement = runs.some((r) => !(r instanceof MemoryRun)) ? () => join(spillDir, `run-${spillNo++}`) : () => null;
  const merged = mergeRuns(schema, runs, dataSchema.granularitySpec.rollup);
  const chunks = await splitIntoChunks(schema, merged, parseGranularity(dataSchema.granularitySpec.segmentGranularity), tuningConfig.partitionsSpec, place);
  await Promise.all(runs.splice(0).map((r) => r.dispose()));
  const partitions: PlannedPartition[] = [];
  for (const chunk of chunks) {
    checkAborted(options.signal);
    partitions.push(...(await partitionChunk(schema, chunk, tuningConfig.partitionsSpec, place)));
  }
  runs.push(...new Set(partitions.map((p) => p.source.run)));
  const planned = partitions.map((p): PlannedSegment => ({ interval: p.interval, partitionIndex: p.shardSpec.partitionNum, shardSpec: p.shardSpec, rows: p.rows }));
  const identities = await identify(planned, options.segmentIds);
  progress.report('writing', true);
  return writeSegments(spec, schema, partitions, identities, options);
}

async function readEntity(
  entity: InputEntity, spec: IngestionSpec, rows: ScannedRowReader | null, processor: RowProcessor, progress: ProgressMeter, signal: AbortSignal | undefined, spill: () => Promise<void>,
): Promise<void> {
  const opened = entity.open();
  const read = byteLineReader(spec.ioConfig.inputFormat, rows, processor);
  processor.source = entity.name;
  const bytesBefore = progress.bytesRead;
  try {
    for await (const { bytes, starts, ends, firstLine } of readByteLines(opened.chunks)) {
      checkAborted(signal);
      for (let i = 0; i < starts.length; i++) read(bytes, starts[i]!, ends[i]!, firstLine + i);
      progress.rowsRead += starts.length;
      progress.bytesRead = bytesBefore + opened.bytesRead();
      progress.report('reading');
      if (processor.spills.length > 0) await spill();
    }
  } finally {
    opened.close();
  }
}

async function identify(planned: readonly PlannedSegment[], versioning: SegmentVersioning): Promise<readonly SegmentIdentity[]> {
  if ('version' in versioning) return planned.map((p) => ({ version: versioning.version, partitionNum: p.partitionIndex, shardSpec: p.shardSpec }));
  const identities = await versioning.allocate(planned);
  if (identities.length !== planned.length) throw new Error(`segment allocation returned ${identities.length} identities for ${planned.length} segments`);
  return identities;
}

/** Writes the partitions' files, reading each source run once for all the segments cut from it. */
async function writeSegments(
  spec: IngestionSpec, schema: RowSchema, partitions: readonly PlannedPartition[], identities: readonly SegmentIdentity[], options: BatchIngestionOptions,
): Promise<IngestedSegment[]> {
  const out: IngestedSegment[] = [];
  let i = 0;
  while (i < partitions.length) {
    const run = partitions[i]!.source.run;
    let j = i;
    while (j < partitions.length && partitions[j]!.source.run === run) j++;
    const group = partitions.slice(i, j);
    let k = i;
    for await (const cols of segmentColumns(schema, run, group.map((p) => p.rows))) {
      checkAborted(options.signal);
      out.push(await writeSegment(spec, partitions[k]!.interval, identities[k]!, cols, options));
      k++;
    }
    await run.dispose();
    i = j;
  }
  return out;
}

/** Writes one segment's file under workDir. */
async function writeSegment(spec: IngestionSpec, interval: Interval, id: SegmentIdentity, cols: SegmentColumnsInput, options: BatchIngestionOptions): Promise<IngestedSegment> {
  const { dataSource, granularitySpec } = spec.dataSchema;
  const meta: SegmentMeta = {
    dataSource, interval, version: id.version, partitionNum: id.partitionNum, shardSpec: id.shardSpec,
    queryGranularity: granularitySpec.queryGranularity, rollup: granularitySpec.rollup,
  };
  const file = join(options.workDir, 'segments', segmentId({ dataSource, interval, version: id.version, partitionNum: id.partitionNum }), SEGMENT_FILE_NAME);
  const written = await writeSegmentFile(file, meta, cols);
  return {
    dataSource, interval, version: id.version, partitionNum: id.partitionNum, shardSpec: id.shardSpec, file, written,
    dimensions: cols.dimensions.map((d) => d.name), metrics: cols.metrics.map((m) => m.name),
  };
}

function checkAborted(signal: AbortSignal | undefined): void {
  signal?.throwIfAborted();
}

/** Rows and bytes read so far, reported at most every PROGRESS_EVERY_MS. */
class ProgressMeter {
  rowsRead = 0;
  bytesRead = 0;
  bytesTotal = 0;
  private readonly started = performance.now();
  private last = 0;

  constructor(private readonly sink: ((p: IngestionProgress) => void) | undefined) {}

  report(phase: IngestionProgress['phase'], force = false): void {
    if (this.sink === undefined) return;
    const now = performance.now();
    if (!force && now - this.last < PROGRESS_EVERY_MS) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    this.sink({ phase, rowsRead: this.rowsRead, bytesRead: this.bytesRead, bytesTotal: this.bytesTotal, rowsPerSecond: seconds > 0 ? this.rowsRead / seconds : 0 });
  }
}

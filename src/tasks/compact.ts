import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SegmentDescriptor } from '../../machines/segment/events.ts';
import { request } from '../bus/client.ts';
import { GroveError } from '../bus/errors.ts';
import { INTERNAL } from '../bus/subjects.ts';
import type { DescribedSegment } from '../coordinator/segment-api.ts';
import { keyOf } from '../historical/cache.ts';
import { IngestionFailedError, runBatchIngestion } from '../ingest/batch-ingestion.ts';
import { upfrontLocksOf } from '../overlord/task-submission.ts';
import { openSegment, type SegmentReader } from '../segment/reader.ts';
import { parseTaskSpec, type CompactTaskSpec, type IndexTaskSpec } from '../spec/task-spec.ts';
import { contains, formatInterval, type Interval } from '../time/interval.ts';
import { describeInterval } from '../timeline/describe.ts';
import { combiningMetrics, CompactionInputError, dimensionsOf, segmentGranularityOf, sharedSetting, visibleSlices, writeRows } from './compact-input.ts';
import { pushAndPublish } from './publish-segments.ts';
import type { TaskContext, TaskOutcome } from './task-context.ts';

/**
 * Druid's compaction task: reads what queries see now in an interval (the visible segments of the
 * used ones, partly overshadowed ones clipped), rolls it up again with the combining form of each
 * metric, and writes it as a new version under the task's lock: fewer, larger segments (per the
 * tuningConfig's partitionsSpec, at the segments' or the given granularity) with the same query
 * results. The coordinator marks the old segments unused once the new ones are loaded.
 */
export default async function compactTask(ctx: TaskContext): Promise<TaskOutcome> {
  const task = parseTaskSpec(ctx.spec) as CompactTaskSpec;
  const [lock] = upfrontLocksOf(task);
  const { version } = await ctx.overlord.lock(lock!.interval, lock!.lockType);
  const used = await usedSegments(ctx, task, lock!.interval);
  const slices = visibleSlices(used, lock!.interval);
  if (slices.length === 0) return { status: 'succeeded', report: emptyReport() };
  ctx.progress({ phase: 'reading', rowsRead: 0, bytesRead: 0, rowsPerSecond: 0 });
  try {
    const readers = await download(ctx, slices.map((s) => s.descriptor));
    const input = join(ctx.workDir, 'input.json');
    const rows = await writeRows(slices.map((s, i) => ({ reader: readers[i]!, clip: s.clip })), input);
    const spec = reingestion(task, readers, slices.map((s) => s.descriptor), input);
    const ingestion = await runBatchIngestion(spec.spec, {
      workDir: join(ctx.workDir, 'ingest'), segmentIds: { version }, signal: ctx.signal,
      onProgress: (p) => ctx.progress({ ...p, phase: `compacting: ${p.phase}` }), log: (m) => ctx.log(m),
    });
    const outside = ingestion.segments.find((s) => !contains(lock!.interval, s.interval));
    if (outside !== undefined) {
      throw new CompactionInputError(`the compacted segment ${describeInterval(outside.interval)} reaches outside the compacted interval ${describeInterval(lock!.interval)}: choose an interval aligned with the segment granularity`);
    }
    await pushAndPublish(ctx, ingestion.segments);
    ctx.log(`compacted ${slices.length} segments (${rows} rows) of ${describeInterval(lock!.interval)} into ${ingestion.segments.length} at version ${version}`);
    return { status: 'succeeded', report: ingestion.report };
  } catch (e) {
    if (e instanceof CompactionInputError) return { status: 'failed', code: 'invalid_spec', error: e.message };
    if (e instanceof IngestionFailedError) return { status: 'failed', error: e.message, report: e.report };
    throw e;
  }
}

/**
 * The used segments of the interval (Druid's RetrieveUsedSegmentsAction). Given segment ids must
 * be exactly the used segments of their span, as Druid checks: compacting a stale list would lose data.
 */
async function usedSegments(ctx: TaskContext, task: CompactTaskSpec, interval: Interval): Promise<SegmentDescriptor[]> {
  const found = await request<DescribedSegment[]>(ctx.nc, INTERNAL.coordinatorSegments, { dataSource: task.dataSource, interval: formatInterval(interval), used: true });
  const used = found.map((s) => s.descriptor).filter((d) => contains(interval, keyOf(d).interval));
  if (task.input.type === 'segments') {
    const given = [...task.input.segmentIds].sort();
    const current = used.map((d) => d.id).sort();
    if (given.join() !== current.join()) {
      throw new GroveError('conflict', `the segments given are not the used segments of ${describeInterval(interval)}: they are ${current.join(', ') || 'none'}`);
    }
  }
  return used;
}

async function download(ctx: TaskContext, descriptors: readonly SegmentDescriptor[]): Promise<SegmentReader[]> {
  const dir = join(ctx.workDir, 'segments');
  await mkdir(dir, { recursive: true });
  const readers: SegmentReader[] = [];
  for (const [i, d] of descriptors.entries()) {
    ctx.signal.throwIfAborted();
    const file = join(dir, `${i}.grove`);
    await ctx.deepStorage.get(keyOf(d), file);
    readers.push(openSegment(file, { expectedChecksum: d.checksum }));
  }
  return readers;
}

/** The index task that rewrites the rows: the segments' schema, combining metrics, the task's granularity and tuning. */
function reingestion(task: CompactTaskSpec, readers: SegmentReader[], descriptors: SegmentDescriptor[], input: string): IndexTaskSpec {
  const g = task.granularitySpec;
  return parseTaskSpec({
    type: 'index_parallel',
    spec: {
      dataSchema: {
        dataSource: task.dataSource,
        timestampSpec: { column: '__time', format: 'millis' },
        dimensionsSpec: { dimensions: dimensionsOf(readers) },
        metricsSpec: combiningMetrics(readers),
        granularitySpec: {
          segmentGranularity: g?.segmentGranularity ?? segmentGranularityOf(descriptors),
          queryGranularity: sharedSetting(readers, (r) => r.header.queryGranularity, 'queryGranularity', g?.queryGranularity ?? null),
          rollup: sharedSetting(readers, (r) => r.header.rollup, 'rollup', g?.rollup ?? null),
        },
      },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'local', files: [input] }, inputFormat: { type: 'json' } },
      tuningConfig: { type: 'index_parallel', ...task.tuningConfig },
    },
  }) as IndexTaskSpec;
}

function emptyReport(): NonNullable<Extract<TaskOutcome, { status: 'succeeded' }>['report']> {
  return { rowStats: { processed: 0, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments: 0 };
}

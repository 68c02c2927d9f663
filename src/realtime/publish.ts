import { join } from 'node:path';
import type { CommitMetadata } from '../../machines/segment/events.ts';
import { request } from '../bus/client.ts';
import { isGroveError } from '../bus/errors.ts';
import { API } from '../bus/subjects.ts';
import type { IngestedSegment } from '../ingest/batch-ingestion.ts';
import type { RowSchema } from '../ingest/row-schema.ts';
import type { OffsetsMismatch } from '../overlord/publish.ts';
import { SEGMENT_FILE_NAME } from '../segment/format.ts';
import { writeSegmentFile } from '../segment/writer.ts';
import type { DataSchema } from '../spec/ingestion-spec.ts';
import { pushAndPublish } from '../tasks/publish-segments.ts';
import type { TaskContext } from '../tasks/task-context.ts';
import type { Sink } from './sink.ts';
import { sinkColumns, sinkMeta } from './sink-segment.ts';

/** What publishing did: the segments (ids) and whether a replica of the group had published them already. */
export interface RealtimePublished {
  segmentIds: string[];
  byReplica: boolean;
}

/** Waits between tries of a publish whose offsets wait for an earlier group's commit. */
const RETRY_MS = [500, 1000, 2000, 5000];

/**
 * Publishes what the task built with its offsets in one append (Druid's
 * SegmentTransactionalInsertAction): each sink merged into one segment file, pushed to deep
 * storage, then published with the commit `{ stream, start, end }`. A task that kept no rows
 * commits its offsets alone. The first replica of a group publishes; a later one finds its
 * segments (or its group's commit) already there and pushes nothing, so it never overwrites the
 * published files. A commit that waits for an earlier one is tried again; one whose offsets were
 * committed by another group throws the overlord's `conflict`.
 */
export async function publishSinks(ctx: TaskContext, schema: RowSchema, dataSchema: DataSchema, sinks: readonly Sink[], commit: CommitMetadata): Promise<RealtimePublished> {
  const kept = sinks.filter((s) => s.rows > 0);
  const segmentIds = kept.map((s) => s.id);
  if (kept.length > 0 && (await allPublished(ctx, segmentIds))) {
    await ctx.overlord.update('publishing');
    return { segmentIds, byReplica: true };
  }
  const files: IngestedSegment[] = [];
  for (const sink of kept) files.push(await writeSink(ctx.workDir, schema, dataSchema, sink));
  for (let attempt = 0; ; attempt++) {
    ctx.signal.throwIfAborted();
    try {
      await pushAndPublish(ctx, files, { commit });
      return { segmentIds, byReplica: false };
    } catch (e) {
      const mismatch = offsetsMismatchOf(e);
      if (mismatch !== null && files.length === 0 && committedAsOurs(mismatch, commit)) return { segmentIds, byReplica: true };
      if (mismatch === null || !mismatch.retryable) throw e;
      ctx.log(`publishing waits for an earlier commit of ${commit.stream}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
    }
  }
}

/** Writes one sink's rows, merged, as a segment file under the task's work dir. */
async function writeSink(workDir: string, schema: RowSchema, dataSchema: DataSchema, sink: Sink): Promise<IngestedSegment> {
  const meta = sinkMeta(sink, dataSchema);
  const cols = await sinkColumns(schema, sink, dataSchema.granularitySpec.rollup);
  const file = join(workDir, 'segments', sink.id, SEGMENT_FILE_NAME);
  const written = await writeSegmentFile(file, meta, cols);
  return {
    dataSource: meta.dataSource, interval: meta.interval, version: meta.version, partitionNum: meta.partitionNum, shardSpec: meta.shardSpec,
    file, written, dimensions: cols.dimensions.map((d) => d.name), metrics: cols.metrics.map((m) => m.name),
  };
}

/** Whether every segment is published already (by a replica of this task's group). */
async function allPublished(ctx: TaskContext, segmentIds: readonly string[]): Promise<boolean> {
  for (const id of segmentIds) {
    const { state } = await request<{ state: string }>(ctx.nc, API.replayState, { at: 'latest', kind: 'segment', id });
    if (!state.startsWith('published')) return false;
  }
  return true;
}

function offsetsMismatchOf(e: unknown): OffsetsMismatch | null {
  if (!isGroveError(e, 'conflict')) return null;
  const d = e.details as Partial<OffsetsMismatch> | undefined;
  return Array.isArray(d?.partitions) && typeof d.retryable === 'boolean' ? (d as OffsetsMismatch) : null;
}

/**
 * The offsets stand exactly where this commit would put them. For a commit of offsets alone, only
 * a replica of the group can have done so (one with segments would have published them too).
 */
const committedAsOurs = (m: OffsetsMismatch, commit: CommitMetadata): boolean =>
  m.stream === commit.stream && m.partitions.every((p) => p.committed === commit.end[p.partition]);

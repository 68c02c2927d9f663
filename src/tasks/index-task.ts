import { isGroveError } from '../bus/errors.ts';
import { IngestionFailedError, runBatchIngestion } from '../ingest/batch-ingestion.ts';
import { parseTaskSpec, type IndexTaskSpec } from '../spec/task-spec.ts';
import { pushAndPublish } from './publish-segments.ts';
import { appending, overwriting } from './segment-identities.ts';
import type { TaskContext, TaskOutcome } from './task-context.ts';

/**
 * Druid's native batch index task (`index_parallel` and `index`, both run here in one process):
 * read and roll up the input, lock and version the time chunks (overwrite) or allocate into the
 * existing ones (appendToExisting), write the segment files, push them to deep storage and publish
 * them through the overlord in one append. Too many parse exceptions, a lost lock, or a stop fail
 * the task, and then nothing is published.
 */
export default async function indexTask(ctx: TaskContext): Promise<TaskOutcome> {
  const task = parseTaskSpec(ctx.spec) as IndexTaskSpec;
  const ingestion = await runBatchIngestion(task.spec, {
    workDir: ctx.workDir,
    segmentIds: task.spec.ioConfig.appendToExisting ? appending(task, ctx.overlord) : overwriting(task, ctx.overlord),
    onProgress: (p) => ctx.progress(p),
    signal: ctx.signal,
    log: (m) => ctx.log(m),
  }).catch((e: unknown) => e as Error);
  if (ingestion instanceof IngestionFailedError) return { status: 'failed', error: ingestion.message, ...codeOf(ingestion.cause), report: ingestion.report };
  if (ingestion instanceof Error) throw ingestion;
  try {
    // Druid: dropExisting replaces every segment inside the ingestion intervals, data or not.
    await pushAndPublish(ctx, ingestion.segments, { dropExisting: task.spec.ioConfig.dropExisting && !task.spec.ioConfig.appendToExisting });
  } catch (e) {
    return { status: 'failed', error: `publishing: ${(e as Error).message}`, ...codeOf(e), report: ingestion.report };
  }
  return { status: 'succeeded', report: ingestion.report };
}

/** The API code of what made the ingestion fail (`lock_preempted`, say), when it came from the overlord. */
const codeOf = (e: unknown): { code?: string } => (isGroveError(e) ? { code: e.code } : {});

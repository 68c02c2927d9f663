import { join } from 'node:path';
import { isGroveError } from '../bus/errors.ts';
import { MaxParseExceptionsExceededError } from '../ingest/parse-exceptions.ts';
import { awaitHandoffs } from '../realtime/handoff-wait.ts';
import { publishSinks } from '../realtime/publish.ts';
import { SinkReaders } from '../realtime/sink-segment.ts';
import { StreamReading } from '../realtime/stream-reading.ts';
import { serveTask } from '../realtime/task-endpoints.ts';
import { parseRealtimeTask, type RealtimeTask } from '../realtime/task-spec.ts';
import { isSpecValidationError } from '../spec/validation.ts';
import type { TaskOffsetsReply } from '../streaming/task-protocol.ts';
import type { TaskContext, TaskOutcome } from './task-context.ts';

type Phase = TaskOffsetsReply['phase'];

/**
 * The streaming task (`index_nats`, Druid's KafkaIndexTask): reads its partitions of a JetStream
 * stream into segments it allocates, answers queries over them while it reads, and when it
 * reaches its end (given at submission, or by its supervisor's `finish`) publishes them with its
 * offsets in one append, waits for historicals to take them over (or for the
 * handoffConditionTimeout), and succeeds. Stopped (canceled, preempted), it publishes nothing.
 */
export default async function indexNatsTask(ctx: TaskContext): Promise<TaskOutcome> {
  let task: RealtimeTask;
  try {
    task = parseRealtimeTask(ctx.spec);
  } catch (e) {
    if (isSpecValidationError(e)) return { status: 'failed', error: e.message, code: e.code };
    throw e;
  }
  const reading = new StreamReading(task, {
    js: ctx.nc.jetstream(), jsm: await ctx.nc.jetstreamManager(), allocate: (r) => ctx.overlord.allocate(r),
    persistDir: join(ctx.workDir, 'persist'), progress: (p) => ctx.progress(p), log: (m) => ctx.log(m),
  });
  let phase: Phase = task.end === null ? 'reading' : 'finishing';
  const service = await serveTask(ctx.nc, {
    taskId: ctx.taskId, phase: () => phase, offsets: reading.offsets, sinks: reading.sinks, readers: new SinkReaders(reading.schema, task.dataSchema),
    pause: () => reading.pause(),
    finish: (end) => {
      reading.finish(end);
      if (phase === 'reading') phase = 'finishing';
    },
  });
  try {
    await reading.run(ctx.signal);
    phase = 'publishing';
    const commit = { stream: task.stream, start: task.start, end: { ...reading.offsets.end! } };
    const published = await publishSinks(ctx, reading.schema, task.dataSchema, reading.sinks.list(), commit);
    if (published.byReplica) ctx.log(`a replica of group ${task.groupId ?? ctx.taskId} had already published ${published.segmentIds.length} segment(s) and committed ${JSON.stringify(commit.end)}`);
    if (published.segmentIds.length > 0) {
      phase = 'awaitingHandoff';
      await handOff(ctx, task, published.segmentIds);
    }
    return { status: 'succeeded', report: reading.accounting.report(published.segmentIds.length) };
  } catch (e) {
    if (e instanceof MaxParseExceptionsExceededError) return { status: 'failed', error: e.message, report: e.report };
    if (isGroveError(e) && !ctx.signal.aborted) return { status: 'failed', error: `${phase}: ${e.message}`, code: e.code, report: reading.accounting.report(0) };
    throw e;
  } finally {
    await service.stop().catch(() => undefined);
    await reading.sinks.dispose();
  }
}

/**
 * Waits for historicals to load what the task published, serving it meanwhile. A timed-out
 * handoff ends the wait as Druid's handoffConditionTimeout does: the task succeeds, and says so.
 */
async function handOff(ctx: TaskContext, task: RealtimeTask, segmentIds: string[]): Promise<void> {
  await ctx.overlord.update('awaitingHandoff', { segmentIds, handoffTimeoutMs: task.tuning.handoffConditionTimeoutMs });
  const { timedOut } = await awaitHandoffs(ctx.nc, segmentIds, ctx.signal);
  if (timedOut.length > 0) {
    ctx.log(`no historical loaded ${timedOut.join(', ')} within handoffConditionTimeout ${task.tuning.handoffConditionTimeoutMs} ms: the task stops serving them and succeeds anyway`);
  }
}

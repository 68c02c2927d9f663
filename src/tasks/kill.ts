import { randomUUID } from 'node:crypto';
import { request } from '../bus/client.ts';
import { INTERNAL } from '../bus/subjects.ts';
import type { DescribedSegment } from '../coordinator/segment-api.ts';
import type { Expectation } from '../events/expectations.ts';
import { keyOf } from '../historical/cache.ts';
import { upfrontLocksOf } from '../overlord/task-submission.ts';
import { parseTaskSpec, type KillTaskSpec } from '../spec/task-spec.ts';
import { contains, formatInterval } from '../time/interval.ts';
import { describeInterval } from '../timeline/describe.ts';
import type { TaskContext, TaskOutcome } from './task-context.ts';

/** What a kill asks of each segment when it appends: still unused, and no longer served anywhere. */
const KILLABLE = 'published.unused.unavailable';

/**
 * Druid's kill task (KillUnusedSegmentsTask): under its lock, deletes the unused segments lying
 * wholly inside its interval for good — first from the metadata (SegmentsKilled, appended only if
 * its lock is still granted and every segment is still unused and unserved), then their files
 * from deep storage, so a failure can leave an orphan file but never a segment without one.
 * Unused segments some historical still serves are left for a later kill.
 */
export default async function killTask(ctx: TaskContext): Promise<TaskOutcome> {
  const task = parseTaskSpec(ctx.spec) as KillTaskSpec;
  const [lock] = upfrontLocksOf(task);
  const { lockId } = await ctx.overlord.lock(lock!.interval, lock!.lockType);
  const unused = await request<DescribedSegment[]>(ctx.nc, INTERNAL.coordinatorSegments, { dataSource: task.dataSource, interval: formatInterval(task.interval), used: false });
  const inside = unused.filter((s) => contains(task.interval, keyOf(s.descriptor).interval));
  const killable = inside.filter((s) => s.state === KILLABLE);
  const served = inside.length - killable.length;
  if (served > 0) ctx.log(`${served} unused segments of ${describeInterval(task.interval)} are still served; a later kill takes them`);
  if (killable.length > 0) {
    const segmentIds = killable.map((s) => s.descriptor.id);
    const expect: Expectation[] = [
      { type: 'state', kind: 'lock', id: lockId, in: ['granted'] },
      ...segmentIds.map((id): Expectation => ({ type: 'state', kind: 'segment', id, in: [KILLABLE] })),
    ];
    await request(ctx.nc, INTERNAL.metaAppend, {
      events: [{ type: 'SegmentsKilled', data: { dataSource: task.dataSource, segmentIds, taskId: ctx.taskId } }],
      expect,
      meta: { actor: `task:${ctx.taskId}`, correlationId: randomUUID(), causationId: null },
    });
    for (const s of killable) await ctx.deepStorage.delete(keyOf(s.descriptor));
  }
  ctx.log(`killed ${killable.length} unused segments of ${task.dataSource} in ${describeInterval(task.interval)}`);
  return { status: 'succeeded', report: { rowStats: { processed: 0, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments: killable.length } };
}

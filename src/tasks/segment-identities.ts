import type { LockType } from '../../machines/lock/events.ts';
import type { PlannedSegment, SegmentIdentity, SegmentVersioning } from '../ingest/batch-ingestion.ts';
import { upfrontLocksOf } from '../overlord/task-submission.ts';
import type { IndexTaskSpec } from '../spec/task-spec.ts';
import { describeInterval } from '../timeline/describe.ts';
import { contains, parseInterval, sameInterval, type Interval } from '../time/interval.ts';
import type { OverlordClient } from './overlord-client.ts';

/** What deciding segment identities asks of the overlord. */
export type IdentityCalls = Pick<OverlordClient, 'taskId' | 'lock' | 'allocate'>;

/** A lock the task needs before it writes into `interval`. */
interface NeededLock {
  interval: Interval;
  lockType: LockType;
}

/**
 * The locks the overlord takes up front for this task had its spec listed these intervals: the
 * same intervals and lock type, so that asking for a lock the task already holds gets that lock
 * (and its version) back rather than a second one.
 */
function locksOver(task: IndexTaskSpec, intervals: Interval[]): NeededLock[] {
  const { granularitySpec } = task.spec.dataSchema;
  return upfrontLocksOf({ ...task, spec: { ...task.spec, dataSchema: { ...task.spec.dataSchema, granularitySpec: { ...granularitySpec, intervals } } } });
}

/** How long the task waits for a lock: Druid's `context.taskLockTimeout`, else the overlord's default. */
function lockTimeoutOf(task: IndexTaskSpec): number | undefined {
  const t = task.context.taskLockTimeout;
  return typeof t === 'number' && Number.isInteger(t) && t >= 0 ? t : undefined;
}

/**
 * Overwriting (Druid's IndexTask without appendToExisting): the time chunks the data fills are
 * locked, and each segment takes the version of the lock over its chunk, partitions numbered as
 * planned. With `granularitySpec.intervals` the overlord took the locks before the task started
 * and this gets them back; without, the chunks are known only now, once the input has been read.
 */
export function overwriting(task: IndexTaskSpec, overlord: IdentityCalls): SegmentVersioning {
  return {
    async allocate(planned: readonly PlannedSegment[]): Promise<readonly SegmentIdentity[]> {
      const granted: Array<{ interval: Interval; version: string }> = [];
      for (const lock of locksOver(task, planned.map((p) => p.interval))) {
        const { version } = await overlord.lock(lock.interval, lock.lockType, lockTimeoutOf(task));
        granted.push({ interval: lock.interval, version });
      }
      return planned.map((p) => {
        const lock = granted.find((g) => contains(g.interval, p.interval))!;
        return { version: lock.version, partitionNum: p.partitionIndex, shardSpec: p.shardSpec };
      });
    },
  };
}

export class AppendIntervalMismatchError extends Error {
  constructor(planned: Interval, allocated: string) {
    super(
      `cannot append to ${describeInterval(planned)}: the existing segments there cover ${describeInterval(parseInterval(allocated))}. ` +
      'Append with the segmentGranularity of the existing data, or overwrite instead.',
    );
    this.name = 'AppendIntervalMismatchError';
  }
}

/**
 * Appending (appendToExisting): each segment gets its id from the overlord's allocate (Druid's
 * SegmentAllocateAction), one sequence per task, so a chunk that already has segments gets new
 * partitions of their version and a retried allocation gets the same ids back.
 */
export function appending(task: IndexTaskSpec, overlord: IdentityCalls): SegmentVersioning {
  return {
    async allocate(planned: readonly PlannedSegment[]): Promise<readonly SegmentIdentity[]> {
      const out: SegmentIdentity[] = [];
      let previousSegmentId: string | null = null;
      for (const p of planned) {
        const a = await overlord.allocate({
          dataSource: task.dataSource,
          timestamp: p.interval.start,
          segmentGranularity: task.spec.dataSchema.granularitySpec.segmentGranularity,
          sequenceName: overlord.taskId,
          previousSegmentId,
          lockType: locksOver(task, [p.interval])[0]!.lockType,
        });
        // The rows are already cut to the planned chunk: a segment of another interval cannot hold them.
        if (!sameInterval(parseInterval(a.interval), p.interval)) throw new AppendIntervalMismatchError(p.interval, a.interval);
        out.push({ version: a.version, partitionNum: a.partitionNum, shardSpec: a.shardSpec });
        previousSegmentId = a.segmentId;
      }
      return out;
    },
  };
}

import type { NatsConnection } from 'nats';
import type { LockType } from '../../machines/lock/events.ts';
import type { CommitMetadata, SegmentDescriptor } from '../../machines/segment/events.ts';
import { request } from '../bus/client.ts';
import { isGroveError } from '../bus/errors.ts';
import { INTERNAL } from '../bus/subjects.ts';
import type { AllocateRequest, Allocation } from '../overlord/allocation.ts';
import type { Grant } from '../overlord/lockbox.ts';
import type { Published } from '../overlord/publish.ts';
import type { TaskUpdate } from '../overlord/task-update.ts';
import { formatInterval, type Interval } from '../time/interval.ts';

/** The overlord's own default wait for a lock (docs/internal-api.md). */
const DEFAULT_LOCK_WAIT_MS = 300_000;
const CALL_TIMEOUT_MS = 30_000;
/** Waits between tries of a call that found no overlord, or none in time. */
const BACKOFF_MS = [250, 1000, 3000, 5000];

/**
 * A task's calls to the overlord (docs/internal-api.md), with its task id filled in. Every call is
 * idempotent on the overlord's side (a held lock is returned again, an allocation repeats for the
 * same sequence, a publish of published segments is a no-op, an update already applied too), so a
 * call that got no answer is simply made again; any other error is thrown as the GroveError it is.
 */
export class OverlordClient {
  constructor(readonly nc: NatsConnection, readonly taskId: string) {}

  /** Waits until the lock is granted (up to `timeoutMs`); a lock the task holds comes back at once. */
  lock(interval: Interval, lockType: LockType, timeoutMs = DEFAULT_LOCK_WAIT_MS): Promise<Grant> {
    return this.call<Grant>(INTERNAL.overlordLockAcquire, { taskId: this.taskId, interval: formatInterval(interval), lockType, timeoutMs }, timeoutMs + CALL_TIMEOUT_MS);
  }

  release(lockId?: string): Promise<{ released: string[] }> {
    return this.call(INTERNAL.overlordLockRelease, { taskId: this.taskId, ...(lockId !== undefined ? { lockId } : {}) });
  }

  /** Druid's SegmentAllocateAction; `timestamp` in epoch ms. */
  allocate(req: Omit<AllocateRequest, 'taskId'>): Promise<Allocation> {
    return this.call(INTERNAL.overlordAllocate, { taskId: this.taskId, ...req });
  }

  /** Publishes the segments (and commits stream offsets) in one append, or nothing. */
  publish(segments: SegmentDescriptor[], commit?: CommitMetadata, opts: { dropExisting?: boolean } = {}): Promise<Published> {
    return this.call(INTERNAL.overlordPublish, { taskId: this.taskId, segments, ...(commit !== undefined ? { commit } : {}), ...(opts.dropExisting ? { dropExisting: true } : {}) });
  }

  /**
   * Moves the task along: `started`, `publishing`, `awaitingHandoff` (with its segments and how
   * long it waits for their handoff, 0 for ever), or to its end.
   */
  async update(type: TaskUpdate['type'], more: Pick<TaskUpdate, 'report' | 'error' | 'code' | 'segmentIds' | 'handoffTimeoutMs'> = {}): Promise<void> {
    await this.call(INTERNAL.overlordTaskUpdate, { taskId: this.taskId, type, ...more });
  }

  private async call<T>(subject: string, body: unknown, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request<T>(this.nc, subject, body, { timeoutMs });
      } catch (e) {
        if (!unanswered(e) || attempt >= BACKOFF_MS.length || this.nc.isClosed()) throw e;
        await new Promise((r) => setTimeout(r, BACKOFF_MS[attempt]));
      }
    }
  }
}

/**
 * No overlord answered, or it stopped before it could: worth asking again. An overlord's own
 * `timeout` reply (a lock not granted in time) is an answer, told apart by having no bus-level cause.
 */
const unanswered = (e: unknown): boolean => isGroveError(e, 'unavailable') || (isGroveError(e, 'timeout') && e.cause !== undefined);

import type { LockType } from '../../machines/lock/events.ts';
import { badRequest, notFound } from '../bus/errors.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { Expectation } from '../events/expectations.ts';
import { describeInterval } from '../timeline/describe.ts';
import { formatInstant } from '../time/instant.ts';
import { contains, formatInterval, sameInterval, type Interval } from '../time/interval.ts';
import { assertNotPreempted, decision, requireActiveTask, requireTask, taskStillIn, type Decision } from './decision.ts';
import type { LockView } from './lock-index.ts';
import type { OverlordState, TaskView } from './overlord-state.ts';
import { endingEvents } from './task-ending.ts';
import { chooseVersion } from './versions.ts';

/** Druid's default lock priorities by kind of task; a task's `context.priority` overrides them. */
export const LOCK_PRIORITY = { realtime: 75, batch: 50, compaction: 25, other: 0 } as const;

export const DEFAULT_LOCK_TIMEOUT_MS = 300_000;

/** A task asks for a time-chunk lock on an interval of its datasource. */
export interface LockRequest {
  taskId: string;
  interval: Interval;
  lockType: LockType;
  /** How long the request may wait before a scheduler rejects it. */
  timeoutMs: number;
}

export interface Grant {
  lockId: string;
  version: string;
}

export type LockDecision =
  /** The task already holds a lock of this type over the interval: nothing to append. */
  | { kind: 'held'; lock: LockView }
  /** The same request already waits: the caller waits with it. */
  | { kind: 'queued'; lock: LockView }
  | { kind: 'granted'; decision: Decision<Grant> }
  | { kind: 'waiting'; lockId: string; blockers: LockView[]; decision: Decision<{ lockId: string }> };

/** What a request is, as conflict rules see it. */
interface Ask {
  taskId: string;
  groupId: string;
  dataSource: string;
  interval: Interval;
  lockType: LockType;
  priority: number;
}

/**
 * Whether a lock of `type` on `interval` may be held beside `held` (Druid's canLockCoexist):
 * SHARED beside SHARED; APPEND beside APPEND, and inside a REPLACE lock; REPLACE around APPEND
 * locks; EXCLUSIVE beside nothing.
 */
export function coexists(type: LockType, interval: Interval, held: LockView): boolean {
  switch (type) {
    case 'EXCLUSIVE':
      return false;
    case 'SHARED':
      return held.lockType === 'SHARED';
    case 'REPLACE':
      return held.lockType === 'APPEND' && contains(interval, held.interval);
    case 'APPEND':
      return held.lockType === 'APPEND' || (held.lockType === 'REPLACE' && contains(held.interval, interval));
  }
}

/** Granted locks of other groups that overlap the request and cannot coexist with it. */
function conflictsOf(state: OverlordState, ask: Ask): LockView[] {
  return state.locks.heldOverlapping(ask.dataSource, ask.interval).filter((l) => l.groupId !== ask.groupId && !coexists(ask.lockType, ask.interval, l));
}

/** A held lock gives way only to a strictly higher priority, and never while its task publishes. */
function revocable(state: OverlordState, held: LockView, priority: number): boolean {
  return held.priority < priority && state.task(held.taskId)?.state !== 'publishing';
}

export function describeHolder(state: OverlordState, l: LockView): string {
  const publishing = state.task(l.taskId)?.state === 'publishing' ? ', publishing' : '';
  return `task ${l.taskId} (${l.lockType} on ${describeInterval(l.interval)}, priority ${l.priority}${publishing})`;
}

/**
 * Decides a lock request (Druid's TaskLockbox.tryLock): reuse a lock the task holds, grant at once
 * (revoking conflicting locks when every one of them has strictly lower priority and none of their
 * tasks is publishing), or wait. Pure.
 */
export function decideLock(state: OverlordState, req: LockRequest, now: number, newLockId: string): LockDecision {
  const task = requireActiveTask(state, req.taskId, 'take a lock');
  assertNotPreempted(state, task.taskId);
  if (!(req.interval.start < req.interval.end)) throw badRequest(`interval ${describeInterval(req.interval)} is empty: a lock needs an interval whose end comes after its start`);
  const own = state.locks.locksOf(task.taskId);
  const held = own.find((l) => l.state === 'granted' && l.lockType === req.lockType && contains(l.interval, req.interval));
  if (held !== undefined) return { kind: 'held', lock: held };
  const queued = own.find((l) => l.state === 'requested' && l.lockType === req.lockType && sameInterval(l.interval, req.interval));
  if (queued !== undefined) return { kind: 'queued', lock: queued };
  const ask: Ask = { taskId: task.taskId, groupId: task.groupId, dataSource: task.dataSource, interval: req.interval, lockType: req.lockType, priority: task.priority };
  const requested: NewEvent = {
    type: 'LockRequested',
    data: { lockId: newLockId, ...ask, interval: formatInterval(req.interval), deadline: now + req.timeoutMs },
  };
  const conflicts = conflictsOf(state, ask);
  if (conflicts.every((l) => revocable(state, l, ask.priority))) {
    const granted = grant(state, newLockId, ask, conflicts, now);
    return { kind: 'granted', decision: { ...granted, events: [requested, ...granted.events], expect: [taskStillIn(task), ...granted.expect] } };
  }
  const waitingForLock: NewEvent[] = task.state === 'pending' ? [{ type: 'TaskWaitingForLock', data: { taskId: task.taskId, lockId: newLockId } }] : [];
  const blockers = conflicts.filter((l) => !revocable(state, l, ask.priority));
  return { kind: 'waiting', lockId: newLockId, blockers, decision: decision({ lockId: newLockId }, [requested, ...waitingForLock], [taskStillIn(task)]) };
}

/** A waiting request, tried again after locks changed: granted now, or null (still blocked). Pure. */
export function decideRetry(state: OverlordState, lock: LockView, now: number): Decision<Grant> | null {
  if (lock.state !== 'requested') return null;
  const ask: Ask = lock;
  const conflicts = conflictsOf(state, ask);
  if (!conflicts.every((l) => revocable(state, l, ask.priority))) return null;
  return grant(state, lock.lockId, ask, conflicts, now);
}

/**
 * Grants a requested lock, revoking `revoke`. Tasks of one group share their version; otherwise
 * the version is new (see chooseVersion). A revoked task that has not started yet can make no
 * further call to learn of it, so it fails now; a running one fails at its next call.
 */
function grant(state: OverlordState, lockId: string, ask: Ask, revoke: LockView[], now: number): Decision<Grant> {
  const shared = state.locks.heldOverlapping(ask.dataSource, ask.interval).filter((l) => l.groupId === ask.groupId && l.version !== null).map((l) => l.version!);
  const version = shared.length > 0 ? shared.sort().at(-1)! : chooseVersion(state.versions, ask.dataSource, ask.interval, now);
  const revocations: NewEvent[] = revoke.map((l) => ({ type: 'LockRevoked', data: { lockId: l.lockId, byTaskId: ask.taskId, byLockId: lockId } }));
  const unstarted = unstartedTasksOf(state, revoke).map((task) => ({
    task,
    ending: { kind: 'failed' as const, code: 'lock_preempted', error: `lock preempted by task ${ask.taskId} (priority ${ask.priority}) before the task started` },
  }));
  const endings = endingEvents(state, unstarted, new Set(revoke.map((l) => l.lockId)));
  const stillGranted: Expectation[] = revoke.map((l) => ({ type: 'state', kind: 'lock', id: l.lockId, in: ['granted'] }));
  return decision({ lockId, version }, [...revocations, { type: 'LockGranted', data: { lockId, version } }, ...endings.events], [...stillGranted, ...endings.expect]);
}

function unstartedTasksOf(state: OverlordState, locks: LockView[]): TaskView[] {
  const ids = [...new Set(locks.map((l) => l.taskId))].sort();
  return ids.map((id) => state.task(id)).filter((t): t is TaskView => t !== null && (t.state === 'pending' || t.state === 'waitingForLock'));
}

/**
 * A waiting request whose deadline passed: rejected, with the locks it waited for named. A task
 * that was waiting for it to start fails with it. Pure; null if the request no longer waits.
 */
export function decideTimeout(state: OverlordState, lockId: string, now: number): Decision<{ reason: string }> | null {
  const lock = state.locks.get(lockId);
  if (lock === undefined || lock.state !== 'requested' || lock.deadline > now) return null;
  const blockers = conflictsOf(state, lock).map((l) => describeHolder(state, l));
  const reason = `lock on ${lock.dataSource} ${describeInterval(lock.interval)} not granted by its deadline ${formatInstant(lock.deadline)}${blockers.length > 0 ? `: held by ${blockers.join(', ')}` : ''}`;
  const task = state.task(lock.taskId);
  const failing = task !== null && (task.state === 'pending' || task.state === 'waitingForLock') ? [{ task, ending: { kind: 'failed' as const, code: 'timeout', error: reason } }] : [];
  const endings = endingEvents(state, failing, new Set([lockId]));
  return decision({ reason }, [{ type: 'LockRejected', data: { lockId, reason } }, ...endings.events], [{ type: 'state', kind: 'lock', id: lockId, in: ['requested'] }, ...endings.expect]);
}

/** Releases one lock of the task, or all it holds and waits for. Already released: a no-op. Pure. */
export function decideRelease(state: OverlordState, taskId: string, lockId?: string): Decision<{ released: string[] }> {
  requireTask(state, taskId);
  if (lockId !== undefined && state.locks.get(lockId)?.taskId !== taskId) throw notFound(`task ${taskId} has no lock "${lockId}"`);
  const releasing = state.locks.locksOf(taskId).filter((l) => (lockId === undefined || l.lockId === lockId) && (l.state === 'granted' || l.state === 'requested'));
  return decision(
    { released: releasing.map((l) => l.lockId) },
    releasing.map((l) => ({ type: 'LockReleased', data: { lockId: l.lockId, reason: `released by task ${taskId}` } })),
    releasing.map((l) => ({ type: 'state', kind: 'lock', id: l.lockId, in: [l.state] })),
  );
}

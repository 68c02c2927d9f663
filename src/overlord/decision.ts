import { GroveError, notFound } from '../bus/errors.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { Expectation } from '../events/expectations.ts';
import { describeInterval } from '../timeline/describe.ts';
import type { LockView } from './lock-index.ts';
import { isActive, type OverlordState, type TaskView } from './overlord-state.ts';

/**
 * What a decider returns: the facts to append in one go, what must still hold when they are
 * appended, and the reply once they are.
 */
export interface Decision<R> {
  events: NewEvent[];
  expect: Expectation[];
  result: R;
}

export const decision = <R>(result: R, events: NewEvent[] = [], expect: Expectation[] = []): Decision<R> => ({ events, expect, result });

/** The task's state must still be the one the decision saw. */
export const taskStillIn = (t: TaskView): Expectation => ({ type: 'state', kind: 'task', id: t.taskId, in: [t.state] });

export function requireTask(state: OverlordState, taskId: string): TaskView {
  const t = state.task(taskId);
  if (t === null) throw notFound(`no task "${taskId}"`);
  return t;
}

export function requireActiveTask(state: OverlordState, taskId: string, doing: string): TaskView {
  const t = requireTask(state, taskId);
  if (!isActive(t.state)) throw new GroveError('conflict', `task ${taskId} is ${t.state}${t.error ? ` (${t.error})` : ''}: it cannot ${doing}`);
  return t;
}

/** The first of the task's locks that a higher-priority task took, if any. */
export function revokedLockOf(state: OverlordState, taskId: string): LockView | undefined {
  return state.locks.locksOf(taskId).find((l) => l.state === 'revoked');
}

/** The error a revoked task gets at its next call: it names the task that preempted it. */
export function preemptedError(lock: LockView): GroveError {
  const by = lock.revokedBy!;
  return new GroveError(
    'lock_preempted',
    `task ${lock.taskId} lost its ${lock.lockType} lock on ${lock.dataSource} ${describeInterval(lock.interval)} to task ${by.taskId}, which has a higher priority`,
    { taskId: lock.taskId, lockId: lock.lockId, byTaskId: by.taskId, byLockId: by.lockId },
  );
}

/** Throws `lock_preempted` if any lock of the task was revoked. */
export function assertNotPreempted(state: OverlordState, taskId: string): void {
  const revoked = revokedLockOf(state, taskId);
  if (revoked !== undefined) throw preemptedError(revoked);
}

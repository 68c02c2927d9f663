import { GroveError } from '../bus/errors.ts';
import { contains, sameInterval } from '../time/interval.ts';
import { decision, requireTask, taskStillIn, type Decision } from './decision.ts';
import type { OverlordState, TaskView } from './overlord-state.ts';
import type { UpfrontLock } from './task-submission.ts';

/** An indexer that answers its heartbeat, and how many tasks it runs at once. */
export interface IndexerSlot {
  indexerId: string;
  capacity: number;
}

/** What an unassigned task needs next: one of its up-front locks asked for, to wait, or an indexer. */
export type QueueStep = { kind: 'lock'; lock: UpfrontLock } | { kind: 'wait' } | { kind: 'assign' };

/** Druid's TaskQueue: a task is handed to an indexer once it holds the locks it takes up front. Pure. */
export function nextStep(state: OverlordState, task: TaskView, locks: readonly UpfrontLock[]): QueueStep {
  const own = state.locks.locksOf(task.taskId);
  for (const want of locks) {
    if (own.some((l) => l.state === 'granted' && l.lockType === want.lockType && contains(l.interval, want.interval))) continue;
    if (own.some((l) => l.state === 'requested' && l.lockType === want.lockType && sameInterval(l.interval, want.interval))) return { kind: 'wait' };
    return { kind: 'lock', lock: want };
  }
  return { kind: 'assign' };
}

/** The indexer with the most free slots (ties by id), or null when every one is full. Pure. */
export function pickIndexer(state: OverlordState, indexers: readonly IndexerSlot[]): string | null {
  let best: { id: string; free: number } | null = null;
  for (const i of [...indexers].sort((a, b) => (a.indexerId < b.indexerId ? -1 : 1))) {
    const free = i.capacity - state.activeTasksOn(i.indexerId).length;
    if (free > 0 && (best === null || free > best.free)) best = { id: i.indexerId, free };
  }
  return best?.id ?? null;
}

/** Hands an unassigned task to an indexer. Pure. */
export function decideAssignment(state: OverlordState, taskId: string, indexerId: string): Decision<{ taskId: string; indexerId: string }> {
  const task = requireTask(state, taskId);
  if ((task.state !== 'pending' && task.state !== 'waitingForLock') || task.indexerId !== null) {
    throw new GroveError('conflict', `task ${taskId} is ${task.state}${task.indexerId ? ` on indexer ${task.indexerId}` : ''}: it cannot be assigned`);
  }
  return decision({ taskId, indexerId }, [{ type: 'TaskAssigned', data: { taskId, indexerId } }], [taskStillIn(task)]);
}

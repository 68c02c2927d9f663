import type { TaskReport } from '../../machines/task/events.ts';
import { GroveError } from '../bus/errors.ts';
import type { NewEvent } from '../events/catalog.ts';
import { decision, preemptedError, requireTask, revokedLockOf, taskStillIn, type Decision } from './decision.ts';
import { isActive, type OverlordState, type TaskView } from './overlord-state.ts';
import { EMPTY_REPORT, endingEvents, type TaskEnding } from './task-ending.ts';

/** `grove.overlord.task.update`: what an indexer reports of a task it runs. */
export interface TaskUpdate {
  taskId: string;
  type: 'started' | 'publishing' | 'awaitingHandoff' | 'succeeded' | 'failed';
  report?: TaskReport;
  error?: string;
  code?: string;
  segmentIds?: string[];
  /** awaitingHandoff: how long the task waits for the handoff (Druid's handoffConditionTimeout; 0 waits for ever); else the overlord's default. */
  handoffTimeoutMs?: number;
}

const TERMINAL = { succeeded: 'succeeded', failed: 'failed' } as const;
/** The state each update moves a task to: a repeated update (a retry) finds it there and is a no-op. */
const REACHED: Record<TaskUpdate['type'], string> = { started: 'running', publishing: 'publishing', awaitingHandoff: 'awaitingHandoff', succeeded: 'succeeded', failed: 'failed' };

/**
 * Moves a task along as its indexer reports. A terminal update ends the task in one append with
 * its locks released and unpublished segments abandoned. A task whose lock was revoked fails at
 * its next update (`lock_preempted`), unless the update says it failed anyway. Pure.
 */
export function decideUpdate(state: OverlordState, u: TaskUpdate, now: number, handoffTimeoutMs: number): Decision<Record<string, never>> {
  const task = requireTask(state, u.taskId);
  if (task.state === REACHED[u.type]) return decision({});
  if (!isActive(task.state)) throw new GroveError('conflict', `task ${task.taskId} is already ${task.state}${task.error ? ` (${task.error})` : ''}: it cannot be reported ${u.type}`);
  const revoked = revokedLockOf(state, task.taskId);
  if (revoked !== undefined && u.type !== 'failed') throw preemptedError(revoked);
  switch (u.type) {
    case 'started':
      return start(task);
    case 'publishing':
      return step(task, 'running', { type: 'TaskPublishing', data: { taskId: task.taskId } });
    case 'awaitingHandoff':
      return awaitHandoff(state, task, u.segmentIds ?? [], deadlineOf(now, u.handoffTimeoutMs ?? handoffTimeoutMs));
    case TERMINAL.succeeded:
      if (task.state === 'pending' || task.state === 'waitingForLock') throw new GroveError('conflict', `task ${task.taskId} is ${task.state}: it must start before it can succeed`);
      return end(state, task, { kind: 'succeeded', report: u.report ?? EMPTY_REPORT });
    case TERMINAL.failed:
      return end(state, task, { kind: 'failed', error: u.error ?? 'the task failed (its indexer gave no reason)', ...(u.code !== undefined ? { code: u.code } : {}), ...(u.report !== undefined ? { report: u.report } : {}) });
  }
}

function start(task: TaskView): Decision<Record<string, never>> {
  if (task.indexerId === null) throw new GroveError('conflict', `task ${task.taskId} was not assigned to an indexer: it cannot start`);
  if (task.state !== 'pending' && task.state !== 'waitingForLock') throw new GroveError('conflict', `task ${task.taskId} is ${task.state}: it cannot start again`);
  return decision({}, [{ type: 'TaskStarted', data: { taskId: task.taskId, indexerId: task.indexerId } }], [taskStillIn(task)]);
}

function step(task: TaskView, from: string, event: NewEvent): Decision<Record<string, never>> {
  if (task.state !== from) throw new GroveError('conflict', `task ${task.taskId} is ${task.state}, not ${from}: it cannot move on to ${event.type}`);
  return decision({}, [event], [taskStillIn(task)]);
}

/** Druid's handoffConditionTimeout of 0 waits for ever: as good as a deadline no clock reaches. */
const deadlineOf = (now: number, timeoutMs: number): number => (timeoutMs === 0 ? Number.MAX_SAFE_INTEGER : now + timeoutMs);

/**
 * A realtime task waits for historicals to load what it published; a scheduler times each out.
 * The replicas of a group publish the same segments: the first to wait starts each handoff, the
 * others wait for that one.
 */
function awaitHandoff(state: OverlordState, task: TaskView, segmentIds: string[], deadline: number): Decision<Record<string, never>> {
  if (!task.realtime) throw new GroveError('conflict', `task ${task.taskId} is not a realtime task: only realtime tasks wait for handoff`);
  const unpublished = segmentIds.filter((id) => !['used', 'unused'].includes(state.segments.get(id)?.phase ?? ''));
  if (unpublished.length > 0) throw new GroveError('conflict', `task ${task.taskId} cannot wait for the handoff of unpublished segments: ${unpublished.join(', ')}`);
  const fresh = segmentIds.filter((id) => state.cluster.stateOf('handoff', id) === 'absent');
  const started: NewEvent[] = fresh.map((segmentId) => ({ type: 'HandoffStarted', data: { dataSource: task.dataSource, segmentId, taskId: task.taskId, deadline } }));
  const d = step(task, 'publishing', { type: 'TaskAwaitingHandoff', data: { taskId: task.taskId, segmentIds } });
  return { ...d, events: [...d.events, ...started] };
}

function end(state: OverlordState, task: TaskView, ending: TaskEnding): Decision<Record<string, never>> {
  const { events, expect } = endingEvents(state, [{ task, ending }]);
  return decision({}, events, expect);
}

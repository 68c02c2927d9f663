import type { TaskReport } from '../../machines/task/events.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { Expectation } from '../events/expectations.ts';
import { decision, requireTask, taskStillIn, type Decision } from './decision.ts';
import { isActive, type OverlordState, type TaskView } from './overlord-state.ts';

export type TaskEnding =
  | { kind: 'succeeded'; report: TaskReport }
  | { kind: 'failed'; error: string; code?: string; report?: TaskReport }
  | { kind: 'canceled'; reason: string };

export const EMPTY_REPORT: TaskReport = { rowStats: { processed: 0, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments: 0 };

function endingFact(taskId: string, e: TaskEnding): NewEvent {
  switch (e.kind) {
    case 'succeeded':
      return { type: 'TaskSucceeded', data: { taskId, report: e.report } };
    case 'failed':
      return { type: 'TaskFailed', data: { taskId, error: e.error, ...(e.code !== undefined ? { code: e.code } : {}), ...(e.report !== undefined ? { report: e.report } : {}) } };
    case 'canceled':
      return { type: 'TaskCanceled', data: { taskId, reason: e.reason } };
  }
}

/**
 * The facts that end these active tasks, however they end (Druid's TaskQueue cleanup): the ending
 * itself, every lock they hold or wait for released, the copies realtime tasks served dropped
 * (handed off, or lost with the task), and the unpublished segments their groups allocated
 * abandoned — unless a task of the same group lives on, since replicas share allocations and may
 * still publish them. One batch, appended whole. Pure.
 */
export function endingEvents(
  state: OverlordState,
  endings: ReadonlyArray<{ task: TaskView; ending: TaskEnding }>,
  /** Locks the same batch already settles (revoked, rejected): not released again. */
  settled: ReadonlySet<string> = new Set(),
): { events: NewEvent[]; expect: Expectation[] } {
  const ending = new Set(endings.map((e) => e.task.taskId));
  const events: NewEvent[] = [];
  for (const { task, ending: how } of endings) {
    events.push(endingFact(task.taskId, how));
    for (const l of state.locks.locksOf(task.taskId)) {
      if ((l.state === 'granted' || l.state === 'requested') && !settled.has(l.lockId)) events.push({ type: 'LockReleased', data: { lockId: l.lockId, reason: `task ${task.taskId} ${how.kind}` } });
    }
    for (const s of state.segments.servedBy(task.taskId)) {
      events.push({ type: 'ReplicaDropped', data: { dataSource: s.dataSource, segmentId: s.id, serverId: task.taskId, reason: `task ${task.taskId} ${how.kind}` } });
    }
  }
  const groups = new Set(endings.map((e) => e.task.groupId));
  for (const groupId of [...groups].sort()) {
    if (state.activeTasksOfGroup(groupId).some((id) => !ending.has(id))) continue;
    const last = endings.find((e) => e.task.groupId === groupId)!;
    events.push(...abandonments(state, state.tasksOfGroup(groupId), `task ${last.task.taskId} ${last.ending.kind} before publishing them`));
  }
  return { events, expect: endings.map((e) => taskStillIn(e.task)) };
}

/** SegmentsAbandoned per (datasource, allocating task) for the tasks' unpublished segments. */
function abandonments(state: OverlordState, taskIds: readonly string[], reason: string): NewEvent[] {
  const out: NewEvent[] = [];
  for (const taskId of [...taskIds].sort()) {
    const byDs = new Map<string, string[]>();
    for (const s of state.segments.buildingOf(taskId)) byDs.set(s.dataSource, [...(byDs.get(s.dataSource) ?? []), s.id]);
    for (const [dataSource, segmentIds] of [...byDs].sort()) out.push({ type: 'SegmentsAbandoned', data: { dataSource, segmentIds: segmentIds.sort(), taskId, reason } });
  }
  return out;
}

/** Ends one task, which must still be active; an already-ended task is a no-op (null). */
export function decideEnding(state: OverlordState, taskId: string, how: TaskEnding): Decision<{ state: string }> | null {
  const task = requireTask(state, taskId);
  if (!isActive(task.state)) return null;
  const { events, expect } = endingEvents(state, [{ task, ending: how }]);
  return decision({ state: how.kind }, events, expect);
}

import type { NewEvent } from '../events/catalog.ts';
import { decision, type Decision } from './decision.ts';
import type { OverlordState, TaskView } from './overlord-state.ts';
import { endingEvents } from './task-ending.ts';

/**
 * An indexer that stopped answering its heartbeat (ServerLeft appended here), or that left (its
 * ServerLeft already in the log): every task it ran fails, their locks are released, the segments
 * its realtime tasks served dropped from them and their unpublished segments abandoned — all in
 * one append. Pure; null when there is nothing to record.
 */
export function decideIndexerLoss(state: OverlordState, indexerId: string, reason: string): Decision<{ failedTasks: string[] }> | null {
  const server = state.cluster.servers.get(indexerId);
  const left: NewEvent[] = server?.alive === true ? [{ type: 'ServerLeft', data: { serverId: indexerId, reason } }] : [];
  const tasks = state.activeTasksOn(indexerId).sort().map((id) => state.task(id)).filter((t): t is TaskView => t !== null);
  if (left.length === 0 && tasks.length === 0) return null;
  const error = `indexer ${indexerId} was lost while running the task: ${reason}`;
  const endings = endingEvents(state, tasks.map((task) => ({ task, ending: { kind: 'failed', code: 'unavailable', error } })));
  return decision({ failedTasks: tasks.map((t) => t.taskId) }, [...left, ...endings.events], endings.expect);
}

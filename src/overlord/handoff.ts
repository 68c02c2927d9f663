import type { HandoffContext } from '../../machines/handoff/machine.ts';
import { stateName } from '../projections/machine-fold.ts';
import { decision, type Decision } from './decision.ts';
import type { OverlordState } from './overlord-state.ts';

function waitingHandoff(state: OverlordState, segmentId: string): HandoffContext | null {
  const h = state.cluster.entity('handoff', segmentId);
  return h !== undefined && stateName(h.value) === 'waiting' && h.context.deadline !== null ? h.context : null;
}

/**
 * A waiting handoff completes once a historical serves the segment (the other servers are the
 * realtime tasks that built it: replicas of one group). Pure; null when there is nothing to complete.
 */
export function decideHandoffCompletion(state: OverlordState, segmentId: string): Decision<null> | null {
  const h = waitingHandoff(state, segmentId);
  const loadedOn = state.segments.get(segmentId)?.servers.find((s) => state.cluster.servers.get(s)?.kind === 'historical');
  if (h === null || loadedOn === undefined) return null;
  return decision(null, [{ type: 'HandoffCompleted', data: { dataSource: h.dataSource, segmentId, taskId: h.taskId, serverId: loadedOn } }], [{ type: 'state', kind: 'handoff', id: segmentId, in: ['waiting'] }]);
}

/** A handoff still waiting past its deadline times out. Pure; null otherwise. */
export function decideHandoffTimeout(state: OverlordState, segmentId: string, now: number): Decision<null> | null {
  const h = waitingHandoff(state, segmentId);
  if (h === null || h.deadline! > now) return null;
  return decision(null, [{ type: 'HandoffTimedOut', data: { dataSource: h.dataSource, segmentId, taskId: h.taskId } }], [{ type: 'state', kind: 'handoff', id: segmentId, in: ['waiting'] }]);
}

/** Handoffs waiting, with their deadlines: what a restarted scheduler re-arms. */
export function waitingHandoffs(state: OverlordState): Array<{ segmentId: string; deadline: number }> {
  const out: Array<{ segmentId: string; deadline: number }> = [];
  for (const [id] of state.cluster.entitiesOf('handoff')) {
    const h = waitingHandoff(state, id);
    if (h !== null) out.push({ segmentId: id, deadline: h.deadline! });
  }
  return out;
}

import type { MachineKind } from '../../machines/index.ts';
import type { GroveEvent } from '../events/catalog.ts';

export interface MachineTarget {
  kind: MachineKind;
  id: string;
}

/** A replica's id: one segment on one server. */
export function replicaId(segmentId: string, serverId: string): string {
  return `${segmentId}@${serverId}`;
}

const each = (kind: MachineKind, ids: readonly string[]): MachineTarget[] => ids.map((id) => ({ kind, id }));

/**
 * The machine instances a fact is applied to. The metastore accepts a fact only if every one of
 * them accepts it. Facts with no lifecycle (servers, rules, datasource metadata, compaction
 * configs) have none. Pure.
 */
export function machineTargetsOf(event: GroveEvent): MachineTarget[] {
  switch (event.type) {
    case 'SegmentAllocated':
      return [{ kind: 'segment', id: event.data.segment.id }];
    case 'SegmentsPublished':
      return each('segment', event.data.segments.map((s) => s.id));
    case 'SegmentsMarkedUnused':
    case 'SegmentsMarkedUsed':
    case 'SegmentsAbandoned':
    case 'SegmentsKilled':
      return each('segment', event.data.segmentIds);
    case 'ReplicaAssigned':
    case 'ReplicaLoadStarted':
    case 'ReplicaLoadFailed':
    case 'ReplicaDropRequested':
      return [{ kind: 'replica', id: replicaId(event.data.segmentId, event.data.serverId) }];
    // Whether a segment is served changes with these two only.
    case 'ReplicaLoaded':
    case 'ReplicaDropped':
      return [
        { kind: 'replica', id: replicaId(event.data.segmentId, event.data.serverId) },
        { kind: 'segment', id: event.data.segmentId },
      ];
    case 'TaskSubmitted':
    case 'TaskAssigned':
    case 'TaskWaitingForLock':
    case 'TaskStarted':
    case 'TaskPublishing':
    case 'TaskAwaitingHandoff':
    case 'TaskSucceeded':
    case 'TaskFailed':
    case 'TaskCanceled':
      return [{ kind: 'task', id: event.data.taskId }];
    // A revocation concerns the revoked lock only: the revoked task fails by its own fact.
    case 'LockRequested':
    case 'LockGranted':
    case 'LockRejected':
    case 'LockRevoked':
    case 'LockReleased':
      return [{ kind: 'lock', id: event.data.lockId }];
    case 'HandoffStarted':
    case 'HandoffCompleted':
    case 'HandoffTimedOut':
      return [{ kind: 'handoff', id: event.data.segmentId }];
    case 'SupervisorSubmitted':
    case 'SupervisorStarted':
    case 'SupervisorSuspended':
    case 'SupervisorResumed':
    case 'SupervisorReset':
    case 'SupervisorTerminated':
    case 'SupervisorUnhealthy':
    case 'SupervisorHealthy':
    case 'TaskGroupLaunched':
    case 'TaskGroupPublishing':
    case 'TaskGroupCompleted':
    case 'TaskGroupStopped':
      return [{ kind: 'supervisor', id: event.data.supervisorId }];
    case 'ServerJoined':
    case 'ServerLeft':
    case 'RulesSet':
    case 'DataSourceMetadataReset':
    case 'CompactionConfigSet':
      return [];
  }
}

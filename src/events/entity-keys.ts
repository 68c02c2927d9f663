import type { GroveEvent } from './catalog.ts';

/**
 * The entities an event touches, as `kind:id` keys: the log indexes events by them, so the history
 * of one segment, task, lock or datasource is a range read. Pure.
 */
export function entityKeysOf(e: GroveEvent): string[] {
  switch (e.type) {
    case 'SegmentAllocated':
      return [`segment:${e.data.segment.id}`, `task:${e.data.taskId}`, `lock:${e.data.lockId}`, `datasource:${e.data.segment.dataSource}`];
    case 'SegmentsPublished':
      return [...e.data.segments.map((s) => `segment:${s.id}`), `task:${e.data.taskId}`, `datasource:${e.data.dataSource}`];
    case 'SegmentsMarkedUnused':
    case 'SegmentsMarkedUsed':
      return [...e.data.segmentIds.map((id) => `segment:${id}`), `datasource:${e.data.dataSource}`];
    case 'SegmentsAbandoned':
    case 'SegmentsKilled':
      return [...e.data.segmentIds.map((id) => `segment:${id}`), `task:${e.data.taskId}`, `datasource:${e.data.dataSource}`];
    case 'ReplicaAssigned':
    case 'ReplicaLoadStarted':
    case 'ReplicaLoaded':
    case 'ReplicaLoadFailed':
    case 'ReplicaDropRequested':
    case 'ReplicaDropped':
      return [`replica:${e.data.segmentId}@${e.data.serverId}`, `segment:${e.data.segmentId}`, `server:${e.data.serverId}`, `datasource:${e.data.dataSource}`];
    case 'TaskSubmitted':
      return [`task:${e.data.taskId}`, `datasource:${e.data.dataSource}`];
    case 'TaskAssigned':
    case 'TaskStarted':
      return [`task:${e.data.taskId}`, `server:${e.data.indexerId}`];
    case 'TaskWaitingForLock':
      return [`task:${e.data.taskId}`, `lock:${e.data.lockId}`];
    case 'TaskPublishing':
    case 'TaskSucceeded':
    case 'TaskFailed':
    case 'TaskCanceled':
      return [`task:${e.data.taskId}`];
    case 'TaskAwaitingHandoff':
      return [`task:${e.data.taskId}`, ...e.data.segmentIds.map((id) => `segment:${id}`)];
    case 'LockRequested':
      return [`lock:${e.data.lockId}`, `task:${e.data.taskId}`, `datasource:${e.data.dataSource}`];
    case 'LockGranted':
    case 'LockRejected':
    case 'LockReleased':
      return [`lock:${e.data.lockId}`];
    case 'LockRevoked':
      return [`lock:${e.data.lockId}`, `task:${e.data.byTaskId}`];
    case 'HandoffStarted':
    case 'HandoffCompleted':
    case 'HandoffTimedOut':
      return [`handoff:${e.data.segmentId}`, `segment:${e.data.segmentId}`, `task:${e.data.taskId}`, `datasource:${e.data.dataSource}`];
    case 'SupervisorSubmitted':
      return [`supervisor:${e.data.supervisorId}`, `datasource:${e.data.dataSource}`];
    case 'SupervisorStarted':
    case 'SupervisorSuspended':
    case 'SupervisorResumed':
    case 'SupervisorReset':
    case 'SupervisorTerminated':
    case 'SupervisorUnhealthy':
    case 'SupervisorHealthy':
    case 'TaskGroupPublishing':
    case 'TaskGroupCompleted':
    case 'TaskGroupStopped':
      return [`supervisor:${e.data.supervisorId}`];
    case 'TaskGroupLaunched':
      return [`supervisor:${e.data.supervisorId}`, ...e.data.taskIds.map((id) => `task:${id}`)];
    case 'ServerJoined':
    case 'ServerLeft':
      return [`server:${e.data.serverId}`];
    case 'RulesSet':
      return [`rules:${e.data.dataSource}`, `datasource:${e.data.dataSource}`];
    case 'DataSourceMetadataReset':
    case 'CompactionConfigSet':
      return [`datasource:${e.data.dataSource}`];
  }
}

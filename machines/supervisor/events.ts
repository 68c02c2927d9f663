import type { Fact } from '../common.ts';

/** Per-partition stream sequence numbers. */
export type PartitionOffsets = Record<string, number>;

export type SupervisorSubmitted = Fact<'SupervisorSubmitted', { supervisorId: string; dataSource: string; spec: unknown }>;
export type SupervisorStarted = Fact<'SupervisorStarted', { supervisorId: string }>;
export type SupervisorSuspended = Fact<'SupervisorSuspended', { supervisorId: string }>;
export type SupervisorResumed = Fact<'SupervisorResumed', { supervisorId: string }>;
export type SupervisorReset = Fact<'SupervisorReset', { supervisorId: string }>;
export type SupervisorTerminated = Fact<'SupervisorTerminated', { supervisorId: string }>;
export type SupervisorUnhealthy = Fact<'SupervisorUnhealthy', { supervisorId: string; reason: string }>;
export type SupervisorHealthy = Fact<'SupervisorHealthy', { supervisorId: string }>;
export type TaskGroupLaunched = Fact<'TaskGroupLaunched', { supervisorId: string; groupId: string; taskIds: string[]; partitions: string[]; startOffsets: PartitionOffsets }>;
export type TaskGroupPublishing = Fact<'TaskGroupPublishing', { supervisorId: string; groupId: string; endOffsets: PartitionOffsets }>;
export type TaskGroupCompleted = Fact<'TaskGroupCompleted', { supervisorId: string; groupId: string }>;
export type TaskGroupStopped = Fact<'TaskGroupStopped', { supervisorId: string; groupId: string; reason: string }>;

export type SupervisorEvent =
  | SupervisorSubmitted
  | SupervisorStarted
  | SupervisorSuspended
  | SupervisorResumed
  | SupervisorReset
  | SupervisorTerminated
  | SupervisorUnhealthy
  | SupervisorHealthy
  | TaskGroupLaunched
  | TaskGroupPublishing
  | TaskGroupCompleted
  | TaskGroupStopped;

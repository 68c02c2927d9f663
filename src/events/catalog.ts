import type { SegmentEvent } from '../../machines/segment/events.ts';
import type { ReplicaEvent } from '../../machines/replica/events.ts';
import type { TaskEvent } from '../../machines/task/events.ts';
import type { LockEvent } from '../../machines/lock/events.ts';
import type { HandoffEvent } from '../../machines/handoff/events.ts';
import type { SupervisorEvent } from '../../machines/supervisor/events.ts';
import type { CompactionEvent, DataSourceEvent, RulesEvent, ServerEvent } from './cluster-events.ts';

/** Every fact grove records. */
export type GroveEvent =
  | SegmentEvent
  | ReplicaEvent
  | TaskEvent
  | LockEvent
  | HandoffEvent
  | SupervisorEvent
  | ServerEvent
  | RulesEvent
  | DataSourceEvent
  | CompactionEvent;

export type EventType = GroveEvent['type'];
export type EventOf<T extends EventType> = Extract<GroveEvent, { type: T }>;
export type EventData<T extends EventType> = EventOf<T>['data'];

/** An event as a writer proposes it: the metastore stamps `at` and `seq`. */
export type NewEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

export type Aggregate =
  | 'segment' | 'replica' | 'task' | 'lock' | 'handoff' | 'supervisor'
  | 'server' | 'rules' | 'datasource' | 'compaction';

/** Each event type's aggregate: it names the subject `grove.event.<aggregate>.<type>`. */
export const AGGREGATE_OF: { readonly [T in EventType]: Aggregate } = {
  SegmentAllocated: 'segment', SegmentsPublished: 'segment', SegmentsMarkedUnused: 'segment',
  SegmentsMarkedUsed: 'segment', SegmentsAbandoned: 'segment', SegmentsKilled: 'segment',
  ReplicaAssigned: 'replica', ReplicaLoadStarted: 'replica', ReplicaLoaded: 'replica',
  ReplicaLoadFailed: 'replica', ReplicaDropRequested: 'replica', ReplicaDropped: 'replica',
  TaskSubmitted: 'task', TaskAssigned: 'task', TaskWaitingForLock: 'task', TaskStarted: 'task',
  TaskPublishing: 'task', TaskAwaitingHandoff: 'task', TaskSucceeded: 'task', TaskFailed: 'task', TaskCanceled: 'task',
  LockRequested: 'lock', LockGranted: 'lock', LockRejected: 'lock', LockRevoked: 'lock', LockReleased: 'lock',
  HandoffStarted: 'handoff', HandoffCompleted: 'handoff', HandoffTimedOut: 'handoff',
  SupervisorSubmitted: 'supervisor', SupervisorStarted: 'supervisor', SupervisorSuspended: 'supervisor',
  SupervisorResumed: 'supervisor', SupervisorReset: 'supervisor', SupervisorTerminated: 'supervisor',
  SupervisorUnhealthy: 'supervisor', SupervisorHealthy: 'supervisor', TaskGroupLaunched: 'supervisor',
  TaskGroupPublishing: 'supervisor', TaskGroupCompleted: 'supervisor', TaskGroupStopped: 'supervisor',
  ServerJoined: 'server', ServerLeft: 'server',
  RulesSet: 'rules',
  DataSourceMetadataReset: 'datasource',
  CompactionConfigSet: 'compaction',
};

export const EVENT_TYPES = Object.keys(AGGREGATE_OF) as EventType[];

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.hasOwn(AGGREGATE_OF, type);
}

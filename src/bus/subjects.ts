/**
 * Every NATS subject grove uses. Nothing else spells a subject: actors, clients, tests and
 * nats.conf's permissions follow these names (the `grove.api.` ones are the public contract).
 */

/** Public request/reply API (users `client`, some read-only ones for `viewer`). */
export const API = {
  taskSubmit: 'grove.api.task.submit',
  taskStatus: 'grove.api.task.status',
  taskList: 'grove.api.task.list',
  taskCancel: 'grove.api.task.cancel',
  taskReport: 'grove.api.task.report',
  query: 'grove.api.query',
  segmentList: 'grove.api.segment.list',
  segmentMarkUsed: 'grove.api.segment.markUsed',
  segmentMarkUnused: 'grove.api.segment.markUnused',
  datasourceList: 'grove.api.datasource.list',
  rulesGet: 'grove.api.rules.get',
  rulesSet: 'grove.api.rules.set',
  rulesHistory: 'grove.api.rules.history',
  compactionSet: 'grove.api.compaction.set',
  compactionGet: 'grove.api.compaction.get',
  supervisorSubmit: 'grove.api.supervisor.submit',
  supervisorStatus: 'grove.api.supervisor.status',
  supervisorList: 'grove.api.supervisor.list',
  supervisorSuspend: 'grove.api.supervisor.suspend',
  supervisorResume: 'grove.api.supervisor.resume',
  supervisorReset: 'grove.api.supervisor.reset',
  supervisorTerminate: 'grove.api.supervisor.terminate',
  logRead: 'grove.api.log.read',
  logTail: 'grove.api.log.tail',
  replayState: 'grove.api.replay.state',
  replayExplain: 'grove.api.replay.explain',
  replayDiff: 'grove.api.replay.diff',
  replayCounts: 'grove.api.replay.counts',
  replaySearch: 'grove.api.replay.search',
  machinesList: 'grove.api.machines.list',
  status: 'grove.api.status',
} as const;

export type ApiSubject = (typeof API)[keyof typeof API];
export const API_SUBJECTS: ReadonlySet<string> = new Set(Object.values(API));
export const API_PREFIX = 'grove.api.';
export const API_WILDCARD = 'grove.api.>';

/** Internal subjects between actors (user `actor` only). */
export const INTERNAL = {
  metaAppend: 'grove.meta.append',
  metaSnapshot: 'grove.meta.snapshot',
  overlordAllocate: 'grove.overlord.allocate',
  overlordPublish: 'grove.overlord.publish',
  overlordLockAcquire: 'grove.overlord.lock.acquire',
  overlordLockRelease: 'grove.overlord.lock.release',
  overlordTaskUpdate: 'grove.overlord.task.update',
  /** Streaming tasks (`index_nats`) that supervisors start: not in the public API. */
  overlordTaskSubmit: 'grove.overlord.task.submit',
  /** Published segments with their descriptors, for tasks that read or delete them (compact, kill). */
  coordinatorSegments: 'grove.coordinator.segments',
} as const;

/** Every committed event: `grove.event.<aggregate>.<type>`. */
export const EVENT_WILDCARD = 'grove.event.>';
export const eventSubject = (aggregate: string, type: string): string => `grove.event.${aggregate}.${type}`;

/** A data server (historical or realtime task) by id: load, drop, query. */
export const node = {
  load: (id: string) => `grove.node.${id}.load`,
  drop: (id: string) => `grove.node.${id}.drop`,
  query: (id: string) => `grove.node.${id}.query`,
};

/** An indexer by id: run and stop tasks. */
export const indexer = {
  run: (id: string) => `grove.indexer.${id}.run`,
  stop: (id: string) => `grove.indexer.${id}.stop`,
};

/** Progress of a running task (rows read, bytes, rows/s): not logged, just published. */
export const taskProgress = (taskId: string): string => `grove.task.${taskId}.progress`;
/** Every task's progress: clients and viewers may follow it (nats.conf). */
export const TASK_PROGRESS_WILDCARD = 'grove.task.*.progress';

/**
 * A streaming task's controls, for its supervisor (Druid's getCurrentOffsets / setEndOffsets).
 * Bodies: src/streaming/task-protocol.ts.
 */
export const streamingTask = {
  offsets: (taskId: string) => `grove.task.${taskId}.offsets`,
  finish: (taskId: string) => `grove.task.${taskId}.finish`,
};

/** Liveness beacons of servers: `grove.heartbeat.<kind>.<id>`. */
export const heartbeat = (kind: string, id: string): string => `grove.heartbeat.${kind}.${id}`;
export const HEARTBEAT_WILDCARD = 'grove.heartbeat.>';

/** Rows pushed by producers (Tranquility's role): `grove.push.<dataSource>`. */
export const push = (dataSource: string): string => `grove.push.${dataSource}`;
export const PUSH_WILDCARD = 'grove.push.>';

/** A subject token must not contain separators or wildcards. */
export function isSubjectToken(s: string): boolean {
  return s.length > 0 && !/[\s.*>]/.test(s);
}

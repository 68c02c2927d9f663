import { z } from 'zod';
import type { EventType } from './catalog.ts';

/**
 * The shape of every event's data. The metastore refuses an event that does not match, so a
 * malformed command can never put into the log what a projection could not fold.
 */

const id = z.string().min(1);
const iso = z.string().regex(/^[^/]+\/[^/]+$/, 'expected an ISO-8601 interval "start/end"');
const count = z.number().int().nonnegative();
const offsets = z.record(z.string(), z.number().int());

const shardSpec = z.discriminatedUnion('type', [
  z.object({ type: z.literal('numbered'), partitionNum: count, partitions: count }),
  z.object({ type: z.literal('hashed'), partitionNum: count, partitions: count, partitionDimensions: z.array(z.string()), numBuckets: count, bucketId: count }),
  z.object({ type: z.literal('range'), partitionNum: count, partitions: count, partitionDimensions: z.array(z.string()), start: z.array(z.string().nullable()).nullable(), end: z.array(z.string().nullable()).nullable() }),
]);
const allocated = z.object({ id, dataSource: id, interval: iso, version: id, partitionNum: count, shardSpec });
const descriptor = allocated.extend({
  dimensions: z.array(z.string()),
  metrics: z.array(z.string()),
  rows: count,
  size: count,
  loadSpec: z.object({ type: z.literal('local'), path: z.string() }),
  checksum: z.string(),
});
/** A published segment's descriptor, as events and requests carry it. */
export const segmentDescriptorSchema = descriptor;
/** Stream offsets committed with a publish: per partition, from `start` to `end`. */
export const commitSchema = z.object({ stream: id, start: offsets, end: offsets });
const rowStats = z.object({ processed: count, processedWithError: count, unparseable: count, thrownAway: count });
export const taskReportSchema = z.object({
  rowStats,
  parseErrors: z.array(z.object({ line: z.number(), input: z.string().optional(), reason: z.string() })),
  segments: count,
});
const replica = { dataSource: id, segmentId: id, serverId: id };
const segmentIds = { dataSource: id, segmentIds: z.array(id).min(1) };
const supervisor = { supervisorId: id };
const lockType = z.enum(['EXCLUSIVE', 'SHARED', 'APPEND', 'REPLACE']);
const taskType = z.enum(['index_parallel', 'index', 'compact', 'kill', 'index_nats']);
const rule = z.looseObject({ type: z.string() });

// A streaming task that read only rows it threw away still moves its offsets: it commits them alone.
const publishesSomething = (d: { segments: unknown[]; commit?: unknown }): boolean => d.segments.length > 0 || d.commit !== undefined;

/**
 * The schemas' refinements, which JSON Schema cannot say (event-data-check.ts checks them beside
 * the schemas compiled from these). Every `.refine` above is listed here.
 */
export const EVENT_DATA_REFINEMENTS: { readonly [T in EventType]?: (data: never) => boolean } = {
  SegmentsPublished: publishesSomething,
};

export const EVENT_DATA_SCHEMAS: { readonly [T in EventType]: z.ZodType } = {
  SegmentAllocated: z.object({ segment: allocated, taskId: id, lockId: id, sequenceName: z.string(), previousSegmentId: z.string().nullable(), realtime: z.boolean() }),
  SegmentsPublished: z.object({
    dataSource: id, taskId: id, segments: z.array(descriptor),
    commit: z.object({ stream: id, start: offsets, end: offsets }).optional(),
  }).refine(publishesSomething, { path: ['segments'], message: 'at least one segment is required, unless the publish commits stream offsets' }),
  SegmentsMarkedUnused: z.object({ ...segmentIds, reason: z.enum(['overshadowed', 'rule', 'manual', 'dropExisting']) }),
  SegmentsMarkedUsed: z.object({ ...segmentIds, reason: z.literal('manual') }),
  SegmentsAbandoned: z.object({ ...segmentIds, taskId: id, reason: z.string() }),
  SegmentsKilled: z.object({ ...segmentIds, taskId: id }),

  ReplicaAssigned: z.object({ ...replica, tier: id, reason: z.enum(['rule', 'balance', 'rereplicate', 'broadcast']) }),
  ReplicaLoadStarted: z.object(replica),
  ReplicaLoaded: z.object({ ...replica, fromCache: z.boolean().optional(), realtime: z.boolean().optional() }),
  ReplicaLoadFailed: z.object({ ...replica, reason: z.string() }),
  ReplicaDropRequested: z.object({ ...replica, reason: z.enum(['rule', 'unused', 'balance', 'handoff']) }),
  ReplicaDropped: z.object({ ...replica, reason: z.string().optional() }),

  TaskSubmitted: z.object({ taskId: id, taskType, dataSource: id, groupId: id, priority: z.number().int(), realtime: z.boolean(), spec: z.unknown() }),
  TaskAssigned: z.object({ taskId: id, indexerId: id }),
  TaskWaitingForLock: z.object({ taskId: id, lockId: id }),
  TaskStarted: z.object({ taskId: id, indexerId: id }),
  TaskPublishing: z.object({ taskId: id }),
  TaskAwaitingHandoff: z.object({ taskId: id, segmentIds: z.array(id) }),
  TaskSucceeded: z.object({ taskId: id, report: taskReportSchema }),
  TaskFailed: z.object({ taskId: id, error: z.string(), code: z.string().optional(), report: taskReportSchema.optional() }),
  TaskCanceled: z.object({ taskId: id, reason: z.string() }),

  LockRequested: z.object({ lockId: id, taskId: id, groupId: id, dataSource: id, interval: iso, lockType, priority: z.number().int(), deadline: z.number() }),
  LockGranted: z.object({ lockId: id, version: id }),
  LockRejected: z.object({ lockId: id, reason: z.string() }),
  LockRevoked: z.object({ lockId: id, byTaskId: id, byLockId: id }),
  LockReleased: z.object({ lockId: id, reason: z.string() }),

  HandoffStarted: z.object({ dataSource: id, segmentId: id, taskId: id, deadline: z.number() }),
  HandoffCompleted: z.object({ dataSource: id, segmentId: id, taskId: id, serverId: id }),
  HandoffTimedOut: z.object({ dataSource: id, segmentId: id, taskId: id }),

  SupervisorSubmitted: z.object({ ...supervisor, dataSource: id, spec: z.unknown() }),
  SupervisorStarted: z.object(supervisor),
  SupervisorSuspended: z.object(supervisor),
  SupervisorResumed: z.object(supervisor),
  SupervisorReset: z.object(supervisor),
  SupervisorTerminated: z.object(supervisor),
  SupervisorUnhealthy: z.object({ ...supervisor, reason: z.string() }),
  SupervisorHealthy: z.object(supervisor),
  TaskGroupLaunched: z.object({ ...supervisor, groupId: id, taskIds: z.array(id), partitions: z.array(z.string()), startOffsets: offsets }),
  TaskGroupPublishing: z.object({ ...supervisor, groupId: id, endOffsets: offsets }),
  TaskGroupCompleted: z.object({ ...supervisor, groupId: id }),
  TaskGroupStopped: z.object({ ...supervisor, groupId: id, reason: z.string() }),

  ServerJoined: z.object({ serverId: id, kind: z.enum(['historical', 'indexer', 'broker', 'coordinator', 'overlord', 'metastore', 'supervisor']), tier: z.string(), capacity: z.number().nonnegative() }),
  ServerLeft: z.object({ serverId: id, reason: z.string() }),
  RulesSet: z.object({ dataSource: id, rules: z.array(rule), comment: z.string().optional() }),
  DataSourceMetadataReset: z.object({ dataSource: id, stream: id }),
  CompactionConfigSet: z.object({ dataSource: id, config: z.record(z.string(), z.unknown()).nullable() }),
};

import { assertEvent, assign, setup } from 'xstate';
import type { IsoInterval } from '../common.ts';
import type { SegmentDescriptor, SegmentMachineEvent, SegmentsMarkedUnused, ShardSpec } from './events.ts';

export interface SegmentContext {
  id: string;
  dataSource: string;
  interval: IsoInterval;
  version: string;
  partitionNum: number;
  /** The task that allocated or published it; null until then (the segment does not exist yet). */
  taskId: string | null;
  realtime: boolean;
  /**
   * The sequence an appending task allocated it in, the segment before it there, and the shard spec
   * it was given: allocation is idempotent for the (sequence, previous) pair, so replicas of a task
   * get the same id. Null if it was not allocated.
   */
  allocation: { sequenceName: string; previousSegmentId: string | null; shardSpec: ShardSpec } | null;
  /** Who serves it: historicals and, while it is realtime, the task that builds it. */
  servers: string[];
  /** What the log recorded when it was published. */
  descriptor: SegmentDescriptor | null;
  unusedReason: SegmentsMarkedUnused['data']['reason'] | null;
  /** When it was last marked unused: kill honours a buffer period after it (Druid's `used_status_last_updated`). */
  unusedSince: number | null;
}

/** The seed's three axes (and `gone` for a segment that no longer exists), as tags on every state. */
export type SegmentTag = 'published' | 'unpublished' | 'available' | 'unavailable' | 'used' | 'unused' | 'gone';

const segment = setup({
  types: {
    context: {} as SegmentContext,
    events: {} as SegmentMachineEvent,
    input: {} as { id: string },
    tags: {} as SegmentTag,
  },
  guards: {
    isUnallocated: ({ context }) => context.taskId === null,
    isAllocated: ({ context }) => context.taskId !== null,
    isServed: ({ context }) => context.servers.length > 0,
    isNewServer: ({ context, event }) => {
      assertEvent(event, 'ReplicaLoaded');
      return !context.servers.includes(event.data.serverId);
    },
    /** Another realtime task of the builder's group, which builds the very same segment (a replica). */
    isNewRealtimeReplica: ({ context, event }) => {
      assertEvent(event, 'ReplicaLoaded');
      return context.realtime && event.data.realtime === true && !context.servers.includes(event.data.serverId);
    },
    isLastServer: ({ context, event }) => {
      assertEvent(event, 'ReplicaDropped');
      return context.servers.length === 1 && context.servers[0] === event.data.serverId;
    },
  },
  actions: {
    recordAllocation: assign(({ event }) => {
      assertEvent(event, 'SegmentAllocated');
      const { segment: s, taskId, realtime, sequenceName, previousSegmentId } = event.data;
      return {
        dataSource: s.dataSource,
        interval: s.interval,
        version: s.version,
        partitionNum: s.partitionNum,
        taskId,
        realtime,
        allocation: { sequenceName, previousSegmentId, shardSpec: s.shardSpec },
        servers: realtime ? [taskId] : [],
      };
    }),
    recordPublication: assign(({ context, event }) => {
      assertEvent(event, 'SegmentsPublished');
      const descriptor = event.data.segments.find((s) => s.id === context.id) ?? null;
      if (descriptor === null) throw new Error(`SegmentsPublished does not name segment ${context.id}`);
      return {
        dataSource: descriptor.dataSource,
        interval: descriptor.interval,
        version: descriptor.version,
        partitionNum: descriptor.partitionNum,
        taskId: event.data.taskId,
        descriptor,
      };
    }),
    addServer: assign(({ context, event }) => {
      assertEvent(event, 'ReplicaLoaded');
      return { servers: [...context.servers, event.data.serverId].sort() };
    }),
    removeServer: assign(({ context, event }) => {
      assertEvent(event, 'ReplicaDropped');
      return { servers: context.servers.filter((s) => s !== event.data.serverId) };
    }),
    recordUnused: assign(({ event }) => {
      assertEvent(event, 'SegmentsMarkedUnused');
      return { unusedReason: event.data.reason, unusedSince: event.at };
    }),
    recordUsed: assign({ unusedReason: null, unusedSince: null }),
    // An abandoned segment's task copy is gone with its task.
    forgetServers: assign({ servers: [] }),
  },
});

/**
 * Availability is the same inside `used` and `unused`: served while at least one server serves it.
 * A server that leaves drops the replicas it was still loading too, so a drop from a server that
 * does not serve the segment is legal and changes nothing; the replica machine judges it.
 * Only an unused segment that nobody serves may be killed.
 */
const availability = ({ killable }: { killable: boolean }) => segment.createStateConfig({
  initial: 'unavailable',
  states: {
    available: {
      tags: 'available',
      on: {
        ReplicaLoaded: { guard: 'isNewServer', actions: 'addServer' },
        ReplicaDropped: [
          { guard: 'isLastServer', target: 'unavailable', actions: 'removeServer' },
          { actions: 'removeServer' },
        ],
      },
    },
    unavailable: {
      tags: 'unavailable',
      on: {
        ReplicaLoaded: { target: 'available', actions: 'addServer' },
        ReplicaDropped: { actions: 'removeServer' },
        ...(killable ? { SegmentsKilled: { target: '#segment.killed' } } : {}),
      },
    },
  },
});

/**
 * One segment's lifecycle, the seed's five states as `building` and `published.{used,unused}.
 * {available,unavailable}`; "unpublished and unavailable" has no state. Pure.
 */
export const segmentMachine = segment.createMachine({
  id: 'segment',
  context: ({ input }) => ({
    id: input.id,
    dataSource: '',
    interval: '',
    version: '',
    partitionNum: 0,
    taskId: null,
    realtime: false,
    allocation: null,
    servers: [],
    descriptor: null,
    unusedReason: null,
    unusedSince: null,
  }),
  initial: 'building',
  states: {
    /**
     * Unpublished and available on the tasks that build it. An overwriting task publishes without
     * allocating. The replicas of a realtime task group build the same segment, each serving it
     * from its allocation until it stops.
     */
    building: {
      tags: ['unpublished', 'available'],
      on: {
        SegmentAllocated: { guard: 'isUnallocated', actions: 'recordAllocation' },
        ReplicaLoaded: { guard: 'isNewRealtimeReplica', actions: 'addServer' },
        ReplicaDropped: { guard: 'isAllocated', actions: 'removeServer' },
        SegmentsPublished: [
          { guard: 'isServed', target: 'published.used.available', actions: 'recordPublication' },
          { target: 'published.used.unavailable', actions: 'recordPublication' },
        ],
        SegmentsAbandoned: { guard: 'isAllocated', target: 'abandoned', actions: 'forgetServers' },
      },
    },
    published: {
      tags: 'published',
      initial: 'used',
      states: {
        used: {
          tags: 'used',
          ...availability({ killable: false }),
          on: {
            SegmentsMarkedUnused: [
              { guard: 'isServed', target: 'unused.available', actions: 'recordUnused' },
              { target: 'unused.unavailable', actions: 'recordUnused' },
            ],
          },
        },
        unused: {
          tags: 'unused',
          ...availability({ killable: true }),
          on: {
            SegmentsMarkedUsed: [
              { guard: 'isServed', target: 'used.available', actions: 'recordUsed' },
              { target: 'used.unavailable', actions: 'recordUsed' },
            ],
          },
        },
      },
    },
    /** An unpublished segment whose task ended: it never existed anywhere else. */
    abandoned: { type: 'final', tags: 'gone' },
    /** Deleted from deep storage and the metadata for good. */
    killed: { type: 'final', tags: 'gone' },
  },
});

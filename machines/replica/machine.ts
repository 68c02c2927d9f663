import { assertEvent, assign, setup } from 'xstate';
import type { ReplicaAssigned, ReplicaDropRequested, ReplicaEvent } from './events.ts';

export interface ReplicaContext {
  /** `segmentId@serverId`. */
  id: string;
  dataSource: string;
  segmentId: string;
  serverId: string;
  /** The tier it was assigned on; null while never assigned (a re-announced or realtime copy). */
  tier: string | null;
  assignReason: ReplicaAssigned['data']['reason'] | null;
  dropReason: ReplicaDropRequested['data']['reason'] | null;
  failure: string | null;
}

const replica = setup({
  types: {
    context: {} as ReplicaContext,
    events: {} as ReplicaEvent,
    input: {} as { id: string },
  },
  guards: {
    isUnassigned: ({ context }) => context.tier === null,
    isAssigned: ({ context }) => context.tier !== null,
  },
  actions: {
    recordAssignment: assign(({ event }) => {
      assertEvent(event, 'ReplicaAssigned');
      const { dataSource, segmentId, serverId, tier, reason } = event.data;
      return { dataSource, segmentId, serverId, tier, assignReason: reason, dropReason: null, failure: null };
    }),
    // A replica may come into being by being served or dropped, never assigned: name what it is.
    recordServer: assign(({ event }) => {
      const { dataSource, segmentId, serverId } = event.data;
      return { dataSource, segmentId, serverId };
    }),
    recordDropRequest: assign(({ event }) => {
      assertEvent(event, 'ReplicaDropRequested');
      return { dropReason: event.data.reason };
    }),
    recordFailure: assign(({ event }) => {
      assertEvent(event, 'ReplicaLoadFailed');
      return { failure: event.data.reason };
    }),
  },
});

/**
 * One segment on one server. Only a served replica is dropped on request (a load in progress
 * finishes or fails first); a server that leaves drops every replica it had, whatever its state;
 * a restarted historical re-announces what its cache holds, assigned or not. Pure.
 */
export const replicaMachine = replica.createMachine({
  id: 'replica',
  context: ({ input }) => ({
    id: input.id,
    dataSource: '',
    segmentId: '',
    serverId: '',
    tier: null,
    assignReason: null,
    dropReason: null,
    failure: null,
  }),
  initial: 'assigned',
  states: {
    assigned: {
      on: {
        ReplicaAssigned: { guard: 'isUnassigned', actions: 'recordAssignment' },
        ReplicaLoadStarted: { guard: 'isAssigned', target: 'loading' },
        ReplicaLoaded: { target: 'loaded', actions: 'recordServer' },
        ReplicaLoadFailed: { guard: 'isAssigned', target: 'failed', actions: 'recordFailure' },
        ReplicaDropped: { target: 'dropped', actions: 'recordServer' },
      },
    },
    loading: {
      on: {
        ReplicaLoaded: { target: 'loaded' },
        ReplicaLoadFailed: { target: 'failed', actions: 'recordFailure' },
        ReplicaDropped: { target: 'dropped' },
      },
    },
    loaded: {
      on: {
        ReplicaDropRequested: { target: 'dropping', actions: 'recordDropRequest' },
        ReplicaDropped: { target: 'dropped' },
      },
    },
    dropping: {
      on: { ReplicaDropped: { target: 'dropped' } },
    },
    dropped: {
      on: {
        ReplicaAssigned: { target: 'assigned', actions: 'recordAssignment' },
        ReplicaLoaded: { target: 'loaded' },
      },
    },
    failed: {
      on: { ReplicaAssigned: { target: 'assigned', actions: 'recordAssignment' } },
    },
  },
});

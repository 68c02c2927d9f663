import { assertEvent, assign, setup } from 'xstate';
import type { SupervisorEvent } from './events.ts';

export interface SupervisorContext {
  id: string;
  dataSource: string;
  /** The supervisor spec as last submitted. */
  spec: unknown;
  /** Null until submitted (the supervisor does not exist yet). */
  submittedAt: number | null;
  /** Task groups launched and not yet completed or stopped. */
  groups: string[];
  /** Those of `groups` that are publishing. */
  publishingGroups: string[];
  unhealthyReason: string | null;
  lastResetAt: number | null;
}

const groupOf = (event: SupervisorEvent): string => {
  assertEvent(event, ['TaskGroupLaunched', 'TaskGroupPublishing', 'TaskGroupCompleted', 'TaskGroupStopped']);
  return event.data.groupId;
};

const supervisor = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as { id: string },
  },
  guards: {
    isSubmitted: ({ context }) => context.submittedAt !== null,
    isNewGroup: ({ context, event }) => !context.groups.includes(groupOf(event)),
    isReadingGroup: ({ context, event }) => {
      const group = groupOf(event);
      return context.groups.includes(group) && !context.publishingGroups.includes(group);
    },
    isKnownGroup: ({ context, event }) => context.groups.includes(groupOf(event)),
    isPublishingGroup: ({ context, event }) => context.publishingGroups.includes(groupOf(event)),
    isLastPublishingGroup: ({ context, event }) =>
      context.publishingGroups.length === 1 && context.publishingGroups[0] === groupOf(event),
    hasPublishingGroups: ({ context }) => context.publishingGroups.length > 0,
  },
  actions: {
    recordSpec: assign(({ event }) => {
      assertEvent(event, 'SupervisorSubmitted');
      return { dataSource: event.data.dataSource, spec: event.data.spec, submittedAt: event.at };
    }),
    addGroup: assign(({ context, event }) => ({ groups: [...context.groups, groupOf(event)] })),
    markPublishing: assign(({ context, event }) => ({ publishingGroups: [...context.publishingGroups, groupOf(event)] })),
    removeGroup: assign(({ context, event }) => {
      const group = groupOf(event);
      return {
        groups: context.groups.filter((g) => g !== group),
        publishingGroups: context.publishingGroups.filter((g) => g !== group),
      };
    }),
    recordUnhealthy: assign(({ event }) => {
      assertEvent(event, 'SupervisorUnhealthy');
      return { unhealthyReason: event.data.reason };
    }),
    forgetUnhealthy: assign({ unhealthyReason: null }),
    recordReset: assign(({ event }) => ({ lastResetAt: event.at })),
  },
});

/** Once submitted and until terminated, a supervisor can be resubmitted, reset or terminated. */
const control = {
  SupervisorSubmitted: { actions: 'recordSpec' },
  SupervisorReset: { actions: 'recordReset' },
  SupervisorTerminated: { target: '#supervisor.stopped' },
} as const;

/** While it runs, it launches task groups, and can be suspended or found unhealthy. */
const managing = {
  TaskGroupLaunched: { guard: 'isNewGroup', actions: 'addGroup' },
  SupervisorSuspended: { target: '#supervisor.suspended' },
  SupervisorUnhealthy: { target: '#supervisor.unhealthy', actions: 'recordUnhealthy' },
} as const;

/** Suspended or unhealthy, it launches nothing, but the groups it has still publish and end. */
const windingDown = {
  TaskGroupPublishing: { guard: 'isReadingGroup', actions: 'markPublishing' },
  TaskGroupCompleted: { guard: 'isPublishingGroup', actions: 'removeGroup' },
  TaskGroupStopped: { guard: 'isKnownGroup', actions: 'removeGroup' },
} as const;

/**
 * A streaming supervisor: it keeps task groups reading a stream, and is `publishing` while any of
 * them publishes. Terminated is final. Pure.
 */
export const supervisorMachine = supervisor.createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    id: input.id,
    dataSource: '',
    spec: null,
    submittedAt: null,
    groups: [],
    publishingGroups: [],
    unhealthyReason: null,
    lastResetAt: null,
  }),
  initial: 'pending',
  states: {
    pending: {
      on: {
        SupervisorSubmitted: { actions: 'recordSpec' },
        SupervisorStarted: { guard: 'isSubmitted', target: 'running' },
        // Druid accepts a spec submitted suspended.
        SupervisorSuspended: { guard: 'isSubmitted', target: 'suspended' },
        SupervisorTerminated: { guard: 'isSubmitted', target: 'stopped' },
      },
    },
    running: {
      on: {
        ...control,
        ...managing,
        TaskGroupPublishing: { guard: 'isReadingGroup', target: 'publishing', actions: 'markPublishing' },
        TaskGroupStopped: { guard: 'isKnownGroup', actions: 'removeGroup' },
      },
    },
    publishing: {
      on: {
        ...control,
        ...managing,
        TaskGroupPublishing: { guard: 'isReadingGroup', actions: 'markPublishing' },
        TaskGroupCompleted: [
          { guard: 'isLastPublishingGroup', target: 'running', actions: 'removeGroup' },
          { guard: 'isPublishingGroup', actions: 'removeGroup' },
        ],
        TaskGroupStopped: [
          { guard: 'isLastPublishingGroup', target: 'running', actions: 'removeGroup' },
          { guard: 'isKnownGroup', actions: 'removeGroup' },
        ],
      },
    },
    suspended: {
      on: {
        ...control,
        ...windingDown,
        SupervisorResumed: [{ guard: 'hasPublishingGroups', target: 'publishing' }, { target: 'running' }],
      },
    },
    unhealthy: {
      on: {
        ...control,
        ...windingDown,
        SupervisorHealthy: [
          { guard: 'hasPublishingGroups', target: 'publishing', actions: 'forgetUnhealthy' },
          { target: 'running', actions: 'forgetUnhealthy' },
        ],
        SupervisorSuspended: { target: 'suspended', actions: 'forgetUnhealthy' },
      },
    },
    stopped: { type: 'final' },
  },
});

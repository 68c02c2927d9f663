import { assertEvent, assign, setup } from 'xstate';
import type { PartitionOffsets, SupervisorEvent } from './events.ts';

/** One task group as its facts recorded it: what its replicas read, from when, and up to where. */
export interface TaskGroupRecord {
  taskIds: string[];
  partitions: string[];
  startOffsets: PartitionOffsets;
  launchedAt: number;
  /** When the spec it was launched with was submitted: a later submission finishes it early. */
  specAt: number;
  /** Set once it publishes: the offsets its replicas read up to (exclusive). */
  endOffsets: PartitionOffsets | null;
  publishingAt: number | null;
}

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
  /** Each of `groups`, as launched and (once publishing) with its end offsets. */
  taskGroups: Record<string, TaskGroupRecord>;
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
    addGroup: assign(({ context, event }) => {
      assertEvent(event, 'TaskGroupLaunched');
      const { groupId, taskIds, partitions, startOffsets } = event.data;
      const record: TaskGroupRecord = { taskIds, partitions, startOffsets, launchedAt: event.at, specAt: context.submittedAt ?? event.at, endOffsets: null, publishingAt: null };
      return { groups: [...context.groups, groupId], taskGroups: { ...context.taskGroups, [groupId]: record } };
    }),
    markPublishing: assign(({ context, event }) => {
      assertEvent(event, 'TaskGroupPublishing');
      const { groupId, endOffsets } = event.data;
      const record = { ...context.taskGroups[groupId]!, endOffsets, publishingAt: event.at };
      return { publishingGroups: [...context.publishingGroups, groupId], taskGroups: { ...context.taskGroups, [groupId]: record } };
    }),
    removeGroup: assign(({ context, event }) => {
      const group = groupOf(event);
      const { [group]: _gone, ...taskGroups } = context.taskGroups;
      return {
        groups: context.groups.filter((g) => g !== group),
        publishingGroups: context.publishingGroups.filter((g) => g !== group),
        taskGroups,
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

/** Not running, it launches nothing, but the groups it has still publish and end. */
const windingDown = {
  TaskGroupPublishing: { guard: 'isReadingGroup', actions: 'markPublishing' },
  TaskGroupCompleted: { guard: 'isPublishingGroup', actions: 'removeGroup' },
  TaskGroupStopped: { guard: 'isKnownGroup', actions: 'removeGroup' },
} as const;

/**
 * A streaming supervisor: it keeps task groups reading a stream, and is `publishing` while any of
 * them publishes. Terminated, it launches nothing more (the groups it had still finish); a new
 * submission of the same id brings it back, pending, as Druid lets a terminated supervisor's id be
 * submitted again. Pure.
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
    taskGroups: {},
    unhealthyReason: null,
    lastResetAt: null,
  }),
  initial: 'pending',
  states: {
    pending: {
      on: {
        ...windingDown,
        SupervisorSubmitted: { actions: 'recordSpec' },
        // Resubmitted after a termination, it may still have groups publishing.
        SupervisorStarted: [{ guard: 'hasPublishingGroups', target: 'publishing' }, { guard: 'isSubmitted', target: 'running' }],
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
    stopped: {
      on: {
        ...windingDown,
        SupervisorSubmitted: { target: 'pending', actions: 'recordSpec' },
      },
    },
  },
});

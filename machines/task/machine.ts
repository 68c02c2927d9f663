import { assertEvent, assign, setup } from 'xstate';
import type { TaskEvent, TaskReport, TaskType } from './events.ts';

export interface TaskContext {
  id: string;
  /** Null until the task is submitted (the task does not exist yet). */
  taskType: TaskType | null;
  dataSource: string;
  groupId: string;
  priority: number;
  realtime: boolean;
  /** Druid's `createdTime`. */
  submittedAt: number | null;
  indexerId: string | null;
  error: string | null;
  /** An API error code for the failure, e.g. `lock_preempted`. */
  errorCode: string | null;
  report: TaskReport | null;
}

const task = setup({
  types: {
    context: {} as TaskContext,
    events: {} as TaskEvent,
    input: {} as { id: string },
  },
  guards: {
    isUnsubmitted: ({ context }) => context.submittedAt === null,
    isSubmitted: ({ context }) => context.submittedAt !== null,
    isRealtime: ({ context }) => context.realtime,
  },
  actions: {
    recordSubmission: assign(({ event }) => {
      assertEvent(event, 'TaskSubmitted');
      const { taskType, dataSource, groupId, priority, realtime } = event.data;
      return { taskType, dataSource, groupId, priority, realtime, submittedAt: event.at };
    }),
    recordIndexer: assign(({ event }) => {
      assertEvent(event, ['TaskAssigned', 'TaskStarted']);
      return { indexerId: event.data.indexerId };
    }),
    recordReport: assign(({ event }) => {
      assertEvent(event, 'TaskSucceeded');
      return { report: event.data.report };
    }),
    recordFailure: assign(({ event }) => {
      assertEvent(event, 'TaskFailed');
      return { error: event.data.error, errorCode: event.data.code ?? null, report: event.data.report ?? null };
    }),
    recordCancellation: assign(({ event }) => {
      assertEvent(event, 'TaskCanceled');
      return { error: event.data.reason };
    }),
  },
});

/** A task may fail or be canceled in every state that has not ended. */
const endings = {
  TaskFailed: { target: '#task.failed', actions: 'recordFailure' },
  TaskCanceled: { target: '#task.canceled', actions: 'recordCancellation' },
} as const;

/**
 * One task's lifecycle. Locks are acquired before the task is handed to an indexer (Druid's
 * `isReady`), so a task may be assigned while it waits for a lock. Only a realtime task waits for
 * handoff after publishing. Pure.
 */
export const taskMachine = task.createMachine({
  id: 'task',
  context: ({ input }) => ({
    id: input.id,
    taskType: null,
    dataSource: '',
    groupId: '',
    priority: 0,
    realtime: false,
    submittedAt: null,
    indexerId: null,
    error: null,
    errorCode: null,
    report: null,
  }),
  initial: 'pending',
  states: {
    pending: {
      on: {
        TaskSubmitted: { guard: 'isUnsubmitted', actions: 'recordSubmission' },
        TaskAssigned: { guard: 'isSubmitted', actions: 'recordIndexer' },
        TaskWaitingForLock: { guard: 'isSubmitted', target: 'waitingForLock' },
        TaskStarted: { guard: 'isSubmitted', target: 'running', actions: 'recordIndexer' },
        TaskFailed: { guard: 'isSubmitted', target: 'failed', actions: 'recordFailure' },
        TaskCanceled: { guard: 'isSubmitted', target: 'canceled', actions: 'recordCancellation' },
      },
    },
    waitingForLock: {
      on: {
        TaskAssigned: { actions: 'recordIndexer' },
        TaskStarted: { target: 'running', actions: 'recordIndexer' },
        ...endings,
      },
    },
    running: {
      on: {
        TaskPublishing: { target: 'publishing' },
        // Tasks that publish nothing (kill, or no rows) succeed straight from running.
        TaskSucceeded: { target: 'succeeded', actions: 'recordReport' },
        ...endings,
      },
    },
    publishing: {
      on: {
        TaskAwaitingHandoff: { guard: 'isRealtime', target: 'awaitingHandoff' },
        TaskSucceeded: { target: 'succeeded', actions: 'recordReport' },
        ...endings,
      },
    },
    awaitingHandoff: {
      on: {
        TaskSucceeded: { target: 'succeeded', actions: 'recordReport' },
        ...endings,
      },
    },
    succeeded: { type: 'final' },
    failed: { type: 'final' },
    canceled: { type: 'final' },
  },
});

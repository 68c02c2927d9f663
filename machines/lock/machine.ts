import { assertEvent, assign, setup } from 'xstate';
import type { IsoInterval } from '../common.ts';
import type { LockEvent, LockType } from './events.ts';

/** Everything its request said (meaningful once `requestedAt` is set), and how it ended. */
export interface LockContext {
  id: string;
  taskId: string;
  groupId: string;
  dataSource: string;
  interval: IsoInterval;
  lockType: LockType;
  priority: number;
  /** Epoch ms after which a waiting request is rejected. */
  deadline: number;
  /** Null until requested (the lock does not exist yet). */
  requestedAt: number | null;
  /** The lock's version, set when granted. */
  version: string | null;
  revokedBy: { taskId: string; lockId: string } | null;
  /** Why it was rejected or released. */
  reason: string | null;
}

const lock = setup({
  types: {
    context: {} as LockContext,
    events: {} as LockEvent,
    input: {} as { id: string },
  },
  guards: {
    isUnrequested: ({ context }) => context.requestedAt === null,
    isRequested: ({ context }) => context.requestedAt !== null,
  },
  actions: {
    recordRequest: assign(({ event }) => {
      assertEvent(event, 'LockRequested');
      const { taskId, groupId, dataSource, interval, lockType, priority, deadline } = event.data;
      return { taskId, groupId, dataSource, interval, lockType, priority, deadline, requestedAt: event.at };
    }),
    recordVersion: assign(({ event }) => {
      assertEvent(event, 'LockGranted');
      return { version: event.data.version };
    }),
    recordReason: assign(({ event }) => {
      assertEvent(event, ['LockRejected', 'LockReleased']);
      return { reason: event.data.reason };
    }),
    recordRevocation: assign(({ event }) => {
      assertEvent(event, 'LockRevoked');
      return { revokedBy: { taskId: event.data.byTaskId, lockId: event.data.byLockId } };
    }),
  },
});

/**
 * One lock request of one task. A request waits until granted or rejected (refused, or its
 * deadline passed); a waiting request is released when its task ends. Only a granted lock can be
 * revoked, by a request of strictly higher priority. Pure.
 */
export const lockMachine = lock.createMachine({
  id: 'lock',
  context: ({ input }) => ({
    id: input.id,
    taskId: '',
    groupId: '',
    dataSource: '',
    interval: '',
    lockType: 'EXCLUSIVE',
    priority: 0,
    deadline: 0,
    requestedAt: null,
    version: null,
    revokedBy: null,
    reason: null,
  }),
  initial: 'requested',
  states: {
    requested: {
      on: {
        LockRequested: { guard: 'isUnrequested', actions: 'recordRequest' },
        LockGranted: { guard: 'isRequested', target: 'granted', actions: 'recordVersion' },
        LockRejected: { guard: 'isRequested', target: 'rejected', actions: 'recordReason' },
        LockReleased: { guard: 'isRequested', target: 'released', actions: 'recordReason' },
      },
    },
    granted: {
      on: {
        LockRevoked: { target: 'revoked', actions: 'recordRevocation' },
        LockReleased: { target: 'released', actions: 'recordReason' },
      },
    },
    released: { type: 'final' },
    revoked: { type: 'final' },
    rejected: { type: 'final' },
  },
});

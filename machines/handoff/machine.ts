import { assertEvent, assign, setup } from 'xstate';
import type { HandoffEvent } from './events.ts';

export interface HandoffContext {
  /** The segment handed off. */
  id: string;
  dataSource: string;
  taskId: string;
  /** Epoch ms after which a scheduler times the handoff out; null until started (it does not exist yet). */
  deadline: number | null;
  /** The historical that loaded the segment. */
  serverId: string | null;
}

const handoff = setup({
  types: {
    context: {} as HandoffContext,
    events: {} as HandoffEvent,
    input: {} as { id: string },
  },
  guards: {
    isUnstarted: ({ context }) => context.deadline === null,
    isStarted: ({ context }) => context.deadline !== null,
  },
  actions: {
    recordStart: assign(({ event }) => {
      assertEvent(event, 'HandoffStarted');
      const { dataSource, taskId, deadline } = event.data;
      return { dataSource, taskId, deadline };
    }),
    recordServer: assign(({ event }) => {
      assertEvent(event, 'HandoffCompleted');
      return { serverId: event.data.serverId };
    }),
  },
});

/** A realtime task waiting for a historical to load one segment it published. Pure. */
export const handoffMachine = handoff.createMachine({
  id: 'handoff',
  context: ({ input }) => ({ id: input.id, dataSource: '', taskId: '', deadline: null, serverId: null }),
  initial: 'waiting',
  states: {
    waiting: {
      on: {
        HandoffStarted: { guard: 'isUnstarted', actions: 'recordStart' },
        HandoffCompleted: { guard: 'isStarted', target: 'handedOff', actions: 'recordServer' },
        HandoffTimedOut: { guard: 'isStarted', target: 'timedOut' },
      },
    },
    handedOff: { type: 'final' },
    timedOut: { type: 'final' },
  },
});

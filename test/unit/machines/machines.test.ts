import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { MACHINE_KINDS, MACHINES } from '../../../machines/index.ts';
import { SAMPLES } from './facts.ts';
import { nameOf, offeredEdges, shortestPaths } from './paths.ts';

interface JsonTransition {
  eventType: string;
  /** A named guard or action is its name; an inline function would come out as null. */
  guard?: unknown;
  actions: unknown[];
}
interface JsonState {
  key: string;
  entry: unknown[];
  exit: unknown[];
  invoke: unknown[];
  transitions: JsonTransition[];
  states: Record<string, JsonState>;
}

/** The machine as a visualizer receives it: `toJSON()` through JSON, so functions are gone. */
const drawn = (machine: AnyStateMachine): JsonState => JSON.parse(JSON.stringify(machine.toJSON())) as JsonState;
const allStates = (s: JsonState): JsonState[] => [s, ...Object.values(s.states).flatMap(allStates)];
const allTransitions = (machine: AnyStateMachine) => allStates(drawn(machine)).flatMap((s) => s.transitions);
const liveNodes = (node: AnyStateNode): AnyStateNode[] => [node, ...Object.values(node.states).flatMap(liveNodes)];

describe.each(MACHINE_KINDS)('the %s machine', (kind) => {
  const machine: AnyStateMachine = MACHINES[kind];

  it('names every guard and action it uses, none inline, so that its drawing shows them', () => {
    const live = liveNodes(machine.root).flatMap((node) => [...node.transitions.values()].flat());
    expect(live.length).toBeGreaterThan(0);
    for (const t of live) {
      expect(t.guard === undefined || typeof t.guard === 'string', t.eventType).toBe(true);
      for (const action of t.actions) expect(typeof action, t.eventType).toBe('string');
    }
  });

  it('draws every guard and action it declares', () => {
    const transitions = allTransitions(machine);
    const guards = new Set(transitions.flatMap((t) => (t.guard === undefined ? [] : [t.guard])));
    const actions = new Set(transitions.flatMap((t) => t.actions));
    expect([...guards].sort()).toEqual(Object.keys(machine.implementations.guards).sort());
    expect([...actions].sort()).toEqual(Object.keys(machine.implementations.actions).sort());
  });

  it('has no timers, invocations, entry or exit actions, or eventless transitions', () => {
    for (const state of allStates(drawn(machine))) {
      expect([state.entry, state.exit, state.invoke], state.key).toEqual([[], [], []]);
      for (const t of state.transitions) expect(t.eventType, state.key).toMatch(/^[A-Z][A-Za-z]+$/);
    }
  });

  it('takes exactly the facts of its catalogue', () => {
    const sampled = new Set(SAMPLES[kind].map((f) => f.type));
    expect(new Set(allTransitions(machine).map((t) => t.eventType))).toEqual(sampled);
  });

  it('changes its snapshot with every fact it accepts, and leaves it as it was with every fact it rejects', () => {
    for (const { state, event, nextState } of offeredEdges(kind)) {
      expect(nextState !== state, `${nameOf(state)} ${event.type}`).toBe(state.can(event));
    }
  });

  it('keeps a context of plain data in every reachable snapshot', () => {
    for (const { state } of shortestPaths(kind)) expect(JSON.parse(JSON.stringify(state.context))).toStrictEqual(state.context);
  });
});

import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { MACHINES, type MachineKind } from '../../machines/index.ts';
import { refName, statePath } from './names.ts';

/** The transition a fact caused, as the chart draws it. */
export interface TransitionInfo {
  event: string;
  /** The state whose transition fired, e.g. `published.used`. */
  source: string;
  /** Where it went; empty for a transition that stays (it only updates the context). */
  targets: string[];
  /** The guard that let it through (null when it has none). */
  guard: string | null;
  /** Guards of the same event on the same state, tried before and refused, in order. */
  refused: string[];
  actions: string[];
}

/**
 * The transition `fact` takes from `snapshot` in the kind's machine, or null when the machine
 * does not take it. Pure: selects, executes nothing.
 */
export function transitionOf(kind: MachineKind, snapshot: AnyMachineSnapshot, fact: EventObject): TransitionInfo | null {
  const machine: AnyStateMachine = MACHINES[kind];
  const chosen = machine.getTransitionData(snapshot, fact)[0];
  if (chosen === undefined) return null;
  const candidates = chosen.source.on[chosen.eventType] ?? [];
  const tried = candidates.slice(0, Math.max(0, candidates.indexOf(chosen)));
  return {
    event: fact.type,
    source: statePath(chosen.source.id, machine.id),
    targets: (chosen.target ?? []).map((t) => statePath(t.id, machine.id)),
    guard: chosen.guard === undefined ? null : refName(chosen.guard),
    refused: tried.flatMap((t) => (t.guard === undefined ? [] : [refName(t.guard)])),
    actions: chosen.actions.map(refName),
  };
}

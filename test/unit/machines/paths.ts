import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths, getSimplePaths, type StatePath } from '@xstate/graph';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { MACHINES, type MachineKind } from '../../../machines/index.ts';
import type { GroveEvent } from '../../../src/events/catalog.ts';
import { stateName } from '../../../src/projections/machine-fold.ts';
import { SAMPLE_ID, SAMPLES } from './facts.ts';

export type Snapshot = AnyMachineSnapshot;
export type Path = StatePath<Snapshot, GroveEvent>;
export interface Edge {
  state: Snapshot;
  event: GroveEvent;
  nextState: Snapshot;
}

/**
 * A machine whose context grows without bound (a server counted twice) has endless snapshots: the
 * traversal then fails with "Traversal limit exceeded" rather than running out of memory.
 */
const TRAVERSAL_LIMIT = 20_000;

function traversal(kind: MachineKind, events: readonly GroveEvent[]) {
  const machine: AnyStateMachine = MACHINES[kind];
  return [machine, { input: { id: SAMPLE_ID[kind] }, events: events as GroveEvent[], limit: TRAVERSAL_LIMIT }] as const;
}

/** One shortest path to every reachable snapshot (state value and context) of the machine. */
export const shortestPaths = (kind: MachineKind, events = SAMPLES[kind]): Path[] => getShortestPaths(...traversal(kind, events));

/** Every path that visits no snapshot twice: exponential, so give it few facts. */
export const simplePaths = (kind: MachineKind, events: readonly GroveEvent[]): Path[] => getSimplePaths(...traversal(kind, events));

/** Every fact offered in every reachable snapshot, with the snapshot that results, accepted or not. */
export const offeredEdges = (kind: MachineKind, events = SAMPLES[kind]): Edge[] =>
  adjacencyMapToArray(getAdjacencyMap(...traversal(kind, events)));

/** Every transition the machine accepts from every reachable snapshot. */
export const acceptedEdges = (kind: MachineKind, events = SAMPLES[kind]): Edge[] =>
  offeredEdges(kind, events).filter(({ state, event }) => state.can(event));

/** The snapshots a path goes through, the initial one first (its step is `xstate.init`). */
export const snapshotsAlong = (path: Path): Snapshot[] => path.steps.map((s) => s.state);

/** A path's transitions, each with the snapshot it left. */
export const edgesAlong = (path: Path): Edge[] =>
  path.steps.slice(1).map((step, i) => ({ state: path.steps[i]!.state, event: step.event, nextState: step.state }));

export const nameOf = (snapshot: Snapshot): string => stateName(snapshot.value);

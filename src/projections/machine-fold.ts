import {
  initialTransition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type MachineContext,
  type Snapshot,
  type SnapshotFrom,
  type StateValue,
} from 'xstate';
import { MACHINES, type MachineKind, type MachineOf } from '../../machines/index.ts';
import type { GroveEvent } from '../events/catalog.ts';

export type EntitySnapshot<K extends MachineKind> = SnapshotFrom<MachineOf<K>>;

/** A snapshot as xstate persists it: plain data, safe to encode with msgpack. */
export type PersistedEntity = Snapshot<unknown>;

/** A fact that the entity's machine does not accept in its current state. */
export class IllegalFactError extends Error {
  override readonly name = 'IllegalFactError';

  constructor(
    readonly kind: MachineKind,
    readonly entityId: string,
    readonly state: string,
    readonly factType: string,
  ) {
    super(`${kind} ${entityId} in state ${state} cannot take ${factType}`);
  }
}

/** Folds one kind of entity's facts through its machine. Pure: executes no action. */
export interface EntityFolder<K extends MachineKind> {
  readonly kind: K;
  /** The entity before its first fact. */
  initial(id: string): EntitySnapshot<K>;
  /** Whether the machine accepts the fact now: the metastore's legality check. */
  canApply(snapshot: EntitySnapshot<K>, fact: GroveEvent): boolean;
  /** The snapshot after the fact, as xstate's `transition` gives it; throws IllegalFactError if the machine does not accept it. */
  apply(snapshot: EntitySnapshot<K>, fact: GroveEvent): EntitySnapshot<K>;
  persist(snapshot: EntitySnapshot<K>): PersistedEntity;
  restore(persisted: PersistedEntity): EntitySnapshot<K>;
  /** The snapshot in the named state (`published.used.available`) with this context: a compact snapshot's entity brought back. */
  inState(state: string, context: MachineContext): EntitySnapshot<K>;
}

/** A state value as one string: `published.used.available`. */
export function stateName(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => (child === undefined ? key : `${key}.${stateName(child)}`))
    .join(',');
}

type Assigner = (context: MachineContext, fact: GroveEvent) => MachineContext;

const nodesOf = (node: AnyStateNode): AnyStateNode[] => [node, ...Object.values(node.states).flatMap(nodesOf)];

/**
 * The folder relies on the machine rules (DESIGN.md §4): no entry or exit actions, invocations,
 * timers, eventless transitions, history or parallel states, and every transition moves to one
 * state or assigns. Then a transition is nothing but a choice of transition, context assignments
 * and a target state, and the folder can apply it without running xstate's whole macrostep.
 */
function assertFoldable(kind: MachineKind, machine: AnyStateMachine): void {
  const refuse = (what: string) => {
    throw new Error(`the ${kind} machine cannot be folded: ${what}`);
  };
  if (machine.root.output !== undefined) refuse('it has an output');
  for (const node of nodesOf(machine.root)) {
    if (node.type === 'parallel' || node.type === 'history') refuse(`${node.id} is a ${node.type} state`);
    if (node.entry.length + node.exit.length + node.invoke.length > 0) refuse(`${node.id} has entry, exit or invoke`);
    if ((node.always?.length ?? 0) + node.after.length > 0) refuse(`${node.id} has eventless or delayed transitions`);
    for (const t of [...node.transitions.values()].flat()) {
      if ((t.target?.length ?? 0) > 1) refuse(`${node.id} on ${t.eventType} has several targets`);
      if (t.target === undefined && t.actions.length === 0) refuse(`${node.id} on ${t.eventType} neither moves nor assigns`);
      if (t.actions.some((a) => typeof a !== 'string')) refuse(`${node.id} on ${t.eventType} has an inline action`);
    }
  }
}

/**
 * xstate's `resolveAssign` for one named assign action: the assignment sees the context and the
 * fact (machines read nothing else), and its result is merged into a copy of the context.
 */
function assignerOf(kind: MachineKind, name: string, action: unknown): Assigner {
  const assignment = (action as { type?: string; assignment?: unknown }).type === 'xstate.assign' ? (action as { assignment: unknown }).assignment : undefined;
  if (assignment === undefined) throw new Error(`the ${kind} machine cannot be folded: action ${name} is not an assign`);
  if (typeof assignment === 'function') return (context, fact) => Object.assign({}, context, assignment({ context, event: fact }, undefined));
  const properties = Object.entries(assignment as Record<string, unknown>);
  return (context, fact) => {
    const partial: MachineContext = {};
    for (const [key, value] of properties) partial[key] = typeof value === 'function' ? value({ context, event: fact }, undefined) : value;
    return Object.assign({}, context, partial);
  };
}

/**
 * A state's snapshot with an entity's context: an object whose prototype is the state's snapshot
 * and whose one own property is the context. State nodes, value, tags and status depend on the state
 * only; children and history stay empty in grove machines, so entities share them. A copy of the
 * state snapshot's fifteen properties per entity and step made the state of a million events 60 MB
 * larger and its cold start a tenth longer. xstate reads a snapshot through its properties
 * (`getTransitionData`, `can`); what reads own keys is handed the whole one (`persist`, `toJSON`).
 */
const withContext = (state: AnyMachineSnapshot, context: MachineContext): AnyMachineSnapshot => {
  const entity = Object.create(state) as AnyMachineSnapshot;
  entity.context = context;
  return entity;
};

/** The state's snapshot an entity's snapshot stands on (a snapshot xstate made is its own). */
const stateSnapshotOf = (snapshot: AnyMachineSnapshot): AnyMachineSnapshot =>
  Object.hasOwn(snapshot, 'status') ? snapshot : (Object.getPrototypeOf(snapshot) as AnyMachineSnapshot);

/** The snapshot with every property its own, as xstate makes them. */
const whole = (snapshot: AnyMachineSnapshot): AnyMachineSnapshot => ({ ...stateSnapshotOf(snapshot), context: snapshot.context });

/** A state's snapshot, made fit to be an entity's prototype: its `toJSON` (which reads own keys) reads the whole entity. */
function shareable(snapshot: AnyMachineSnapshot): AnyMachineSnapshot {
  const toJSON = snapshot.toJSON;
  return Object.assign(snapshot, { toJSON: function (this: AnyMachineSnapshot) { return toJSON.call(whole(this)); } });
}

/** A state's path as xstate's state value: `a.b.c` is `{ a: { b: 'c' } }`. */
function valueOf(path: string[]): StateValue {
  return path.reduceRight<StateValue | undefined>((child, key) => (child === undefined ? key : { [key]: child }), undefined)!;
}

/**
 * One snapshot per state, resolved by xstate once, to take the state's nodes, value, tags and
 * status from: by state node (a transition's target) or by dotted name (a stored snapshot's state).
 */
function resolvedStates(machine: AnyStateMachine): { named: (state: string) => AnyMachineSnapshot; at: (node: AnyStateNode) => AnyMachineSnapshot } {
  const byName = new Map<string, AnyMachineSnapshot>();
  const byNode = new Map<AnyStateNode, AnyMachineSnapshot>();
  const named = (state: string): AnyMachineSnapshot => {
    let snapshot = byName.get(state);
    if (snapshot === undefined) byName.set(state, (snapshot = shareable(machine.resolveState({ value: valueOf(state.split('.')), context: {} }))));
    return snapshot;
  };
  const at = (node: AnyStateNode): AnyMachineSnapshot => {
    let snapshot = byNode.get(node);
    if (snapshot === undefined) byNode.set(node, (snapshot = named(node.path.join('.'))));
    return snapshot;
  };
  return { named, at };
}

/**
 * xstate v5 machines cost 10–20 µs a fact through `machine.transition` (a macrostep builds several
 * snapshots, each recomputing its state value and tags); a refold must do 100,000 facts a second.
 * So xstate chooses the transition (`getTransitionData`, guards and all, the very check `can` makes)
 * and the folder applies it: the machine's own assignments, then the target state's snapshot.
 * Tests prove the snapshots equal xstate's `transition` over random fact sequences.
 */
export function createEntityFolder<K extends MachineKind>(kind: K, machine: AnyStateMachine = MACHINES[kind]): EntityFolder<K> {
  assertFoldable(kind, machine);
  const assigners = new Map(
    Object.entries(machine.implementations.actions).map(([name, action]): [string, Assigner] => [name, assignerOf(kind, name, action)]),
  );
  const { named, at } = resolvedStates(machine);
  const start = shareable(initialTransition(machine, { id: '' })[0]);
  // What xstate's `restoreSnapshot` adds (reviving children and actor refs in the context) has
  // nothing to do in grove machines, and at 40 µs an entity it made a cold start take half a minute.
  const inState = (state: string, context: MachineContext) => withContext(named(state), context);
  const folder: EntityFolder<MachineKind> = {
    kind,
    initial: (id) => withContext(start, { ...start.context, id }),
    canApply: (snapshot, fact) => snapshot.can(fact as never),
    apply(snapshot, fact) {
      const [taken] = machine.getTransitionData(snapshot, fact);
      if (taken === undefined) throw new IllegalFactError(kind, snapshot.context.id, stateName(snapshot.value), fact.type);
      const context = (taken.actions as string[]).reduce<MachineContext>((ctx, name) => assigners.get(name)!(ctx, fact), snapshot.context);
      return withContext(taken.target === undefined ? stateSnapshotOf(snapshot) : at(taken.target[0]!), context);
    },
    persist: (snapshot) => withoutUndefined(machine.getPersistedSnapshot(whole(snapshot))),
    restore(persisted) {
      const { value, context } = persisted as unknown as { value: StateValue; context: MachineContext };
      return inState(stateName(value), context);
    },
    inState,
  };
  return folder as unknown as EntityFolder<K>;
}

/**
 * xstate leaves `output` and `error` undefined; msgpack would bring them back as null, so a
 * restored snapshot would differ from a refolded one. Contexts hold null, never undefined.
 */
function withoutUndefined(persisted: PersistedEntity): PersistedEntity {
  return Object.fromEntries(Object.entries(persisted).filter(([, v]) => v !== undefined)) as PersistedEntity;
}

export const FOLDERS: { readonly [K in MachineKind]: EntityFolder<K> } = {
  segment: createEntityFolder('segment'),
  replica: createEntityFolder('replica'),
  task: createEntityFolder('task'),
  lock: createEntityFolder('lock'),
  handoff: createEntityFolder('handoff'),
  supervisor: createEntityFolder('supervisor'),
};

import { createActor, type AnyActorScope, type AnyStateMachine, type Snapshot, type SnapshotFrom, type StateValue } from 'xstate';
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
  /** The snapshot after the fact; throws IllegalFactError if the machine does not accept it. */
  apply(snapshot: EntitySnapshot<K>, fact: GroveEvent): EntitySnapshot<K>;
  persist(snapshot: EntitySnapshot<K>): PersistedEntity;
  restore(persisted: PersistedEntity): EntitySnapshot<K>;
}

/** A state value as one string: `published.used.available`. */
export function stateName(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, child]) => (child === undefined ? key : `${key}.${stateName(child)}`))
    .join(',');
}

/**
 * What xstate's own `transition` builds on every call (its internal `createInertActorScope`), built
 * once per machine: an actor that is never started, and no-op effects. Building it per call costs
 * most of a transition's time.
 */
function inertScopeOf(machine: AnyStateMachine): AnyActorScope {
  const self = createActor(machine, { input: { id: '' } });
  return {
    self,
    defer() {},
    id: '',
    logger() {},
    sessionId: '',
    stopChild() {},
    system: self.system,
    emit() {},
    actionExecutor() {},
  };
}

/**
 * xstate leaves `output` and `error` undefined; msgpack would bring them back as null, so a
 * restored snapshot would differ from a refolded one. Contexts hold null, never undefined.
 */
function withoutUndefined(persisted: PersistedEntity): PersistedEntity {
  return Object.fromEntries(Object.entries(persisted).filter(([, v]) => v !== undefined)) as PersistedEntity;
}

function folderOf<K extends MachineKind>(kind: K): EntityFolder<K> {
  const machine: AnyStateMachine = MACHINES[kind];
  const scope = inertScopeOf(machine);
  // Resolving a known state is a third of the cost of running the initial transition again.
  const { value, context } = machine.getInitialSnapshot(scope, { id: '' });
  const folder: EntityFolder<MachineKind> = {
    kind,
    initial: (id) => machine.resolveState({ value, context: { ...context, id } }),
    canApply: (snapshot, fact) => snapshot.can(fact as never),
    apply(snapshot, fact) {
      const next = machine.transition(snapshot, fact, scope);
      // An unhandled event leaves the very same snapshot; every handled one assigns or moves.
      if (next === snapshot) throw new IllegalFactError(kind, snapshot.context.id, stateName(snapshot.value), fact.type);
      return next;
    },
    persist: (snapshot) => withoutUndefined(machine.getPersistedSnapshot(snapshot)),
    restore: (persisted) => machine.restoreSnapshot(persisted, scope),
  };
  return folder as unknown as EntityFolder<K>;
}

export const FOLDERS: { readonly [K in MachineKind]: EntityFolder<K> } = {
  segment: folderOf('segment'),
  replica: folderOf('replica'),
  task: folderOf('task'),
  lock: folderOf('lock'),
  handoff: folderOf('handoff'),
  supervisor: folderOf('supervisor'),
};

import type { AnyActorScope, AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';

/** The parts of a snapshot fixed by where it is in the chart, whatever its context. */
type Shape = Omit<AnyMachineSnapshot, 'context'>;

interface AssignAction {
  type: 'xstate.assign';
  assignment: ((args: object, params: undefined) => object) | Record<string, unknown>;
}

const isAssign = (a: unknown): a is AssignAction => typeof a === 'function' && (a as { type?: string }).type === 'xstate.assign';

/**
 * xstate's `machine.transition`, made cheap for machines that keep to grove's rules (named guards
 * and assign actions only; no entry/exit actions, timers, invocations or eventless transitions):
 * the guards still choose the transition and the assigns still compute the context, but where the
 * transition lands from a given state is computed by xstate once and then reused. Anything outside
 * those rules goes through xstate. Tests check it against xstate's `transition` on random histories.
 */
export function cachedStep(machine: AnyStateMachine, scope: AnyActorScope): (snapshot: AnyMachineSnapshot, event: EventObject) => AnyMachineSnapshot | null {
  const shapes = new WeakMap<object, Map<string, Shape>>();
  // Snapshots built from a learned shape share its `_nodes`: a second, identity-keyed cache skips
  // serialising the state value on the hot path.
  const byNodes = new WeakMap<object, WeakMap<object, Shape>>();
  const actions = machine.implementations.actions as Record<string, unknown>;
  return (snapshot, event) => {
    if (snapshot.status !== 'active') return null;
    const enabled = machine.getTransitionData(snapshot, event);
    if (enabled.length !== 1) return enabled.length === 0 ? null : viaXstate(machine, scope, snapshot, event);
    const t = enabled[0]!;
    if (t.target === undefined && t.actions.length === 0) return null;
    const context = assignAll(t.actions, actions, snapshot.context, event, scope);
    if (context === null) return viaXstate(machine, scope, snapshot, event);
    let fast = byNodes.get(t);
    if (fast === undefined) byNodes.set(t, (fast = new WeakMap()));
    let shape = fast.get(snapshot._nodes);
    if (shape === undefined) {
      let byValue = shapes.get(t);
      if (byValue === undefined) shapes.set(t, (byValue = new Map()));
      const from = JSON.stringify(snapshot.value);
      shape = byValue.get(from);
      if (shape === undefined) {
        const next = machine.transition(snapshot, event, scope);
        const { context: _ignored, ...learned } = next;
        byValue.set(from, learned);
        return next;
      }
      fast.set(snapshot._nodes, shape);
    }
    return { ...shape, context } as AnyMachineSnapshot;
  };
}

function viaXstate(machine: AnyStateMachine, scope: AnyActorScope, snapshot: AnyMachineSnapshot, event: EventObject): AnyMachineSnapshot | null {
  const next = machine.transition(snapshot, event, scope);
  return next === snapshot ? null : next;
}

/** Runs the transition's assigns in order, as xstate's resolveAssign does; null if one is not an assign. */
function assignAll(list: readonly unknown[], impls: Record<string, unknown>, start: object, event: EventObject, scope: AnyActorScope): object | null {
  let context = start;
  for (const ref of list) {
    const action = typeof ref === 'string' ? impls[ref] : typeof ref === 'function' ? ref : impls[(ref as { type: string }).type];
    if (!isAssign(action) || (typeof ref === 'object' && ref !== null && 'params' in ref)) return null;
    const args = { context, event, spawn: noSpawn, self: scope.self, system: scope.system };
    let partial: Record<string, unknown>;
    if (typeof action.assignment === 'function') {
      partial = action.assignment(args, undefined) as Record<string, unknown>;
    } else {
      partial = {};
      for (const [key, value] of Object.entries(action.assignment)) partial[key] = typeof value === 'function' ? value(args, undefined) : value;
    }
    context = Object.assign({}, context, partial);
  }
  return context;
}

function noSpawn(): never {
  throw new Error('grove machines do not spawn actors');
}

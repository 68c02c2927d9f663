import { refName, statePath } from '../../replay/names.ts';

/**
 * A machine's statechart as the visualizer draws it, read from `machine.toJSON()`: states nested
 * as they are, transitions with a target as arrows labelled `Event [guard]`, and transitions
 * that stay in their state (they only update the context) listed inside it, as statecharts write
 * internal transitions. Pure: runs in the page and in tests alike.
 */

export type StateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface ChartState {
  /** Dotted path without the machine id (`published.used.available`); '' for the machine itself. */
  path: string;
  key: string;
  type: StateType;
  /** The path of the child entered first (compound states). */
  initial: string | null;
  children: ChartState[];
  /** Transitions that stay here: `ReplicaLoaded [isNewServer] / addServer`. */
  internal: string[];
  tags: string[];
}

export interface ChartEdge {
  /** Names the transition as a replayed step names it: see `transitionKey`. */
  key: string;
  source: string;
  target: string;
  event: string;
  guard: string | null;
  label: string;
}

export interface ChartModel {
  kind: string;
  machineId: string;
  root: ChartState;
  edges: ChartEdge[];
}

/** The parts of `toJSON()` the chart reads. */
interface NodeJson {
  id: string;
  key: string;
  type: string;
  initial?: { target?: string[] };
  states?: Record<string, NodeJson>;
  on?: Record<string, TransitionJson[]>;
  tags?: string[];
}

interface TransitionJson {
  target?: string[];
  guard?: unknown;
  actions?: unknown[];
  eventType: string;
}

/** How a transition is named, alike in the chart and in a replayed step. */
export function transitionKey(source: string, event: string, guard: string | null, target: string): string {
  return `${source}|${event}|${guard ?? ''}|${target}`;
}

export function transitionLabel(event: string, guard: string | null): string {
  return guard === null ? event : `${event} [${guard}]`;
}

const STATE_TYPES = new Set<StateType>(['atomic', 'compound', 'parallel', 'final', 'history']);

/** Reads a machine's `toJSON()`; throws naming what is missing when it is not one. */
export function chartOf(kind: string, definition: unknown): ChartModel {
  const root = definition as NodeJson;
  if (typeof root?.id !== 'string' || typeof root.states !== 'object') throw new Error(`the ${kind} machine's definition is not a machine.toJSON() (no id or states)`);
  const edges: ChartEdge[] = [];
  const visit = (node: NodeJson): ChartState => {
    const path = statePath(node.id, root.id);
    const internal: string[] = [];
    for (const [event, candidates] of Object.entries(node.on ?? {})) {
      for (const t of candidates) {
        const guard = t.guard === undefined ? null : refName(t.guard);
        const label = transitionLabel(event, guard);
        const targets = (t.target ?? []).map((id) => statePath(id, root.id));
        if (targets.length === 0) {
          const actions = (t.actions ?? []).map(refName);
          internal.push(actions.length > 0 ? `${label} / ${actions.join(', ')}` : label);
        }
        for (const target of targets) edges.push({ key: transitionKey(path, event, guard, target), source: path, target, event, guard, label });
      }
    }
    const initial = node.initial?.target?.[0];
    return {
      path,
      key: node.key,
      type: STATE_TYPES.has(node.type as StateType) ? (node.type as StateType) : 'atomic',
      initial: initial === undefined ? null : statePath(initial, root.id),
      children: Object.values(node.states ?? {}).map(visit),
      internal,
      tags: node.tags ?? [],
    };
  };
  return { kind, machineId: root.id, root: visit(root), edges };
}

/** Every state of the chart, the machine itself excluded, parents before children. */
export function statesOf(model: ChartModel): ChartState[] {
  const out: ChartState[] = [];
  const walk = (s: ChartState): void => {
    if (s.path !== '') out.push(s);
    s.children.forEach(walk);
  };
  walk(model.root);
  return out;
}

/**
 * Entities per state, for every state of the chart: a leaf counts the entities whose state value
 * is it (or, in a parallel state, has it among its regions); a parent sums its children.
 */
export function countsByState(model: ChartModel, counts: Record<string, number>): Map<string, number> {
  const leaves = new Map<string, number>();
  for (const [value, n] of Object.entries(counts)) {
    for (const part of value.split(',')) leaves.set(part, (leaves.get(part) ?? 0) + n);
  }
  const out = new Map<string, number>();
  const sum = (s: ChartState): number => {
    const own = s.children.length === 0 ? leaves.get(s.path) ?? 0 : s.children.reduce((n, c) => n + sum(c), 0);
    out.set(s.path, own);
    return own;
  };
  sum(model.root);
  return out;
}

/** A state and every state above it: what lights up for an entity in `path`. */
export function activePaths(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const steps = part.split('.');
    for (let i = 1; i <= steps.length; i++) out.push(steps.slice(0, i).join('.'));
  }
  return out;
}

import type { MachineKind } from '../../machines/index.ts';
import { factOf } from '../projections/cluster-state.ts';
import { FOLDERS, stateName, type EntitySnapshot } from '../projections/machine-fold.ts';
import { machineTargetsOf } from '../projections/routing.ts';
import type { LogRecord } from '../log/record.ts';
import { IllegalHistoryError } from './errors.ts';
import type { RecordSource } from './source.ts';
import { transitionOf, type TransitionInfo } from './transition.ts';

export type Snap = EntitySnapshot<MachineKind>;

/** The state of an entity before its first fact, or of one no fact ever named. */
export const ABSENT = 'absent';

/** What one record did to one entity. */
export interface HistoryStep {
  seq: number;
  at: number;
  type: string;
  actor: string;
  /**
   * `transition`: the machine changed state; `update`: it stayed and updated its context;
   * `related`: the record names the entity but is another machine's fact (a replica assigned
   * to a segment, a lock a task waits for).
   */
  effect: 'transition' | 'update' | 'related';
  before: string;
  after: string;
  transition: TransitionInfo | null;
  /** For facts taken because of a retention rule: the rule that decided, as of that point. */
  rule?: string;
  data: unknown;
}

export interface EntityHistory {
  kind: MachineKind;
  id: string;
  /** The state as of the end of the history (`absent` if nothing named it). */
  state: string;
  context: unknown;
  steps: HistoryStep[];
}

/** The entity key the log indexes an entity's facts under: `segment:<id>`. */
export const entityKey = (kind: MachineKind, id: string): string => `${kind}:${id}`;

const targets = (fact: ReturnType<typeof factOf>, kind: MachineKind, id: string): boolean =>
  machineTargetsOf(fact).some((t) => t.kind === kind && t.id === id);

/**
 * Folds one entity's facts up to `upTo` through its machine, from `start` (its state where the
 * source begins, or null), recording each step with the transition it took. `ruleOf` names the
 * rule behind a fact taken because of one. A fact the machine refuses is an IllegalHistoryError.
 */
export function foldHistory(
  source: RecordSource,
  kind: MachineKind,
  id: string,
  upTo: number,
  start: Snap | null,
  ruleOf: (record: LogRecord, snapshot: Snap) => string | undefined = () => undefined,
): EntityHistory {
  const folder = FOLDERS[kind];
  let snapshot: Snap | null = start;
  const steps: HistoryStep[] = [];
  for (const record of source.scan({ entity: entityKey(kind, id), to: upTo })) {
    const fact = factOf(record);
    const before = snapshot === null ? ABSENT : stateName(snapshot.value);
    const common = { seq: record.seq, at: record.at, type: record.type, actor: record.meta.actor, data: record.data, before };
    if (!targets(fact, kind, id)) {
      const rule = snapshot === null ? undefined : ruleOf(record, snapshot);
      steps.push({ ...common, effect: 'related', after: before, transition: null, ...(rule ? { rule } : {}) });
      continue;
    }
    const from = snapshot ?? (folder.initial(id) as Snap);
    const transition = transitionOf(kind, from, fact);
    try {
      snapshot = folder.apply(from as never, fact) as Snap;
    } catch (e) {
      throw new IllegalHistoryError(record.seq, record.type, (e as Error).message);
    }
    const after = stateName(snapshot.value);
    const rule = ruleOf(record, snapshot);
    steps.push({ ...common, effect: after === before ? 'update' : 'transition', after, transition, ...(rule ? { rule } : {}) });
  }
  return { kind, id, state: snapshot === null ? ABSENT : stateName(snapshot.value), context: snapshot?.context ?? null, steps };
}

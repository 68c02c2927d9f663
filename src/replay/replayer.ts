import { MACHINE_KINDS, type MachineKind } from '../../machines/index.ts';
import type { SegmentContext } from '../../machines/segment/machine.ts';
import type { LockContext } from '../../machines/lock/machine.ts';
import { badRequest } from '../bus/errors.ts';
import type { RuleJson } from '../events/cluster-events.ts';
import type { LogRecord } from '../log/record.ts';
import { factOf, type ClusterState, type RuleChange } from '../projections/cluster-state.ts';
import { FOLDERS, stateName } from '../projections/machine-fold.ts';
import { machineTargetsOf } from '../projections/routing.ts';
import { RuleChain, describeRule } from '../rules/index.ts';
import { DEFAULT_RULES, parseRules } from '../spec/rules.ts';
import { parseInterval } from '../time/interval.ts';
import type { SavedCluster } from './compare.ts';
import { FoldCursor, type Progress } from './cursor.ts';
import { diffStates, captureState, type StateDiff } from './diff.ts';
import { entityKey, foldHistory, type EntityHistory, type Snap } from './entity.ts';
import { IllegalHistoryError } from './errors.ts';
import { resolvePoint } from './point.ts';
import type { RecordSource } from './source.ts';
import { timelineView, type SegmentFacts, type TimelineView } from './timeline-view.ts';

/** What `state` answers about: one machine's entity, or a datasource's locks, timeline or rules. */
export const STATE_KINDS = [...MACHINE_KINDS, 'locks', 'timeline', 'rules'] as const;
export type StateKind = (typeof STATE_KINDS)[number];

const isMachineKind = (k: string): k is MachineKind => (MACHINE_KINDS as readonly string[]).includes(k);

export interface PointInfo {
  /** The resolved sequence number. */
  at: number;
  /** When the record at `at` was appended (null at 0). */
  time: number | null;
}

export interface EntityState extends PointInfo {
  kind: MachineKind;
  id: string;
  state: string;
  context: unknown;
}

export interface LockSummary {
  id: string;
  state: string;
  taskId: string;
  interval: string;
  lockType: string;
  priority: number;
  version: string | null;
}

export interface LocksView extends PointInfo {
  dataSource: string;
  locks: LockSummary[];
}

export interface RulesView extends PointInfo {
  dataSource: string;
  /** The datasource's own rules; Druid follows them with the default rules. */
  rules: RuleJson[];
  defaultRules: RuleJson[];
  history: RuleChange[];
}

export type StateView = EntityState | LocksView | RulesView | (TimelineView & PointInfo);

export interface Explanation extends EntityHistory, PointInfo {}

export interface CountsView extends PointInfo {
  /** Per machine kind, how many entities are in each state (dotted names). */
  counts: Record<MachineKind, Record<string, number>>;
}

export interface SearchHit {
  kind: MachineKind | 'datasource';
  id: string;
}

export interface ReplayerOptions {
  /** Where the source begins: the state as of the seq before its first record (a slice's base). */
  base?: SavedCluster | null;
}

/**
 * Answers "what was true as of this point" by folding the log's facts through the machines —
 * replay, never a stored copy. One entity's history is a range read of the entity index; a whole
 * datasource's segments fold from its index; counts and diffs fold everything (a cursor keeps the
 * last fold, so following the head costs only the new records). Requests run one at a time.
 */
export class Replayer {
  private readonly cursor: FoldCursor;
  private readonly base: SavedCluster | null;
  private baseEntities: Map<string, Snap> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly source: RecordSource, opts: ReplayerOptions = {}) {
    this.base = opts.base ?? null;
    this.cursor = new FoldCursor(source, this.base);
  }

  /** The earliest point this source can replay to. */
  get floor(): number {
    return this.base?.position ?? 0;
  }

  point(at: unknown): PointInfo {
    const seq = resolvePoint(this.source, at, this.floor);
    return { at: seq, time: seq === 0 ? null : this.source.get(seq)?.at ?? null };
  }

  private exclusive<T>(f: () => Promise<T> | T): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The state of `kind id` as of `at`. */
  state(kind: string, id: string, at?: unknown): Promise<StateView> {
    return this.exclusive(() => {
      const p = this.point(at);
      if (typeof id !== 'string' || id === '') throw badRequest('"id" must be a non-empty string (an entity id, or a datasource for locks, timeline and rules)');
      switch (kind) {
        case 'locks':
          return { ...p, dataSource: id, locks: this.locksOf(id, p.at) };
        case 'timeline':
          return { ...p, ...timelineView(id, p.at, this.segmentsOf(id, p.at)) };
        case 'rules':
          return { ...p, dataSource: id, ...this.rulesAt(id, p.at) };
        default: {
          const h = this.history(this.machineKind(kind), id, p.at);
          return { ...p, kind: h.kind, id, state: h.state, context: h.context };
        }
      }
    });
  }

  /** Every fact that touched the entity up to `at`, each with the transition it caused. */
  explain(kind: string, id: string, at?: unknown): Promise<Explanation> {
    return this.exclusive(() => {
      const p = this.point(at);
      return { ...p, ...this.history(this.machineKind(kind), id, p.at) };
    });
  }

  /** How many entities of each machine are in each state as of `at`. */
  counts(at?: unknown, onProgress?: Progress): Promise<CountsView> {
    return this.exclusive(async () => {
      const p = this.point(at);
      const state = await this.cursor.to(p.at, onProgress);
      const counts = Object.fromEntries(MACHINE_KINDS.map((k) => [k, countStates(state, k)])) as CountsView['counts'];
      if (this.cursor.killed > 0) counts.segment.killed = this.cursor.killed;
      return { ...p, counts };
    });
  }

  /** What changed from `a` to `b` (optionally within one datasource). */
  diff(a: unknown, b: unknown, dataSource?: string, onProgress?: Progress): Promise<StateDiff> {
    return this.exclusive(async () => {
      const [pa, pb] = [this.point(a), this.point(b)];
      const before = captureState(await this.cursor.to(pa.at, onProgress), dataSource);
      const after = captureState(await this.cursor.to(pb.at, onProgress), dataSource);
      return diffStates(before, after, { from: pa.at, to: pb.at, dataSource: dataSource ?? null });
    });
  }

  /** The whole cluster state as of `at` (for verification and export). */
  fold(at?: unknown, onProgress?: Progress): Promise<ClusterState> {
    return this.exclusive(() => this.cursor.to(this.point(at).at, onProgress));
  }

  /**
   * Entities whose id starts with `query`, and datasources containing it; a datasource's exact
   * name also lists the segments, tasks, locks and supervisors it has had. An empty query lists
   * the datasources.
   */
  search(query: string, limit = 50): SearchHit[] {
    if (typeof query !== 'string') throw badRequest('"query" must be a string: an entity id (or its beginning) or a datasource');
    const q = query.trim();
    const hits: SearchHit[] = [];
    const add = (h: SearchHit): void => {
      if (hits.length < limit && !hits.some((x) => x.kind === h.kind && x.id === h.id)) hits.push(h);
    };
    for (const key of this.source.entityKeys('datasource:')) if (key.slice(11).includes(q)) add({ kind: 'datasource', id: key.slice(11) });
    if (q === '') return hits;
    if (this.source.entityKeys(`datasource:${q}`).includes(`datasource:${q}`)) {
      for (const h of this.entitiesOfDataSource(q)) {
        if (hits.length >= limit) break;
        add(h);
      }
    }
    for (const kind of MACHINE_KINDS) for (const key of this.source.entityKeys(`${kind}:${q}`)) add({ kind, id: key.slice(kind.length + 1) });
    return hits;
  }

  // ---- folds ----

  private machineKind(kind: string): MachineKind {
    if (!isMachineKind(kind)) throw badRequest(`unknown kind "${kind}" (expected one of ${STATE_KINDS.join(', ')})`);
    return kind;
  }

  private history(kind: MachineKind, id: string, upTo: number): EntityHistory {
    if (typeof id !== 'string' || id === '') throw badRequest(`"id" must name a ${kind}`);
    return foldHistory(this.source, kind, id, upTo, this.baseEntity(kind, id), (r, s) => this.ruleBehind(r, s));
  }

  private baseEntity(kind: MachineKind, id: string): Snap | null {
    if (this.base === null) return null;
    if (this.baseEntities === null) {
      this.baseEntities = new Map();
      for (const [k, list] of Object.entries(this.base.entities)) {
        for (const [eid, p] of list) this.baseEntities.set(entityKey(k as MachineKind, eid), FOLDERS[k as MachineKind].restore(p) as Snap);
      }
    }
    return this.baseEntities.get(entityKey(kind, id)) ?? null;
  }

  private baseOfKind(kind: MachineKind, dataSource: string): Array<[string, Snap]> {
    const list = this.base?.entities[kind] ?? [];
    return list
      .filter(([, p]) => (p as { context?: { dataSource?: string } }).context?.dataSource === dataSource)
      .map(([id]) => [id, this.baseEntity(kind, id)!]);
  }

  /**
   * Every segment of a datasource as of `upTo`: from the whole-cluster fold when it stands there
   * already (the page asks for counts, then the timeline, of one point), else folded from the
   * datasource's index alone.
   */
  private segmentsOf(dataSource: string, upTo: number): SegmentFacts[] {
    const folded = this.cursor.at(upTo);
    if (folded !== null) return folded.segmentsOf(dataSource).map((s) => ({ state: stateName(s.value), context: s.context as SegmentContext }));
    const segments = new Map<string, Snap>(this.baseOfKind('segment', dataSource));
    for (const r of this.source.scan({ entity: `datasource:${dataSource}`, to: upTo })) {
      const fact = factOf(r);
      for (const t of machineTargetsOf(fact)) {
        if (t.kind !== 'segment') continue;
        const from = segments.get(t.id) ?? FOLDERS.segment.initial(t.id);
        try {
          segments.set(t.id, FOLDERS.segment.apply(from as never, fact) as Snap);
        } catch (e) {
          throw new IllegalHistoryError(r.seq, r.type, (e as Error).message);
        }
      }
    }
    return [...segments.values()].map((s) => ({ state: stateName(s.value), context: s.context as SegmentContext }));
  }

  private locksOf(dataSource: string, upTo: number): LockSummary[] {
    const ids = new Set(this.baseOfKind('lock', dataSource).map(([id]) => id));
    for (const r of this.source.scan({ entity: `datasource:${dataSource}`, to: upTo })) {
      if (r.type === 'LockRequested') ids.add((r.data as { lockId: string }).lockId);
    }
    return [...ids].sort().map((id) => {
      const h = this.history('lock', id, upTo);
      const c = h.context as LockContext;
      return { id, state: h.state, taskId: c.taskId, interval: c.interval, lockType: c.lockType, priority: c.priority, version: c.version };
    });
  }

  private ruleHistory(dataSource: string, upTo: number): RuleChange[] {
    const fromBase = this.base?.rules.find(([ds]) => ds === dataSource)?.[1] ?? [];
    const later = [...this.source.scan({ entity: `rules:${dataSource}`, to: upTo })]
      .filter((r) => r.type === 'RulesSet')
      .map((r) => {
        const d = r.data as { rules: RuleJson[]; comment?: string };
        return { seq: r.seq, at: r.at, rules: d.rules, ...(d.comment ? { comment: d.comment } : {}) };
      });
    return [...fromBase, ...later];
  }

  private rulesAt(dataSource: string, upTo: number): Omit<RulesView, keyof PointInfo | 'dataSource'> {
    const history = this.ruleHistory(dataSource, upTo);
    const defaults = this.ruleHistory('_default', upTo).at(-1)?.rules ?? (DEFAULT_RULES as unknown as RuleJson[]);
    return { rules: history.at(-1)?.rules ?? [], defaultRules: defaults, history };
  }

  /** For a fact taken because of a retention rule, the rule that decided, as of that fact. */
  private ruleBehind(r: LogRecord, snapshot: Snap): string | undefined {
    if ((r.data as { reason?: unknown }).reason !== 'rule') return undefined;
    const c = snapshot.context as Partial<SegmentContext>;
    if (typeof c.interval !== 'string' || c.interval === '' || typeof c.dataSource !== 'string') return undefined;
    try {
      const { rules, defaultRules } = this.rulesAt(c.dataSource, r.seq);
      const decision = new RuleChain(parseRules(rules), parseRules(defaultRules, 'defaultRules')).decide(parseInterval(c.interval), r.at);
      return decision.matched === null ? 'no rule matched' : `${decision.matched.path}: ${describeRule(decision.matched.rule)}`;
    } catch (e) {
      return `the rules in force could not be read: ${(e as Error).message}`;
    }
  }

  private *entitiesOfDataSource(dataSource: string): Generator<SearchHit> {
    for (const r of this.source.scan({ entity: `datasource:${dataSource}` })) {
      const fact = factOf(r);
      for (const t of machineTargetsOf(fact)) if (t.kind !== 'replica') yield t;
    }
  }
}

function countStates(state: ClusterState, kind: MachineKind): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [, s] of state.entitiesOf(kind)) {
    const name = stateName(s.value);
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

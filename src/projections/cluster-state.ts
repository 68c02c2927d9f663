import type { MachineContext } from 'xstate';
import type { MachineKind } from '../../machines/index.ts';
import { MACHINE_KINDS } from '../../machines/index.ts';
import type { SegmentContext } from '../../machines/segment/machine.ts';
import type { GroveEvent } from '../events/catalog.ts';
import type { RuleJson, ServerKind } from '../events/cluster-events.ts';
import type { Expectation } from '../events/expectations.ts';
import { ConflictError, type FailedExpectation } from '../log/conflict.ts';
import type { LogRecord } from '../log/record.ts';
import { fromRecords, StringTable, toRecords, type Records } from '../log/record-columns.ts';
import { FOLDERS, IllegalFactError, stateName, type EntityFolder, type EntitySnapshot, type PersistedEntity } from './machine-fold.ts';
import { machineTargetsOf, type MachineTarget } from './routing.ts';

type Snap = EntitySnapshot<MachineKind>;

export interface ServerInfo {
  serverId: string;
  kind: ServerKind;
  tier: string;
  capacity: number;
  joinedAt: number;
  /** False once it has left (its replicas are dropped by then). */
  alive: boolean;
}

export interface RuleChange {
  seq: number;
  at: number;
  rules: RuleJson[];
  comment?: string;
}

/** One entity's step, in the order the facts came. `after: null` means it is gone for good. */
export interface EntityChange {
  kind: MachineKind;
  id: string;
  before: Snap | null;
  after: Snap | null;
  record: LogRecord;
}

export type ChangeListener = (change: EntityChange) => void;

interface Step {
  target: MachineTarget;
  before: Snap | null;
  after: Snap;
}

/** Everything but the entities, in a canonical order. */
interface SavedFacts {
  position: number;
  servers: ServerInfo[];
  rules: Array<[string, RuleChange[]]>;
  offsets: Array<[string, Record<string, number>]>;
  compaction: Array<[string, Record<string, unknown>]>;
}

/** Entity by entity, as xstate persists each: the form replay compares and slices carry. */
interface Saved extends SavedFacts {
  entities: Record<string, Array<[string, PersistedEntity]>>;
}

/**
 * The form snapshots store: per kind, the entities grouped by state, each only its context (which
 * holds its id), the contexts of a group in columns (record-columns.ts) where they share a shape.
 * Half a million entities restore from it several times faster than from `Saved`: no persisted
 * snapshot, state value or id string per entity, and no string twice.
 */
interface Stored extends SavedFacts {
  strings: string[];
  entities: Record<string, Array<{ state: string; contexts: Records | MachineContext[] }>>;
}

/** Steps already taken by earlier facts of the batch being admitted. */
type Draft = Map<MachineKind, Map<string, Snap>>;
const offsetsKey = (dataSource: string, stream: string): string => `${dataSource}\u0000${stream}`;
const byFirst = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const byId = (a: MachineContext, b: MachineContext): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The cluster default retention, as Druid ships it. */
export const DEFAULT_RULES: RuleJson[] = [{ type: 'loadForever', tieredReplicants: { _default_tier: 2 } }];

/**
 * All of grove's metadata folded from the log: every lifecycle entity as its machine's snapshot,
 * plus servers, rules, committed stream offsets and compaction configs. The metastore judges
 * commands against it; every actor folds its own copy from the event feed.
 */
export class ClusterState {
  readonly name = 'cluster';
  readonly version = 5;
  /** The last sequence number folded in. */
  position = 0;
  private readonly entities = new Map<MachineKind, Map<string, Snap>>(MACHINE_KINDS.map((k) => [k, new Map()]));
  readonly servers = new Map<string, ServerInfo>();
  private readonly ruleHistory = new Map<string, RuleChange[]>();
  private readonly offsets = new Map<string, Record<string, number>>();
  readonly compaction = new Map<string, Record<string, unknown>>();
  private readonly segmentsByDataSource = new Map<string, Set<string>>();
  private readonly listeners = new Set<ChangeListener>();

  /** Folds a committed record (records at or before `position` were already folded). */
  apply(record: LogRecord): void {
    if (record.seq <= this.position) return;
    this.fold(record, this.steps(factOf(record), null));
  }

  /**
   * Judges a batch about to be appended: the expectations against the state before it, then each
   * fact against its machines in order (a later fact sees the earlier ones). All pass: the batch is
   * folded in. One fails: nothing changes and a ConflictError says which and why.
   */
  admit(records: LogRecord[], expect: Expectation[]): void {
    const failed = expect.map((x) => this.failure(x)).filter((f): f is FailedExpectation => f !== null);
    if (failed.length > 0) throw new ConflictError(failed);
    const draft: Draft = new Map();
    const steps = records.map((r, i) => {
      try {
        return this.steps(factOf(r), draft);
      } catch (e) {
        if (e instanceof IllegalFactError) throw new ConflictError([{ expectation: { event: i, type: r.type }, actual: e.state, reason: `event ${i} (${r.type}) is not legal: ${e.message}` }]);
        throw e;
      }
    });
    records.forEach((r, i) => this.fold(r, steps[i]!));
  }

  /**
   * Where each of the fact's machines goes; entities not seen before start from their initial
   * state. A fact a machine does not accept throws IllegalFactError. With a draft, the steps of
   * earlier facts of the same batch count, and this one's are added to it.
   */
  private steps(fact: GroveEvent, draft: Draft | null): Step[] {
    return machineTargetsOf(fact).map((target) => {
      const before = draft?.get(target.kind)?.get(target.id) ?? this.entities.get(target.kind)!.get(target.id) ?? null;
      const folder = FOLDERS[target.kind] as EntityFolder<MachineKind>;
      const after = folder.apply(before ?? folder.initial(target.id), fact);
      if (draft !== null) {
        let ofKind = draft.get(target.kind);
        if (ofKind === undefined) draft.set(target.kind, (ofKind = new Map()));
        ofKind.set(target.id, after);
      }
      return { target, before, after };
    });
  }

  private fold(record: LogRecord, steps: Step[]): void {
    for (const { target, before, after } of steps) {
      const gone = target.kind === 'segment' && after.status === 'done' && stateName(after.value) === 'killed';
      if (gone) this.forgetSegment(target.id, before);
      else this.remember(target.kind, target.id, after);
      for (const l of this.listeners) l({ kind: target.kind, id: target.id, before, after: gone ? null : after, record });
    }
    this.foldFacts(factOf(record));
    this.position = record.seq;
  }

  private remember(kind: MachineKind, id: string, snap: Snap): void {
    this.entities.get(kind)!.set(id, snap);
    if (kind === 'segment') {
      const ds = (snap.context as SegmentContext).dataSource;
      if (ds !== '') this.indexSegment(ds, id);
    }
  }

  private indexSegment(dataSource: string, id: string): void {
    let ids = this.segmentsByDataSource.get(dataSource);
    if (ids === undefined) this.segmentsByDataSource.set(dataSource, (ids = new Set()));
    ids.add(id);
  }

  /** Killed segments leave the projections for good (their history stays in the log). */
  private forgetSegment(id: string, before: Snap | null): void {
    this.entities.get('segment')!.delete(id);
    const ds = before === null ? '' : (before.context as SegmentContext).dataSource;
    const ids = this.segmentsByDataSource.get(ds);
    ids?.delete(id);
    if (ids?.size === 0) this.segmentsByDataSource.delete(ds);
  }

  /** The facts that have no machine. */
  private foldFacts(e: GroveEvent): void {
    switch (e.type) {
      case 'ServerJoined':
        this.servers.set(e.data.serverId, { ...e.data, joinedAt: e.at, alive: true });
        return;
      case 'ServerLeft': {
        const s = this.servers.get(e.data.serverId);
        if (s !== undefined) this.servers.set(e.data.serverId, { ...s, alive: false });
        return;
      }
      case 'RulesSet': {
        const history = this.ruleHistory.get(e.data.dataSource) ?? [];
        this.ruleHistory.set(e.data.dataSource, [...history, { seq: this.position + 1, at: e.at, rules: e.data.rules, ...(e.data.comment ? { comment: e.data.comment } : {}) }]);
        return;
      }
      case 'SegmentsPublished':
        if (e.data.commit) {
          // Druid's DataSourceMetadata.plus: a publish moves only the partitions it read.
          const key = offsetsKey(e.data.dataSource, e.data.commit.stream);
          this.offsets.set(key, { ...this.offsets.get(key), ...e.data.commit.end });
        }
        return;
      case 'DataSourceMetadataReset':
        this.offsets.delete(offsetsKey(e.data.dataSource, e.data.stream));
        return;
      case 'CompactionConfigSet':
        if (e.data.config === null) this.compaction.delete(e.data.dataSource);
        else this.compaction.set(e.data.dataSource, e.data.config);
        return;
      default:
    }
  }

  private failure(x: Expectation): FailedExpectation | null {
    switch (x.type) {
      case 'state': {
        const actual = this.stateOf(x.kind as MachineKind, x.id);
        return x.in.includes(actual) ? null : { expectation: x, actual, reason: `${x.kind} ${x.id} is ${actual}, expected ${x.in.join(' or ')}` };
      }
      case 'offsets': {
        const actual = this.committedOffsets(x.dataSource, x.stream);
        return sameOffsets(actual, x.equals) ? null : { expectation: x, actual, reason: `committed offsets of ${x.dataSource}/${x.stream} are ${JSON.stringify(actual)}, expected ${JSON.stringify(x.equals)}` };
      }
      case 'entitySeq':
        throw new Error('entitySeq expectations are the log\'s to check');
    }
  }

  // ---- reading ----

  entity<K extends MachineKind>(kind: K, id: string): EntitySnapshot<K> | undefined {
    return this.entities.get(kind)?.get(id) as EntitySnapshot<K> | undefined;
  }

  /** The entity's state as a dotted string, or `absent`. */
  stateOf(kind: MachineKind, id: string): string {
    if (!this.entities.has(kind)) return 'absent';
    const s = this.entity(kind, id);
    return s === undefined ? 'absent' : stateName(s.value);
  }

  entitiesOf<K extends MachineKind>(kind: K): IterableIterator<[string, EntitySnapshot<K>]> {
    return (this.entities.get(kind) as Map<string, EntitySnapshot<K>>).entries();
  }

  countOf(kind: MachineKind): number {
    return this.entities.get(kind)!.size;
  }

  dataSources(): string[] {
    return [...this.segmentsByDataSource.keys()].sort();
  }

  segmentsOf(dataSource: string): Array<EntitySnapshot<'segment'>> {
    const ids = this.segmentsByDataSource.get(dataSource);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.entity('segment', id)!);
  }

  /** The rules in force for a datasource (its own list, else none), and the cluster default. */
  rulesOf(dataSource: string): RuleJson[] {
    return this.ruleHistory.get(dataSource)?.at(-1)?.rules ?? [];
  }

  defaultRules(): RuleJson[] {
    return this.ruleHistory.get('_default')?.at(-1)?.rules ?? DEFAULT_RULES;
  }

  rulesHistory(dataSource: string): RuleChange[] {
    return this.ruleHistory.get(dataSource) ?? [];
  }

  committedOffsets(dataSource: string, stream: string): Record<string, number> | null {
    return this.offsets.get(offsetsKey(dataSource, stream)) ?? null;
  }

  /** Calls `listener` for every entity step from now on, the metastore's admitted ones included. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A copy that folds on independently, for replay checkpoints. Entity snapshots are immutable
   * (every step makes new ones), so the copy shares them and costs only its maps.
   */
  clone(): ClusterState {
    const c = new ClusterState();
    c.position = this.position;
    for (const [kind, map] of this.entities) c.entities.set(kind, new Map(map));
    replace(c.servers, this.servers);
    replace(c.ruleHistory, this.ruleHistory);
    replace(c.offsets, this.offsets);
    replace(c.compaction, this.compaction);
    for (const [ds, ids] of this.segmentsByDataSource) c.segmentsByDataSource.set(ds, new Set(ids));
    return c;
  }

  // ---- snapshots ----

  save(): Saved {
    const entities: Saved['entities'] = {};
    for (const [kind, map] of this.entities) {
      entities[kind] = [...map].map(([id, s]): [string, PersistedEntity] => [id, FOLDERS[kind].persist(s as never)]).sort(byFirst);
    }
    return { ...this.savedFacts(), entities };
  }

  load(saved: Saved): void {
    this.clearEntities();
    for (const kind of MACHINE_KINDS) for (const [id, p] of saved.entities[kind] ?? []) this.remember(kind, id, FOLDERS[kind].restore(p) as Snap);
    this.loadFacts(saved);
  }

  snapshot(): Stored {
    const table = new StringTable();
    const entities: Stored['entities'] = {};
    for (const [kind, map] of this.entities) {
      const byState = new Map<string, MachineContext[]>();
      for (const [id, s] of map) {
        // restore() keys each entity by its context's id: no machine may assign another.
        if (s.context.id !== id) throw new Error(`${kind} ${id} has context id ${String(s.context.id)}; a snapshot cannot store it`);
        const state = stateName(s.value);
        const contexts = byState.get(state);
        if (contexts === undefined) byState.set(state, [s.context]);
        else contexts.push(s.context);
      }
      entities[kind] = [...byState].sort(byFirst).map(([state, contexts]) => ({ state, contexts: toRecords(contexts.sort(byId), table) ?? contexts }));
    }
    return { ...this.savedFacts(), strings: table.strings, entities };
  }

  restore(stored: Stored): void {
    this.clearEntities();
    for (const kind of MACHINE_KINDS) {
      const folder = FOLDERS[kind];
      for (const { state, contexts } of stored.entities[kind] ?? []) {
        const rows = Array.isArray(contexts) ? contexts : (fromRecords(contexts, stored.strings) as MachineContext[]);
        for (const c of rows) this.remember(kind, c.id as string, folder.inState(state, c) as Snap);
      }
    }
    this.loadFacts(stored);
  }

  private clearEntities(): void {
    for (const map of this.entities.values()) map.clear();
    this.segmentsByDataSource.clear();
  }

  private savedFacts(): SavedFacts {
    return {
      position: this.position,
      servers: [...this.servers.values()].sort((a, b) => (a.serverId < b.serverId ? -1 : 1)),
      rules: [...this.ruleHistory].sort(byFirst),
      offsets: [...this.offsets].sort(byFirst),
      compaction: [...this.compaction].sort(byFirst),
    };
  }

  private loadFacts(saved: SavedFacts): void {
    this.position = saved.position;
    replace(this.servers, saved.servers.map((s) => [s.serverId, s]));
    replace(this.ruleHistory, saved.rules);
    replace(this.offsets, saved.offsets);
    replace(this.compaction, saved.compaction);
  }
}

function replace<K, V>(map: Map<K, V>, entries: Iterable<[K, V]>): void {
  map.clear();
  for (const [k, v] of entries) map.set(k, v);
}

/** A record is its fact (type, data, at) with its place in the log besides, which machines ignore. */
export function factOf(r: LogRecord): GroveEvent {
  return r as unknown as GroveEvent;
}

function sameOffsets(a: Record<string, number> | null, b: Record<string, number> | null): boolean {
  if (a === null || b === null) return a === b;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

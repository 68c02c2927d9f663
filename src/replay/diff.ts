import { isDeepStrictEqual } from 'node:util';
import { MACHINE_KINDS, type MachineKind } from '../../machines/index.ts';
import type { SegmentContext } from '../../machines/segment/machine.ts';
import type { RuleJson } from '../events/cluster-events.ts';
import type { ClusterState } from '../projections/cluster-state.ts';
import { stateName } from '../projections/machine-fold.ts';
import { differingFields } from './compare.ts';
import { ABSENT } from './entity.ts';
import { timelineView, type TimelineChunk } from './timeline-view.ts';

/** Where a version stands on its interval. */
export type ChunkStatus = 'absent' | 'unused' | 'incomplete' | 'overshadowed' | 'visible';

export interface EntityChange {
  kind: MachineKind;
  id: string;
  dataSource: string;
  before: string;
  after: string;
  /** Context fields that changed (e.g. `servers`), when the state did not. */
  fields: string[];
}

export interface VersionChange {
  dataSource: string;
  interval: string;
  version: string;
  before: ChunkStatus;
  after: ChunkStatus;
}

export interface RulesChange {
  dataSource: string;
  before: RuleJson[];
  after: RuleJson[];
}

export interface StateDiff {
  from: number;
  to: number;
  dataSource: string | null;
  entities: EntityChange[];
  versions: VersionChange[];
  rules: RulesChange[];
}

interface EntityFacts {
  kind: MachineKind;
  id: string;
  dataSource: string;
  state: string;
  context: unknown;
}

interface ChunkFacts {
  dataSource: string;
  interval: string;
  version: string;
  status: ChunkStatus;
}

/** What a diff compares of a cluster state at one point. */
export interface Captured {
  entities: Map<string, EntityFacts>;
  chunks: Map<string, ChunkFacts>;
  rules: Map<string, RuleJson[]>;
}

const statusOf = (c: TimelineChunk): ChunkStatus =>
  !c.used ? 'unused' : !c.complete ? 'incomplete' : c.overshadowed || c.visibleOn.length === 0 ? 'overshadowed' : 'visible';

/** The entities, versions and rules of a state (of one datasource, when given). Snapshots are immutable, so this is cheap. */
export function captureState(state: ClusterState, dataSource: string | undefined): Captured {
  const inScope = (ds: string): boolean => dataSource === undefined || ds === dataSource;
  const entities = new Map<string, EntityFacts>();
  for (const kind of MACHINE_KINDS) {
    for (const [id, s] of state.entitiesOf(kind)) {
      const ds = (s.context as { dataSource: string }).dataSource;
      if (inScope(ds)) entities.set(`${kind}:${id}`, { kind, id, dataSource: ds, state: stateName(s.value), context: s.context });
    }
  }
  const chunks = new Map<string, ChunkFacts>();
  const dataSources = dataSource === undefined ? state.dataSources() : [dataSource];
  for (const ds of dataSources) {
    const segments = state.segmentsOf(ds).map((s) => ({ state: stateName(s.value), context: s.context as SegmentContext }));
    for (const c of timelineView(ds, state.position, segments).chunks) {
      chunks.set(`${ds}\u0000${c.interval}\u0000${c.version}`, { dataSource: ds, interval: c.interval, version: c.version, status: statusOf(c) });
    }
  }
  const rules = new Map<string, RuleJson[]>();
  for (const ds of [...dataSources, '_default']) rules.set(ds, state.rulesHistory(ds).at(-1)?.rules ?? []);
  return { entities, chunks, rules };
}

/** What changed from one captured state to another. Pure. */
export function diffStates(a: Captured, b: Captured, where: { from: number; to: number; dataSource: string | null }): StateDiff {
  const entities: EntityChange[] = [];
  for (const key of union(a.entities, b.entities)) {
    const [x, y] = [a.entities.get(key), b.entities.get(key)];
    const e = (x ?? y)!;
    const before = x?.state ?? ABSENT;
    // The projection forgets only killed segments.
    const after = y?.state ?? (x !== undefined && e.kind === 'segment' ? 'killed' : ABSENT);
    const fields = before === after ? differingFields(x?.context, y?.context) : [];
    if (before !== after || fields.length > 0) entities.push({ kind: e.kind, id: e.id, dataSource: e.dataSource, before, after, fields });
  }
  const versions: VersionChange[] = [];
  for (const key of union(a.chunks, b.chunks)) {
    const [x, y] = [a.chunks.get(key), b.chunks.get(key)];
    const c = (x ?? y)!;
    const before = x?.status ?? 'absent';
    const after = y?.status ?? 'absent';
    if (before !== after) versions.push({ dataSource: c.dataSource, interval: c.interval, version: c.version, before, after });
  }
  const rules: RulesChange[] = [];
  for (const ds of union(a.rules, b.rules)) {
    const [before, after] = [a.rules.get(ds) ?? [], b.rules.get(ds) ?? []];
    if (!isDeepStrictEqual(before, after)) rules.push({ dataSource: ds, before, after });
  }
  return { ...where, entities, versions, rules };
}

function union<K>(a: Map<K, unknown>, b: Map<K, unknown>): K[] {
  return [...new Set([...a.keys(), ...b.keys()])].sort();
}

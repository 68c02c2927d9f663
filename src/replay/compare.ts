import { isDeepStrictEqual } from 'node:util';
import type { MachineKind } from '../../machines/index.ts';
import type { ClusterState } from '../projections/cluster-state.ts';
import { stateName, type PersistedEntity } from '../projections/machine-fold.ts';
import { ABSENT } from './entity.ts';

/** Everything a ClusterState holds, as it saves it (canonical, plain data). */
export type SavedCluster = ReturnType<ClusterState['save']>;

/** One entity (or one keyed fact: a server, a datasource's rules) that is not what it should be. */
export interface Divergence {
  /** `segment:<id>`, `rules:<dataSource>`, `server:<id>` ... */
  entity: string;
  /** What the reference holds (the live projection, or the recorded state) ... */
  expected: string;
  /** ... and what the replay reached. */
  actual: string;
  /** The context fields that differ, when the states are alike. */
  fields: string[];
}

/** Entities by `kind:id`; null for one that is gone (a killed segment leaves the projection). */
export type EntityTable = Map<string, PersistedEntity | null>;

export function entityTable(saved: SavedCluster, keep: (key: string) => boolean = () => true): EntityTable {
  const out: EntityTable = new Map();
  for (const [kind, list] of Object.entries(saved.entities)) {
    for (const [id, p] of list) {
      const key = `${kind}:${id}`;
      if (keep(key)) out.set(key, p);
    }
  }
  return out;
}

const nameOf = (p: PersistedEntity | null | undefined): string => (p === null || p === undefined ? ABSENT : stateName((p as unknown as { value: never }).value));

/** The keys of two plain objects whose values differ. */
export function differingFields(a: unknown, b: unknown): string[] {
  const x = (a ?? {}) as Record<string, unknown>;
  const y = (b ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => !isDeepStrictEqual(x[k], y[k])).sort();
}

/** Entity by entity over the union of both tables' keys (`only`: just these keys). */
export function compareEntities(expected: EntityTable, actual: EntityTable, only?: Iterable<string>): Divergence[] {
  const keys = [...new Set(only ?? [...expected.keys(), ...actual.keys()])].sort();
  const out: Divergence[] = [];
  for (const key of keys) {
    const e = expected.get(key);
    const a = actual.get(key);
    if (isDeepStrictEqual(e ?? null, a ?? null)) continue;
    const [es, as] = [nameOf(e), nameOf(a)];
    const ctx = (p: PersistedEntity | null | undefined): unknown => (p as { context?: unknown } | null | undefined)?.context;
    out.push({ entity: key, expected: es, actual: as, fields: es === as ? differingFields(ctx(e), ctx(a)) : [] });
  }
  return out;
}

/** A keyed section (servers, rules, offsets, compaction) compared key by key. */
function compareSection<T>(section: string, expected: Array<[string, T]>, actual: Array<[string, T]>): Divergence[] {
  const e = new Map(expected);
  const a = new Map(actual);
  const out: Divergence[] = [];
  for (const key of [...new Set([...e.keys(), ...a.keys()])].sort()) {
    if (isDeepStrictEqual(e.get(key), a.get(key))) continue;
    const show = (v: T | undefined): string => (v === undefined ? ABSENT : JSON.stringify(v));
    out.push({ entity: `${section}:${key}`, expected: show(e.get(key)), actual: show(a.get(key)), fields: [] });
  }
  return out;
}

/** Every difference between two saved cluster states, entity by entity. */
export function compareSaved(expected: SavedCluster, actual: SavedCluster): Divergence[] {
  return [
    ...compareEntities(entityTable(expected), entityTable(actual)),
    ...compareSection('server', expected.servers.map((s) => [s.serverId, s]), actual.servers.map((s) => [s.serverId, s])),
    ...compareSection('rules', expected.rules, actual.rules),
    ...compareSection('offsets', expected.offsets, actual.offsets),
    ...compareSection('compaction', expected.compaction, actual.compaction),
  ];
}

/** `segment:<id>` -> its kind. */
export const kindOfKey = (key: string): MachineKind => key.slice(0, key.indexOf(':')) as MachineKind;

import type { SegmentDescriptor } from '../../machines/segment/events.ts';
import type { GroveEvent, NewEvent } from '../events/catalog.ts';
import { factOf } from '../projections/cluster-state.ts';
import { FOLDERS, stateName, type EntitySnapshot } from '../projections/machine-fold.ts';
import { replicaId } from '../projections/routing.ts';
import type { LogRecord } from '../log/record.ts';

/** What the log says of one replica of this server. */
export interface OwnReplica {
  dataSource: string;
  state: string;
}

/**
 * Folds a server's own replica facts (the log's `server:<id>` entity history) through the replica
 * machine: the states the log holds for this server's replicas, by segment. Pure.
 */
export function ownReplicas(serverId: string, records: Iterable<LogRecord>): Map<string, OwnReplica> {
  const snaps = new Map<string, EntitySnapshot<'replica'>>();
  for (const r of records) {
    if (!r.type.startsWith('Replica')) continue;
    const fact = factOf(r) as GroveEvent & { data: { segmentId: string; serverId: string } };
    if (fact.data.serverId !== serverId) continue;
    const before = snaps.get(fact.data.segmentId) ?? FOLDERS.replica.initial(replicaId(fact.data.segmentId, serverId));
    if (FOLDERS.replica.canApply(before, fact)) snaps.set(fact.data.segmentId, FOLDERS.replica.apply(before, fact));
  }
  return new Map([...snaps].map(([id, s]) => [id, { dataSource: s.context.dataSource, state: stateName(s.value) }]));
}

/** A restarted historical's first facts: what it re-announces from its cache and what it must drop. */
export interface Reconciliation {
  /** Cached segments to serve and announce (ReplicaLoaded, fromCache). */
  announce: SegmentDescriptor[];
  /** Cached segments the log already counts as loaded here: serve them, say nothing. */
  keep: SegmentDescriptor[];
  /** Cached segments not to serve (their replica failed, or is being dropped): delete them. */
  discard: SegmentDescriptor[];
  /** ReplicaDropped for replicas the log counts as served here that the cache no longer has, or that were being dropped. */
  drops: NewEvent[];
}

/** States from which the replica machine takes ReplicaLoaded (a re-announcement). */
const ANNOUNCEABLE = new Set(['absent', 'assigned', 'loading', 'dropped']);

/**
 * Decides a restart from what the log says of this server's replicas and what its cache holds, so
 * that nothing is downloaded again that is already here and nothing is claimed that is not. Pure.
 */
export function reconcile(serverId: string, log: ReadonlyMap<string, OwnReplica>, cached: readonly SegmentDescriptor[]): Reconciliation {
  const out: Reconciliation = { announce: [], keep: [], discard: [], drops: [] };
  const inCache = new Set(cached.map((d) => d.id));
  const drop = (segmentId: string, dataSource: string, reason: string): void => {
    out.drops.push({ type: 'ReplicaDropped', data: { dataSource, segmentId, serverId, reason } });
  };
  for (const d of cached) {
    const state = log.get(d.id)?.state ?? 'absent';
    if (state === 'loaded') out.keep.push(d);
    else if (ANNOUNCEABLE.has(state)) out.announce.push(d);
    else {
      out.discard.push(d);
      if (state === 'dropping') drop(d.id, d.dataSource, 'dropped while the server was down');
    }
  }
  for (const [segmentId, r] of log) {
    if (inCache.has(segmentId)) continue;
    if (r.state === 'loaded' || r.state === 'dropping') drop(segmentId, r.dataSource, 'no longer in the cache');
  }
  return out;
}

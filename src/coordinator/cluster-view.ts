import type { ReplicaContext } from '../../machines/replica/machine.ts';
import type { SegmentContext } from '../../machines/segment/machine.ts';
import type { ClusterState, EntityChange } from '../projections/cluster-state.ts';
import { stateName, type EntitySnapshot } from '../projections/machine-fold.ts';
import { parseInterval, type Interval } from '../time/interval.ts';
import { timelineEntryOf, VersionedTimeline } from '../timeline/index.ts';
import { placeInTimeline } from './timeline-place.ts';

/** A replica the coordinator counts: dropped ones are forgotten. */
export type ReplicaStatus = 'assigned' | 'loading' | 'loaded' | 'dropping' | 'failed';

export interface ReplicaInfo {
  readonly status: ReplicaStatus;
  /** When it last failed to load (the log's time), for retrying elsewhere first. */
  readonly failedAt: number | null;
}

/** The replica states that hold (or are about to hold) bytes on their server. */
const OCCUPYING: ReadonlySet<ReplicaStatus> = new Set(['assigned', 'loading', 'loaded', 'dropping']);

/** What the coordinator reads of one segment. */
export interface SegmentFacts {
  readonly id: string;
  readonly dataSource: string;
  readonly state: string;
  readonly interval: Interval;
  readonly version: string;
  readonly size: number;
  readonly servers: readonly string[];
  readonly unusedReason: SegmentContext['unusedReason'];
  readonly unusedSince: number | null;
}

/** Per datasource: every used segment, and the ones a query can already be answered from. */
interface DataSourceTimelines {
  used: VersionedTimeline<null>;
  served: VersionedTimeline<null>;
}

export interface ViewListener {
  /** The segment, one of its replicas or its coverage changed: plan it again. */
  segmentTouched(id: string): void;
  /** What is used or served on `interval` changed: segments there may now be overshadowed. */
  coverageChanged(dataSource: string, interval: Interval): void;
}

const isPublishedState = (state: string): boolean => state.startsWith('published.');
export const isUsedState = (state: string): boolean => state.startsWith('published.used.');

/**
 * The coordinator's indexes over the cluster state, kept current step by step as the state folds
 * facts in (never rebuilt per event): replicas by segment, bytes by server, and per datasource a
 * timeline of used segments and a timeline of "served" ones — used segments loaded on a historical
 * (or needing no replica at all), which is what may overshadow older versions (Druid's
 * MarkOvershadowedSegmentsAsUnused: not segments served only by ingestion tasks). Pure.
 */
export class CoordinatorView {
  private readonly replicas = new Map<string, Map<string, ReplicaInfo>>();
  private readonly serverSegments = new Map<string, Set<string>>();
  private readonly serverBytes = new Map<string, number>();
  private readonly timelines = new Map<string, DataSourceTimelines>();
  /** Used segments whose rule asks for no replica: they count as served. */
  private readonly zeroReplica = new Set<string>();
  private listener: ViewListener | null = null;

  constructor(private readonly cluster: ClusterState) {
    cluster.onChange((c) => this.onChange(c));
  }

  /** Indexes everything the state holds now (after a snapshot load, which fires no changes). */
  rebuild(): void {
    this.replicas.clear();
    this.serverSegments.clear();
    this.serverBytes.clear();
    this.timelines.clear();
    for (const [id, snap] of this.cluster.entitiesOf('segment')) this.indexSegment(id, snap);
    for (const [, snap] of this.cluster.entitiesOf('replica')) this.indexReplica(snap.context, stateName(snap.value), null);
  }

  listen(listener: ViewListener): void {
    this.listener = listener;
  }

  // ---- reading ----

  facts(id: string): SegmentFacts | null {
    const snap = this.cluster.entity('segment', id);
    return snap === undefined ? null : factsOf(snap, this.intervalOf(id, snap.context));
  }

  replicasOf(segmentId: string): ReadonlyMap<string, ReplicaInfo> {
    return this.replicas.get(segmentId) ?? EMPTY;
  }

  segmentsOn(serverId: string): ReadonlySet<string> {
    return this.serverSegments.get(serverId) ?? EMPTY_SET;
  }

  bytesOn(serverId: string): number {
    return this.serverBytes.get(serverId) ?? 0;
  }

  usedTimeline(dataSource: string): VersionedTimeline<null> | undefined {
    return this.timelines.get(dataSource)?.used;
  }

  servedTimeline(dataSource: string): VersionedTimeline<null> | undefined {
    return this.timelines.get(dataSource)?.served;
  }

  /** Records whether a used segment's rule wants no replica (so it overshadows without being loaded). */
  setZeroReplica(id: string, zero: boolean): void {
    if (zero === this.zeroReplica.has(id)) return;
    if (zero) this.zeroReplica.add(id);
    else this.zeroReplica.delete(id);
    const snap = this.cluster.entity('segment', id);
    if (snap !== undefined) this.indexSegment(id, snap);
  }

  // ---- folding ----

  private onChange(c: EntityChange): void {
    if (c.kind === 'segment') {
      if (c.after === null) this.forgetSegment(c.id, c.before as EntitySnapshot<'segment'> | null);
      else this.indexSegment(c.id, c.after as EntitySnapshot<'segment'>);
      this.listener?.segmentTouched(c.id);
    } else if (c.kind === 'replica') {
      const after = c.after as EntitySnapshot<'replica'>;
      this.indexReplica(after.context, stateName(after.value), c.record.at);
      this.listener?.segmentTouched(after.context.segmentId);
    }
  }

  private indexSegment(id: string, snap: EntitySnapshot<'segment'>): void {
    const ctx = snap.context;
    const state = stateName(snap.value);
    if (!isPublishedState(state) || ctx.descriptor === null) return;
    const t = this.timelinesOf(ctx.dataSource);
    const used = isUsedState(state);
    const served = used && (this.zeroReplica.has(id) || ctx.servers.some((s) => this.isHistorical(s)));
    const entry = t.used.get(id) ?? t.served.get(id) ?? timelineEntryOf(ctx.descriptor, null);
    const usedChanged = toggle(t.used, entry, used);
    const servedChanged = toggle(t.served, entry, served);
    if (!used) this.zeroReplica.delete(id);
    if (usedChanged || servedChanged) this.listener?.coverageChanged(ctx.dataSource, entry.interval);
  }

  private forgetSegment(id: string, before: EntitySnapshot<'segment'> | null): void {
    this.zeroReplica.delete(id);
    const ds = before?.context.dataSource;
    const t = ds === undefined ? undefined : this.timelines.get(ds);
    t?.used.remove(id);
    t?.served.remove(id);
  }

  private indexReplica(ctx: ReplicaContext, state: string, at: number | null): void {
    const { segmentId, serverId } = ctx;
    const byServer = this.replicas.get(segmentId) ?? new Map<string, ReplicaInfo>();
    const was = byServer.get(serverId);
    const status = state === 'dropped' ? null : (state as ReplicaStatus);
    if (status === null) byServer.delete(serverId);
    else byServer.set(serverId, { status, failedAt: status === 'failed' ? (at ?? was?.failedAt ?? 0) : null });
    if (byServer.size === 0) this.replicas.delete(segmentId);
    else this.replicas.set(segmentId, byServer);
    const occupiedBefore = was !== undefined && OCCUPYING.has(was.status);
    const occupiedNow = status !== null && OCCUPYING.has(status);
    if (occupiedBefore !== occupiedNow) this.occupy(serverId, segmentId, occupiedNow);
  }

  private occupy(serverId: string, segmentId: string, on: boolean): void {
    const size = this.cluster.entity('segment', segmentId)?.context.descriptor?.size ?? 0;
    let set = this.serverSegments.get(serverId);
    if (set === undefined) this.serverSegments.set(serverId, (set = new Set()));
    if (on) set.add(segmentId);
    else set.delete(segmentId);
    this.serverBytes.set(serverId, Math.max(0, (this.serverBytes.get(serverId) ?? 0) + (on ? size : -size)));
  }

  private timelinesOf(dataSource: string): DataSourceTimelines {
    let t = this.timelines.get(dataSource);
    if (t === undefined) this.timelines.set(dataSource, (t = { used: new VersionedTimeline(), served: new VersionedTimeline() }));
    return t;
  }

  private isHistorical(serverId: string): boolean {
    return this.cluster.servers.get(serverId)?.kind === 'historical';
  }

  /** The parsed interval the timelines already hold, else parsed anew (a segment not allocated yet has none). */
  private intervalOf(id: string, ctx: SegmentContext): Interval {
    const t = this.timelines.get(ctx.dataSource);
    const held = (t?.used.get(id) ?? t?.served.get(id))?.interval;
    if (held !== undefined) return held;
    return ctx.interval === '' ? { start: 0, end: 0 } : parseInterval(ctx.interval);
  }
}

const EMPTY: ReadonlyMap<string, ReplicaInfo> = new Map();
const EMPTY_SET: ReadonlySet<string> = new Set();

/** Adds or removes `entry`; true if that changed anything. */
function toggle(t: VersionedTimeline<null>, entry: ReturnType<typeof timelineEntryOf<null>>, present: boolean): boolean {
  const held = t.get(entry.id) !== undefined;
  if (held === present) return false;
  if (!present) return t.remove(entry.id) !== undefined;
  return placeInTimeline(t, entry, 'coordinator');
}

function factsOf(snap: EntitySnapshot<'segment'>, interval: Interval): SegmentFacts {
  const c = snap.context;
  return {
    id: c.id,
    dataSource: c.dataSource,
    state: stateName(snap.value),
    interval,
    version: c.version,
    size: c.descriptor?.size ?? 0,
    servers: c.servers,
    unusedReason: c.unusedReason,
    unusedSince: c.unusedSince,
  };
}

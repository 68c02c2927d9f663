import type { ShardSpec } from '../../machines/segment/events.ts';
import type { EntitySnapshot } from '../projections/machine-fold.ts';
import { stateName } from '../projections/machine-fold.ts';
import { IntervalTreap } from '../timeline/interval-treap.ts';
import { VersionedTimeline } from '../timeline/versioned-timeline.ts';
import { parseInterval, type Interval } from '../time/interval.ts';

export type SegmentPhase = 'building' | 'used' | 'unused' | 'abandoned';

/** What allocation and publishing need to know of one segment. */
export interface SegmentView {
  readonly id: string;
  readonly dataSource: string;
  readonly interval: Interval;
  readonly version: string;
  readonly partitionNum: number;
  readonly phase: SegmentPhase;
  /** The task that allocated (or published) it. */
  readonly taskId: string | null;
  /** The core set size its shard spec names (0 for appended partitions). */
  readonly corePartitions: number;
  readonly allocation: { sequenceName: string; previousSegmentId: string | null; shardSpec: ShardSpec } | null;
  /** Who serves it: historicals, and a realtime task while it builds or hands it off. */
  readonly servers: readonly string[];
}

/** The view of a segment snapshot; null while it does not exist or its interval cannot be read. */
export function segmentViewOf(snapshot: EntitySnapshot<'segment'>): SegmentView | null {
  const c = snapshot.context;
  if (c.taskId === null) return null;
  let interval: Interval;
  try {
    interval = parseInterval(c.interval);
  } catch {
    return null;
  }
  const state = stateName(snapshot.value);
  const phase: SegmentPhase = state === 'building' ? 'building' : state === 'abandoned' ? 'abandoned' : state.startsWith('published.used') ? 'used' : 'unused';
  const shardSpec = c.descriptor?.shardSpec ?? c.allocation?.shardSpec;
  return {
    id: c.id, dataSource: c.dataSource, interval, version: c.version, partitionNum: c.partitionNum, phase, taskId: c.taskId,
    corePartitions: shardSpec?.partitions ?? 0, allocation: c.allocation, servers: c.servers,
  };
}

class DataSourceSegments {
  /** Published, used segments: where appends go and what they must not straddle. */
  readonly used = new VersionedTimeline<null>();
  /** Allocated, unpublished segments. */
  readonly building = new IntervalTreap<SegmentView>();
  /** The highest partition number ever given in each (interval, version): ids are never reused. */
  readonly highestPartition = new Map<string, number>();
  /** Allocations by (sequenceName, previousSegmentId). */
  readonly allocations = new Map<string, string>();
  /** Segments the timeline refused (contradicting the ones it holds): kept out, reported. */
  readonly refused = new Map<string, string>();
}

const chunkKey = (i: Interval, version: string): string => `${i.start}/${i.end}/${version}`;
const sequenceKey = (sequenceName: string, previousSegmentId: string | null): string => `${sequenceName}\u0000${previousSegmentId ?? ''}`;

/**
 * Segments by datasource as allocation sees them (Druid's used segments plus pending segments),
 * and unpublished segments by the task that allocated them. Pure data; kept current by the
 * OverlordState.
 */
export class SegmentIndex {
  private readonly byId = new Map<string, SegmentView>();
  private readonly byDataSource = new Map<string, DataSourceSegments>();
  private readonly buildingByTask = new Map<string, Set<string>>();
  private readonly byServer = new Map<string, Set<string>>();

  /** Puts the segment's latest view (null: gone for good) in place of what was known of it. */
  update(id: string, view: SegmentView | null): void {
    const old = this.byId.get(id);
    if (old !== undefined) this.forget(old);
    if (view === null) {
      this.byId.delete(id);
      return;
    }
    this.byId.set(id, view);
    const ds = this.of(view.dataSource);
    const key = chunkKey(view.interval, view.version);
    ds.highestPartition.set(key, Math.max(ds.highestPartition.get(key) ?? -1, view.partitionNum));
    if (view.allocation !== null) ds.allocations.set(sequenceKey(view.allocation.sequenceName, view.allocation.previousSegmentId), id);
    if (view.phase === 'building') this.addBuilding(ds, view);
    if (view.phase === 'used') this.addUsed(ds, view);
    for (const server of view.servers) {
      let served = this.byServer.get(server);
      if (served === undefined) this.byServer.set(server, (served = new Set()));
      served.add(id);
    }
  }

  private addBuilding(ds: DataSourceSegments, view: SegmentView): void {
    ds.building.insert(view.interval.start, view.interval.end, view.id, view);
    let own = this.buildingByTask.get(view.taskId!);
    if (own === undefined) this.buildingByTask.set(view.taskId!, (own = new Set()));
    own.add(view.id);
  }

  private addUsed(ds: DataSourceSegments, view: SegmentView): void {
    try {
      ds.used.add({ id: view.id, interval: view.interval, version: view.version, partitionNum: view.partitionNum, corePartitions: view.corePartitions, payload: null });
    } catch (e) {
      // The log holds what the timeline cannot (say, one version on two overlapping intervals):
      // allocation then ignores that segment rather than the overlord failing on every record.
      ds.refused.set(view.id, (e as Error).message);
    }
  }

  private forget(old: SegmentView): void {
    const ds = this.of(old.dataSource);
    if (old.phase === 'building') {
      ds.building.remove(old.interval.start, old.interval.end, old.id);
      this.buildingByTask.get(old.taskId!)?.delete(old.id);
    }
    if (old.phase === 'used' && !ds.refused.delete(old.id)) ds.used.remove(old.id);
    for (const server of old.servers) {
      const served = this.byServer.get(server)!;
      served.delete(old.id);
      if (served.size === 0) this.byServer.delete(server);
    }
  }

  private of(dataSource: string): DataSourceSegments {
    let ds = this.byDataSource.get(dataSource);
    if (ds === undefined) this.byDataSource.set(dataSource, (ds = new DataSourceSegments()));
    return ds;
  }

  get(id: string): SegmentView | undefined {
    return this.byId.get(id);
  }

  /** The used timeline of a datasource (empty if it has none). */
  usedTimeline(dataSource: string): VersionedTimeline<null> {
    return this.of(dataSource).used;
  }

  /** Unpublished segments of the datasource overlapping `interval`. */
  buildingOverlapping(dataSource: string, interval: Interval): SegmentView[] {
    return this.of(dataSource).building.overlapping(interval.start, interval.end).map((e) => e.value);
  }

  /** The highest partition number ever given in (interval, version), or -1. */
  highestPartition(dataSource: string, interval: Interval, version: string): number {
    return this.of(dataSource).highestPartition.get(chunkKey(interval, version)) ?? -1;
  }

  allocationOf(dataSource: string, sequenceName: string, previousSegmentId: string | null): SegmentView | undefined {
    const id = this.of(dataSource).allocations.get(sequenceKey(sequenceName, previousSegmentId));
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** The segments a server (a historical, or a realtime task) serves. */
  servedBy(serverId: string): SegmentView[] {
    return [...(this.byServer.get(serverId) ?? [])].map((id) => this.byId.get(id)!);
  }

  /** The unpublished segments the task allocated. */
  buildingOf(taskId: string): SegmentView[] {
    return [...(this.buildingByTask.get(taskId) ?? [])].map((id) => this.byId.get(id)!);
  }
}

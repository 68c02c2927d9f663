import type { SegmentContext } from '../../machines/segment/machine.ts';
import type { ClusterState, EntityChange } from '../projections/cluster-state.ts';
import type { EntitySnapshot } from '../projections/machine-fold.ts';
import { placeInTimeline } from '../coordinator/timeline-place.ts';
import { timelineEntryOf, VersionedTimeline, type TimelineSegment } from '../timeline/index.ts';

/** What the broker keeps of a served segment: who serves it. */
export interface Served {
  readonly servers: readonly string[];
}

/**
 * The broker's view of what can be queried (Druid's TimelineServerView): per datasource, a
 * versioned timeline of the segments some server serves now — historicals, and realtime tasks for
 * what they are building. The timeline picks, for every instant, the highest version whose core
 * partitions are all served, so an overwrite switches in whole or not at all. Kept current from
 * the cluster state's steps. Pure.
 */
export class BrokerTimelines {
  private readonly timelines = new Map<string, VersionedTimeline<Served>>();

  constructor(private readonly cluster: ClusterState) {
    cluster.onChange((c) => this.onChange(c));
  }

  /** Indexes what the state holds now (after a snapshot load, which fires no changes). */
  rebuild(): void {
    this.timelines.clear();
    for (const [id, snap] of this.cluster.entitiesOf('segment')) this.index(id, snap.context, snap.hasTag('available'));
  }

  timelineOf(dataSource: string): VersionedTimeline<Served> | undefined {
    return this.timelines.get(dataSource);
  }

  private onChange(c: EntityChange): void {
    if (c.kind !== 'segment') return;
    const before = c.before as EntitySnapshot<'segment'> | null;
    const after = c.after as EntitySnapshot<'segment'> | null;
    if (after === null) {
      if (before !== null) this.timelines.get(before.context.dataSource)?.remove(c.id);
      return;
    }
    this.index(c.id, after.context, after.hasTag('available'));
  }

  private index(id: string, ctx: SegmentContext, available: boolean): void {
    const placed = placementOf(ctx);
    const servers = ctx.servers;
    const t = this.timelines.get(ctx.dataSource);
    if (!available || servers.length === 0 || placed === null) {
      t?.remove(id);
      return;
    }
    const timeline = t ?? new VersionedTimeline<Served>();
    if (t === undefined) this.timelines.set(ctx.dataSource, timeline);
    const entry = timelineEntryOf(placed, { servers });
    // Published, a realtime segment keeps its place unless its descriptor says otherwise.
    if (!placeInTimeline(timeline, entry, 'broker') && timeline.remove(id) !== undefined) placeInTimeline(timeline, entry, 'broker');
  }
}

/** Where a segment sits: its published descriptor, or, while a realtime task builds it, its allocation. */
function placementOf(ctx: SegmentContext): TimelineSegment | null {
  if (ctx.descriptor !== null) return ctx.descriptor;
  if (ctx.allocation === null || ctx.interval === '') return null;
  return { id: ctx.id, interval: ctx.interval, version: ctx.version, partitionNum: ctx.partitionNum, shardSpec: ctx.allocation.shardSpec };
}

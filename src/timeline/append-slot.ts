import { sameInterval, type Interval } from '../time/interval.ts';
import { describeInterval } from './describe.ts';
import type { VersionedTimeline } from './versioned-timeline.ts';

/**
 * Where an appended segment on some interval could go, by Druid's allocation rules
 * (IndexerSQLMetadataStorageCoordinator.createNewSegment): into the one visible chunk with exactly
 * that interval, taking its version and the next partition number; or into a new chunk when
 * nothing visible overlaps the interval. Anything else cannot take a single segment.
 */
export type AppendSlot =
  | { readonly kind: 'empty' }
  | {
    readonly kind: 'existing';
    readonly interval: Interval;
    readonly version: string;
    /** The chunk's core set size, which the new partition's shard spec repeats. */
    readonly corePartitions: number;
    readonly nextPartitionNum: number;
  }
  | { readonly kind: 'conflict'; readonly reason: string };

/**
 * The slot for appending on `interval`. An allocator tries its candidate intervals in turn (the
 * chunk already holding the row, see chunkIntervalAt, then the granularity buckets from coarse
 * to fine) and reports the last conflict's reason when none is free. Segments it has allocated
 * but not yet published are not in the timeline: it must count their partition numbers itself.
 */
export function findAppendSlot<P>(timeline: VersionedTimeline<P>, interval: Interval): AppendSlot {
  const visible = timeline.lookup(interval);
  if (visible.length === 0) return { kind: 'empty' };
  const where = describeInterval(interval);
  if (visible.length > 1) {
    const seen = visible.map((c) => `${describeInterval(c.trueInterval)} version ${c.version}`).join(', ');
    return { kind: 'conflict', reason: `${where} spans ${visible.length} visible chunks (${seen}); one segment can extend only one chunk` };
  }
  const [chunk] = visible as [(typeof visible)[number]];
  if (!sameInterval(chunk.trueInterval, interval)) {
    return {
      kind: 'conflict',
      reason: `${where} overlaps the chunk ${describeInterval(chunk.trueInterval)} version ${chunk.version}, whose interval differs; a segment must match its chunk's interval`,
    };
  }
  const last = chunk.partitions[chunk.partitions.length - 1]!;
  return { kind: 'existing', interval: chunk.trueInterval, version: chunk.version, corePartitions: chunk.corePartitions, nextPartitionNum: last.partitionNum + 1 };
}

/** The interval of the visible chunk holding instant `t`, which an appending row reuses first. */
export function chunkIntervalAt<P>(timeline: VersionedTimeline<P>, t: number): Interval | null {
  return timeline.lookup({ start: t, end: t + 1 })[0]?.trueInterval ?? null;
}

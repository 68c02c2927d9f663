import type { SegmentDescriptor } from '../../machines/segment/events.ts';
import { parseInterval } from '../time/interval.ts';
import type { TimelineEntry } from './partition-holder.ts';

/** What the timeline needs of a segment: published descriptors and allocated ids both have it. */
export type TimelineSegment = Pick<SegmentDescriptor, 'id' | 'interval' | 'version' | 'partitionNum' | 'shardSpec'>;

/**
 * A segment as a timeline entry. Numbered, hashed and range shard specs all complete the same
 * way once their core set size is known (Druid makes numbered partition chunks of all three),
 * so `shardSpec.partitions` is the core set size whatever the type.
 */
export function timelineEntryOf<P>(segment: TimelineSegment, payload: P): TimelineEntry<P> {
  return {
    id: segment.id,
    interval: parseInterval(segment.interval),
    version: segment.version,
    partitionNum: segment.partitionNum,
    corePartitions: segment.shardSpec.partitions,
    payload,
  };
}

import type { Fact, IsoInterval } from '../common.ts';
import type { ReplicaDropped, ReplicaLoaded } from '../replica/events.ts';

/** Druid shard specs. `partitions` is the number of core partitions (0 for appended ones). */
export type ShardSpec =
  | { type: 'numbered'; partitionNum: number; partitions: number }
  | { type: 'hashed'; partitionNum: number; partitions: number; partitionDimensions: string[]; numBuckets: number; bucketId: number }
  | { type: 'range'; partitionNum: number; partitions: number; partitionDimensions: string[]; start: Array<string | null> | null; end: Array<string | null> | null };

/** Where a segment's file lives in deep storage (Druid's loadSpec). */
export interface LoadSpec {
  type: 'local';
  /** Path relative to the deep-storage root. */
  path: string;
}

/** What the log records of a segment. Druid's id: `dataSource_start_end_version[_partitionNum]`. */
export interface SegmentDescriptor {
  id: string;
  dataSource: string;
  interval: IsoInterval;
  version: string;
  partitionNum: number;
  shardSpec: ShardSpec;
  dimensions: string[];
  metrics: string[];
  rows: number;
  /** File size in bytes. */
  size: number;
  loadSpec: LoadSpec;
  /** Checksum of the file, checked on load. */
  checksum: string;
}

/** A segment id as allocated, before the segment has rows or a file. */
export type AllocatedSegment = Pick<SegmentDescriptor, 'id' | 'dataSource' | 'interval' | 'version' | 'partitionNum' | 'shardSpec'>;

/** Stream offsets committed together with segments (Druid's DataSourceMetadata), per partition. */
export interface CommitMetadata {
  stream: string;
  start: Record<string, number>;
  end: Record<string, number>;
}

export type SegmentAllocated = Fact<'SegmentAllocated', {
  segment: AllocatedSegment;
  taskId: string;
  lockId: string;
  sequenceName: string;
  previousSegmentId: string | null;
  /** A realtime task serves the segment while it builds it. */
  realtime: boolean;
}>;
export type SegmentsPublished = Fact<'SegmentsPublished', {
  dataSource: string;
  taskId: string;
  segments: SegmentDescriptor[];
  /** Present when the publish committed stream offsets in the same append. */
  commit?: CommitMetadata;
}>;
export type SegmentsMarkedUnused = Fact<'SegmentsMarkedUnused', {
  dataSource: string;
  segmentIds: string[];
  reason: 'overshadowed' | 'rule' | 'manual' | 'dropExisting';
}>;
export type SegmentsMarkedUsed = Fact<'SegmentsMarkedUsed', { dataSource: string; segmentIds: string[]; reason: 'manual' }>;
/** Unpublished segments whose task ended without publishing them. */
export type SegmentsAbandoned = Fact<'SegmentsAbandoned', { dataSource: string; segmentIds: string[]; taskId: string; reason: string }>;
/** Unused segments deleted from deep storage for good. */
export type SegmentsKilled = Fact<'SegmentsKilled', { dataSource: string; segmentIds: string[]; taskId: string }>;

export type SegmentEvent =
  | SegmentAllocated
  | SegmentsPublished
  | SegmentsMarkedUnused
  | SegmentsMarkedUsed
  | SegmentsAbandoned
  | SegmentsKilled;

/** Everything the segment machine reacts to: its own facts and its replicas' availability. */
export type SegmentMachineEvent = SegmentEvent | ReplicaLoaded | ReplicaDropped;

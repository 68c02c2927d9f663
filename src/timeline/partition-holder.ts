import type { Interval } from '../time/interval.ts';

/** One segment as the timeline sees it; `payload` is whatever the caller tracks (servers, state...). */
export interface TimelineEntry<P> {
  readonly id: string;
  readonly interval: Interval;
  readonly version: string;
  readonly partitionNum: number;
  /** The shard spec's `partitions`: the size of the core set, 0 for a partition appended without one. */
  readonly corePartitions: number;
  readonly payload: P;
}

/**
 * The segments of one (interval, version), Druid's PartitionHolder under numbered shard spec
 * rules: complete once every core partition 0..n-1 is present; partitions numbered n and up
 * (appended) count for nothing and ride along; with no core set (n = 0) any partition completes it.
 */
export class PartitionHolder<P> {
  /** Sorted by partitionNum. */
  private readonly entries: TimelineEntry<P>[] = [];
  private corePresent = 0;

  constructor(readonly interval: Interval, readonly version: string, readonly corePartitions: number) {}

  get complete(): boolean {
    return this.corePartitions === 0 ? this.entries.length > 0 : this.corePresent === this.corePartitions;
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  get partitions(): readonly TimelineEntry<P>[] {
    return this.entries;
  }

  partition(partitionNum: number): TimelineEntry<P> | undefined {
    const i = this.indexOf(partitionNum);
    const e = this.entries[i];
    return e !== undefined && e.partitionNum === partitionNum ? e : undefined;
  }

  /** Puts `entry` in its partition slot, replacing what was there. */
  put(entry: TimelineEntry<P>): void {
    const i = this.indexOf(entry.partitionNum);
    if (this.entries[i]?.partitionNum === entry.partitionNum) {
      this.entries[i] = entry;
      return;
    }
    this.entries.splice(i, 0, entry);
    if (this.isCore(entry)) this.corePresent++;
  }

  delete(entry: TimelineEntry<P>): void {
    const i = this.indexOf(entry.partitionNum);
    if (this.entries[i]?.id !== entry.id) return;
    this.entries.splice(i, 1);
    if (this.isCore(entry)) this.corePresent--;
  }

  private isCore(entry: TimelineEntry<P>): boolean {
    return entry.partitionNum < this.corePartitions;
  }

  /** Where `partitionNum` is or would go. */
  private indexOf(partitionNum: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.partitionNum < partitionNum) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

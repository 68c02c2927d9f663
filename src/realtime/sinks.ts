import { mkdir } from 'node:fs/promises';
import { IncrementalIndex } from '../ingest/incremental-index.ts';
import type { RowSchema } from '../ingest/row-schema.ts';
import type { AllocateRequest, Allocation } from '../overlord/allocation.ts';
import { parseGranularity, type Granularity, type GranularitySpec } from '../time/granularity.ts';
import { formatInstant } from '../time/instant.ts';
import { Sink } from './sink.ts';

/** What the sinks ask of the overlord: Druid's SegmentAllocateAction. */
export type Allocate = (req: Omit<AllocateRequest, 'taskId'>) => Promise<Allocation>;

export interface SinksOptions {
  dataSource: string;
  schema: RowSchema;
  rollup: boolean;
  segmentGranularity: GranularitySpec;
  /** Identical for the replicas of a group, so that they are given identical segments. */
  baseSequenceName: string;
  maxRowsPerSegment: number;
  allocate: Allocate;
  /** Where persisted runs go. */
  persistDir: string;
}

/**
 * The segments a realtime task builds (Druid's Appenderator): routes a row to an open segment of
 * its partition holding its time, and asks the overlord for a new one when there is none, or when
 * the one there is full (maxRowsPerSegment).
 *
 * Each (partition, time chunk) is a sequence of its own (`<baseSequenceName>_<partition>_<chunk
 * start>`), chained by `previousSegmentId`. Replicas of a group read the same messages of each
 * partition in the same order, but may interleave partitions differently; keyed this way, which
 * rows a segment holds depends on the offsets read alone, so replicas are given the same segment
 * ids and build them with the same rows (their files are the same bytes).
 */
export class Sinks {
  private readonly all: Sink[] = [];
  private readonly byId = new Map<string, Sink>();
  /** The last sink of each sequence: where its chain goes on from. */
  private readonly lastOf = new Map<string, Sink>();
  private recent: Sink | null = null;
  private readonly granularity: Granularity;

  constructor(private readonly o: SinksOptions) {
    this.granularity = parseGranularity(o.segmentGranularity);
  }

  /** An open segment of `partition` holding `time`, found without asking anyone; null when one must be allocated. */
  openFor(partition: string, time: number): Sink | null {
    const recent = this.recent;
    if (recent !== null && recent.partition === partition && recent.holds(time) && this.isOpen(recent)) return recent;
    for (const s of this.lastOf.values()) {
      if (s.partition === partition && s.holds(time) && this.isOpen(s)) return (this.recent = s);
    }
    return null;
  }

  /** The segment for a row of `partition` at `time`: an open one, else a new one from the overlord. */
  async sinkFor(partition: string, time: number): Promise<Sink> {
    return this.openFor(partition, time) ?? (this.recent = await this.allocate(partition, time));
  }

  get(id: string): Sink | undefined {
    return this.byId.get(id);
  }

  /** Every segment, in allocation order. */
  list(): readonly Sink[] {
    return this.all;
  }

  inMemoryRows(): number {
    let n = 0;
    for (const s of this.all) n += s.index.size;
    return n;
  }

  /** Moves every segment's rows in memory to disk (Druid's persistAll). */
  async persistAll(): Promise<void> {
    await mkdir(this.o.persistDir, { recursive: true });
    for (const s of this.all) await s.persist(this.o.schema, this.o.persistDir);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.all.map((s) => s.dispose()));
  }

  private isOpen(s: Sink): boolean {
    return s.rows < this.o.maxRowsPerSegment && this.lastOf.get(s.sequenceName) === s;
  }

  private async allocate(partition: string, time: number): Promise<Sink> {
    const sequenceName = `${this.o.baseSequenceName}_${partition}_${formatInstant(this.granularity.bucketStart(time))}`;
    const previous = this.lastOf.get(sequenceName) ?? null;
    const allocation = await this.o.allocate({
      dataSource: this.o.dataSource,
      timestamp: time,
      segmentGranularity: this.o.segmentGranularity,
      sequenceName,
      previousSegmentId: previous?.id ?? null,
      lockType: 'APPEND',
    });
    const known = this.byId.get(allocation.segmentId);
    if (known !== undefined) throw new Error(`the overlord gave segment ${allocation.segmentId} again for ${sequenceName}: it already holds rows of this task`);
    const sink = new Sink(allocation, partition, sequenceName, new IncrementalIndex(this.o.schema, this.o.rollup));
    if (!sink.holds(time)) throw new Error(`the overlord allocated ${allocation.segmentId} for ${formatInstant(time)}, which it does not hold`);
    this.all.push(sink);
    this.byId.set(sink.id, sink);
    this.lastOf.set(sequenceName, sink);
    return sink;
  }
}

import { badRequest, GroveError } from '../bus/errors.ts';
import type { FieldIssue } from '../spec/validation.ts';
import type { PartitionOffsets } from '../streaming/task-protocol.ts';
import { endIssues } from './task-spec.ts';

/** What the task should do with a message it was handed. */
export type MessageVerdict = 'index' | 'skip' | 'beyondEnd';

/**
 * Where a task is in each partition it owns (Druid's SeekableStreamIndexTaskRunner offsets):
 * `current` is the next stream sequence to read, and every message before it is in the task's
 * indexes. Once an end is set, a partition is done when `current` reaches it. Pure: the caller
 * says what it read; JetStream sequences are stream-wide, so a partition's sequences have gaps.
 */
export class PartitionProgress {
  private readonly current: PartitionOffsets;
  private endAt: PartitionOffsets | null = null;

  constructor(readonly start: Readonly<PartitionOffsets>, end: PartitionOffsets | null = null) {
    this.current = { ...start };
    if (end !== null) this.setEnd(end);
  }

  get partitions(): string[] {
    return Object.keys(this.start);
  }

  get end(): Readonly<PartitionOffsets> | null {
    return this.endAt;
  }

  offsets(): PartitionOffsets {
    return { ...this.current };
  }

  next(partition: string): number {
    return this.current[partition]!;
  }

  /**
   * Whether message `seq` of `partition` is to be indexed: `skip` if it was read already (a
   * consumer that delivers it again), `beyondEnd` if it is at or past the end (the partition is
   * then done). An indexed message must be confirmed with `read` once its rows are in.
   */
  verdict(partition: string, seq: number): MessageVerdict {
    if (seq < this.current[partition]!) return 'skip';
    const end = this.endAt?.[partition];
    if (end !== undefined && seq >= end) {
      this.current[partition] = end;
      return 'beyondEnd';
    }
    return 'index';
  }

  /** Message `seq` of `partition` is in the indexes. */
  read(partition: string, seq: number): void {
    this.current[partition] = Math.max(this.current[partition]!, seq + 1);
  }

  /** Nothing of `partition` lies between `current` and the end (the stream said so): it is done. */
  reachEnd(partition: string): void {
    const end = this.endAt?.[partition];
    if (end !== undefined) this.current[partition] = Math.max(this.current[partition]!, end);
  }

  done(partition: string): boolean {
    const end = this.endAt?.[partition];
    return end !== undefined && this.current[partition]! >= end;
  }

  allDone(): boolean {
    return this.partitions.every((p) => this.done(p));
  }

  /**
   * Sets where to stop (Druid's setEndOffsets): every partition, none before what was read. The
   * same end again is a no-op; a different one once set is a `conflict`.
   */
  setEnd(end: PartitionOffsets): void {
    if (this.endAt !== null) {
      if (sameOffsets(this.endAt, end)) return;
      throw new GroveError('conflict', `the task already finishes at ${describe(this.endAt)}; it cannot finish at ${describe(end)} instead`, { end: this.endAt });
    }
    const malformed = endIssues(this.start, end, 'end');
    if (malformed.length > 0) throw badRequest(`cannot finish at ${describe(end)}: ${explain(malformed)}`, malformed);
    const behind = Object.entries(end).filter(([p, seq]) => seq < this.current[p]!).map(([p, seq]) => ({ path: `end.${p}`, reason: `${seq} is before ${this.current[p]}, which the task has already read up to` }));
    if (behind.length > 0) throw new GroveError('conflict', `cannot finish at ${describe(end)}: ${explain(behind)}`, behind);
    this.endAt = { ...end };
  }
}

function sameOffsets(a: PartitionOffsets, b: PartitionOffsets): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

const describe = (o: PartitionOffsets): string => JSON.stringify(o);
const explain = (issues: FieldIssue[]): string => issues.map((i) => `${i.path}: ${i.reason}`).join('; ');

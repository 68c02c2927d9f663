import { join } from 'node:path';
import type { IncrementalIndex } from '../ingest/incremental-index.ts';
import { BLOCK_ROWS } from '../ingest/row-block.ts';
import type { RowSchema } from '../ingest/row-schema.ts';
import { MemoryRun, slices, writeRunFile, type Run } from '../ingest/run.ts';
import type { Allocation } from '../overlord/allocation.ts';
import { containsInstant, parseInterval, type Interval } from '../time/interval.ts';

/**
 * One segment a realtime task is building (Druid's Sink), of one partition's rows: the id the overlord allocated, the rows
 * in memory, and the sorted runs persisted to the work dir when memory filled. Queries read all
 * of it; publishing merges all of it into one segment file.
 */
export class Sink {
  readonly interval: Interval;
  /** Sorted runs set aside from memory, oldest first. */
  private readonly persisted: Run[] = [];
  private persistedRows = 0;
  /** Bumped at every row added: what a cached reader of this sink was built from. */
  changes = 0;

  constructor(readonly allocation: Allocation, readonly partition: string, readonly sequenceName: string, readonly index: IncrementalIndex) {
    this.interval = parseInterval(allocation.interval);
  }

  get id(): string {
    return this.allocation.segmentId;
  }

  /** Rows held (rolled up within each run; runs may still roll up together when merged). */
  get rows(): number {
    return this.persistedRows + this.index.size;
  }

  holds(time: number): boolean {
    return containsInstant(this.interval, time);
  }

  /**
   * Moves the rows in memory to a sorted run file under `dir`. The rows stay visible throughout:
   * they sit in an in-memory run until the file is written.
   */
  async persist(schema: RowSchema, dir: string): Promise<void> {
    if (this.index.size === 0) return;
    const block = this.index.drainSorted();
    const at = this.persisted.push(new MemoryRun([block])) - 1;
    const file = await writeRunFile(schema, join(dir, `${this.id}-${at}`), slices(block, BLOCK_ROWS));
    this.persisted[at] = file;
    this.persistedRows += file.rows;
  }

  /** Every row as sorted runs: the persisted ones and a copy of memory. The index is left as it is. */
  runs(): Run[] {
    return [...this.persisted, new MemoryRun([this.index.sortedCopy()])];
  }

  /** Deletes the persisted files. */
  async dispose(): Promise<void> {
    await Promise.all(this.persisted.splice(0).map((r) => r.dispose()));
  }
}

import { IncrementalIndex } from '../ingest/incremental-index.ts';
import type { RowAccounting } from '../ingest/parse-exceptions.ts';
import { RowProcessor } from '../ingest/row-processor.ts';
import type { RowSchema } from '../ingest/row-schema.ts';
import type { DataSchema } from '../spec/ingestion-spec.ts';
import type { Sink } from './sink.ts';
import type { Sinks } from './sinks.ts';

type Fields = Record<string, unknown>;

/** Rows earlier or later than these (epoch ms, inclusive) are thrown away; null: no bound. */
export interface MessageTimeWindow {
  minimumMessageTime: number | null;
  maximumMessageTime: number | null;
}

interface WaitingRow {
  partition: string;
  row: Fields;
  time: number;
  line: number;
  raw: string;
}

/**
 * The batch row pipeline (timestamp, transforms, filter, rollup), with each row placed in a
 * segment of its partition and time chunk instead of one index. A row whose chunk has no open segment waits
 * until `placeWaiting` has one allocated (an overlord call, so not in the middle of parsing);
 * rows after it wait too, keeping the order rows were read in. Rows outside the message time
 * window (Druid's late/early message rejection) are thrown away.
 */
export class RealtimeRowProcessor extends RowProcessor {
  /** The partition of the message being parsed: its rows go to that partition's segments. */
  partition = '';
  private readonly waiting: WaitingRow[] = [];

  constructor(dataSchema: DataSchema, schema: RowSchema, private readonly sinks: Sinks, accounting: RowAccounting, private readonly window: MessageTimeWindow) {
    // The sinks bound memory themselves (persistAll), and the base index is never used: every row
    // goes to a sink's index.
    super({ dataSchema, tuningConfig: { maxRowsInMemory: Number.MAX_SAFE_INTEGER } }, new IncrementalIndex(schema, false, 1), accounting);
  }

  protected override place(row: Fields, time: number, line: number, raw: string): void {
    const { minimumMessageTime: min, maximumMessageTime: max } = this.window;
    if ((min !== null && time < min) || (max !== null && time > max)) {
      this.accounting.thrownAway();
      return;
    }
    const sink = this.waiting.length === 0 ? this.sinks.openFor(this.partition, time) : null;
    if (sink === null) this.waiting.push({ partition: this.partition, row, time, line, raw });
    else this.addTo(sink, row, time, line, raw);
  }

  /** Rows parsed that wait for `placeWaiting`. */
  get waitingRows(): number {
    return this.waiting.length;
  }

  /** Places the rows that waited for a segment, allocating what they need. */
  async placeWaiting(): Promise<void> {
    for (const w of this.waiting.splice(0)) this.addTo(await this.sinks.sinkFor(w.partition, w.time), w.row, w.time, w.line, w.raw);
  }

  private addTo(sink: Sink, row: Fields, time: number, line: number, raw: string): void {
    this.addToIndex(sink.index, row, time, line, raw);
    sink.changes++;
  }
}

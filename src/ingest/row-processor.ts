import type { DataSchema, TuningConfig } from '../spec/ingestion-spec.ts';
import { filterColumns, rowFilter } from '../spec/filter.ts';
import { parseGranularity, type Granularity } from '../time/granularity.ts';
import { condense, type Interval } from '../time/interval.ts';
import { compileExpression, type CompiledExpression } from './expression.ts';
import type { IncrementalIndex } from './incremental-index.ts';
import type { RecordSink } from './input-format.ts';
import type { RowAccounting } from './parse-exceptions.ts';
import type { RowBlock } from './row-block.ts';
import { timestampParser, type TimestampParser } from './timestamp.ts';

type Fields = Record<string, unknown>;

/** What a row processor reads of a spec: a batch ingestion spec, or a streaming task's parts. */
export interface RowProcessorSpec {
  dataSchema: DataSchema;
  tuningConfig: Pick<TuningConfig, 'maxRowsInMemory'>;
}

/**
 * Turns parsed records into index rows, as Druid's input row pipeline does: read the timestamp
 * (unparseable without one), apply the expression transforms, drop rows the transformSpec filter
 * rejects or whose time chunk is outside granularitySpec.intervals (thrownAway), floor the time
 * by queryGranularity and add the row to the in-memory index. When the index reaches
 * maxRowsInMemory its sorted rows are set aside in `spills` for the caller to write.
 */
export class RowProcessor implements RecordSink {
  /** The input being read, to say where a bad row is. */
  source = '';
  readonly spills: RowBlock[] = [];
  private readonly parseTime: TimestampParser;
  private readonly timeColumn: string;
  private readonly missingTime: number | null;
  private readonly transform: ((fields: Fields, time: number) => Fields) | null;
  private readonly transformsTime: boolean;
  private readonly filter: ((row: Readonly<Fields>) => boolean) | null;
  private readonly filterNeedsTime: boolean;
  private readonly segmentGranularity: Granularity;
  private readonly queryGranularity: Granularity;
  private readonly intervals: Interval[] | null;
  private readonly maxRowsInMemory: number;
  private chunk: Interval = { start: 0, end: 0 };
  private chunkAllowed = false;
  private columnErrors: string[] = [];
  private readonly onColumnError = (reason: string): void => { this.columnErrors.push(reason); };

  constructor(spec: RowProcessorSpec, private readonly index: IncrementalIndex, protected readonly accounting: RowAccounting) {
    const { timestampSpec, transformSpec, granularitySpec } = spec.dataSchema;
    this.parseTime = timestampParser(timestampSpec.format);
    this.timeColumn = timestampSpec.column;
    this.missingTime = timestampSpec.missingValue;
    this.transform = transformSpec.transforms.length === 0 ? null : transformer(transformSpec.transforms);
    this.transformsTime = transformSpec.transforms.some((t) => t.name === '__time');
    this.filter = transformSpec.filter === null ? null : rowFilter(transformSpec.filter);
    this.filterNeedsTime = transformSpec.filter !== null && filterColumns(transformSpec.filter).has('__time');
    this.segmentGranularity = parseGranularity(granularitySpec.segmentGranularity);
    this.queryGranularity = parseGranularity(granularitySpec.queryGranularity);
    this.intervals = granularitySpec.intervals === null ? null : condense(granularitySpec.intervals);
    this.maxRowsInMemory = spec.tuningConfig.maxRowsInMemory;
  }

  unparseable(line: number, raw: string, reason: string): void {
    this.accounting.unparseable(line, raw, this.where(reason, line));
  }

  record(fields: Fields, line: number, raw: string): void {
    const value = fields[this.timeColumn];
    let time = value === undefined || value === null ? (this.missingTime ?? NaN) : this.parseTime(value);
    if (Number.isNaN(time)) {
      this.unparseable(line, raw, `Timestamp[${value === undefined ? 'null' : String(value)}] is unparseable! Event: ${raw}`);
      return;
    }
    let row = fields;
    if (this.transform !== null) {
      row = this.transform(fields, time);
      if (this.transformsTime) {
        time = typeof row.__time === 'number' ? Math.trunc(row.__time) : NaN;
        if (!Number.isFinite(time)) {
          this.unparseable(line, raw, `Timestamp[${String(row.__time)}] from the __time transform is unparseable! Event: ${raw}`);
          return;
        }
      }
    }
    if (this.filter !== null && !this.filter(this.filterNeedsTime ? { ...row, __time: time } : row)) {
      this.accounting.thrownAway();
      return;
    }
    this.place(row, time, line, raw);
  }

  /**
   * Where a row that passed the transformSpec goes: into the index, unless its time chunk is
   * outside granularitySpec.intervals. A streaming task routes rows to its own indexes instead.
   */
  protected place(row: Fields, time: number, line: number, raw: string): void {
    if (!this.inAllowedChunk(time)) {
      this.accounting.thrownAway();
      return;
    }
    this.addToIndex(this.index, row, time, line, raw);
  }

  /** Adds the row to `index`, its time floored, and counts it (processed, or processed with errors). */
  protected addToIndex(index: IncrementalIndex, row: Fields, time: number, line: number, raw: string): void {
    // The realtime router places rows without asking inAllowedChunk: the chunk is set here.
    this.inAllowedChunk(time);
    index.add(row, this.floor(time), time, this.onColumnError);
    if (this.columnErrors.length > 0) {
      const errors = this.columnErrors;
      this.columnErrors = [];
      this.accounting.processedWithError(line, raw, this.where(`Found unparseable columns in row: [${raw}], exceptions: [${errors.join(', ')}]`, line));
    } else {
      this.accounting.processed();
    }
    this.spillWhenFull(index);
  }

  /**
   * Adds a row a byte scanner read, its values already the index's (ScannedRowReader): `dims` as
   * IncrementalIndex.addValues takes them, `metrics` each aggregator's input.
   */
  addScanned(time: number, dims: Float64Array, metrics: Float64Array): void {
    if (!this.inAllowedChunk(time)) {
      this.accounting.thrownAway();
      return;
    }
    this.index.addValues(this.floor(time), time, dims, metrics);
    this.accounting.processed();
    this.spillWhenFull(this.index);
  }

  /**
   * The row time floored by queryGranularity — but, as in Druid, never before its chunk's start
   * (queryGranularity "all"); `chunk` must be the time's (inAllowedChunk).
   */
  private floor(time: number): number {
    return Math.max(this.queryGranularity.bucketStart(time), this.chunk.start);
  }

  private spillWhenFull(index: IncrementalIndex): void {
    if (index.size >= this.maxRowsInMemory) this.spills.push(index.drainSorted());
  }

  /** Sets `chunk` to the time chunk of `time`; false when that chunk overlaps none of the intervals. */
  protected inAllowedChunk(time: number): boolean {
    if (time < this.chunk.start || time >= this.chunk.end) {
      this.chunk = this.segmentGranularity.bucket(time);
      this.chunkAllowed = this.intervals === null || overlapsAny(this.intervals, this.chunk);
    }
    return this.chunkAllowed;
  }

  private where(reason: string, line: number): string {
    return `${reason} (Path: ${this.source}, Line: ${line})`;
  }
}

/**
 * Druid's transforms: each expression reads the row as it came in (plus `__time`), and its result
 * replaces or adds the field of its name; a transform named `__time` changes the row's time.
 */
function transformer(transforms: ReadonlyArray<{ name: string; expression: string }>): (fields: Fields, time: number) => Fields {
  const compiled: Array<[string, CompiledExpression]> = transforms.map((t) => [t.name, compileExpression(t.expression)]);
  return (fields, time) => {
    const input = { ...fields, __time: time };
    const out: Fields = { ...fields };
    for (const [name, expr] of compiled) out[name] = expr(input);
    return out;
  };
}

/** Whether `chunk` overlaps one of `intervals` (condensed: sorted and disjoint). */
function overlapsAny(intervals: readonly Interval[], chunk: Interval): boolean {
  let lo = 0;
  let hi = intervals.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (intervals[mid]!.end <= chunk.start) lo = mid + 1;
    else hi = mid;
  }
  return lo < intervals.length && intervals[lo]!.start < chunk.end;
}

import { fold, MetricValueError, readNumber, type Accumulator } from '../spec/aggregator.ts';
import type { NumericType } from '../query/java-number.ts';
import { emptyBlock, truncated, type RowBlock } from './row-block.ts';
import { SortScratch, sortOrder } from './row-sort.ts';
import type { RowSchema } from './row-schema.ts';
import { finishHash, mixDouble, mixHash, RowTable } from './row-table.ts';

/** Called with a reason for each column of a row that could not be read (Druid's processedWithError). */
export type ColumnErrorHandler = (reason: string) => void;

/**
 * Rows in memory, rolled up as they arrive (Druid's IncrementalIndex): a row whose floored time
 * and dimension values equal an earlier row's is folded into it. Columnar and growable; the
 * caller spills it (drainSorted) when it holds maxRowsInMemory rows.
 */
export class IncrementalIndex {
  private block: RowBlock;
  private capacity: number;
  private readonly table: RowTable;
  private readonly acc: Accumulator = { value: 0, time: 0 };
  /** The row being added: its floored time and dimension values. */
  private time = 0;
  private values: ArrayLike<number> = [];
  private readonly dimValues: number[] = [];
  /** Each aggregator's empty accumulator, what a new row starts from. */
  private readonly initial: readonly Accumulator[];
  private readonly sortScratch = new SortScratch();
  /** The block the last drain sorted into, and whether its owner still has it (see recycle). */
  private drained: RowBlock | null = null;
  private drainedLent = false;

  /**
   * `initialCapacity`: the rows it expects to hold. Growing there costs copies of every column and
   * places every row anew in a table twice as large; memory reserved and not yet written is
   * virtual only.
   */
  constructor(private readonly schema: RowSchema, private readonly rollup: boolean, initialCapacity = 4096) {
    this.capacity = initialCapacity;
    this.block = emptyBlock(schema, initialCapacity);
    // At most half full before it grows.
    this.table = new RowTable(2 ** Math.ceil(Math.log2(2 * initialCapacity)));
    this.initial = schema.aggregators.map((a) => a.init());
  }

  get size(): number {
    return this.block.length;
  }

  /** Adds one input row whose floored time is `time`; `rowTime` (its own time) feeds first/last. */
  add(row: Readonly<Record<string, unknown>>, time: number, rowTime: number, onError: ColumnErrorHandler): void {
    const schema = this.schema;
    if (schema.schemaless) {
      schema.discover(row);
      this.growDimensions();
    }
    const values = this.dimValues;
    for (let d = 0; d < schema.dimensions.length; d++) values[d] = this.dimensionValue(row, d, onError);
    this.aggregate(this.slotOf(time, values), row, rowTime, onError);
  }

  /**
   * Adds a row already in the index's terms: `dims[d]` is dimension d's dictionary id (string) or
   * value (numeric, NaN for null); `metrics[m]` aggregator m's input (NaN for null; 1 for count).
   * Only for aggregators that read one input field (no filtered ones, first/last by row time).
   */
  addValues(time: number, rowTime: number, dims: Float64Array, metrics: Float64Array): void {
    const slot = this.slotOf(time, dims);
    const b = this.block;
    const acc = this.acc;
    const aggregators = this.schema.aggregators;
    for (let m = 0; m < aggregators.length; m++) {
      const values = b.metrics[m]!;
      const times = b.metricTimes[m]!;
      acc.value = values[slot]!;
      acc.time = times === null ? 0 : times[slot]!;
      fold(aggregators[m]!.kind, acc, metrics[m]!, rowTime);
      values[slot] = acc.value;
      if (times !== null) times[slot] = acc.time;
    }
  }

  /** The row of floored time `time` and dimension values `values`: the one it rolls up into, or a new one. */
  private slotOf(time: number, values: ArrayLike<number>): number {
    const schema = this.schema;
    let hash = mixDouble(0, time);
    for (let d = 0; d < schema.dimensions.length; d++) {
      const v = values[d]!;
      if (schema.dictionaries[d] === null) hash = mixDouble(hash, v);
      // Nulls stay out of the hash: a schemaless row made before a field was discovered has
      // fewer columns, and must still meet a later row without the field.
      else if (v !== 0) hash = mixHash(mixHash(hash, d), v);
    }
    hash = finishHash(hash);
    this.time = time;
    this.values = values;
    let slot = this.rollup ? this.table.find(hash, this.matches) : -1;
    if (slot < 0) {
      slot = this.newRow(time, values);
      if (this.rollup) this.table.insert(hash, slot);
    }
    return slot;
  }

  /** Whether stored row `slot` has the time and dimension values of the row being added. */
  private readonly matches = (slot: number): boolean => {
    const b = this.block;
    if (b.time[slot] !== this.time) return false;
    for (let d = 0; d < b.dims.length; d++) {
      const stored = b.dims[d]![slot]!;
      const v = this.values[d]!;
      if (stored !== v && !(stored !== stored && v !== v)) return false;
    }
    return true;
  };

  /** Dictionary id (string) or value (numeric, NaN for null) of dimension `d` in `row`. */
  private dimensionValue(row: Readonly<Record<string, unknown>>, d: number, onError: ColumnErrorHandler): number {
    const dim = this.schema.dimensions[d]!;
    const dictionary = this.schema.dictionaries[d];
    if (dictionary === null || dictionary === undefined) {
      try {
        return readNumber(row, dim.name, dim.type as NumericType) ?? NaN;
      } catch (e) {
        if (!(e instanceof MetricValueError)) throw e;
        onError(e.message);
        return NaN;
      }
    }
    const v = row[dim.name];
    if (v === undefined || v === null) return 0;
    return dictionary.idOf(typeof v === 'string' ? v : stringOf(v));
  }

  private newRow(time: number, values: ArrayLike<number>): number {
    if (this.block.length === this.capacity) this.grow();
    const b = this.block;
    const slot = b.length++;
    b.time[slot] = time;
    for (let d = 0; d < b.dims.length; d++) b.dims[d]![slot] = values[d]!;
    for (let m = 0; m < this.initial.length; m++) {
      const init = this.initial[m]!;
      b.metrics[m]![slot] = init.value;
      const times = b.metricTimes[m];
      if (times !== null) times[slot] = init.time;
    }
    return slot;
  }

  private aggregate(slot: number, row: Readonly<Record<string, unknown>>, rowTime: number, onError: ColumnErrorHandler): void {
    const b = this.block;
    const acc = this.acc;
    const aggregators = this.schema.aggregators;
    for (let m = 0; m < aggregators.length; m++) {
      const agg = aggregators[m]!;
      const values = b.metrics[m]!;
      const times = b.metricTimes[m]!;
      acc.value = values[slot]!;
      acc.time = times === null ? 0 : times[slot]!;
      try {
        agg.add(acc, row, rowTime);
      } catch (e) {
        if (!(e instanceof MetricValueError)) throw e;
        onError(e.message);
        // The row still counts for first/last: its value is null, as in Druid.
        if (agg.keepsTime) fold(agg.kind, acc, NaN, rowTime);
      }
      values[slot] = acc.value;
      if (times !== null) times[slot] = acc.time;
    }
  }

  private grow(): void {
    const bigger = emptyBlock(this.schema, this.capacity * 2);
    const b = this.block;
    bigger.time.set(b.time);
    b.dims.forEach((c, d) => (bigger.dims[d] as typeof c).set(c));
    b.metrics.forEach((c, m) => bigger.metrics[m]!.set(c));
    b.metricTimes.forEach((c, m) => c !== null && bigger.metricTimes[m]!.set(c));
    bigger.length = b.length;
    this.block = bigger;
    this.capacity *= 2;
  }

  /** Schemaless: columns for dimensions discovered since the rows were made (zero ids are nulls). */
  private growDimensions(): void {
    const dims = this.block.dims;
    while (dims.length < this.schema.dimensions.length) dims.push(new Int32Array(this.capacity));
  }

  /**
   * Returns the rows sorted by time and dimensions, and empties the index. The sorted block is
   * the caller's; handing it back with recycle() once written lets the next drain sort into it.
   */
  drainSorted(): RowBlock {
    const n = this.block.length;
    const reusable = this.drained !== null && !this.drainedLent && this.drained.time.length >= n && this.drained.dims.length === this.block.dims.length;
    if (!reusable) this.drained = emptyBlock(this.schema, n);
    this.drainedLent = true;
    const sorted = this.sortInto(this.drained!);
    // The blocks are used again, not made anew (tens of megabytes zeroed and faulted in at every
    // spill): a new row writes every column of its slot.
    this.block.length = 0;
    this.table.clear();
    return sorted;
  }

  /** Takes back a block drainSorted returned, once its rows are written elsewhere. */
  recycle(sorted: RowBlock): void {
    if (this.drained !== null && sorted.time.buffer === this.drained.time.buffer) this.drainedLent = false;
  }

  /** The rows sorted by time and dimensions, the index left as it is (what a realtime query reads). */
  sortedCopy(): RowBlock {
    return this.sortInto(emptyBlock(this.schema, this.block.length));
  }

  /** The rows, sorted, in the first rows of `into` (as large at least). */
  private sortInto(into: RowBlock): RowBlock {
    const b = this.block;
    const n = b.length;
    // Stable: the ties only rollup off can leave keep their input order.
    const order = sortOrder(truncated(b, n), this.schema.orderings(), this.sortScratch);
    const sorted = truncated(into, n);
    permute(b, order, sorted);
    return sorted;
  }
}

function permute(src: RowBlock, order: Uint32Array, out: RowBlock): void {
  const n = order.length;
  for (let i = 0; i < n; i++) out.time[i] = src.time[order[i]!]!;
  src.dims.forEach((col, d) => {
    const dst = out.dims[d]!;
    for (let i = 0; i < n; i++) dst[i] = col[order[i]!]!;
  });
  src.metrics.forEach((col, m) => {
    const dst = out.metrics[m]!;
    for (let i = 0; i < n; i++) dst[i] = col[order[i]!]!;
    const times = src.metricTimes[m];
    const dstTimes = out.metricTimes[m];
    if (times !== null && dstTimes !== null) for (let i = 0; i < n; i++) dstTimes[i] = times[order[i]!]!;
  });
}

/** A non-string input value as a string dimension value (Druid keeps booleans and numbers as text). */
function stringOf(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // Multi-value dimensions are not supported by the segment file: a list is stored as its JSON text.
  return JSON.stringify(v);
}

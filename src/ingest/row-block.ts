import type { DimensionColumn, RowSchema } from './row-schema.ts';

/**
 * Rolled-up rows, columnar. Within a run they are sorted by time, then by the dimensions in
 * schema order. A block made before a schemaless dimension was discovered has fewer dimension
 * columns: its rows are null there.
 */
export interface RowBlock {
  length: number;
  time: Float64Array;
  dims: DimensionColumn[];
  metrics: Float64Array[];
  /** For first/last metrics, the time of each row's value; null for the others. */
  metricTimes: Array<Float64Array | null>;
}

/** Rows per block written to and read from runs: large enough for tight loops, small enough to stream. */
export const BLOCK_ROWS = 65_536;

export function emptyBlock(schema: RowSchema, capacity: number): RowBlock {
  return {
    length: 0,
    time: new Float64Array(capacity),
    dims: schema.dictionaries.map((d) => (d === null ? new Float64Array(capacity) : new Int32Array(capacity))),
    metrics: schema.aggregators.map(() => new Float64Array(capacity)),
    metricTimes: schema.aggregators.map((a) => (a.keepsTime ? new Float64Array(capacity) : null)),
  };
}

/** Rows `[from, to)` of the block, sharing its memory. */
export function rowRange(block: RowBlock, from: number, to: number): RowBlock {
  return {
    length: to - from,
    time: block.time.subarray(from, to),
    dims: block.dims.map((c) => c.subarray(from, to)),
    metrics: block.metrics.map((c) => c.subarray(from, to)),
    metricTimes: block.metricTimes.map((c) => (c === null ? null : c.subarray(from, to))),
  };
}

/** The block's first `length` rows, sharing its memory. */
export const truncated = (block: RowBlock, length: number): RowBlock => rowRange(block, 0, length);

/** A dimension value of a row, missing columns reading as null (id 0, or NaN for numbers). */
export function dimAt(block: RowBlock, d: number, row: number, numeric: boolean): number {
  const col = block.dims[d];
  if (col === undefined) return numeric ? NaN : 0;
  return col[row]!;
}

/**
 * Compares rows by time then dimensions (Druid's segment row order). `orderings[d]` ranks string
 * ids; numeric dimensions compare by value with null (NaN) first.
 */
export function compareRows(a: RowBlock, i: number, b: RowBlock, j: number, orderings: ReadonlyArray<Int32Array | null>): number {
  const t = a.time[i]! - b.time[j]!;
  if (t !== 0) return t;
  for (let d = 0; d < orderings.length; d++) {
    const ranks = orderings[d];
    const x = dimAt(a, d, i, ranks === null);
    const y = dimAt(b, d, j, ranks === null);
    if (ranks !== null) {
      if (x !== y) return ranks[x]! - ranks[y]!;
      continue;
    }
    const xNull = x !== x;
    const yNull = y !== y;
    if (xNull || yNull) {
      if (xNull && yNull) continue;
      return xNull ? -1 : 1;
    }
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Copies `n` rows of `src` from row `from` into `dst` at row `at`; a missing source column copies nulls. */
export function copyRows(src: RowBlock, from: number, dst: RowBlock, at: number, n: number): void {
  dst.time.set(src.time.subarray(from, from + n), at);
  dst.dims.forEach((col, d) => {
    const source = src.dims[d];
    if (source === undefined) (col as Float64Array).fill(col instanceof Float64Array ? NaN : 0, at, at + n);
    else (col as Float64Array).set(source.subarray(from, from + n), at);
  });
  dst.metrics.forEach((col, m) => col.set(src.metrics[m]!.subarray(from, from + n), at));
  dst.metricTimes.forEach((col, m) => col?.set(src.metricTimes[m]!.subarray(from, from + n), at));
}

/**
 * Appends copies of rows into blocks of BLOCK_ROWS, handing each full block to `emit`. A full block
 * is handed over only when the next row arrives, so the last row stays open for combining into.
 */
export class BlockBuilder {
  private block: RowBlock;
  /** Full blocks handed back (recycle) for the next ones: no fresh memory to zero and fault in. */
  private readonly spares: RowBlock[] = [];

  constructor(private readonly schema: RowSchema, private readonly emit: (block: RowBlock) => void, private readonly capacity = BLOCK_ROWS) {
    this.block = emptyBlock(schema, capacity);
  }

  /** The block holding the last row appended (at `length - 1`), until the next append. */
  get current(): RowBlock {
    return this.block;
  }

  append(src: RowBlock, row: number): void {
    if (this.block.length === this.capacity) this.flush();
    const out = this.block;
    const at = out.length;
    out.time[at] = src.time[row]!;
    for (let d = 0; d < out.dims.length; d++) out.dims[d]![at] = dimAt(src, d, row, this.schema.dictionaries[d] === null);
    for (let m = 0; m < out.metrics.length; m++) {
      out.metrics[m]![at] = src.metrics[m]![row]!;
      const times = out.metricTimes[m];
      if (times !== null) times[at] = src.metricTimes[m]![row]!;
    }
    out.length = at + 1;
  }

  /** Appends rows `[from, to)` of `src`, column by column. */
  appendRange(src: RowBlock, from: number, to: number): void {
    while (from < to) {
      if (this.block.length === this.capacity) this.flush();
      const out = this.block;
      const n = Math.min(to - from, this.capacity - out.length);
      copyRows(src, from, out, out.length, n);
      out.length += n;
      from += n;
    }
  }

  /** Hands over what is buffered (if anything) and starts a new block. */
  flush(): void {
    if (this.block.length === 0) return;
    const full = this.block.length === this.capacity ? this.block : truncated(this.block, this.block.length);
    this.block = this.spares.pop() ?? emptyBlock(this.schema, this.capacity);
    this.emit(full);
  }

  /** Takes back a full block this builder emitted, once whoever it went to is done with it. */
  recycle(block: RowBlock): void {
    if (block.time.length !== this.capacity || block === this.block) return;
    block.length = 0;
    this.spares.push(block);
  }
}

import type { DimensionValues, EncodedStringValues, SegmentColumnsInput } from '../segment/types.ts';
import type { RowBlock } from './row-block.ts';
import type { RowSchema } from './row-schema.ts';
import type { Run } from './run.ts';

/**
 * Reads `run` once and yields the segment columns of each consecutive row range in `sizes`
 * (rows `[0, sizes[0])`, then the next `sizes[1]`, ...): one segment's columns in memory at a time.
 */
export async function* segmentColumns(schema: RowSchema, run: Run, sizes: readonly number[]): AsyncGenerator<SegmentColumnsInput> {
  let piece = 0;
  let cols = emptyColumns(schema, sizes[0] ?? 0);
  let filled = 0;
  const planned = (): number => sizes.reduce((a, b) => a + b, 0);
  for await (const block of run.blocks()) {
    let r = 0;
    while (r < block.length) {
      while (piece < sizes.length && filled === sizes[piece]) {
        yield cols;
        piece++;
        cols = emptyColumns(schema, sizes[piece] ?? 0);
        filled = 0;
      }
      if (piece >= sizes.length) throw new Error(`run has more rows than the ${planned()} planned`);
      const n = Math.min(block.length - r, sizes[piece]! - filled);
      copyRange(schema, block, r, cols, filled, n);
      filled += n;
      r += n;
    }
  }
  for (; piece < sizes.length; piece++) {
    if (filled !== sizes[piece]) throw new Error(`run has fewer rows than the ${planned()} planned`);
    yield cols;
    cols = emptyColumns(schema, sizes[piece + 1] ?? 0);
    filled = 0;
  }
}

/**
 * The columns of every row of `blocks`, of which there are at most `maxRows`: one segment's,
 * straight from a merge, without a run to count its rows first.
 */
export async function collectColumns(schema: RowSchema, blocks: AsyncIterable<RowBlock>, maxRows: number): Promise<SegmentColumnsInput> {
  const cols = emptyColumns(schema, maxRows);
  let filled = 0;
  for await (const block of blocks) {
    if (filled + block.length > maxRows) throw new Error(`the rows are more than the ${maxRows} planned`);
    copyRange(schema, block, 0, cols, filled, block.length);
    filled += block.length;
  }
  return filled === maxRows ? cols : firstRows(cols, filled);
}

/** The columns' first `rows` rows, sharing their memory. */
function firstRows(cols: SegmentColumnsInput, rows: number): SegmentColumnsInput {
  return {
    ...cols,
    rowCount: rows,
    time: cols.time.subarray(0, rows),
    dimensionValues: cols.dimensionValues.map((v) => (v instanceof Float64Array ? v.subarray(0, rows) : { ...(v as EncodedStringValues), ids: (v as EncodedStringValues).ids.subarray(0, rows) })),
    metricValues: cols.metricValues.map((v) => v.subarray(0, rows)),
    metricTimes: cols.metricTimes.map((v) => v?.subarray(0, rows) ?? null),
  };
}

function emptyColumns(schema: RowSchema, rows: number): SegmentColumnsInput {
  return {
    rowCount: rows,
    time: new Float64Array(rows),
    dimensions: schema.dimensions.map((d) => ({ ...d })),
    // String dimensions go to the writer as ids into the ingestion's dictionaries: it sorts each
    // dictionary once instead of hashing every row's string again.
    dimensionValues: schema.dictionaries.map((d): DimensionValues => (d === null ? new Float64Array(rows) : { dictionary: d.values, ids: new Int32Array(rows) })),
    metrics: schema.metrics.map((m) => ({ ...m })),
    metricValues: schema.aggregators.map(() => new Float64Array(rows)),
    metricTimes: schema.aggregators.map((a) => (a.keepsTime ? new Float64Array(rows) : null)),
  };
}

/** Copies `n` rows from `r` into the columns at `at` (a column the block lacks is null there). */
function copyRange(schema: RowSchema, block: RowBlock, r: number, cols: SegmentColumnsInput, at: number, n: number): void {
  cols.time.set(block.time.subarray(r, r + n), at);
  schema.dictionaries.forEach((dictionary, d) => {
    const out = cols.dimensionValues[d]!;
    const target = dictionary === null ? (out as Float64Array) : (out as EncodedStringValues).ids as Int32Array;
    const source = block.dims[d];
    if (source === undefined) target.fill(dictionary === null ? NaN : 0, at, at + n);
    else target.set(source.subarray(r, r + n), at);
  });
  cols.metricValues.forEach((col, m) => col.set(block.metrics[m]!.subarray(r, r + n), at));
  cols.metricTimes.forEach((col, m) => col?.set(block.metricTimes[m]!.subarray(r, r + n), at));
}

import type { DimensionValues, SegmentColumnsInput } from '../segment/types.ts';
import { dimAt, type RowBlock } from './row-block.ts';
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
  for await (const block of run.blocks()) {
    for (let r = 0; r < block.length; r++) {
      while (filled === sizes[piece]) {
        yield cols;
        piece++;
        cols = emptyColumns(schema, sizes[piece] ?? 0);
        filled = 0;
      }
      if (piece >= sizes.length) throw new Error(`run has more rows than the ${sizes.reduce((a, b) => a + b, 0)} planned`);
      copyRow(schema, block, r, cols, filled++);
    }
  }
  for (; piece < sizes.length; piece++) {
    if (filled !== sizes[piece]) throw new Error(`run has fewer rows than the ${sizes.reduce((a, b) => a + b, 0)} planned`);
    yield cols;
    cols = emptyColumns(schema, sizes[piece + 1] ?? 0);
    filled = 0;
  }
}

function emptyColumns(schema: RowSchema, rows: number): SegmentColumnsInput {
  return {
    rowCount: rows,
    time: new Float64Array(rows),
    dimensions: schema.dimensions.map((d) => ({ ...d })),
    dimensionValues: schema.dictionaries.map((d): DimensionValues => (d === null ? new Float64Array(rows) : new Array<string | null>(rows).fill(null))),
    metrics: schema.metrics.map((m) => ({ ...m })),
    metricValues: schema.aggregators.map(() => new Float64Array(rows)),
    metricTimes: schema.aggregators.map((a) => (a.keepsTime ? new Float64Array(rows) : null)),
  };
}

function copyRow(schema: RowSchema, block: RowBlock, r: number, cols: SegmentColumnsInput, at: number): void {
  cols.time[at] = block.time[r]!;
  for (let d = 0; d < schema.dimensions.length; d++) {
    const dictionary = schema.dictionaries[d];
    const v = dimAt(block, d, r, dictionary === null);
    const out = cols.dimensionValues[d]!;
    if (dictionary === null || dictionary === undefined) (out as Float64Array)[at] = v;
    else (out as Array<string | null>)[at] = dictionary.values[v]!;
  }
  for (let m = 0; m < schema.aggregators.length; m++) {
    cols.metricValues[m]![at] = block.metrics[m]![r]!;
    const times = cols.metricTimes[m];
    if (times !== null && times !== undefined) times[at] = block.metricTimes[m]![r]!;
  }
}

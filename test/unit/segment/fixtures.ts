import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRows } from '../../../src/segment/row-order.ts';
import type { DimensionSchema, MetricSchema, SegmentColumnsInput, SegmentMeta } from '../../../src/segment/types.ts';
import type { Interval } from '../../../src/time/interval.ts';

/** One row as tests write it: `__time`, dimension values and metric values by name. */
export type Row = { __time: number } & Record<string, string | number | null>;

export interface TestSchema {
  dimensions: DimensionSchema[];
  metrics: MetricSchema[];
}

/** Sorts rows the way a segment needs them and lays them out as the writer's columns. */
export function columnsOf(rows: readonly Row[], schema: TestSchema, metricTimes: Record<string, readonly number[]> = {}): SegmentColumnsInput {
  const dimValues = (r: Row) => schema.dimensions.map((d) => r[d.name] ?? null);
  const order = rows.map((_, i) => i).sort((a, b) => compareRows(rows[a]!.__time, dimValues(rows[a]!), rows[b]!.__time, dimValues(rows[b]!)) || a - b);
  const sorted = order.map((i) => rows[i]!);
  const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
  return {
    rowCount: sorted.length,
    time: Float64Array.from(sorted, (r) => r.__time),
    dimensions: schema.dimensions,
    dimensionValues: schema.dimensions.map((d) =>
      d.type === 'string' ? sorted.map((r) => (r[d.name] ?? null) as string | null) : Float64Array.from(sorted, (r) => num(r[d.name]))),
    metrics: schema.metrics,
    metricValues: schema.metrics.map((m) => Float64Array.from(sorted, (r) => num(r[m.name]))),
    metricTimes: schema.metrics.map((m) => (metricTimes[m.name] ? Float64Array.from(order, (i) => metricTimes[m.name]![i]!) : null)),
  };
}

export function metaOf(interval: Interval, overrides: Partial<SegmentMeta> = {}): SegmentMeta {
  return {
    dataSource: 'wiki',
    interval,
    version: '2024-01-01T00:00:00.000Z',
    partitionNum: 0,
    shardSpec: { type: 'numbered', partitionNum: overrides.partitionNum ?? 0, partitions: 1 },
    queryGranularity: 'none',
    rollup: false,
    ...overrides,
  };
}

/** A scratch directory for one test file; call the returned function to remove it. */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `grove-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

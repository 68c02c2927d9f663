import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentSlice } from '../../../src/query/engine.ts';
import { openSegment } from '../../../src/segment/reader.ts';
import { writeSegmentFile } from '../../../src/segment/writer.ts';
import { interval } from '../../../src/time/interval.ts';
import { columnsOf, metaOf, scratchDir, type TestSchema } from '../segment/fixtures.ts';
import { query as run } from './wiki-fixture.ts';

/**
 * Druid reads a double as a long with Java's (long) cast. A long has no negative zero, so -0.5
 * becomes 0; a -0 would also reach msgpack clients as a float where Druid sends a long.
 */

const { dir, cleanup } = scratchDir('long-cast');
afterAll(cleanup);

const schema: TestSchema = {
  dimensions: [{ name: 's', type: 'string' }],
  metrics: [{ name: 'd', aggregator: { type: 'doubleMax', name: 'd', fieldName: 'd' } }],
};
let slices: SegmentSlice[] = [];
beforeAll(async () => {
  const day = interval('2024-03-01', '2024-03-02');
  const path = join(dir, 'negative-half.grove');
  await writeSegmentFile(path, metaOf(day), columnsOf([{ __time: day.start, s: '-0.5', d: -0.5 }], schema));
  slices = [{ segment: openSegment(path) }];
});

const longAggregators = (fieldName: string) =>
  ['longSum', 'longMin', 'longMax', 'longFirst', 'longLast'].map((type) => ({ type, name: `${type}_${fieldName}`, fieldName }));
const aggregations = [...longAggregators('d'), ...longAggregators('s')];
const positiveZeros = (values: unknown[]) => values.map((v) => (Object.is(v, 0) ? 'zero' : v));

describe('a long aggregator over -0.5', () => {
  it('gives the long 0, not negative zero, in a timeseries', () => {
    const [row] = run(slices, { queryType: 'timeseries', granularity: 'all', aggregations }) as Array<{ result: Record<string, unknown> }>;
    expect(positiveZeros(Object.values(row!.result))).toEqual(aggregations.map(() => 'zero'));
  });

  it('gives the long 0, not negative zero, in each group of a groupBy', () => {
    const [row] = run(slices, { queryType: 'groupBy', granularity: 'all', dimensions: ['s'], aggregations }) as Array<{ event: Record<string, unknown> }>;
    const { s, ...metrics } = row!.event;
    expect(s).toBe('-0.5');
    expect(positiveZeros(Object.values(metrics))).toEqual(aggregations.map(() => 'zero'));
  });

  it('gives 0 through a long post-aggregator too', () => {
    const [row] = run(slices, {
      queryType: 'timeseries', granularity: 'all', aggregations: [{ type: 'doubleMin', name: 'min', fieldName: 'd' }],
      postAggregations: [{ type: 'longGreatest', name: 'g', fields: [{ type: 'fieldAccess', fieldName: 'min' }] }],
    }) as Array<{ result: Record<string, unknown> }>;
    expect(Object.is(row!.result.g, 0)).toBe(true);
  });
});

import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { finalize, mergePartials, runOnSegment, decodePartial, encodePartial, type SegmentSlice } from '../../../src/query/engine.ts';
import { compareRows } from '../../../src/segment/row-order.ts';
import { openSegment } from '../../../src/segment/reader.ts';
import { writeSegmentFile } from '../../../src/segment/writer.ts';
import { parseQuery, type Query } from '../../../src/spec/query.ts';
import { formatInstant } from '../../../src/time/instant.ts';
import { interval } from '../../../src/time/interval.ts';
import { columnsOf, metaOf, scratchDir, type Row, type TestSchema } from '../segment/fixtures.ts';
import * as reference from './reference.ts';

/**
 * The engine against a plain reference computation (reference.ts) on generated data: rows over
 * two days, written as two partitions per day (four segment files), queried with generated
 * filters, aggregators and granularities. Partials go through msgpack and merge in two steps, as
 * they do between historicals and the broker.
 */

const { dir, cleanup } = scratchDir('engine-props');
afterAll(cleanup);

const T0 = Date.UTC(2024, 2, 1);
const DAY = 86_400_000;
const HOUR = 3_600_000;

const schema: TestSchema = {
  dimensions: [{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }, { name: 'n', type: 'long' }],
  metrics: [
    { name: 'm', aggregator: { type: 'longSum', name: 'm', fieldName: 'm' } },
    { name: 'd', aggregator: { type: 'doubleMax', name: 'd', fieldName: 'd' } },
    { name: 'f', aggregator: { type: 'floatSum', name: 'f', fieldName: 'f' } },
  ],
};

// Values chosen so sums are exact in any order (multiples of 1/4, small): float and double sums
// then do not depend on how partial results group, which Druid's do not promise either.
const rowArb: fc.Arbitrary<Row> = fc.record({
  __time: fc.integer({ min: T0, max: T0 + 2 * DAY - 1 }).map((t) => t - (t % 60_000)),
  a: fc.constantFrom(null, '', 'x', 'y', 'Z', 'é', '3'),
  b: fc.constantFrom(null, 'p', 'q', 'r'),
  n: fc.constantFrom(null, -1, 0, 2, 5),
  m: fc.integer({ min: -100, max: 100 }),
  d: fc.option(fc.integer({ min: -400, max: 400 }).map((v) => v / 2), { nil: null }),
  f: fc.integer({ min: -400, max: 400 }).map((v) => v / 4),
});

const columnNames = ['a', 'b', 'n', 'm', 'd', '__time', 'zz'];
const values = ['', 'x', 'Z', '3', 'p', '0', '2', '-1', '50', 'é'];

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ type: fc.constant('selector'), dimension: fc.constantFrom(...columnNames), value: fc.option(fc.constantFrom(...values), { nil: null }) }),
  fc.record({ type: fc.constant('equals'), column: fc.constantFrom(...columnNames), matchValueType: fc.constant('STRING'), matchValue: fc.constantFrom(...values) }),
  fc.record({ type: fc.constant('equals'), column: fc.constantFrom('n', 'm', 'd'), matchValueType: fc.constantFrom('LONG', 'DOUBLE'), matchValue: fc.integer({ min: -2, max: 5 }) }),
  fc.record({ type: fc.constant('null'), column: fc.constantFrom(...columnNames) }),
  fc.record({ type: fc.constant('in'), dimension: fc.constantFrom(...columnNames), values: fc.array(fc.option(fc.constantFrom(...values), { nil: null }), { maxLength: 3 }) }),
  fc.record({
    type: fc.constant('bound'), dimension: fc.constantFrom(...columnNames), lower: fc.constantFrom(...values), upper: fc.option(fc.constantFrom(...values), { nil: undefined }),
    lowerStrict: fc.boolean(), ordering: fc.constantFrom('lexicographic', 'numeric', 'alphanumeric', 'strlen'),
  }),
  fc.record({ type: fc.constant('bound'), dimension: fc.constantFrom(...columnNames), upper: fc.constantFrom(...values), upperStrict: fc.boolean(), ordering: fc.constantFrom('lexicographic', 'numeric') }),
  fc.record({ type: fc.constant('range'), column: fc.constantFrom('n', 'm', 'd'), matchValueType: fc.constantFrom('LONG', 'DOUBLE'), lower: fc.integer({ min: -50, max: 50 }), lowerOpen: fc.boolean() }),
  fc.record({ type: fc.constant('range'), column: fc.constantFrom('a', 'b'), matchValueType: fc.constant('STRING'), upper: fc.constantFrom(...values), upperOpen: fc.boolean() }),
  fc.record({ type: fc.constant('like'), dimension: fc.constantFrom(...columnNames), pattern: fc.constantFrom('%', 'x%', '_', '%3', '-%', '') }),
  fc.record({ type: fc.constant('regex'), dimension: fc.constantFrom(...columnNames), pattern: fc.constantFrom('^[xy]', 'Z|p', '\\d', '^$') }),
  fc.integer({ min: 0, max: 47 }).map((h) => ({ type: 'interval', dimension: '__time', intervals: [`${formatInstant(T0 + h * HOUR)}/PT7H`] })),
);

const filterArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  filter: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('and'), tie('or'), tie('not')),
  and: fc.record({ type: fc.constant('and'), fields: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
  or: fc.record({ type: fc.constant('or'), fields: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }),
  not: fc.record({ type: fc.constant('not'), field: tie('filter') }),
})).filter;

const aggregatorArb = fc.oneof(
  fc.constant({ type: 'count' }),
  fc.record({ type: fc.constantFrom('longSum', 'longMin', 'longMax', 'longFirst', 'longLast'), fieldName: fc.constantFrom('m', 'n', 'd', 'a', 'zz') }),
  fc.record({ type: fc.constantFrom('doubleSum', 'doubleMin', 'doubleMax', 'doubleFirst', 'doubleLast'), fieldName: fc.constantFrom('d', 'm', 'n', 'a', 'zz') }),
  fc.record({ type: fc.constantFrom('floatSum', 'floatMin', 'floatMax', 'floatFirst', 'floatLast'), fieldName: fc.constantFrom('f', 'm') }),
  fc.record({ type: fc.constant('filtered'), filter: filterArb, aggregator: fc.record({ type: fc.constantFrom('count', 'longSum'), name: fc.constant('inner'), fieldName: fc.constant('m') }) }),
);

const aggregationsArb = fc.array(aggregatorArb, { minLength: 1, maxLength: 4 }).map((list) => list.map((a, i) => ({ ...a, name: `agg${i}` })));

const granularityArb = fc.constantFrom<unknown>(
  'all', 'hour', 'six_hour', 'day', 'none',
  { type: 'period', period: 'PT6H', timeZone: 'America/New_York' },
  { type: 'duration', duration: 5_400_000, origin: '2024-03-01T00:20:00Z' },
);

const intervalArb = fc.tuple(fc.integer({ min: -2, max: 50 }), fc.integer({ min: 1, max: 52 }))
  .map(([start, hours]) => `${formatInstant(T0 + start * HOUR + 30 * 60_000)}/PT${hours}H`);

let written = 0;

/** Writes the rows as segment files: one interval per day, two partitions each (rows alternate). */
async function segmentsOf(rows: Row[]): Promise<{ slices: SegmentSlice[]; ref: reference.RefSegment[] }> {
  const slices: SegmentSlice[] = [];
  const ref: reference.RefSegment[] = [];
  for (let day = 0; day < 2; day++) {
    const iv = interval(T0 + day * DAY, T0 + (day + 1) * DAY);
    const ofDay = rows.filter((r) => r.__time >= iv.start && r.__time < iv.end);
    for (let partitionNum = 0; partitionNum < 2; partitionNum++) {
      const part = ofDay.filter((_, i) => i % 2 === partitionNum);
      const path = join(dir, `seg-${written++}.grove`);
      await writeSegmentFile(path, metaOf(iv, { partitionNum }), columnsOf(part, schema));
      const segment = openSegment(path);
      slices.push({ segment });
      const key = (r: Row) => schema.dimensions.map((d) => r[d.name] ?? null);
      ref.push({ id: segment.id, interval: iv, rows: [...part].sort((x, y) => compareRows(x.__time, key(x), y.__time, key(y))) });
    }
  }
  return { slices, ref };
}

/** Runs like a cluster: per segment, through msgpack, merged per "historical", then at the "broker". */
function clusterRun(query: Query, slices: readonly SegmentSlice[]): unknown[] {
  const partials = slices.map((s) => decodePartial(encodePartial(runOnSegment(query, s.segment, s.clip))));
  const perNode = [mergePartials(query, partials.slice(0, 2)), mergePartials(query, partials.slice(2))];
  return finalize(query, mergePartials(query, perNode.map((p) => decodePartial(encodePartial(p)))));
}

const rowsArb = fc.array(rowArb, { maxLength: 40 });
const RUNS = { numRuns: Number(process.env.PROP_RUNS ?? 80) };

describe('the engine agrees with a plain computation over the raw rows', () => {
  it('for timeseries, empty buckets, descending order and limits included', async () => {
    await fc.assert(fc.asyncProperty(
      rowsArb, intervalArb, granularityArb, fc.option(filterArb, { nil: undefined }), aggregationsArb, fc.boolean(), fc.boolean(), fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      async (rows, iv, granularity, filter, aggregations, skipEmptyBuckets, descending, limit) => {
        const query = parseQuery({ queryType: 'timeseries', dataSource: 'wiki', intervals: [iv], granularity, filter, aggregations, descending, limit, context: { skipEmptyBuckets } });
        const { slices, ref } = await segmentsOf(rows);
        expect(clusterRun(query, slices)).toEqual(reference.timeseries(query as never, ref));
      },
    ), RUNS);
  });

  it('for topN ranked by a numeric metric', async () => {
    await fc.assert(fc.asyncProperty(
      rowsArb, intervalArb, granularityArb, fc.option(filterArb, { nil: undefined }), aggregationsArb, fc.constantFrom('a', 'b', 'n', 'zz'), fc.integer({ min: 1, max: 4 }),
      async (rows, iv, granularity, filter, aggregations, dimension, threshold) => {
        const query = parseQuery({ queryType: 'topN', dataSource: 'wiki', intervals: [iv], granularity, filter, aggregations, dimension, metric: 'agg0', threshold });
        const { slices, ref } = await segmentsOf(rows);
        expect(clusterRun(query, slices)).toEqual(reference.topN(query as never, ref));
      },
    ), RUNS);
  });

  it('for groupBy over one to three dimensions', async () => {
    await fc.assert(fc.asyncProperty(
      rowsArb, intervalArb, granularityArb, fc.option(filterArb, { nil: undefined }), aggregationsArb, fc.subarray(['a', 'b', 'n', 'zz'], { minLength: 1, maxLength: 3 }),
      async (rows, iv, granularity, filter, aggregations, dimensions) => {
        const query = parseQuery({ queryType: 'groupBy', dataSource: 'wiki', intervals: [iv], granularity, filter, aggregations, dimensions });
        const { slices, ref } = await segmentsOf(rows);
        expect(clusterRun(query, slices)).toEqual(reference.groupBy(query as never, ref));
      },
    ), RUNS);
  });

  it('for scan with order, offset and limit', async () => {
    const columns = ['__time', 'a', 'n', 'm', 'd', 'zz'];
    await fc.assert(fc.asyncProperty(
      rowsArb, intervalArb, fc.option(filterArb, { nil: undefined }), fc.constantFrom('ascending', 'descending', 'none'),
      fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 4 }),
      async (rows, iv, filter, order, limit, offset, batchSize) => {
        const query = parseQuery({ queryType: 'scan', dataSource: 'wiki', intervals: [iv], filter, order, limit, offset, batchSize, columns, resultFormat: 'compactedList' });
        const { slices, ref } = await segmentsOf(rows);
        const batches = clusterRun(query, slices) as Array<{ segmentId: string; columns: string[]; events: unknown[][] }>;
        for (const b of batches) {
          expect(b.columns).toEqual(columns);
          expect(b.events.length).toBeGreaterThanOrEqual(1);
          expect(b.events.length).toBeLessThanOrEqual(batchSize);
        }
        const got = batches.flatMap((b) => b.events.map((values) => ({ segmentId: b.segmentId, values })));
        expect(got).toEqual(reference.scan(query as never, ref, columns));
      },
    ), RUNS);
  });

  it('for timeBoundary', async () => {
    await fc.assert(fc.asyncProperty(rowsArb, intervalArb, fc.option(filterArb, { nil: undefined }), async (rows, iv, filter) => {
      const query = parseQuery({ queryType: 'timeBoundary', dataSource: 'wiki', intervals: [iv], filter });
      const { slices, ref } = await segmentsOf(rows);
      expect(clusterRun(query, slices)).toEqual(reference.timeBoundary(query as never, ref));
    }), RUNS);
  });
});

import { join } from 'node:path';
import { openSegment } from '../../../src/segment/reader.ts';
import { writeSegmentFile } from '../../../src/segment/writer.ts';
import { runQuery, type SegmentSlice } from '../../../src/query/engine.ts';
import { parseQuery } from '../../../src/spec/query.ts';
import { interval } from '../../../src/time/interval.ts';
import { columnsOf, metaOf, type Row, type TestSchema } from '../segment/fixtures.ts';

/**
 * A small rolled-up "wikipedia edits" data source for example-based query tests: two daily
 * segments, string and long dimensions, and metrics of each kind (a count, sums, a float, and a
 * longLast that keeps the time of its value).
 */

export const DAY1 = interval('2024-03-01', '2024-03-02');
export const DAY2 = interval('2024-03-02', '2024-03-03');
const at = (day: typeof DAY1, hh: number, mm = 0) => day.start + hh * 3_600_000 + mm * 60_000;

export const schema: TestSchema = {
  dimensions: [{ name: 'page', type: 'string' }, { name: 'country', type: 'string' }, { name: 'user', type: 'string' }, { name: 'ns', type: 'long' }],
  metrics: [
    { name: 'count', aggregator: { type: 'count', name: 'count' } },
    { name: 'added', aggregator: { type: 'longSum', name: 'added', fieldName: 'added' } },
    { name: 'delta', aggregator: { type: 'doubleSum', name: 'delta', fieldName: 'delta' } },
    { name: 'ratio', aggregator: { type: 'floatSum', name: 'ratio', fieldName: 'ratio' } },
    { name: 'latest', aggregator: { type: 'longLast', name: 'latest', fieldName: 'size' } },
  ],
};

export const day1Rows: Row[] = [
  { __time: at(DAY1, 1), page: 'A', country: 'fr', user: 'u1', ns: 0, count: 1, added: 10, delta: 1.5, ratio: 0.1, latest: 100 },
  { __time: at(DAY1, 1, 30), page: 'B', country: null, user: 'u2', ns: 1, count: 2, added: 5, delta: -2, ratio: 0.2, latest: 200 },
  { __time: at(DAY1, 3), page: 'A', country: 'de', user: 'u1', ns: 0, count: 1, added: 7, delta: 0.25, ratio: 0.3, latest: 300 },
];
export const day2Rows: Row[] = [
  { __time: at(DAY2, 0, 15), page: 'C', country: 'fr', user: 'u3', ns: 2, count: 3, added: 1, delta: 4, ratio: 1, latest: 400 },
  { __time: at(DAY2, 5), page: 'A', country: '', user: 'u2', ns: 0, count: 1, added: 20, delta: 0.5, ratio: 0.5, latest: 500 },
];

/** The rows' longLast values were the latest of their rolled-up input rows, 10 minutes in. */
const latestTimes = (rows: Row[]) => rows.map((r) => r.__time + 600_000);

export async function wikiSegments(dir: string): Promise<SegmentSlice[]> {
  const slices: SegmentSlice[] = [];
  for (const [day, rows] of [[DAY1, day1Rows], [DAY2, day2Rows]] as const) {
    const path = join(dir, `wiki-${day.start}.grove`);
    await writeSegmentFile(path, metaOf(day, { rollup: true, queryGranularity: 'minute' }), columnsOf(rows, schema, { latest: latestTimes(rows) }));
    slices.push({ segment: openSegment(path) });
  }
  return slices;
}

/** Runs Druid query JSON over the given segments. */
export const query = (slices: readonly SegmentSlice[], json: Record<string, unknown>): unknown[] =>
  runQuery(parseQuery({ dataSource: 'wiki', intervals: ['2024-03-01/2024-03-03'], ...json }), slices);

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentSlice } from '../../../src/query/engine.ts';
import { runQuery } from '../../../src/query/engine.ts';
import { parseQuery } from '../../../src/spec/query.ts';
import { interval } from '../../../src/time/interval.ts';
import { scratchDir } from '../segment/fixtures.ts';
import { DAY2, query as run, wikiSegments } from './wiki-fixture.ts';

/** Druid's result shapes and documented behaviours, on a small hand-checked data source. */

const { dir, cleanup } = scratchDir('query-types');
let slices: SegmentSlice[] = [];
beforeAll(async () => {
  slices = await wikiSegments(dir);
});
afterAll(cleanup);

const query = (json: Record<string, unknown>) => run(slices, json);
const edits = { type: 'longSum', name: 'edits', fieldName: 'count' };
const added = { type: 'longSum', name: 'added', fieldName: 'added' };
const rows = { type: 'count', name: 'rows' };

describe('timeseries', () => {
  it('returns [{ timestamp, result }] per bucket, aggregating every kind of metric', () => {
    expect(query({
      queryType: 'timeseries', granularity: 'day',
      aggregations: [rows, edits, added, { type: 'doubleSum', name: 'delta', fieldName: 'delta' }, { type: 'floatSum', name: 'ratio', fieldName: 'ratio' }],
    })).toEqual([
      { timestamp: '2024-03-01T00:00:00.000Z', result: { rows: 3, edits: 4, added: 22, delta: -0.25, ratio: 0.6 } },
      { timestamp: '2024-03-02T00:00:00.000Z', result: { rows: 2, edits: 4, added: 21, delta: 4.5, ratio: 1.5 } },
    ]);
  });

  it('fills empty buckets inside the data with 0 for counts and null for sums, unless skipEmptyBuckets', () => {
    const q = { queryType: 'timeseries', granularity: 'hour', intervals: ['2024-03-01/2024-03-02'], aggregations: [rows, added] };
    expect(query(q)).toEqual([
      { timestamp: '2024-03-01T01:00:00.000Z', result: { rows: 2, added: 15 } },
      { timestamp: '2024-03-01T02:00:00.000Z', result: { rows: 0, added: null } },
      { timestamp: '2024-03-01T03:00:00.000Z', result: { rows: 1, added: 7 } },
    ]);
    expect(query({ ...q, context: { skipEmptyBuckets: true } }).map((r) => (r as { timestamp: string }).timestamp))
      .toEqual(['2024-03-01T01:00:00.000Z', '2024-03-01T03:00:00.000Z']);
  });

  it('stamps granularity all with the first data time, and still answers when the filter matches nothing', () => {
    expect(query({ queryType: 'timeseries', granularity: 'all', aggregations: [rows, added], filter: { type: 'selector', dimension: 'page', value: 'nope' } }))
      .toEqual([{ timestamp: '2024-03-01T01:00:00.000Z', result: { rows: 0, added: null } }]);
  });

  it('orders descending, limits, and appends a grand total row', () => {
    expect(query({ queryType: 'timeseries', granularity: 'day', descending: true, limit: 1, aggregations: [edits] }))
      .toEqual([{ timestamp: '2024-03-02T00:00:00.000Z', result: { edits: 4 } }]);
    expect(query({ queryType: 'timeseries', granularity: 'day', aggregations: [edits], context: { grandTotal: true } }).at(-1))
      .toEqual({ timestamp: null, result: { edits: 8 } });
  });

  it('buckets by calendar days of a time zone, and by durations from an origin', () => {
    const byZone = query({ queryType: 'timeseries', granularity: { type: 'period', period: 'P1D', timeZone: 'America/Los_Angeles' }, aggregations: [rows] });
    expect(byZone).toEqual([
      { timestamp: '2024-02-29T08:00:00.000Z', result: { rows: 3 } },
      { timestamp: '2024-03-01T08:00:00.000Z', result: { rows: 2 } },
    ]);
    const byDuration = query({ queryType: 'timeseries', granularity: { type: 'duration', duration: 86_400_000, origin: '2024-03-01T02:00:00Z' }, aggregations: [rows], context: { skipEmptyBuckets: true } });
    expect(byDuration).toEqual([
      { timestamp: '2024-02-29T02:00:00.000Z', result: { rows: 2 } },
      { timestamp: '2024-03-01T02:00:00.000Z', result: { rows: 2 } },
      { timestamp: '2024-03-02T02:00:00.000Z', result: { rows: 1 } },
    ]);
  });

  it('computes post-aggregators: / by zero is 0, null operands give null, later ones read earlier ones', () => {
    const [day1] = query({
      queryType: 'timeseries', granularity: 'day', intervals: ['2024-03-01/2024-03-02'],
      aggregations: [edits, added, { type: 'doubleSum', name: 'none', fieldName: 'missing' }],
      postAggregations: [
        { type: 'arithmetic', name: 'perEdit', fn: '/', fields: [{ type: 'fieldAccess', fieldName: 'added' }, { type: 'fieldAccess', fieldName: 'edits' }] },
        { type: 'arithmetic', name: 'byZero', fn: '/', fields: [{ type: 'fieldAccess', fieldName: 'added' }, { type: 'constant', name: 'z', value: 0 }] },
        { type: 'arithmetic', name: 'withNull', fn: '+', fields: [{ type: 'fieldAccess', fieldName: 'added' }, { type: 'fieldAccess', fieldName: 'none' }] },
        { type: 'arithmetic', name: 'percent', fn: '*', fields: [{ type: 'fieldAccess', fieldName: 'perEdit' }, { type: 'constant', name: 'c', value: 100 }] },
        { type: 'doubleGreatest', name: 'most', fields: [{ type: 'fieldAccess', fieldName: 'edits' }, { type: 'finalizingFieldAccess', fieldName: 'added' }] },
      ],
    }) as Array<{ result: Record<string, unknown> }>;
    expect(day1!.result).toEqual({ edits: 4, added: 22, none: null, perEdit: 5.5, byZero: 0, withNull: null, percent: 550, most: 22 });
  });

  it('takes first and last from the times stored with rolled-up first/last metrics', () => {
    const [all] = query({
      queryType: 'timeseries', granularity: 'all',
      aggregations: [{ type: 'longLast', name: 'last', fieldName: 'latest' }, { type: 'longFirst', name: 'first', fieldName: 'latest' }, { type: 'doubleFirst', name: 'firstDelta', fieldName: 'delta' }],
      postAggregations: [{ type: 'fieldAccess', name: 'lastPair', fieldName: 'last' }],
    }) as Array<{ result: Record<string, unknown> }>;
    expect(all!.result).toEqual({ last: 500, first: 100, firstDelta: 1.5, lastPair: { lhs: Date.UTC(2024, 2, 2, 5, 10), rhs: 500 } });
  });

  it('reads only the part of a segment the timeline leaves visible (clip)', () => {
    const clipped = runQuery(parseQuery({ queryType: 'timeseries', dataSource: 'wiki', intervals: ['2024-03-01/2024-03-03'], granularity: 'all', aggregations: [added] }), [
      { segment: slices[0]!.segment, clip: interval('2024-03-01T00:00Z', '2024-03-01T02:00Z') },
      { segment: slices[1]!.segment, clip: DAY2 },
    ]);
    expect(clipped).toEqual([{ timestamp: '2024-03-01T01:00:00.000Z', result: { added: 15 + 21 } }]);
  });
});

describe('topN', () => {
  const topN = (json: Record<string, unknown>) => query({ queryType: 'topN', granularity: 'all', dimension: 'page', threshold: 2, aggregations: [added, edits], ...json });

  it('returns [{ timestamp, result: [...] }] with the values of highest metric first', () => {
    expect(topN({ metric: 'added' })).toEqual([{
      timestamp: '2024-03-01T01:00:00.000Z',
      result: [{ page: 'A', added: 37, edits: 3 }, { page: 'B', added: 5, edits: 2 }],
    }]);
  });

  it('ranks ascending with an inverted metric, and by dimension value after previousStop', () => {
    expect((topN({ metric: { type: 'inverted', metric: 'added' } })[0] as { result: unknown[] }).result.map((r) => (r as { page: string }).page)).toEqual(['C', 'B']);
    expect((topN({ metric: { type: 'dimension', ordering: 'lexicographic', previousStop: 'A' } })[0] as { result: unknown[] }).result.map((r) => (r as { page: string }).page)).toEqual(['B', 'C']);
  });

  it('ranks by a post-aggregator and names the dimension by its outputName', () => {
    const result = topN({
      dimension: { type: 'default', dimension: 'page', outputName: 'p' }, metric: 'perEdit', threshold: 3,
      postAggregations: [{ type: 'arithmetic', name: 'perEdit', fn: '/', fields: [{ type: 'fieldAccess', fieldName: 'added' }, { type: 'fieldAccess', fieldName: 'edits' }] }],
    })[0] as { result: Array<Record<string, unknown>> };
    expect(result.result.map((r) => [r.p, r.perEdit])).toEqual([['A', 37 / 3], ['B', 2.5], ['C', 1 / 3]]);
  });

  it('groups a long dimension by its numbers, breaking ties by value', () => {
    expect(topN({ dimension: 'ns', metric: 'rows', aggregations: [rows] })[0]).toEqual({
      timestamp: '2024-03-01T01:00:00.000Z', result: [{ ns: 0, rows: 3 }, { ns: 1, rows: 1 }],
    });
  });

  it('ranks each granularity bucket separately', () => {
    expect(topN({ granularity: 'day', metric: 'edits', threshold: 1 })).toEqual([
      { timestamp: '2024-03-01T00:00:00.000Z', result: [{ page: 'A', added: 17, edits: 2 }] },
      { timestamp: '2024-03-02T00:00:00.000Z', result: [{ page: 'C', added: 1, edits: 3 }] },
    ]);
  });
});

describe('groupBy', () => {
  const groupBy = (json: Record<string, unknown>) => query({ queryType: 'groupBy', granularity: 'all', dimensions: ['country', 'page'], aggregations: [edits, added], ...json });
  const events = (json: Record<string, unknown>) => groupBy(json).map((r) => (r as { event: Record<string, unknown> }).event);

  it('returns Druid v1 rows sorted by dimension values, null and empty string apart', () => {
    expect(groupBy({})).toEqual([
      { version: 'v1', timestamp: '2024-03-01T00:00:00.000Z', event: { country: null, page: 'B', edits: 2, added: 5 } },
      { version: 'v1', timestamp: '2024-03-01T00:00:00.000Z', event: { country: '', page: 'A', edits: 1, added: 20 } },
      { version: 'v1', timestamp: '2024-03-01T00:00:00.000Z', event: { country: 'de', page: 'A', edits: 1, added: 7 } },
      { version: 'v1', timestamp: '2024-03-01T00:00:00.000Z', event: { country: 'fr', page: 'A', edits: 1, added: 10 } },
      { version: 'v1', timestamp: '2024-03-01T00:00:00.000Z', event: { country: 'fr', page: 'C', edits: 3, added: 1 } },
    ]);
  });

  it('keeps rows that pass having: comparisons, and/or/not, filters and dimension selectors', () => {
    const pages = (having: unknown) => events({ having }).map((e) => `${e.country}/${e.page}`);
    expect(pages({ type: 'greaterThan', aggregation: 'edits', value: 1 })).toEqual(['null/B', 'fr/C']);
    expect(pages({ type: 'and', havingSpecs: [{ type: 'lessThan', aggregation: 'added', value: 10 }, { type: 'equalTo', aggregation: 'edits', value: 1 }] })).toEqual(['de/A']);
    expect(pages({ type: 'filter', filter: { type: 'selector', dimension: 'country', value: 'fr' } })).toEqual(['fr/A', 'fr/C']);
    expect(pages({ type: 'not', havingSpec: { type: 'dimSelector', dimension: 'page', value: 'A' } })).toEqual(['null/B', 'fr/C']);
    expect(pages({ type: 'or', havingSpecs: [{ type: 'dimSelector', dimension: 'country', value: null }, { type: 'greaterThan', aggregation: 'added', value: 15 }] })).toEqual(['null/B', '/A']);
  });

  it('orders by limitSpec columns, then applies offset and limit', () => {
    const limitSpec = { type: 'default', columns: [{ dimension: 'added', direction: 'descending' }], limit: 2 };
    expect(events({ limitSpec }).map((e) => e.added)).toEqual([20, 10]);
    expect(events({ limitSpec: { ...limitSpec, offset: 1 } }).map((e) => e.added)).toEqual([10, 7]);
    expect(events({ limitSpec: { type: 'default', columns: ['page', { dimension: 'country', direction: 'desc' }] } }).map((e) => `${e.country}/${e.page}`))
      .toEqual(['fr/A', 'de/A', '/A', 'null/B', 'fr/C']);
  });

  it('casts a dimension to its outputType and stamps buckets with their start', () => {
    expect(query({ queryType: 'groupBy', granularity: 'day', dimensions: [{ type: 'default', dimension: 'ns', outputName: 'namespace', outputType: 'STRING' }], aggregations: [rows] })).toEqual([
      { version: 'v1', timestamp: '2024-03-01T00:00:00.000Z', event: { namespace: '0', rows: 2 } },
      { version: 'v1', timestamp: '2024-03-01T00:00:00.000Z', event: { namespace: '1', rows: 1 } },
      { version: 'v1', timestamp: '2024-03-02T00:00:00.000Z', event: { namespace: '0', rows: 1 } },
      { version: 'v1', timestamp: '2024-03-02T00:00:00.000Z', event: { namespace: '2', rows: 1 } },
    ]);
  });
});

describe('scan', () => {
  const segmentIds = () => slices.map((s) => s.segment.id);

  it('returns [{ segmentId, columns, events }] with every column by default, first/last metrics as pairs', () => {
    const [first] = query({ queryType: 'scan', limit: 1 }) as Array<{ segmentId: string; columns: string[]; events: unknown[] }>;
    expect(first).toEqual({
      segmentId: segmentIds()[0],
      columns: ['__time', 'page', 'country', 'user', 'ns', 'count', 'added', 'delta', 'ratio', 'latest'],
      events: [{
        __time: Date.UTC(2024, 2, 1, 1), page: 'A', country: 'fr', user: 'u1', ns: 0, count: 1, added: 10, delta: 1.5, ratio: 0.1,
        latest: { lhs: Date.UTC(2024, 2, 1, 1, 10), rhs: 100 },
      }],
    });
  });

  it('writes compactedList rows in column order and cuts batches at batchSize', () => {
    const result = query({ queryType: 'scan', columns: ['page', '__time'], resultFormat: 'compactedList', batchSize: 2, order: 'descending' });
    expect(result).toEqual([
      { segmentId: segmentIds()[1], columns: ['page', '__time'], events: [['A', Date.UTC(2024, 2, 2, 5)], ['C', Date.UTC(2024, 2, 2, 0, 15)]] },
      { segmentId: segmentIds()[0], columns: ['page', '__time'], events: [['A', Date.UTC(2024, 2, 1, 3)], ['B', Date.UTC(2024, 2, 1, 1, 30)]] },
      { segmentId: segmentIds()[0], columns: ['page', '__time'], events: [['A', Date.UTC(2024, 2, 1, 1)]] },
    ]);
  });
});

describe('timeBoundary and dataSourceMetadata', () => {
  it('reports the earliest and latest times, or one bound, or nothing when no row matches', () => {
    expect(query({ queryType: 'timeBoundary' })).toEqual([
      { timestamp: '2024-03-01T01:00:00.000Z', result: { minTime: '2024-03-01T01:00:00.000Z', maxTime: '2024-03-02T05:00:00.000Z' } },
    ]);
    expect(query({ queryType: 'timeBoundary', bound: 'maxTime', filter: { type: 'selector', dimension: 'page', value: 'B' } }))
      .toEqual([{ timestamp: '2024-03-01T01:30:00.000Z', result: { maxTime: '2024-03-01T01:30:00.000Z' } }]);
    expect(query({ queryType: 'timeBoundary', filter: { type: 'selector', dimension: 'page', value: 'nope' } })).toEqual([]);
  });

  it('reports the latest ingested event time', () => {
    expect(query({ queryType: 'dataSourceMetadata' })).toEqual([
      { timestamp: '2024-03-02T05:00:00.000Z', result: { maxIngestedEventTime: '2024-03-02T05:00:00.000Z' } },
    ]);
  });
});

describe('segmentMetadata', () => {
  it('analyses each segment: column types, nulls, cardinality and min/max of strings', () => {
    const [day1] = query({ queryType: 'segmentMetadata', toInclude: { type: 'list', columns: ['__time', 'country', 'delta', 'latest'] } }) as Array<Record<string, unknown>>;
    expect(day1).toEqual({
      id: slices[0]!.segment.id,
      intervals: ['2024-03-01T00:00:00.000Z/2024-03-02T00:00:00.000Z'],
      columns: {
        __time: { typeSignature: 'LONG', type: 'LONG', hasMultipleValues: false, hasNulls: false, size: 0, cardinality: null, minValue: null, maxValue: null, errorMessage: null },
        country: { typeSignature: 'STRING', type: 'STRING', hasMultipleValues: false, hasNulls: true, size: 0, cardinality: 3, minValue: null, maxValue: 'fr', errorMessage: null },
        delta: { typeSignature: 'DOUBLE', type: 'DOUBLE', hasMultipleValues: false, hasNulls: false, size: 0, cardinality: null, minValue: null, maxValue: null, errorMessage: null },
        latest: { typeSignature: 'COMPLEX<serializablePairLongLong>', type: 'serializablePairLongLong', hasMultipleValues: false, hasNulls: false, size: 0, cardinality: null, minValue: null, maxValue: null, errorMessage: null },
      },
      size: 0, numRows: 3, aggregators: null, timestampSpec: null, queryGranularity: null, rollup: null,
    });
  });

  it('merges all segments into one analysis when asked, with the requested analyses', () => {
    const [merged] = query({
      queryType: 'segmentMetadata', merge: true, toInclude: { type: 'list', columns: ['page', 'added'] },
      analysisTypes: ['cardinality', 'minmax', 'size', 'interval', 'aggregators', 'rollup', 'queryGranularity'],
    }) as Array<Record<string, unknown>>;
    expect(merged).toMatchObject({
      id: 'merged',
      intervals: ['2024-03-01T00:00:00.000Z/2024-03-03T00:00:00.000Z'],
      columns: {
        page: { type: 'STRING', cardinality: 2, minValue: 'A', maxValue: 'C', size: 5 },
        added: { type: 'LONG', size: 5 * 8 },
      },
      size: 5 + 40,
      numRows: 5,
      aggregators: { added: { type: 'longSum', name: 'added', fieldName: 'added' } },
      rollup: true,
      queryGranularity: { type: 'period', period: 'PT1M', timeZone: 'UTC', origin: null },
    });
  });
});

describe('an invalid query', () => {
  it('is refused when it asks for a Druid feature grove does not implement', () => {
    expect(() => parseQuery({ queryType: 'timeseries', dataSource: 'wiki', intervals: '2024/2025', virtualColumns: [{ type: 'expression' }] }))
      .toThrow('virtualColumns: virtual columns are not supported');
  });

  it('is refused with every bad field named', () => {
    expect(() => parseQuery({ queryType: 'groupBy', dataSource: 'wiki', intervals: 'yesterday', dimensions: ['a'], aggregations: [{ type: 'longSum', name: 's' }] }))
      .toThrow(expect.objectContaining({
        code: 'invalid_query',
        details: [
          { path: 'intervals[0]', reason: expect.stringMatching(/invalid interval "yesterday"/) },
          { path: 'aggregations[0].fieldName', reason: 'required' },
        ],
      }));
  });
});

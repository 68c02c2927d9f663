import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.ts';
import { allRows, indexTask, ingest, jsonLines } from './support.ts';

const dir = tempDir('ingest-schema');

const inline = (rows: object[]) => ({ inputSource: { type: 'inline', data: jsonLines(rows) } });

describe('schemaless dimensions', () => {
  it('discovers every field but the timestamp, metric inputs and exclusions, in order of appearance, as strings', async () => {
    const task = indexTask({
      dataSchema: {
        dimensionsSpec: { dimensions: [], dimensionExclusions: ['secret'] },
        metricsSpec: [{ type: 'longSum', name: 'total', fieldName: 'bytes' }, { type: 'count', name: 'rows' }],
      },
      ioConfig: inline([
        { ts: '2020-01-01T00:00:00Z', host: 'h1', bytes: 10, secret: 'x' },
        { ts: '2020-01-01T00:00:00Z', host: 'h1', port: 80, bytes: 5, rows: 'ignored', total: 'ignored' },
        { ts: '2020-01-01T00:00:00Z', region: 'eu', up: true, bytes: 1 },
      ]),
    });
    const result = await ingest(dir, task);
    expect(result.segments[0]!.dimensions).toEqual(['host', 'port', 'region', 'up']);
    expect(allRows(result)).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', host: null, port: null, region: 'eu', up: 'true', total: 1, rows: 1 },
      { __time: '2020-01-01T00:00:00.000Z', host: 'h1', port: null, region: null, up: null, total: 10, rows: 1 },
      { __time: '2020-01-01T00:00:00.000Z', host: 'h1', port: '80', region: null, up: null, total: 5, rows: 1 },
    ]);
  });

  it('discovers the same dimensions, and rolls up the same, when rows spill before a field first appears', async () => {
    const rows = [
      { ts: '2020-01-01T00:00:00Z', a: 'x', n: 1 },
      { ts: '2020-01-01T00:00:00Z', a: 'y', n: 1 },
      { ts: '2020-01-01T00:00:00Z', a: 'x', b: 'late', n: 1 },
      { ts: '2020-01-01T00:00:00Z', a: 'x', n: 1 },
    ];
    const spec = (tuningConfig: object) => indexTask({
      dataSchema: { dimensionsSpec: {}, metricsSpec: [{ type: 'longSum', name: 'n', fieldName: 'n' }] }, ioConfig: inline(rows), tuningConfig,
    });
    const spilled = allRows(await ingest(dir, spec({ maxRowsInMemory: 1 })));
    expect(spilled).toEqual(allRows(await ingest(dir, spec({}))));
    expect(spilled).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', a: 'x', b: null, n: 2 },
      { __time: '2020-01-01T00:00:00.000Z', a: 'x', b: 'late', n: 1 },
      { __time: '2020-01-01T00:00:00.000Z', a: 'y', b: null, n: 1 },
    ]);
  });
});

describe('typed dimensions', () => {
  it('store long, float and double dimensions as numbers, sorting them numerically with null first', async () => {
    const task = indexTask({
      dataSchema: {
        dimensionsSpec: { dimensions: [{ type: 'long', name: 'code' }, { type: 'double', name: 'ratio' }, { type: 'float', name: 'f' }] },
        metricsSpec: [{ type: 'count', name: 'n' }],
      },
      ioConfig: inline([
        { ts: '2020-01-01T00:00:00Z', code: 10, ratio: 0.5, f: 1.1 },
        { ts: '2020-01-01T00:00:00Z', code: '9', ratio: 0.25, f: 1.1 },
        { ts: '2020-01-01T00:00:00Z', ratio: 2 },
        { ts: '2020-01-01T00:00:00Z', code: 'ten', ratio: 1 },
      ]),
    });
    const result = await ingest(dir, task);
    expect(result.report.rowStats).toMatchObject({ processed: 4, processedWithError: 1 });
    expect(allRows(result)).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', code: null, ratio: 1, f: null, n: 1 },
      { __time: '2020-01-01T00:00:00.000Z', code: null, ratio: 2, f: null, n: 1 },
      { __time: '2020-01-01T00:00:00.000Z', code: 9, ratio: 0.25, f: Math.fround(1.1), n: 1 },
      { __time: '2020-01-01T00:00:00.000Z', code: 10, ratio: 0.5, f: Math.fround(1.1), n: 1 },
    ]);
  });
});

describe('transforms and filters', () => {
  const rows = [
    { ts: '2020-01-01T00:00:00Z', first: 'Ada', last: 'Lovelace', bytes: 100, packets: 4, country: 'UK' },
    { ts: '2020-01-01T00:00:10Z', first: 'Alan', last: 'Turing', bytes: 50, packets: 5, country: 'UK' },
    { ts: '2020-01-01T00:00:20Z', first: 'Grace', last: 'Hopper', bytes: 90, packets: 3, country: 'US' },
  ];

  it('add and replace fields with expressions, then keep only the rows the filter matches', async () => {
    const task = indexTask({
      dataSchema: {
        dimensionsSpec: { dimensions: ['name', 'country', { type: 'long', name: 'perPacket' }] },
        metricsSpec: [{ type: 'longSum', name: 'bytes', fieldName: 'bytes' }],
        transformSpec: {
          transforms: [
            { type: 'expression', name: 'name', expression: "concat(first, ' ', last)" },
            { type: 'expression', name: 'perPacket', expression: 'bytes / packets' },
            { type: 'expression', name: 'country', expression: "lower(country) + '!'" },
          ],
          filter: { type: 'not', field: { type: 'selector', dimension: 'country', value: 'us!' } },
        },
      },
      ioConfig: inline(rows),
    });
    const result = await ingest(dir, task);
    expect(result.report.rowStats).toEqual({ processed: 2, processedWithError: 0, unparseable: 0, thrownAway: 1 });
    expect(allRows(result)).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', name: 'Ada Lovelace', country: 'uk!', perPacket: 25, bytes: 100 },
      { __time: '2020-01-01T00:00:10.000Z', name: 'Alan Turing', country: 'uk!', perPacket: 10, bytes: 50 },
    ]);
  });

  it('can move a row in time with a __time transform, and filter on __time', async () => {
    const task = indexTask({
      dataSchema: {
        dimensionsSpec: { dimensions: ['first'] },
        transformSpec: {
          transforms: [{ type: 'expression', name: '__time', expression: '__time + 3600000' }],
          filter: { type: 'bound', dimension: '__time', lower: String(Date.parse('2020-01-01T01:00:05Z')), ordering: 'numeric' },
        },
      },
      ioConfig: inline(rows),
    });
    expect(allRows(await ingest(dir, task))).toEqual([
      { __time: '2020-01-01T01:00:10.000Z', first: 'Alan' },
      { __time: '2020-01-01T01:00:20.000Z', first: 'Grace' },
    ]);
  });
});

describe('timestamps and intervals', () => {
  it('use missingValue for rows without a timestamp', async () => {
    const task = indexTask({
      dataSchema: { timestampSpec: { column: 'ts', format: 'posix', missingValue: '2021-06-01T00:00:00Z' }, dimensionsSpec: { dimensions: ['d'] } },
      ioConfig: inline([{ ts: 1577836800, d: 'a' }, { d: 'b' }]),
    });
    expect(allRows(await ingest(dir, task))).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', d: 'a' },
      { __time: '2021-06-01T00:00:00.000Z', d: 'b' },
    ]);
  });

  it('throw away rows whose time chunk lies outside granularitySpec.intervals', async () => {
    const task = indexTask({
      dataSchema: { dimensionsSpec: { dimensions: ['d'] }, granularitySpec: { segmentGranularity: 'day', intervals: ['2020-01-02T06:00Z/2020-01-03'] } },
      ioConfig: inline([
        { ts: '2020-01-01T23:59:59Z', d: 'before' },
        { ts: '2020-01-02T01:00:00Z', d: 'same day, before the interval' },
        { ts: '2020-01-02T12:00:00Z', d: 'inside' },
        { ts: '2020-01-03T00:00:00Z', d: 'after' },
      ]),
    });
    const result = await ingest(dir, task);
    expect(result.report.rowStats).toMatchObject({ processed: 2, thrownAway: 2 });
    expect(allRows(result).map((r) => r.d)).toEqual(['same day, before the interval', 'inside']);
  });

  it('split rows into one segment per time chunk', async () => {
    const task = indexTask({
      dataSchema: { dimensionsSpec: { dimensions: ['d'] }, granularitySpec: { segmentGranularity: 'month' } },
      ioConfig: inline([{ ts: '2020-03-05T00:00:00Z', d: 'm' }, { ts: '2020-01-31T23:00:00Z', d: 'j' }, { ts: '2020-01-01T00:00:00Z', d: 'j' }]),
    });
    const result = await ingest(dir, task);
    expect(result.segments.map((s) => [new Date(s.interval.start).toISOString(), new Date(s.interval.end).toISOString(), s.written.rows])).toEqual([
      ['2020-01-01T00:00:00.000Z', '2020-02-01T00:00:00.000Z', 2],
      ['2020-03-01T00:00:00.000Z', '2020-04-01T00:00:00.000Z', 1],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.ts';
import { allRows, indexTask, ingest, jsonLines, segmentRows, writeInput } from './support.ts';

const dir = tempDir('ingest-rollup');

/** Druid's rollup tutorial input (quickstart/tutorial/rollup-data.json). */
const ROLLUP_DATA = `{"timestamp":"2018-01-01T01:01:35Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":20,"bytes":9024}
{"timestamp":"2018-01-01T01:01:51Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":255,"bytes":21133}
{"timestamp":"2018-01-01T01:01:59Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":11,"bytes":5780}
{"timestamp":"2018-01-01T01:02:14Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":38,"bytes":6289}
{"timestamp":"2018-01-01T01:02:29Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":377,"bytes":359971}
{"timestamp":"2018-01-01T01:03:29Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":49,"bytes":10204}
{"timestamp":"2018-01-02T21:33:14Z","srcIP":"7.7.7.7", "dstIP":"8.8.8.8","packets":38,"bytes":6289}
{"timestamp":"2018-01-02T21:33:45Z","srcIP":"7.7.7.7", "dstIP":"8.8.8.8","packets":123,"bytes":93999}
{"timestamp":"2018-01-02T21:35:45Z","srcIP":"7.7.7.7", "dstIP":"8.8.8.8","packets":12,"bytes":2818}
`;

/** Druid's rollup tutorial task (quickstart/tutorial/rollup-index.json), unchanged but for the path. */
function rollupTask(baseDir: string, tuningConfig: object = { type: 'index_parallel', maxRowsPerSegment: 5000000, maxRowsInMemory: 25000 }): unknown {
  return {
    type: 'index_parallel',
    spec: {
      dataSchema: {
        dataSource: 'rollup-tutorial',
        dimensionsSpec: { dimensions: ['srcIP', 'dstIP'] },
        timestampSpec: { column: 'timestamp', format: 'iso' },
        metricsSpec: [
          { type: 'count', name: 'count' },
          { type: 'longSum', name: 'packets', fieldName: 'packets' },
          { type: 'longSum', name: 'bytes', fieldName: 'bytes' },
        ],
        granularitySpec: { type: 'uniform', segmentGranularity: 'week', queryGranularity: 'minute', intervals: ['2018-01-01/2018-01-03'], rollup: true },
      },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'local', baseDir, filter: 'rollup-data.json' }, inputFormat: { type: 'json' }, appendToExisting: false },
      tuningConfig,
    },
  };
}

/** The rolled-up table Druid's tutorial shows. */
const DRUID_ROLLED_UP = [
  { __time: '2018-01-01T01:01:00.000Z', srcIP: '1.1.1.1', dstIP: '2.2.2.2', count: 3, packets: 286, bytes: 35937 },
  { __time: '2018-01-01T01:02:00.000Z', srcIP: '1.1.1.1', dstIP: '2.2.2.2', count: 2, packets: 415, bytes: 366260 },
  { __time: '2018-01-01T01:03:00.000Z', srcIP: '1.1.1.1', dstIP: '2.2.2.2', count: 1, packets: 49, bytes: 10204 },
  { __time: '2018-01-02T21:33:00.000Z', srcIP: '7.7.7.7', dstIP: '8.8.8.8', count: 2, packets: 161, bytes: 100288 },
  { __time: '2018-01-02T21:35:00.000Z', srcIP: '7.7.7.7', dstIP: '8.8.8.8', count: 1, packets: 12, bytes: 2818 },
];

describe("Druid's rollup tutorial", () => {
  const baseDir = `${dir}/tutorial`;
  writeInput(dir, 'tutorial/rollup-data.json', ROLLUP_DATA);

  it('rolls the nine input rows up into the five rows Druid shows, in one weekly segment', async () => {
    const result = await ingest(dir, rollupTask(baseDir));
    expect(result.segments).toHaveLength(1);
    expect(result.segments[0]).toMatchObject({
      dataSource: 'rollup-tutorial',
      interval: { start: Date.parse('2018-01-01T00:00:00Z'), end: Date.parse('2018-01-08T00:00:00Z') },
      partitionNum: 0,
      shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 },
      dimensions: ['srcIP', 'dstIP'],
      metrics: ['count', 'packets', 'bytes'],
    });
    expect(segmentRows(result.segments[0]!.file)).toEqual(DRUID_ROLLED_UP);
    expect(result.report.rowStats).toEqual({ processed: 9, processedWithError: 0, unparseable: 0, thrownAway: 0 });
  });

  it('gives the same rows when memory holds two rows at a time and every spill is merged back', async () => {
    const result = await ingest(dir, rollupTask(baseDir, { type: 'index_parallel', maxRowsInMemory: 2 }));
    expect(allRows(result)).toEqual(DRUID_ROLLED_UP);
  });
});

describe('rollup', () => {
  const metricsSpec = [
    { type: 'count', name: 'count' },
    { type: 'longSum', name: 'sum', fieldName: 'v' },
    { type: 'doubleMin', name: 'min', fieldName: 'v' },
    { type: 'doubleMax', name: 'max', fieldName: 'v' },
    { type: 'longFirst', name: 'first', fieldName: 'v' },
    { type: 'longLast', name: 'last', fieldName: 'v' },
  ];
  const rows = [
    { ts: '2020-01-01T00:00:30Z', d: 'a', v: 5 },
    { ts: '2020-01-01T00:00:10Z', d: 'a', v: 7 },
    { ts: '2020-01-01T00:00:50Z', d: 'a', v: 1 },
    { ts: '2020-01-01T00:00:20Z', d: 'b', v: 2 },
  ];

  it('aggregates every metric kind over the rows that share floored time and dimensions', async () => {
    const task = indexTask({
      dataSchema: { dimensionsSpec: { dimensions: ['d'] }, metricsSpec, granularitySpec: { queryGranularity: 'minute' } },
      ioConfig: { inputSource: { type: 'inline', data: jsonLines(rows) } },
    });
    expect(allRows(await ingest(dir, task))).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', d: 'a', count: 3, sum: 13, min: 1, max: 7, first: 7, last: 1 },
      { __time: '2020-01-01T00:00:00.000Z', d: 'b', count: 1, sum: 2, min: 2, max: 2, first: 2, last: 2 },
    ]);
  });

  it('keeps every row, floored and sorted, when rollup is off', async () => {
    const task = indexTask({
      dataSchema: { dimensionsSpec: { dimensions: ['d'] }, metricsSpec: [{ type: 'longSum', name: 'v', fieldName: 'v' }], granularitySpec: { queryGranularity: 'minute', rollup: false } },
      ioConfig: { inputSource: { type: 'inline', data: jsonLines(rows) } },
    });
    expect(allRows(await ingest(dir, task))).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', d: 'a', v: 5 },
      { __time: '2020-01-01T00:00:00.000Z', d: 'a', v: 7 },
      { __time: '2020-01-01T00:00:00.000Z', d: 'a', v: 1 },
      { __time: '2020-01-01T00:00:00.000Z', d: 'b', v: 2 },
    ]);
  });

  it('floors to the chunk start when queryGranularity is coarser than the chunk (queryGranularity all)', async () => {
    const task = indexTask({
      dataSchema: { dimensionsSpec: { dimensions: ['d'] }, metricsSpec: [{ type: 'count', name: 'n' }], granularitySpec: { segmentGranularity: 'hour', queryGranularity: 'all' } },
      ioConfig: { inputSource: { type: 'inline', data: jsonLines([{ ts: '2020-01-01T05:30:00Z', d: 'a' }, { ts: '2020-01-01T05:45:00Z', d: 'a' }]) } },
    });
    expect(allRows(await ingest(dir, task))).toEqual([{ __time: '2020-01-01T05:00:00.000Z', d: 'a', n: 2 }]);
  });
});

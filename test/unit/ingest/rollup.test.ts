import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.ts';
import { DRUID_ROLLED_UP, ROLLUP_DATA, rollupTask } from '../../support/druid-rollup-tutorial.ts';
import { allRows, indexTask, ingest, jsonLines, segmentRows, writeInput } from './support.ts';

const dir = tempDir('ingest-rollup');

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

  it('holds a long beyond the long range as Java does: saturated at Long.MAX_VALUE (1e400 is no crash)', async () => {
    const data = '{"ts":"2020-01-01T00:00:10Z","d":"a","v":1e400}\n{"ts":"2020-01-01T00:00:10Z","d":"b","v":-1e400}\n{"ts":"2020-01-01T00:00:10Z","d":"c","v":12.9}\n';
    const task = indexTask({
      dataSchema: { dimensionsSpec: { dimensions: ['d'] }, metricsSpec: [{ type: 'longSum', name: 'v', fieldName: 'v' }], granularitySpec: { queryGranularity: 'minute' } },
      ioConfig: { inputSource: { type: 'inline', data } },
    });
    expect(allRows(await ingest(dir, task)).map((r) => r.v)).toEqual([2 ** 63, -(2 ** 63), 12]);
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

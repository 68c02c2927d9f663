import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { indexer } from '../../../src/bus/subjects.ts';
import { openSegment } from '../../../src/segment/reader.ts';
import { rejectionOf } from '../../support/bus.ts';
import { DRUID_ROLLED_UP, ROLLUP_DATA, rollupTask } from '../../support/druid-rollup-tutorial.ts';
import { segmentRows, writeInput } from '../../unit/ingest/support.ts';
import { startIndexedGrove } from './support.ts';

const g = startIndexedGrove('batch');

/** An hourly page-view task over `file`, without intervals (so it locks what the data fills). */
function pagesTask(file: string, o: { appendToExisting?: boolean; maxParseExceptions?: number; dataSource?: string } = {}): unknown {
  return {
    type: 'index_parallel',
    spec: {
      dataSchema: {
        dataSource: o.dataSource ?? 'pages',
        timestampSpec: { column: 'ts', format: 'iso' },
        dimensionsSpec: { dimensions: ['page'] },
        metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'views', fieldName: 'views' }],
        granularitySpec: { segmentGranularity: 'day', queryGranularity: 'hour', rollup: true },
      },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'local', files: [file] }, inputFormat: { type: 'json' }, appendToExisting: o.appendToExisting ?? false },
      tuningConfig: { type: 'index_parallel', ...(o.maxParseExceptions !== undefined ? { maxParseExceptions: o.maxParseExceptions } : {}) },
    },
  };
}

const views = (page: string, hour: number, n: number): string => `{"ts":"2024-03-01T${String(hour).padStart(2, '0')}:10:00Z","page":"${page}","views":${n}}`;

describe('a batch index task, through the overlord and an indexer', () => {
  it("publishes Druid's rollup example as one weekly segment of the five rows Druid shows, with Druid's row stats", async () => {
    const baseDir = join(g.inputs, 'tutorial');
    writeInput(g.inputs, 'tutorial/rollup-data.json', ROLLUP_DATA);
    const taskId = await g.submit(rollupTask(baseDir));
    const status = await g.ended(taskId);
    expect(status).toMatchObject({ state: 'succeeded', rowStats: { processed: 9, processedWithError: 0, unparseable: 0, thrownAway: 0 } });

    const [segment, ...more] = await g.publishedBy(taskId);
    expect(more).toEqual([]);
    expect(segment).toMatchObject({
      dataSource: 'rollup-tutorial', interval: '2018-01-01T00:00:00.000Z/2018-01-08T00:00:00.000Z', partitionNum: 0,
      shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 }, dimensions: ['srcIP', 'dstIP'], metrics: ['count', 'packets', 'bytes'], rows: 5,
      loadSpec: { type: 'local' },
    });
    const file = g.fileOf(segment!);
    expect(openSegment(file, { expectedChecksum: segment!.checksum }).size).toBe(segment!.size);
    expect(segmentRows(file)).toEqual(DRUID_ROLLED_UP);
    expect(g.state.stateOf('segment', segment!.id)).toBe('published.used.unavailable');
  });

  it('appending adds partitions to the existing version; overwriting then writes a strictly higher version', async () => {
    const first = await g.ended(await g.submit(pagesTask(writeInput(g.inputs, 'pages-1.json', `${views('a', 1, 3)}\n${views('b', 2, 4)}\n`))));
    expect(first.state).toBe('succeeded');
    const [base] = await g.publishedBy(first.taskId);

    const appendId = await g.submit(pagesTask(writeInput(g.inputs, 'pages-2.json', `${views('c', 5, 1)}\n`), { appendToExisting: true }));
    expect((await g.ended(appendId)).state).toBe('succeeded');
    const [appended] = await g.publishedBy(appendId);
    expect(appended).toMatchObject({ interval: base!.interval, version: base!.version, partitionNum: 1, shardSpec: { type: 'numbered', partitionNum: 1, partitions: 1 }, rows: 1 });
    expect(segmentRows(g.fileOf(appended!))).toEqual([{ __time: '2024-03-01T05:00:00.000Z', page: 'c', count: 1, views: 1 }]);

    const overwriteId = await g.submit(pagesTask(writeInput(g.inputs, 'pages-3.json', `${views('a', 1, 7)}\n`)));
    expect((await g.ended(overwriteId)).state).toBe('succeeded');
    const [replacement] = await g.publishedBy(overwriteId);
    expect(replacement).toMatchObject({ interval: base!.interval, partitionNum: 0, shardSpec: { partitions: 1 } });
    expect(replacement!.version > base!.version).toBe(true);
  });

  describe('a file with bad lines', () => {
    const lines = [views('a', 1, 1), '{"ts":"2024-03-02T01:00:00Z","page":', views('b', 2, 2), 'not json at all', views('c', 3, 3)].join('\n') + '\n';

    it('is counted and reported, not fatal, while the unparseable rows stay within maxParseExceptions', async () => {
      const taskId = await g.submit(pagesTask(writeInput(g.inputs, 'bad-lines-ok.json', lines), { dataSource: 'tolerant', maxParseExceptions: 2 }));
      const status = await g.ended(taskId);
      expect(status).toMatchObject({ state: 'succeeded', rowStats: { processed: 3, processedWithError: 0, unparseable: 2, thrownAway: 0 } });
      const report = await g.report(taskId);
      expect(report.ingestionStatsAndErrors.payload.unparseableEvents.buildSegments.map((e: { lineNumber: number }) => e.lineNumber)).toEqual([2, 4]);
      expect((await g.publishedBy(taskId)).map((s) => s.rows)).toEqual([3]);
    });

    it('fails the task once they exceed maxParseExceptions, and nothing is published or left in deep storage', async () => {
      const taskId = await g.submit(pagesTask(writeInput(g.inputs, 'bad-lines-too-many.json', lines), { dataSource: 'strict', maxParseExceptions: 1 }));
      const status = await g.ended(taskId);
      expect(status.state).toBe('failed');
      expect(status.error).toMatch(/parse exceptions/i);
      expect(status.rowStats?.unparseable).toBe(2);
      expect(await g.publishedBy(taskId)).toEqual([]);
      expect(existsSync(join(g.deep.root, 'strict')) ? readdirSync(join(g.deep.root, 'strict')) : []).toEqual([]);
    });
  });

  it('dropExisting replaces every older segment inside the ingestion intervals, in the same append as the new ones', async () => {
    const twoDays = `${views('a', 1, 1)}\n{"ts":"2024-03-02T04:00:00Z","page":"b","views":2}\n`;
    const before = await g.ended(await g.submit(pagesTask(writeInput(g.inputs, 'drop-before.json', twoDays), { dataSource: 'dropping' })));
    expect(before.state).toBe('succeeded');
    const [day1, day2] = await g.publishedBy(before.taskId);
    expect(day2!.interval).toBe('2024-03-02T00:00:00.000Z/2024-03-03T00:00:00.000Z');

    const task = pagesTask(writeInput(g.inputs, 'drop.json', `${views('a', 1, 9)}\n`), { dataSource: 'dropping' }) as { spec: { ioConfig: object; dataSchema: { granularitySpec: object } } };
    Object.assign(task.spec.ioConfig, { dropExisting: true });
    Object.assign(task.spec.dataSchema.granularitySpec, { intervals: ['2024-03-01/2024-03-03'] });
    const status = await g.ended(await g.submit(task));
    expect(status.state).toBe('succeeded');
    const [replacement] = await g.publishedBy(status.taskId);
    expect(replacement!.interval).toBe(day1!.interval);
    // The second day had no new rows: without dropExisting its old segment would stay visible.
    expect(g.state.stateOf('segment', day2!.id)).toMatch(/^published\.unused\./);
    expect(g.state.entity('segment', day2!.id)!.context.unusedReason).toBe('dropExisting');
    // The first day's old segment is overshadowed by the new one, which replaces it atomically once loaded.
    expect(g.state.stateOf('segment', day1!.id)).toMatch(/^published\.used\./);
  });

  it('an indexer answers a malformed run request or an unknown task type with an error naming what is wrong, and runs nothing', async () => {
    const malformed = await rejectionOf(request(g.actorNc, indexer.run('ix-batch'), { spec: 'not a task' }));
    expect(malformed.code).toBe('bad_request');
    expect(malformed.details).toEqual([{ path: 'taskId', reason: expect.any(String) }, { path: 'spec', reason: 'expected the task JSON object' }]);
    const unknown = await rejectionOf(request(g.actorNc, indexer.run('ix-batch'), { taskId: 'mystery', spec: { type: 'index_hadoop' } }));
    expect(unknown.code).toBe('invalid_spec');
    expect(unknown.message).toMatch(/^no runner for task type "index_hadoop" \(this indexer runs (\w+, )*index, (\w+, )*index_parallel(, \w+)*\)$/);
    expect(g.indexer.runningTasks()).toEqual([]);
  });

  it('leaves no task process, slot or scratch space behind', async () => {
    expect(g.indexer.runningTasks()).toEqual([]);
    expect(readdirSync(join(g.inputs, '..', 'work', 'ix-batch'))).toEqual([]);
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestionFailedError } from '../../../src/ingest/batch-ingestion.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allRows, indexTask, ingest, writeInput } from './support.ts';

const dir = tempDir('ingest-errors');

const LINES = [
  '{"ts":"2020-01-01T00:00:00Z","d":"a","v":1}',
  '{"ts":"2020-01-01T00:00:01Z","d":"a","v":2',
  '{"d":"b","v":3}',
  '{"ts":"yesterday","d":"b","v":4}',
  '{"ts":"2020-01-01T00:00:02Z","d":"c","v":"five"}',
  '[1,2,3]',
  '',
  '{"ts":"2020-01-01T00:00:03Z","d":"c","v":6}',
].join('\n');

const input = writeInput(dir, 'bad/lines.json', LINES);

function task(tuningConfig: object = {}): unknown {
  return indexTask({
    dataSchema: { dimensionsSpec: { dimensions: ['d'] }, metricsSpec: [{ type: 'longSum', name: 'v', fieldName: 'v' }], granularitySpec: { queryGranularity: 'hour' } },
    ioConfig: { inputSource: { type: 'local', files: [input] } },
    tuningConfig,
  });
}

describe('bad input lines', () => {
  it('are counted as Druid counts them and reported with their line, input and reason, without failing the task', async () => {
    const result = await ingest(dir, task());
    expect(result.report.rowStats).toEqual({ processed: 3, processedWithError: 1, unparseable: 4, thrownAway: 0 });
    expect(result.report.parseErrors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    const [badJson, noTime, badTime, badMetric, notObject] = result.report.parseErrors;
    expect(badJson!.reason).toMatch(/^Unable to parse row \[.*\].*\(Path: .*bad\/lines\.json, Line: 2\)$/);
    expect(noTime!.reason).toMatch(/^Timestamp\[null\] is unparseable!/);
    expect(badTime!.reason).toMatch(/^Timestamp\[yesterday\] is unparseable!/);
    expect(badMetric).toMatchObject({ input: '{"ts":"2020-01-01T00:00:02Z","d":"c","v":"five"}' });
    expect(badMetric!.reason).toMatch(/Found unparseable columns in row.*"five".*"v"/);
    expect(notObject!.reason).toMatch(/expected a JSON object/);
    // The partly bad row is still ingested, its unreadable metric counted as null.
    expect(allRows(result)).toEqual([
      { __time: '2020-01-01T00:00:00.000Z', d: 'a', v: 1 },
      { __time: '2020-01-01T00:00:00.000Z', d: 'c', v: 6 },
    ]);
  });

  it('fail the task with Druid\'s message once they outnumber maxParseExceptions, and no segment is written', async () => {
    const workDir = join(dir, 'failed');
    const failure = await ingest(dir, task({ maxParseExceptions: 4 }), { workDir }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IngestionFailedError);
    expect((failure as IngestionFailedError).message).toBe('Max parse exceptions[4] exceeded');
    expect((failure as IngestionFailedError).report.rowStats).toMatchObject({ unparseable: 4, processedWithError: 1 });
    expect(existsSync(join(workDir, 'segments'))).toBe(false);
  });

  it('are tolerated up to maxParseExceptions exactly', async () => {
    const result = await ingest(dir, task({ maxParseExceptions: 5 }));
    expect(result.segments).toHaveLength(1);
  });

  it('keep only maxSavedParseExceptions of their reports, and are logged when logParseExceptions is set', async () => {
    const logged: string[] = [];
    const result = await ingest(dir, task({ maxSavedParseExceptions: 2, logParseExceptions: true }), { log: (m) => logged.push(m) });
    expect(result.report.parseErrors.map((e) => e.line)).toEqual([2, 3]);
    expect(logged).toHaveLength(5);
    expect(logged[0]).toMatch(/^Encountered parse exception: Unable to parse row/);
  });

  it('fail the task at the first one under the legacy reportParseExceptions', async () => {
    await expect(ingest(dir, task({ reportParseExceptions: true }))).rejects.toThrow('Max parse exceptions[0] exceeded');
  });
});

import { describe, expect, it } from 'vitest';
import { IngestionFailedError } from '../../../src/ingest/batch-ingestion.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allRows, indexTask, ingest, writeInput } from './support.ts';

const dir = tempDir('ingest-input');

const dataSchema = {
  dimensionsSpec: { dimensions: ['page', 'user'] },
  metricsSpec: [{ type: 'longSum', name: 'added', fieldName: 'added' }],
  granularitySpec: { queryGranularity: 'day' },
};

const EXPECTED = [
  { __time: '2020-01-01T00:00:00.000Z', page: 'Main', user: 'ann', added: 3 },
  { __time: '2020-01-01T00:00:00.000Z', page: 'Talk, old', user: 'bob', added: 4 },
];

function task(inputSource: object, inputFormat: object = { type: 'json' }): unknown {
  return indexTask({ dataSchema, ioConfig: { inputSource, inputFormat } });
}

describe('input sources', () => {
  writeInput(dir, 'logs/a/part-1.json', '{"ts":"2020-01-01T01:00:00Z","page":"Main","user":"ann","added":1}\n');
  writeInput(dir, 'logs/b/part-2.json.gz', '{"ts":"2020-01-01T02:00:00Z","page":"Main","user":"ann","added":2}\n{"ts":"2020-01-01T03:00:00Z","page":"Talk, old","user":"bob","added":4}\n');
  writeInput(dir, 'logs/b/notes.txt', 'not data\n');

  it('local reads every file under baseDir whose name matches the filter, gunzipping .gz files', async () => {
    const result = await ingest(dir, task({ type: 'local', baseDir: `${dir}/logs`, filter: '*.json*' }));
    expect(allRows(result)).toEqual([{ ...EXPECTED[0], added: 3 }, EXPECTED[1]]);
    expect(result.report.rowStats.processed).toBe(3);
  });

  it('local matches a filter with a slash against the path under baseDir', async () => {
    const result = await ingest(dir, task({ type: 'local', baseDir: `${dir}/logs`, filter: 'a/*.json' }));
    expect(result.report.rowStats.processed).toBe(1);
  });

  it('local reads the listed files', async () => {
    const result = await ingest(dir, task({ type: 'local', files: [`${dir}/logs/a/part-1.json`, `${dir}/logs/b/part-2.json.gz`] }));
    expect(result.report.rowStats.processed).toBe(3);
  });

  it('local fails clearly when nothing matches or a listed file is missing', async () => {
    await expect(ingest(dir, task({ type: 'local', baseDir: `${dir}/logs`, filter: '*.csv' }))).rejects.toThrow(/no input files: nothing under .*logs matches "\*\.csv"/);
    const missing = await ingest(dir, task({ type: 'local', files: [`${dir}/nope.json`] })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(IngestionFailedError);
    expect((missing as Error).message).toMatch(/cannot read input file .*nope\.json/);
  });

  it('inline reads its data', async () => {
    const data = '{"ts":"2020-01-01T01:00:00Z","page":"Main","user":"ann","added":3}\n{"ts":"2020-01-01T03:00:00Z","page":"Talk, old","user":"bob","added":4}';
    expect(allRows(await ingest(dir, task({ type: 'inline', data })))).toEqual(EXPECTED);
  });
});

describe('input formats', () => {
  it('csv with listed columns splits quoted fields as RFC 4180 does', async () => {
    const data = '2020-01-01T01:00:00Z,Main,ann,3\n2020-01-01T03:00:00Z,"Talk, old",bob,4\n';
    const result = await ingest(dir, task({ type: 'inline', data }, { type: 'csv', columns: ['ts', 'page', 'user', 'added'] }));
    expect(allRows(result)).toEqual(EXPECTED);
  });

  it('csv finds its columns in each file\'s header after skipHeaderRows', async () => {
    writeInput(dir, 'csv/1.csv', '# exported\nts,user,page,added\n2020-01-01T01:00:00Z,ann,Main,3\n');
    writeInput(dir, 'csv/2.csv.gz', '# exported\nadded,ts,page,user\n4,2020-01-01T03:00:00Z,"Talk, old",bob\n');
    const result = await ingest(dir, task({ type: 'local', baseDir: `${dir}/csv`, filter: '*' }, { type: 'csv', findColumnsFromHeader: true, skipHeaderRows: 1 }));
    expect(allRows(result)).toEqual(EXPECTED);
  });

  it('csv counts a line with a broken quote as unparseable', async () => {
    const data = '2020-01-01T01:00:00Z,Main,ann,3\n2020-01-01T03:00:00Z,"Talk,bob,4\n';
    const result = await ingest(dir, task({ type: 'inline', data }, { type: 'csv', columns: ['ts', 'page', 'user', 'added'] }));
    expect(result.report.rowStats).toMatchObject({ processed: 1, unparseable: 1 });
    expect(result.report.parseErrors[0]).toMatchObject({ line: 2 });
  });

  it('tsv splits on tabs, or on the delimiter given, with no quoting', async () => {
    const tsv = '2020-01-01T01:00:00Z\tMain\tann\t3\n2020-01-01T03:00:00Z\tTalk, old\tbob\t4\n';
    expect(allRows(await ingest(dir, task({ type: 'inline', data: tsv }, { type: 'tsv', columns: ['ts', 'page', 'user', 'added'] })))).toEqual(EXPECTED);
    const piped = 'ts|page|user|added\n2020-01-01T01:00:00Z|Main|ann|3\n2020-01-01T03:00:00Z|Talk, old|bob|4\n';
    expect(allRows(await ingest(dir, task({ type: 'inline', data: piped }, { type: 'tsv', delimiter: '|', findColumnsFromHeader: true })))).toEqual(EXPECTED);
  });

  it('json reads one object per line, skipping blank lines and CRLF endings', async () => {
    const data = '{"ts":"2020-01-01T01:00:00Z","page":"Main","user":"ann","added":3}\r\n\r\n{"ts":"2020-01-01T03:00:00Z","page":"Talk, old","user":"bob","added":4}\r\n';
    const result = await ingest(dir, task({ type: 'inline', data }));
    expect(allRows(result)).toEqual(EXPECTED);
    expect(result.report.rowStats.unparseable).toBe(0);
  });
});

describe('text decoding', () => {
  it('drops a byte order mark at the start of a file', async () => {
    const path = writeInput(dir, 'bom.csv', '\uFEFFts,page,user,added\n2020-01-01T01:00:00Z,Main,ann,3\n');
    const result = await ingest(dir, task({ type: 'local', files: [path] }, { type: 'csv', findColumnsFromHeader: true }));
    expect(allRows(result)).toEqual([EXPECTED[0]]);
  });
});

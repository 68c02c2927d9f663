import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../src/bus/client.ts';
import { API } from '../../src/bus/subjects.ts';
import { connectAs } from '../support/bus.ts';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';

let grove: GroveProcess;
beforeAll(async () => {
  grove = await startGrove();
});
afterAll(async () => {
  if (grove.process.exitCode === null) await grove.stop();
});

describe('grove ingest and grove task, as a user runs them', () => {
  let taskId = '';

  it('grove ingest examples/wikipedia-index.json shows progress and ends with the row stats', async () => {
    const { code, stdout, stderr } = await grove.cli(['ingest', 'examples/wikipedia-index.json']);
    expect(code, stderr).toBe(0);
    taskId = /submitted task (\S+)/.exec(stderr)?.[1] ?? '';
    expect(taskId).toMatch(/^index_parallel_wikipedia_/);
    expect(stderr).toMatch(/\w+: [\d,]+ rows, [\d.]+ MiB of [\d.]+ MiB, [\d,]+ rows\/s/);
    expect(stdout).toContain(`task ${taskId} succeeded in`);
    expect(stdout).toContain('rows: processed 10,000, processedWithError 0, unparseable 0, thrownAway 0');
    expect(stdout).toContain('segments published: 1');
  });

  it('grove task status, list and report tell the same story', async () => {
    const status = await grove.cli(['task', 'status', taskId]);
    expect(status.stdout).toMatch(/state\s+succeeded \(on indexer indexer-local\)/);
    expect(status.stdout).toMatch(/rows\s+processed 10,000/);
    const list = JSON.parse((await grove.cli(['task', 'list', '--datasource', 'wikipedia', '--json'])).stdout) as Array<{ taskId: string; state: string }>;
    expect(list).toContainEqual(expect.objectContaining({ taskId, state: 'succeeded' }));
    const report = JSON.parse((await grove.cli(['task', 'report', taskId])).stdout);
    expect(report.ingestionStatsAndErrors.payload).toMatchObject({
      ingestionState: 'COMPLETED', segmentsPublished: 1,
      rowStats: { buildSegments: { processed: 10_000, processedWithError: 0, unparseable: 0, thrownAway: 0 } },
    });
  });

  it("what it published is loaded by a historical and answers the README's topN query", async () => {
    const client = await connectAs('client', grove.natsUrl);
    try {
      await expect.poll(async () => (await request<Array<{ state: string }>>(client, API.segmentList, { dataSource: 'wikipedia' })).map((x) => x.state), { timeout: 30_000, interval: 250 })
        .toEqual(['published.used.available']);
      const topN = JSON.parse(readFileSync('examples/wikipedia-top-pages.json', 'utf8'));
      const [result] = await request<Array<{ timestamp: string; result: Array<{ page: string; count: number }> }>>(client, API.query, topN);
      expect(result!.result).toHaveLength(10);
      expect(result!.result.reduce((n, r) => n + r.count, 0)).toBeGreaterThan(0);
      expect([...result!.result].sort((a, b) => b.count - a.count)).toEqual(result!.result);
    } finally {
      await client.close();
    }
  });

  it('grove ingest --no-wait prints only the task id, which grove task cancel can stop', async () => {
    const submitted = await grove.cli(['ingest', '--no-wait', 'examples/wikipedia-index.json']);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^index_parallel_wikipedia_\S+$/);
    const canceled = await grove.cli(['task', 'cancel', id]);
    if (canceled.code === 0) expect(canceled.stdout).toMatch(/state\s+canceled/);
    else expect(canceled.stderr).toMatch(/already (succeeded|failed)/);
  });

  it('a task that fails on bad lines ends grove ingest with exit code 1, the row stats and the parse errors', async () => {
    const spec = join(grove.dataDir, 'bad-lines.json');
    writeFileSync(spec, JSON.stringify({
      type: 'index_parallel',
      spec: {
        dataSchema: { dataSource: 'bad-lines', timestampSpec: { column: 'ts' }, dimensionsSpec: { dimensions: ['page'] }, granularitySpec: { segmentGranularity: 'day' } },
        ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: '{"ts":"2024-01-01T00:00:00Z","page":"a"}\n{"ts": oops\n' }, inputFormat: { type: 'json' } },
        tuningConfig: { type: 'index_parallel', maxParseExceptions: 0 },
      },
    }));
    const { code, stdout } = await grove.cli(['ingest', spec]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/task \S+ failed in [\d.]+ s: .*parse exceptions/i);
    expect(stdout).toContain('rows: processed 1, processedWithError 0, unparseable 1, thrownAway 0');
    expect(stdout).toMatch(/parse errors:\n  line 2: Unable to parse row \[\{"ts": oops\]/);
  });

  it('a spec with bad fields is refused before any work, each field named', async () => {
    const { code, stderr } = await grove.cli(['ingest', 'examples/wikipedia-top-pages.json']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/the task was refused \(invalid_spec\):\n\s+type: /);
  });
});

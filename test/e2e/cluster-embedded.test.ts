import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';

/** The README's tour: `grove start` runs every actor in one process; ingest, then query. */
let grove: GroveProcess;
beforeAll(async () => {
  grove = await startGrove();
}, 120_000);
afterAll(async () => {
  if (grove.process.exitCode === null) await grove.stop();
});

describe('grove start alone is a whole cluster', () => {
  it('the sample data, once ingested, is handed off to the embedded historical and answers grove query', async () => {
    const ingest = await grove.cli(['ingest', 'examples/wikipedia-index.json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    let answer: Array<{ result: Array<{ page: string; count: number }> }> = [];
    await expect.poll(async () => {
      const q = await grove.cli(['query', 'examples/wikipedia-top-pages.json']);
      answer = q.code === 0 ? JSON.parse(q.stdout) : [];
      return answer[0]?.result.length ?? 0;
    }, { timeout: 30_000, interval: 500 }).toBe(10);
    const counts = answer[0]!.result.map((r) => r.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(counts.every((c) => c > 0)).toBe(true);

    const segments = await grove.cli(['segments', 'wikipedia', '--json']);
    const rows = JSON.parse(segments.stdout) as Array<{ state: string; servers: string[]; rows: number }>;
    expect(rows.map((s) => [s.state, s.servers])).toEqual([['published.used.available', ['local']]]);
    const ds = await grove.cli(['datasources']);
    expect(ds.stdout).toMatch(/wikipedia\s+1\s+\d+\s+2015-09-12T00:00:00\.000Z\/2015-09-13T00:00:00\.000Z/);
  });
});

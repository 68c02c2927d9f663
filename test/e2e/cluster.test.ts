import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { request } from '../../src/bus/client.ts';
import { API } from '../../src/bus/subjects.ts';
import type { SegmentRow } from '../../src/coordinator/segment-api.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { connectAs, ownNatsServer } from '../support/bus.ts';
import { GroveProcesses, runCli } from '../support/grove-process.ts';
import { tempDir } from '../support/temp-dir.ts';
import { pageViewSchema } from '../support/page-views.ts';

/**
 * A cluster as an operator runs one: every actor kind in a process of its own (`grove start
 * --actors <kind>`), all against one nats-server and one data directory (deep storage, each
 * historical's cache), driven through the NATS API and the CLI.
 */

const nats = ownNatsServer();
const dataDir = tempDir('e2e-cluster');
let client: NatsConnection;

/** Short periods so the test sees in seconds what takes minutes by default. */
const ENV = { GROVE_DROP_GRACE: 'PT1S', GROVE_HISTORICAL_TIMEOUT: 'PT3S', GROVE_COORDINATOR_PERIOD: 'PT2S', GROVE_TASK_HEAP_MB: '512' };

const processes = new GroveProcesses(() => nats.url(), dataDir, ENV);
const start = (name: string, kind: string, more: string[] = []) => processes.start(name, kind, more);

const cli = (args: string[]) => runCli([...args, '--nats', nats.url()], { ...process.env, GROVE_DATA_DIR: dataDir });

beforeAll(async () => {
  await start('meta', 'metastore');
  await Promise.all([
    start('ovl', 'overlord'),
    start('coord', 'coordinator'),
    start('brk', 'broker'),
    start('ix', 'indexer'),
    start('hot1', 'historical', ['--tier', 'hot']),
    start('cold1', 'historical', ['--tier', 'cold']),
  ]);
  client = await connectAs('client', nats.url());
}, 180_000);

afterAll(async () => {
  await client?.close();
  await processes.stopAll();
}, 60_000);

/** An index task over inline rows: `added` per page view on one day. */
function indexTask(dataSource: string, day: string, added: number, o: { append?: boolean; pages?: number } = {}): object {
  const rows = Array.from({ length: o.pages ?? 4 }, (_, i) => JSON.stringify({ time: `${day}T${String(i * 3).padStart(2, '0')}:00:00Z`, page: `page${i}`, added }));
  return {
    type: 'index_parallel',
    spec: {
      dataSchema: pageViewSchema(dataSource, { timeColumn: 'time', ...(o.append ? {} : { intervals: [`${day}/P1D`] }) }),
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: rows.join('\n') }, inputFormat: { type: 'json' }, appendToExisting: o.append ?? false },
      tuningConfig: { type: 'index_parallel' },
    },
  };
}

async function ingest(task: object): Promise<string> {
  const { taskId } = await request<{ taskId: string }>(client, API.taskSubmit, task);
  await expect.poll(async () => (await request<{ state: string }>(client, API.taskStatus, { taskId })).state, { timeout: 60_000, interval: 200 }).toBe('succeeded');
  return taskId;
}

const segments = (dataSource: string, state?: string) => request<SegmentRow[]>(client, API.segmentList, { dataSource, ...(state ? { state } : {}) });

async function total(dataSource: string, interval: string): Promise<number | null> {
  const r = await request<Array<{ result: { added: number } }>>(client, API.query, {
    queryType: 'timeseries', dataSource, intervals: [interval], granularity: 'all', aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }],
  });
  return r[0]?.result.added ?? null;
}

describe('every actor kind runs alone, in a process of its own, against one nats-server', () => {
  it('each process answers for its own kind', async () => {
    const { stdout } = await cli(['status', '--json']);
    const kinds = (JSON.parse(stdout) as { actors: Array<{ kind: string; id: string }> }).actors.map((a) => `${a.kind}:${a.id}`).sort();
    expect(kinds).toEqual(['broker:brk', 'coordinator:coord', 'historical:cold1', 'historical:hot1', 'indexer:indexer-ix', 'metastore:meta', 'overlord:ovl']);
  });

  it('the seed\'s handoff: the task builds and publishes, the coordinator assigns, a historical loads, and the segment is published, used and available — each step an event in the log', async () => {
    await request(client, API.rulesSet, { dataSource: 'wiki', rules: [{ type: 'loadForever', tieredReplicants: { hot: 1 } }] });
    const taskId = await ingest(indexTask('wiki', '2024-01-01', 10, { append: true }));
    await expect.poll(async () => (await segments('wiki')).map((s) => s.state), { timeout: 20_000 }).toEqual(['published.used.available']);
    const [segment] = await segments('wiki');
    const history = await request<LogRecord[]>(client, API.logRead, { aggregate: `segment:${segment!.id}` });
    expect(history.map((r) => [r.type, r.meta.actor.split(':')[0]])).toEqual([
      ['SegmentAllocated', 'overlord'],
      ['SegmentsPublished', 'overlord'],
      ['ReplicaAssigned', 'coordinator'],
      ['ReplicaLoadStarted', 'historical'],
      ['ReplicaLoaded', 'historical'],
    ]);
    expect((history[1]!.data as { taskId: string }).taskId).toBe(taskId);
    expect(segment!.servers).toEqual(['hot1']);
    expect(await total('wiki', '2024-01-01/2024-01-02')).toBe(40);
  });

  it('grove query prints the broker\'s answer, exactly Druid\'s result JSON', async () => {
    const file = join(dataDir, 'top-pages.json');
    writeFileSync(file, JSON.stringify({ queryType: 'topN', dataSource: 'wiki', intervals: ['2024-01-01/2024-01-02'], granularity: 'all', dimension: 'page', metric: 'added', threshold: 2, aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }] }));
    const { code, stdout, stderr } = await cli(['query', file]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ timestamp: '2024-01-01T00:00:00.000Z', result: [{ page: 'page0', added: 10 }, { page: 'page1', added: 10 }] }]);
    const bad = await cli(['query', '{"queryType":"topN","dataSource":"wiki"}']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid query');
  });

  it('an overwrite switches atomically while queries run without pause; the old version ends unused and unavailable', async () => {
    await request(client, API.rulesSet, { dataSource: 'loop', rules: [{ type: 'loadForever', tieredReplicants: { hot: 1, cold: 1 } }] });
    await ingest(indexTask('loop', '2024-02-01', 1, { pages: 8 }));
    const [old] = await segments('loop');
    await expect.poll(async () => (await segments('loop'))[0]!.servers, { timeout: 20_000 }).toEqual(['cold1', 'hot1']);
    const answers: Array<number | null> = [];
    let looping = true;
    const loop = (async () => {
      while (looping) answers.push(await total('loop', '2024-02-01/2024-02-02'));
    })();
    await ingest(indexTask('loop', '2024-02-01', 5, { pages: 8 }));
    await expect.poll(async () => (await segments('loop')).find((s) => s.id === old!.id)?.state, { timeout: 30_000 }).toBe('published.unused.unavailable');
    await expect.poll(() => answers.at(-1), { timeout: 10_000 }).toBe(40);
    looping = false;
    await loop;
    expect(new Set(answers)).toEqual(new Set([8, 40]));
    expect(answers.lastIndexOf(8)).toBeLessThan(answers.indexOf(40));
  });

  it('tiers get their replica counts, and killing a historical process gets its segments re-replicated', async () => {
    await start('cold2', 'historical', ['--tier', 'cold']);
    const [seg] = await segments('loop', 'published.used');
    expect(seg!.servers).toEqual(['cold1', 'hot1']);
    await processes.kill('cold1');
    await expect.poll(async () => (await segments('loop', 'published.used'))[0]!.servers, { timeout: 30_000, interval: 250 }).toEqual(['cold2', 'hot1']);
    const left = await request<LogRecord[]>(client, API.logRead, { type: 'ServerLeft' });
    expect(left.map((r) => [(r.data as { serverId: string }).serverId, r.meta.actor.split(':')[0]])).toContainEqual(['cold1', 'coordinator']);
    expect(await total('loop', '2024-02-01/2024-02-02')).toBe(40);
  });

  it('an hour-granularity overwrite inside a day segment shows the new hour and the rest of the old day (partial overshadowing)', async () => {
    await request(client, API.rulesSet, { dataSource: 'hourly', rules: [{ type: 'loadForever', tieredReplicants: { hot: 1 } }] });
    await ingest(indexTask('hourly', '2024-03-01', 1, { pages: 6 }));
    const hour = indexTask('hourly', '2024-03-01', 100, { pages: 1 }) as { spec: { dataSchema: { granularitySpec: object }; ioConfig: { inputSource: object } } };
    hour.spec.dataSchema.granularitySpec = { segmentGranularity: 'hour', queryGranularity: 'none', intervals: ['2024-03-01T03:00/PT1H'] };
    hour.spec.ioConfig.inputSource = { type: 'inline', data: JSON.stringify({ time: '2024-03-01T03:30:00Z', page: 'fresh', added: 100 }) };
    await ingest(hour);
    await expect.poll(async () => (await segments('hourly', 'published.used.available')).length, { timeout: 20_000 }).toBe(2);
    const scan = await request<Array<{ events: Array<{ page: string; added: number }> }>>(client, API.query, {
      queryType: 'scan', dataSource: 'hourly', intervals: ['2024-03-01/2024-03-02'], columns: ['__time', 'page', 'added'], order: 'ascending',
    });
    expect(scan.flatMap((b) => b.events.map((e) => `${e.page}:${e.added}`))).toEqual(['page0:1', 'fresh:100', 'page2:1', 'page3:1', 'page4:1', 'page5:1']);
  });

  it('grove segments, grove datasources and grove rules show the cluster', async () => {
    const seg = await cli(['segments', 'loop', '--state', 'published.used']);
    expect(seg.stdout).toMatch(/2024-02-01T00:00:00\.000Z\/2024-02-02T00:00:00\.000Z\s+\S+\s+0\s+published\.used\.available\s+cold2,hot1\s+8/);
    const ds = JSON.parse((await cli(['datasources', '--json'])).stdout) as Array<{ name: string; segments: number; rows: number }>;
    expect(ds.map((d) => [d.name, d.segments, d.rows])).toEqual([['hourly', 2, 7], ['loop', 1, 8], ['wiki', 1, 4]]);
    const rules = JSON.parse((await cli(['rules', 'get', 'loop'])).stdout);
    expect(rules).toEqual([{ type: 'loadForever', tieredReplicants: { hot: 1, cold: 1 }, useDefaultTierForNull: true }]);
  });
});

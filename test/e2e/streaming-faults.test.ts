import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type JetStreamClient, type NatsConnection } from 'nats';
import { request } from '../../src/bus/client.ts';
import { startNatsServer } from '../../src/bus/nats-server.ts';
import { API } from '../../src/bus/subjects.ts';
import type { TaskStatus } from '../../src/overlord/task-view.ts';
import { GroveProcesses } from '../support/grove-process.ts';
import { startTestNats, TEST_PASSWORDS, type TestNats } from '../support/nats-server.ts';
import { tempDir } from '../support/temp-dir.ts';
import { pageViewSchema } from '../support/page-views.ts';

/**
 * Exactly once under faults: every actor kind in a process of its own, a producer writing rows to
 * a JetStream stream at a steady rate, a supervisor ingesting them; meanwhile each kind is killed
 * with SIGKILL in turn (an indexer running a task, the overlord, the coordinator, a historical,
 * the nats-server itself) and started again. At the end the broker counts exactly the rows
 * produced and sums exactly their values.
 */

const dataDir = tempDir('e2e-faults');
const storeDir = tempDir('e2e-faults-js');
let nats: TestNats;
let producerNc: NatsConnection;
let client: NatsConnection;

/** Short periods so that lost servers are noticed in seconds. */
const ENV = { GROVE_DROP_GRACE: 'PT1S', GROVE_HISTORICAL_TIMEOUT: 'PT3S', GROVE_COORDINATOR_PERIOD: 'PT2S', GROVE_TASK_HEAP_MB: '384' };

const processes = new GroveProcesses(() => nats.url, dataDir, ENV);
const start = (name: string, kind: string, more: string[] = []) => processes.start(name, kind, more);

/** Connections that outlive a restart of the server, as the actors' do. */
const persistent = (user: 'actor' | 'client') => connect({ servers: nats.url, user, pass: TEST_PASSWORDS[user], maxReconnectAttempts: -1, reconnectTimeWait: 250 });

beforeAll(async () => {
  nats = await startTestNats(storeDir);
  await start('meta', 'metastore');
  await Promise.all([
    start('ovl', 'overlord'),
    start('coord', 'coordinator'),
    start('brk', 'broker'),
    start('sup', 'supervisor'),
    start('ix1', 'indexer'),
    start('ix2', 'indexer'),
    start('hist1', 'historical'),
    start('hist2', 'historical'),
  ]);
  producerNc = await persistent('actor');
  client = await persistent('client');
}, 240_000);

afterAll(async () => {
  await client?.close();
  await producerNc?.close();
  await processes.stopAll();
  await nats?.dispose();
}, 120_000);

const DAY = 86_400_000;
const N = 1500;

/** Row i, with its own message id: a publish retried after a fault is stored once. */
async function produce(js: JetStreamClient, i: number): Promise<void> {
  const row = { ts: Date.now(), page: `p${i % 23}`, added: i + 1 };
  const data = new TextEncoder().encode(JSON.stringify(row));
  for (;;) {
    try {
      await js.publish(`grove.e2e.faults.${i % 2}`, data, { msgID: `row-${i}`, timeout: 2000 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function totals(): Promise<{ rows: number; added: number } | null> {
  const now = Date.now();
  const r = await request<Array<{ result: { rows: number; added: number } }>>(client, API.query, {
    queryType: 'timeseries', dataSource: 'faults', granularity: 'all', intervals: [`${new Date(now - 2 * DAY).toISOString()}/${new Date(now + 2 * DAY).toISOString()}`],
    aggregations: [{ type: 'longSum', name: 'rows', fieldName: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
  });
  return r[0]?.result ?? null;
}

/** A streaming task running now, and the process of the indexer running it. */
async function aRunningTask(): Promise<{ taskId: string; process: string }> {
  let found: TaskStatus | undefined;
  await expect.poll(async () => {
    const running = await request<TaskStatus[]>(client, API.taskList, { dataSource: 'faults', state: 'running' });
    found = running.find((t) => t.indexerId !== undefined);
    return found !== undefined;
  }, { timeout: 60_000, interval: 250 }).toBe(true);
  return { taskId: found!.taskId, process: processes.names().find((name) => found!.indexerId!.endsWith(name))! };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('streaming ingestion is exactly once under faults', () => {
  it('kills an indexer running a task, the overlord, the coordinator, a historical and the nats-server in turn, and still counts exactly the rows produced', async () => {
    await (await producerNc.jetstreamManager()).streams.add({ name: 'FAULTS', subjects: ['grove.e2e.faults.*'] });
    await request(client, API.supervisorSubmit, {
      type: 'nats',
      spec: {
        dataSchema: pageViewSchema('faults', { timeFormat: 'millis', segmentGranularity: 'hour', rollup: false }),
        ioConfig: { stream: 'FAULTS', inputFormat: { type: 'json' }, taskCount: 2, replicas: 1, taskDuration: 'PT6S', useEarliestSequence: true, startDelay: 'PT0S', completionTimeout: 'PT30S' },
        tuningConfig: { maxRowsInMemory: 1000, handoffConditionTimeout: 0 },
      },
    });

    const js = producerNc.jetstream();
    let sum = 0;
    const producer = (async () => {
      for (let i = 0; i < N; i++) {
        await produce(js, i);
        sum += i + 1;
        await pause(25);
      }
    })();

    const faults: string[] = [];
    await pause(4000);
    const victim = await aRunningTask();
    faults.push(victim.process);
    await processes.killAndRestart(victim.process);
    for (const name of ['ovl', 'coord', 'hist1']) {
      await pause(4000);
      faults.push(name);
      await processes.killAndRestart(name);
    }
    await pause(4000);
    nats.process.kill('SIGKILL');
    await new Promise((r) => nats.process.once('exit', r));
    const restarted = await startNatsServer({ configFile: new URL('../../nats.conf', import.meta.url).pathname, port: nats.port, wsPort: nats.wsPort, storeDir, passwords: TEST_PASSWORDS });
    nats = { ...nats, ...restarted, dispose: async () => restarted.stop() };
    faults.push('nats-server');

    await producer;
    expect(faults).toEqual([expect.stringMatching(/^ix[12]$/), 'ovl', 'coord', 'hist1', 'nats-server']);
    const killedTask = await request<TaskStatus>(client, API.taskStatus, { taskId: victim.taskId });
    expect(killedTask.state, 'the task whose indexer was killed did not finish its work').toBe('failed');
    await expect.poll(() => totals().catch(() => null), { timeout: 150_000, interval: 1000 }).toEqual({ rows: N, added: sum });
    // And it stays exact as later groups roll and hand off.
    await pause(8000);
    expect(await totals()).toEqual({ rows: N, added: sum });
  }, 420_000);
});

import { readdirSync, writeFileSync } from 'node:fs';
import { pidIn } from '../support/pid-file.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from '../../src/bus/client.ts';
import { API } from '../../src/bus/subjects.ts';
import type { TaskStatus } from '../../src/overlord/task-view.ts';
import type { SupervisorStatus } from '../../src/supervisor/status.ts';
import { clicksSchema, countAndSum, groveWithStreams } from './streaming-support.ts';

/**
 * Streaming as a user runs it: `grove start` (every actor in one process, tasks in child
 * processes), a JetStream stream written at a steady rate, a supervisor with two replicas and a
 * short taskDuration, submitted with the CLI; one replica killed mid-task; push with the CLI.
 */
// Room for a group's two replicas, the group before it handing off, and the push supervisor's group.
const session = groveWithStreams(['--task-slots', '8']);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const dataSchema = (dataSource: string) => clicksSchema(dataSource);

function specFile(name: string, spec: unknown): string {
  const file = join(session.grove.dataDir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

/** Rows and the sum of `added` the broker answers for the days around now. */
const totals = (dataSource: string) => countAndSum(session.client, dataSource, `${new Date(Date.now() - 3 * DAY).toISOString()}/${new Date(Date.now() + 3 * DAY).toISOString()}`);

const status = (supervisorId: string): Promise<SupervisorStatus> => request<SupervisorStatus>(session.client, API.supervisorStatus, { supervisorId });

/** The pid file the indexer wrote for a task, wherever under the data directory it is. */
function pidOf(taskId: string): number | null {
  const file = (readdirSync(session.grove.dataDir, { recursive: true }) as string[]).find((f) => f.endsWith(`${taskId}.pid`));
  return file === undefined ? null : pidIn(join(session.grove.dataDir, file));
}

describe('streaming ingestion, end to end', () => {
  it('with two replicas, one killed mid-task, counts exactly the rows produced and sums exactly their values; late and early rows are thrown away', async () => {
    await (await session.actor.jetstreamManager()).streams.add({ name: 'CLICKS', subjects: ['grove.e2e.clicks.*'] });
    const encode = (row: unknown) => new TextEncoder().encode(JSON.stringify(row));
    // Outside the rejection periods: thrown away, counted as such by the first group.
    const outside = [-2 * DAY, -3 * HOUR, 2 * DAY, 3 * HOUR].map((d, i) => ({ ts: Date.now() + d, page: `outside${i}`, added: 1_000_000 }));
    for (const row of outside) await session.js.publish('grove.e2e.clicks.0', encode(row));

    const submitted = await session.grove.cli(['supervisor', 'submit', specFile('clicks', {
      type: 'nats',
      spec: {
        dataSchema: dataSchema('clicks'),
        ioConfig: { stream: 'CLICKS', inputFormat: { type: 'json' }, replicas: 2, taskDuration: 'PT5S', useEarliestSequence: true, startDelay: 'PT0S', lateMessageRejectionPeriod: 'PT1H', earlyMessageRejectionPeriod: 'PT1H' },
        tuningConfig: { maxRowsInMemory: 500, handoffConditionTimeout: 0 },
      },
    })]);
    expect(submitted.stdout.trim(), submitted.stderr).toBe('clicks');

    const N = 400;
    let produced = 0;
    let sum = 0;
    const producer = (async () => {
      for (let i = 0; i < N; i++) {
        await session.js.publish('grove.e2e.clicks.0', encode({ ts: Date.now(), page: `p${i % 37}`, added: i + 1 }));
        produced++;
        sum += i + 1;
        await new Promise((r) => setTimeout(r, 30));
      }
    })();

    // Mid-task: a replica of the group reading now is killed outright.
    let victim = '';
    await expect.poll(async () => {
      const reading = (await status('clicks')).taskGroups.find((g) => g.status === 'reading' && g.tasks.filter((t) => t.state === 'running').length === 2);
      victim = reading?.tasks[0]?.taskId ?? '';
      return victim !== '' && produced > N / 3 && pidOf(victim) !== null;
    }, { timeout: 60_000, interval: 200 }).toBe(true);
    process.kill(pidOf(victim)!, 'SIGKILL');
    await producer;

    await expect.poll(() => totals('clicks'), { timeout: 60_000, interval: 500 }).toEqual({ rows: N, added: sum });
    expect((await request<TaskStatus>(session.client, API.taskStatus, { taskId: victim })).state).toBe('failed');
    // The first group read the rows outside the periods, and threw each away once per replica.
    const first = (await request<TaskStatus[]>(session.client, API.taskList, { dataSource: 'clicks' })).filter((t) => t.state === 'succeeded').sort((a, b) => (a.createdTime < b.createdTime ? -1 : 1))[0]!;
    expect(first.rowStats?.thrownAway).toBe(outside.length);
    // Still exactly N once more groups have rolled and handed off.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await totals('clicks')).toEqual({ rows: N, added: sum });
  }, 180_000);

  it('push is exactly once: the same rows pushed twice are counted once, late rows kept', async () => {
    const submitted = await session.grove.cli(['supervisor', 'submit', specFile('pushed', { type: 'nats', spec: { dataSchema: dataSchema('pushed'), ioConfig: { push: true, taskDuration: 'PT5S', startDelay: 'PT0S' } } })]);
    expect(submitted.stdout.trim(), submitted.stderr).toBe('pushed');
    const rows = Array.from({ length: 50 }, (_, i) => ({ ts: Date.now() - (i % 2) * 2 * DAY, page: `q${i}`, added: i + 1 }));
    const file = specFile('rows', rows);
    const once = await session.grove.cli(['push', 'pushed', file]);
    expect(once.stdout.trim(), once.stderr).toBe('50 rows accepted, 0 duplicates');
    const twice = await session.grove.cli(['push', 'pushed', file]);
    expect(twice.stdout.trim(), twice.stderr).toBe('0 rows accepted, 50 duplicates');
    await expect.poll(() => totals('pushed'), { timeout: 60_000, interval: 500 }).toEqual({ rows: 50, added: (50 * 51) / 2 });
    const unknown = await session.grove.cli(['push', 'nobody', file]);
    expect(unknown.stderr).toMatch(/no push supervisor for datasource "nobody"/);
  }, 120_000);
});

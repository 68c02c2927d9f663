import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { taskArg } from '../../../src/tasks/process-protocol.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { startGrove } from '../overlord/support.ts';
import { alive, taskPid } from './support.ts';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import type { TaskStatus } from '../../../src/overlord/task-view.ts';

const g = startGrove('restart');
const dir = tempDir('restart-data');
const ID = 'ix-restart';
const workRoot = join(dir, 'work');
const started: ChildProcess[] = [];

/** Starts the indexer in a process of its own and waits until it serves. */
async function startIndexer(): Promise<ChildProcess> {
  const script = new URL('./indexer-process.ts', import.meta.url).pathname;
  const runner = new URL('./test-runner.ts', import.meta.url).href;
  const p = spawn(process.execPath, ['--import', 'tsx', script, g.natsUrl, ID, join(dir, 'deep'), workRoot, runner], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(p);
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await expect.poll(() => out, { timeout: 20_000 }).toContain('indexer ready');
  return p;
}

afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function hangingTask(id: string): unknown {
  return {
    type: 'index_parallel', id, context: { test: 'hang' },
    spec: {
      dataSchema: { dataSource: 'restarts', timestampSpec: { column: 'ts' }, dimensionsSpec: { dimensions: [] }, granularitySpec: { segmentGranularity: 'day' } },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: '{"ts":"2024-05-01T10:00:00Z"}' }, inputFormat: { type: 'json' } },
    },
  };
}

const status = (taskId: string) => request<TaskStatus>(g.clientNc, API.taskStatus, { taskId });

describe('an indexer that restarts leaves no task process behind', () => {
  it('killed with -9, its task processes exit on their own, and its next run fails the task it left', async () => {
    const first = await startIndexer();
    await request(g.clientNc, API.taskSubmit, hangingTask('left-behind'));
    const pid = await taskPid(join(workRoot, ID), 'left-behind');

    first.kill('SIGKILL');
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);

    await startIndexer();
    const ended = await status('left-behind');
    expect(ended.state).toBe('failed');
    expect(ended.error).toMatch(/indexer ix-restart restarted while the task ran|no heartbeat/);
  });

  it('a task process that did not notice its indexer go is killed when the indexer starts again', async () => {
    const last = started.at(-1)!;
    last.kill('SIGKILL');
    // A process that never turns its event loop, so never hears its indexer go, marked as a task process.
    const stuck = spawn(process.execPath, ['-e', 'for (;;) {}', '--', taskArg('stuck')], { stdio: 'ignore', detached: true });
    started.push(stuck);
    mkdirSync(join(workRoot, ID), { recursive: true });
    writeFileSync(join(workRoot, ID, 'stuck.pid'), String(stuck.pid));
    // And one that is not: same pid file shape, another command line. It must survive.
    const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', detached: true });
    started.push(bystander);
    writeFileSync(join(workRoot, ID, 'bystander.pid'), String(bystander.pid));

    await startIndexer();
    await expect.poll(() => alive(stuck.pid!), { timeout: 5000 }).toBe(false);
    expect(alive(bystander.pid!)).toBe(true);
    expect(existsSync(join(workRoot, ID, 'stuck.pid'))).toBe(false);
  });

  it('stopped cleanly, it fails the task it runs and leaves the cluster', async () => {
    const current = started.filter((p) => p.exitCode === null && p.signalCode === null && p.spawnargs.some((a) => a.endsWith('indexer-process.ts'))).at(-1)!;
    await request(g.clientNc, API.taskSubmit, hangingTask('at-shutdown'));
    const pid = await taskPid(join(workRoot, ID), 'at-shutdown');
    current.kill('SIGTERM');
    await expect.poll(() => current.exitCode, { timeout: 20_000 }).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(await status('at-shutdown')).toMatchObject({ state: 'failed', error: 'stopped: indexer ix-restart is stopping' });
    expect(g.state.servers.get(ID)?.alive).toBe(false);
  });
});

import { join } from 'node:path';
import { decode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { taskProgress } from '../../../src/bus/subjects.ts';
import { TASK_RUNNER_MODULES } from '../../../src/tasks/registry.ts';
import { writeInput } from '../../unit/ingest/support.ts';
import { alive, startIndexedGrove, taskPid } from './support.ts';

const g = startIndexedGrove('crashes', {
  capacity: 2,
  maxHeapMb: 160,
  runnerModules: { ...TASK_RUNNER_MODULES, index_parallel: new URL('./test-runner.ts', import.meta.url).href },
});

/** A small inline task; `test` makes the test runner misbehave mid-task. */
function task(dataSource: string, test?: string, id?: string): unknown {
  return {
    type: 'index_parallel',
    ...(id !== undefined ? { id } : {}),
    ...(test !== undefined ? { context: { test } } : {}),
    spec: {
      dataSchema: {
        dataSource,
        timestampSpec: { column: 'ts', format: 'iso' },
        dimensionsSpec: { dimensions: ['page'] },
        granularitySpec: { segmentGranularity: 'day', queryGranularity: 'none' },
      },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: '{"ts":"2024-05-01T10:00:00Z","page":"home"}\n' }, inputFormat: { type: 'json' } },
    },
  };
}

describe('a task that crashes fails alone; the indexer keeps serving', () => {
  it('a task process that exits mid-task fails that task, while the task beside it succeeds', async () => {
    const [crashing, healthy] = [await g.submit(task('crash-exit', 'exit')), await g.submit(task('beside-the-crash'))];
    const [crashed, succeeded] = [await g.ended(crashing), await g.ended(healthy)];
    expect(crashed.state).toBe('failed');
    expect(crashed.error).toMatch(/the task process exited with code 1 before it finished/);
    expect(succeeded.state).toBe('succeeded');
    expect(await g.publishedBy(crashing)).toEqual([]);
  });

  it('a task process that runs out of memory fails that task, naming the heap limit', async () => {
    const status = await g.ended(await g.submit(task('crash-oom', 'oom')));
    expect(status.state).toBe('failed');
    expect(status.error).toMatch(/ran out of memory: its heap is limited to 160 MiB/);
  });

  it("a runner that throws fails its task with the error's message; what it reported before reached its followers", async () => {
    const progress = g.clientNc.subscribe(taskProgress('thrower'), { max: 1 });
    await g.clientNc.flush();
    const status = await g.ended(await g.submit(task('crash-throw', 'throw', 'thrower')));
    expect(status).toMatchObject({ state: 'failed', error: 'the runner threw on purpose' });
    for await (const m of progress) expect(decode(m.data)).toEqual({ taskId: 'thrower', phase: 'reading', rowsRead: 1000, bytesRead: 50_000, rowsPerSecond: 10_000 });
    expect(progress.getProcessed()).toBe(1);
  });

  it('a canceled task that ignores its stop is killed, and its process is gone', async () => {
    const taskId = await g.submit(task('hanging', 'hang'));
    await expect.poll(async () => (await g.status(taskId)).state, { timeout: 15_000 }).toBe('running');
    const pid = await taskPid(join(g.inputs, '..', 'work', 'ix-crashes'), taskId);
    expect(alive(pid)).toBe(true);
    await g.cancel(taskId);
    expect((await g.ended(taskId)).state).toBe('canceled');
    await expect.poll(() => alive(pid), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => g.indexer.runningTasks(), { timeout: 10_000 }).toEqual([]);
  });

  it('after all that, the indexer still runs a task to success', async () => {
    const status = await g.ended(await g.submit(task('after-the-crashes')));
    expect(status).toMatchObject({ state: 'succeeded', rowStats: { processed: 1 } });
    expect(g.indexer.runningTasks()).toEqual([]);
  });
});

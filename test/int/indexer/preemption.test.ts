import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASK_RUNNER_MODULES } from '../../../src/tasks/registry.ts';
import { startIndexedGrove } from './support.ts';

const g = startIndexedGrove('preemption', {
  capacity: 2,
  runnerModules: { ...TASK_RUNNER_MODULES, index_parallel: new URL('./test-runner.ts', import.meta.url).href },
});

/** A task overwriting 2024-06-01 of `clicks` with one row; `context` as given. */
function dayTask(id: string, context: Record<string, unknown>): unknown {
  return {
    type: 'index_parallel', id, context,
    spec: {
      dataSchema: {
        dataSource: 'clicks', timestampSpec: { column: 'ts', format: 'iso' }, dimensionsSpec: { dimensions: ['page'] },
        granularitySpec: { segmentGranularity: 'day', queryGranularity: 'none', intervals: ['2024-06-01/2024-06-02'] },
      },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: `{"ts":"2024-06-01T10:00:00Z","page":"${id}"}` }, inputFormat: { type: 'json' } },
    },
  };
}

describe('a batch task whose lock a higher-priority task takes', () => {
  it('fails with lock_preempted at its publish, publishes nothing and leaves no file in deep storage', async () => {
    const releaseFile = join(g.inputs, 'release-low');
    const low = await g.submit(dayTask('low', { test: 'holdPublish', releaseFile }));
    await expect.poll(() => existsSync(`${releaseFile}.held`), { timeout: 20_000 }).toBe(true);

    const high = await g.submit(dayTask('high', { priority: 90 }));
    expect((await g.ended(high)).state).toBe('succeeded');
    writeFileSync(releaseFile, '');

    const status = await g.ended(low);
    expect(status).toMatchObject({ state: 'failed', errorCode: 'lock_preempted' });
    expect(status.error).toMatch(/lost its EXCLUSIVE lock on clicks 2024-06-01.* to task high/);
    expect(await g.publishedBy(low)).toEqual([]);
    const [winner] = await g.publishedBy(high);
    const versions = readdirSync(join(g.deep.root, 'clicks', '2024-06-01T00:00:00.000Z_2024-06-02T00:00:00.000Z'));
    expect(versions).toEqual([winner!.version]);
  });
});

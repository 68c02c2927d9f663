import { describe, expect, it } from 'vitest';
import { loadRunner, runnerModuleOf, TASK_RUNNER_MODULES, UnknownTaskTypeError } from '../../../src/tasks/registry.ts';

describe('the task runner registry', () => {
  it("finds the runner module by the task JSON's type, and the module's default export runs it", async () => {
    const module = runnerModuleOf(TASK_RUNNER_MODULES, { type: 'index_parallel' });
    expect(module).toBe(runnerModuleOf(TASK_RUNNER_MODULES, { type: 'index' }));
    expect(typeof (await loadRunner(module))).toBe('function');
  });

  it('refuses a type it has no runner for, naming the types it has', () => {
    expect(() => runnerModuleOf(TASK_RUNNER_MODULES, { type: 'index_hadoop' })).toThrow(UnknownTaskTypeError);
    expect(() => runnerModuleOf(TASK_RUNNER_MODULES, { type: 'index_hadoop' })).toThrow(/^no runner for task type "index_hadoop" \(this indexer runs (\w+, )*index, (\w+, )*index_parallel(, \w+)*\)$/);
    expect(() => runnerModuleOf(TASK_RUNNER_MODULES, { type: 'toString' })).toThrow(/no runner for task type "toString"/);
    expect(() => runnerModuleOf(TASK_RUNNER_MODULES, null)).toThrow(/no runner for task type undefined/);
  });

  it('refuses a module without a runner', async () => {
    await expect(loadRunner(new URL('../../../src/tasks/registry.ts', import.meta.url).href)).rejects.toThrow(/has no default export function/);
  });
});

import type { TaskRunner } from './task-context.ts';

/**
 * Task type → the module that runs it (its default export is a TaskRunner). Modules, not
 * functions: the indexer knows what it can run without loading any of it, and each task process
 * loads only its own runner. To add a task type, add its line here.
 */
export type RunnerModules = Readonly<Record<string, string>>;

const here = (file: string): string => new URL(file, import.meta.url).href;

export const TASK_RUNNER_MODULES: RunnerModules = {
  index: here('./index-task.ts'),
  index_parallel: here('./index-task.ts'),
  compact: here('./compact.ts'),
  kill: here('./kill.ts'),
  index_nats: here('./index-nats.ts'),
};

export class UnknownTaskTypeError extends Error {
  constructor(readonly type: unknown, known: readonly string[]) {
    super(`no runner for task type ${JSON.stringify(type)} (this indexer runs ${known.join(', ')})`);
    this.name = 'UnknownTaskTypeError';
  }
}

/** The `type` of a task JSON, or undefined when it has none. */
export function taskTypeOf(spec: unknown): unknown {
  return typeof spec === 'object' && spec !== null ? (spec as { type?: unknown }).type : undefined;
}

/** The module of the task's runner; throws UnknownTaskTypeError. */
export function runnerModuleOf(modules: RunnerModules, spec: unknown): string {
  const type = taskTypeOf(spec);
  const module = typeof type === 'string' && Object.hasOwn(modules, type) ? modules[type] : undefined;
  if (module === undefined) throw new UnknownTaskTypeError(type, Object.keys(modules).sort());
  return module;
}

export async function loadRunner(module: string): Promise<TaskRunner> {
  const runner = ((await import(module)) as { default?: unknown }).default;
  if (typeof runner !== 'function') throw new Error(`task runner module ${module} has no default export function`);
  return runner as TaskRunner;
}

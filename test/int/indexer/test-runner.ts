import indexTask from '../../../src/tasks/index-task.ts';
import type { TaskContext, TaskOutcome } from '../../../src/tasks/task-context.ts';

/**
 * A test-only runner for `index_parallel`: a task whose `context.test` names a misbehaviour does
 * that (mid-task, after reporting some progress); any other runs the real index task.
 */
export default async function misbehavingTask(ctx: TaskContext): Promise<TaskOutcome> {
  const behaviour = (ctx.spec as { context?: { test?: string } }).context?.test;
  if (behaviour === undefined) return indexTask(ctx);
  ctx.progress({ phase: 'reading', rowsRead: 1000, bytesRead: 50_000, rowsPerSecond: 10_000 });
  await new Promise((r) => setTimeout(r, 200));
  switch (behaviour) {
    case 'exit':
      process.exit(1);
    case 'oom': {
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array(1 << 20).fill(hoard.length));
    }
    case 'throw':
      throw new Error('the runner threw on purpose');
    case 'hang':
      // Ignores its abort signal: only a kill ends it.
      return new Promise(() => undefined);
    default:
      throw new Error(`unknown test behaviour ${behaviour}`);
  }
}

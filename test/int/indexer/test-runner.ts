import { existsSync, writeFileSync } from 'node:fs';
import indexTask from '../../../src/tasks/index-task.ts';
import { OverlordClient } from '../../../src/tasks/overlord-client.ts';
import type { TaskContext, TaskOutcome } from '../../../src/tasks/task-context.ts';

interface TestContext {
  /** A misbehaviour: exit, oom, throw, hang; or holdPublish (the real task, held before it publishes). */
  test?: string;
  /** holdPublish: the task writes `<releaseFile>.held` when it is ready to publish, and publishes once `releaseFile` exists. */
  releaseFile?: string;
}

/**
 * A test-only runner for `index_parallel`: a task whose `context.test` names a misbehaviour does
 * that (mid-task, after reporting some progress); any other runs the real index task.
 */
export default async function misbehavingTask(ctx: TaskContext): Promise<TaskOutcome> {
  const { test, releaseFile } = ((ctx.spec as { context?: TestContext }).context ?? {}) as TestContext;
  if (test === undefined) return indexTask(ctx);
  if (test === 'holdPublish') return indexTask({ ...ctx, overlord: new HeldBeforePublishing(ctx, releaseFile!) });
  ctx.progress({ phase: 'reading', rowsRead: 1000, bytesRead: 50_000, rowsPerSecond: 10_000 });
  await new Promise((r) => setTimeout(r, 200));
  switch (test) {
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
      throw new Error(`unknown test behaviour ${test}`);
  }
}

/** The task's overlord client, but `publishing` waits until the test releases it. */
class HeldBeforePublishing extends OverlordClient {
  constructor(ctx: TaskContext, private readonly releaseFile: string) {
    super(ctx.nc, ctx.taskId);
  }

  override async update(...args: Parameters<OverlordClient['update']>): Promise<void> {
    if (args[0] === 'publishing') {
      writeFileSync(`${this.releaseFile}.held`, '');
      while (!existsSync(this.releaseFile)) await new Promise((r) => setTimeout(r, 50));
    }
    return super.update(...args);
  }
}

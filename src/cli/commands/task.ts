import type { Command } from 'commander';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import type { TaskStatus } from '../../overlord/task-view.ts';
import { configFrom, connectFromCli, withCommonFlags, type CommonFlags } from '../options.ts';
import { formatStatus, formatTaskTable } from './task-format.ts';

interface TaskFlags extends CommonFlags {
  json?: boolean;
  dataSource?: string;
  state?: string;
  limit?: string;
}

/** Connects as `client`, makes one request, prints its result, closes. */
async function once<T>(flags: TaskFlags, subject: string, body: unknown, print: (result: T) => string): Promise<void> {
  const nc = await connectFromCli(configFrom(flags), 'client');
  try {
    const result = await request<T>(nc, subject, body);
    console.log(flags.json ? JSON.stringify(result, null, 2) : print(result));
  } finally {
    await nc.close();
  }
}

/** `grove task status|list|cancel|report`: the task API (grove.api.task.*) from the command line. */
export function taskCommand(program: Command): void {
  const task = program.command('task').description('inspect and cancel tasks (status, list, cancel, report)');

  withCommonFlags(task.command('status').description("a task's state, error and row stats").argument('<taskId>'))
    .option('--json', 'print JSON')
    .action((taskId: string, flags: TaskFlags) => once<TaskStatus>(flags, API.taskStatus, { taskId }, formatStatus));

  withCommonFlags(task.command('list').description('tasks, newest first'))
    .option('--datasource <name>', 'only tasks of this datasource')
    .option('--state <state>', 'only tasks in this state (pending, waitingForLock, running, publishing, awaitingHandoff, succeeded, failed, canceled)')
    .option('--limit <n>', 'at most this many')
    .option('--json', 'print JSON')
    .action((flags: TaskFlags & { datasource?: string }) => {
      const body = {
        ...(flags.datasource ? { dataSource: flags.datasource } : {}),
        ...(flags.state ? { state: flags.state } : {}),
        ...(flags.limit ? { limit: Number(flags.limit) } : {}),
      };
      return once<TaskStatus[]>(flags, API.taskList, body, formatTaskTable);
    });

  withCommonFlags(task.command('cancel').description('cancel a task (its indexer kills it; it publishes nothing)').argument('<taskId>'))
    .option('--json', 'print JSON')
    .action((taskId: string, flags: TaskFlags) => once<TaskStatus>(flags, API.taskCancel, { taskId }, formatStatus));

  withCommonFlags(task.command('report').description("Druid's task report (ingestionStatsAndErrors: row stats, parse errors), as JSON").argument('<taskId>'))
    .action((taskId: string, flags: TaskFlags) => once<unknown>({ ...flags, json: true }, API.taskReport, { taskId }, String));
}

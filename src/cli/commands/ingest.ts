import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { NatsConnection } from 'nats';
import { request } from '../../bus/client.ts';
import { decodeBody, formatOf } from '../../bus/codec.ts';
import { API, taskProgress } from '../../bus/subjects.ts';
import type { reportOf, TaskStatus } from '../../overlord/task-view.ts';
import { configFrom, connectFromCli, withCommonFlags, type CommonFlags } from '../options.ts';
import { ingestProgressDisplay, type IngestProgress } from './ingest-progress.ts';
import { explainRefusal, formatRowStats, TERMINAL_STATES } from './task-format.ts';

interface IngestFlags extends CommonFlags {
  wait: boolean;
  json?: boolean;
}

const POLL_MS = 500;
const PARSE_ERRORS_SHOWN = 5;

type TaskReport = ReturnType<typeof reportOf>;

/** Reads a task JSON file, saying which file and what is wrong with it. */
export function readTaskFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `grove ingest spec.json`: submits a Druid batch task, shows its progress, ends with its row stats. */
export function ingestCommand(program: Command): void {
  withCommonFlags(program.command('ingest').description('submit a Druid ingestion task (index_parallel, index) and follow it to its end'))
    .argument('<task.json>', 'the Druid task JSON, e.g. examples/wikipedia-index.json')
    .option('--no-wait', 'print the task id and return at once')
    .option('--json', 'print the final status as JSON')
    .action(async (file: string, flags: IngestFlags) => {
      const task = readTaskFile(file);
      const nc = await connectFromCli(configFrom(flags), 'client');
      try {
        const { taskId } = await request<{ taskId: string }>(nc, API.taskSubmit, task).catch((e: unknown) => {
          throw new Error(explainRefusal(e));
        });
        if (!flags.wait) {
          console.log(taskId);
          return;
        }
        process.stderr.write(`submitted task ${taskId}\n`);
        const started = performance.now();
        const status = await follow(nc, taskId);
        const report = await request<TaskReport>(nc, API.taskReport, { taskId }).catch(() => null);
        if (flags.json) console.log(JSON.stringify(status, null, 2));
        else console.log(summary(status, report, (performance.now() - started) / 1000));
        process.exitCode = status.state === 'succeeded' ? 0 : 1;
      } finally {
        await nc.close();
      }
    });
}

/** Shows the task's progress until it ends; Ctrl-C stops following, not the task. */
async function follow(nc: NatsConnection, taskId: string): Promise<TaskStatus> {
  const display = ingestProgressDisplay();
  const sub = nc.subscribe(taskProgress(taskId), {
    callback: (err, msg) => {
      if (err) return;
      try {
        display.update(decodeBody(msg.data, formatOf(msg.data, msg.headers)) as IngestProgress);
      } catch {
        // Progress is advisory: a garbled message is skipped.
      }
    },
  });
  const onSigint = (): void => {
    display.stop();
    process.stderr.write(`\nstopped following; task ${taskId} goes on (grove task cancel ${taskId} stops it)\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      const status = await request<TaskStatus>(nc, API.taskStatus, { taskId });
      if (TERMINAL_STATES.has(status.state)) return status;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    process.off('SIGINT', onSigint);
    sub.unsubscribe();
    display.stop();
  }
}

function summary(status: TaskStatus, report: TaskReport | null, seconds: number): string {
  const payload = report?.ingestionStatsAndErrors.payload;
  const lines = [`task ${status.taskId} ${status.state} in ${seconds.toFixed(1)} s${status.error ? `: ${status.error}` : ''}`];
  if (status.rowStats) lines.push(`rows: ${formatRowStats(status.rowStats)}`);
  if (payload !== undefined && status.state === 'succeeded') lines.push(`segments published: ${payload.segmentsPublished}`);
  const parseErrors = payload?.unparseableEvents.buildSegments ?? [];
  if (parseErrors.length > 0) {
    lines.push('parse errors:');
    for (const p of parseErrors.slice(0, PARSE_ERRORS_SHOWN)) lines.push(`  line ${p.lineNumber}: ${p.details.join('; ')}`);
    if (parseErrors.length > PARSE_ERRORS_SHOWN) lines.push(`  ... ${parseErrors.length - PARSE_ERRORS_SHOWN} more (grove task report ${status.taskId})`);
  }
  return lines.join('\n');
}

/**
 * A task process: one task, run by its indexer in a child process of its own so that a crash or
 * an exhausted heap ends that task alone. It waits for its `run` message, runs the task's runner,
 * sends the outcome and exits; when its indexer goes away (the IPC channel closes) it stops too,
 * so that no task outlives the indexer that answers for it.
 */
import type { NatsConnection } from 'nats';
import { connectBus } from '../bus/connection.ts';
import { isGroveError } from '../bus/errors.ts';
import { LocalDeepStorage } from '../storage/local.ts';
import { OverlordClient } from './overlord-client.ts';
import type { FromTask, RunMessage, ToTask } from './process-protocol.ts';
import { loadRunner } from './registry.ts';
import type { TaskContext, TaskOutcome, TaskProgressReport } from './task-context.ts';

const PROGRESS_EVERY_MS = 200;
/** Once stopped, how long the runner has to wind down before the process exits anyway. */
const WIND_DOWN_MS = 3000;

const controller = new AbortController();

/** Resolves once the message is handed to the channel (or at once if the indexer is gone). */
function send(m: FromTask): Promise<void> {
  if (!process.connected) return Promise.resolve();
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

/** Aborts the runner's signal; `exitCode`: exit after the wind-down even if the runner has not returned. */
function stop(reason: string, exitCode: number | null): void {
  controller.abort(new Error(`the task was stopped: ${reason}`));
  if (exitCode !== null) setTimeout(() => process.exit(exitCode), WIND_DOWN_MS).unref();
}

/** Progress at most every PROGRESS_EVERY_MS, and whenever the phase changes. */
function progressSender(): (p: TaskProgressReport) => void {
  let last = 0;
  let phase = '';
  return (p) => {
    const now = performance.now();
    if (p.phase === phase && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    phase = p.phase;
    void send({ type: 'progress', progress: { phase: p.phase, rowsRead: p.rowsRead, bytesRead: p.bytesRead, rowsPerSecond: p.rowsPerSecond, ...(p.bytesTotal !== undefined ? { bytesTotal: p.bytesTotal } : {}) } });
  };
}

/** A runner that throws fails its task with the error's message, and its API code when it has one. */
function failureOf(e: unknown): TaskOutcome {
  const message = e instanceof Error ? e.message : String(e);
  return { status: 'failed', error: message, ...(isGroveError(e) ? { code: e.code } : {}) };
}

async function run(m: RunMessage): Promise<void> {
  let nc: NatsConnection | null = null;
  let outcome: TaskOutcome;
  try {
    nc = await connectBus({ url: m.natsUrl, user: 'actor', password: m.natsPassword, name: `grove-task-${m.taskId}`, persistent: true });
    const ctx: TaskContext = {
      taskId: m.taskId,
      spec: m.spec,
      overlord: new OverlordClient(nc, m.taskId),
      deepStorage: new LocalDeepStorage(m.deepStorageDir),
      workDir: m.workDir,
      signal: controller.signal,
      progress: progressSender(),
      log: (line) => console.log(line),
      nc,
    };
    const runner = await loadRunner(m.runnerModule);
    outcome = await runner(ctx);
  } catch (e) {
    outcome = failureOf(e);
  }
  const cpu = process.cpuUsage();
  await send({ type: 'outcome', outcome, usage: { cpuMs: (cpu.user + cpu.system) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 } });
  await nc?.drain().catch(() => undefined);
  process.exit(0);
}

process.on('message', (m: ToTask) => {
  if (m.type === 'run') void run(m);
  else if (m.type === 'stop') stop(m.reason, null);
});
process.on('disconnect', () => stop('its indexer is gone', 1));

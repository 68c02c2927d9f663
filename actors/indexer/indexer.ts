import type { NatsConnection, Service } from 'nats';
import { z } from 'zod';
import { request } from '../../src/bus/client.ts';
import { encodeBody } from '../../src/bus/codec.ts';
import { GroveError, isGroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { API, heartbeat, indexer, INTERNAL, isSubjectToken, taskProgress } from '../../src/bus/subjects.ts';
import { ACTIVE_TASK_STATES } from '../../src/overlord/overlord-state.ts';
import { parseRequest } from '../../src/overlord/requests.ts';
import type { TaskStatus } from '../../src/overlord/task-view.ts';
import { OverlordClient } from '../../src/tasks/overlord-client.ts';
import { runnerModuleOf, TASK_RUNNER_MODULES, UnknownTaskTypeError, type RunnerModules } from '../../src/tasks/registry.ts';
import type { TaskOutcome, TaskProgressReport } from '../../src/tasks/task-context.ts';
import type { TaskUsage } from '../../src/tasks/process-protocol.ts';
import { ChildTask } from './child-task.ts';
import { TaskDirs } from './task-dirs.ts';

export interface IndexerOptions {
  nc: NatsConnection;
  id: string;
  /** Tasks run at once (Druid's worker capacity); default 2. */
  capacity?: number;
  natsUrl: string;
  /** The `actor` password, which each task process connects with. */
  natsPassword: string;
  /** Where deep storage is (src/storage/local.ts) and where tasks get their scratch space. */
  deepStorageDir: string;
  workRoot: string;
  /** The V8 heap limit of each task process, in MiB; default 2048. */
  maxHeapMb?: number;
  /** Task type → runner module; default TASK_RUNNER_MODULES (tests add test-only runners). */
  runnerModules?: RunnerModules;
  tier?: string;
  heartbeatMs?: number;
  /** Where the indexer and its tasks' output goes (default: the console). */
  log?: (line: string) => void;
}

const runRequest = z.object({
  taskId: z.string().refine(isSubjectToken, 'expected a task id (no ".", "*", ">" or whitespace)'),
  spec: z.record(z.string(), z.unknown(), { error: 'expected the task JSON object' }),
}).strict();
const stopRequest = z.object({ taskId: z.string().min(1), reason: z.string().default('stopped') }).strict();

interface RunningTask {
  /** Null until its process is started. */
  child: ChildTask | null;
  /** Set when a stop came before the process started. */
  stopReason: string | null;
  done: Promise<void>;
}

/**
 * The indexer (Druid's MiddleManager/Indexer): runs the tasks the overlord assigns it, each in a
 * child process, up to its capacity. It reports a task's start and end to the overlord (the task
 * itself reports publishing), relays its progress, and kills it when told to stop. It joins the
 * log as a server and beats its heart every second, so the overlord knows what it can take.
 */
export class Indexer {
  private readonly running = new Map<string, RunningTask>();
  private readonly dirs: TaskDirs;
  private readonly capacity: number;
  private readonly log: (line: string) => void;
  private service: Service | null = null;
  private beat: NodeJS.Timeout | null = null;
  private stopping = false;

  private constructor(private readonly o: IndexerOptions) {
    this.capacity = o.capacity ?? 2;
    this.dirs = new TaskDirs(o.workRoot, o.id);
    this.log = o.log ?? ((line) => console.log(line));
  }

  static async start(o: IndexerOptions): Promise<Indexer> {
    const ix = new Indexer(o);
    const killed = await ix.dirs.sweep();
    if (killed.length > 0) ix.log(`[grove] indexer ${o.id}: killed task processes left from its previous run: ${killed.join(', ')}`);
    await ix.failLeftovers();
    ix.service = await startService(o.nc, {
      kind: 'indexer',
      id: o.id,
      description: 'runs tasks in child processes',
      endpoints: {
        run: { subject: indexer.run(o.id), handler: (b) => ix.run(b) },
        stop: { subject: indexer.stop(o.id), handler: (b) => ix.stopTask(b) },
      },
    });
    // Heard from before it joins: an overlord that sees the join must not find it silent already.
    ix.sendBeat();
    ix.beat = setInterval(() => ix.sendBeat(), o.heartbeatMs ?? 1000);
    await o.nc.flush();
    await ix.append('ServerJoined', { serverId: o.id, kind: 'indexer', tier: o.tier ?? '_default_tier', capacity: ix.capacity });
    return ix;
  }

  /** Stops taking tasks, stops those it runs (each reported failed), then leaves the cluster. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.service?.stop();
    for (const [taskId] of this.running) this.stopRunning(taskId, `indexer ${this.o.id} is stopping`);
    await Promise.all([...this.running.values()].map((t) => t.done));
    await this.append('ServerLeft', { serverId: this.o.id, reason: 'stopped' }).catch((e) => this.warn('leaving the cluster', e));
    if (this.beat !== null) clearInterval(this.beat);
  }

  /** Task ids running now. */
  runningTasks(): string[] {
    return [...this.running.keys()];
  }

  // ---- grove.indexer.<id>.run / .stop ----

  private run(body: unknown): { accepted: true } {
    const { taskId, spec } = parseRequest(runRequest, body, indexer.run(this.o.id));
    if (this.running.has(taskId)) return { accepted: true };
    if (this.stopping) throw new GroveError('unavailable', `indexer ${this.o.id} is stopping`);
    if (this.running.size >= this.capacity) throw new GroveError('unavailable', `indexer ${this.o.id} is full: it runs ${this.running.size} of ${this.capacity} tasks`);
    let runnerModule: string;
    try {
      runnerModule = runnerModuleOf(this.o.runnerModules ?? TASK_RUNNER_MODULES, spec);
    } catch (e) {
      if (e instanceof UnknownTaskTypeError) throw new GroveError('invalid_spec', e.message, [{ path: 'spec.type', reason: e.message }]);
      throw e;
    }
    const task: RunningTask = { child: null, stopReason: null, done: Promise.resolve() };
    this.running.set(taskId, task);
    task.done = this.execute(taskId, spec, runnerModule, task).finally(() => this.running.delete(taskId));
    return { accepted: true };
  }

  private stopTask(body: unknown): Record<string, never> {
    const { taskId, reason } = parseRequest(stopRequest, body, indexer.stop(this.o.id));
    this.stopRunning(taskId, reason);
    return {};
  }

  private stopRunning(taskId: string, reason: string): void {
    const task = this.running.get(taskId);
    if (task === undefined) return;
    task.stopReason ??= reason;
    task.child?.stop(reason);
  }

  // ---- one task ----

  /** Started → its process runs → its end reported; the slot and scratch space are freed whatever happens. */
  private async execute(taskId: string, spec: unknown, runnerModule: string, task: RunningTask): Promise<void> {
    const overlord = new OverlordClient(this.o.nc, taskId);
    try {
      await overlord.update('started');
    } catch (e) {
      // Canceled, preempted or failed before it could start: the overlord has already ended it.
      this.warn(`starting task ${taskId}`, e);
      return;
    }
    let outcome: TaskOutcome;
    try {
      outcome = task.stopReason !== null ? { status: 'failed', error: `stopped: ${task.stopReason}` } : await this.runChild(taskId, spec, runnerModule, task);
    } catch (e) {
      outcome = { status: 'failed', error: `indexer ${this.o.id} could not run the task: ${(e as Error).message}` };
    } finally {
      await this.dirs.remove(taskId).catch((e) => this.warn(`removing the scratch space of ${taskId}`, e));
    }
    await this.report(overlord, outcome);
  }

  private async runChild(taskId: string, spec: unknown, runnerModule: string, task: RunningTask): Promise<TaskOutcome> {
    const workDir = await this.dirs.create(taskId);
    const child = new ChildTask({
      taskId, spec, runnerModule, workDir,
      deepStorageDir: this.o.deepStorageDir,
      natsUrl: this.o.natsUrl,
      natsPassword: this.o.natsPassword,
      maxHeapMb: this.o.maxHeapMb ?? 2048,
      onProgress: (p) => this.relayProgress(taskId, p),
      log: (line) => this.log(`[task ${taskId}] ${line}`),
    });
    task.child = child;
    if (child.pid !== undefined) await this.dirs.recordPid(taskId, child.pid).catch((e) => this.warn(`recording the pid of ${taskId}`, e));
    if (task.stopReason !== null) child.stop(task.stopReason);
    const started = performance.now();
    const outcome = await child.ended;
    this.log(`[grove] indexer ${this.o.id}: task ${taskId} ${outcome.status} after ${((performance.now() - started) / 1000).toFixed(1)} s${usageText(child.usage)}`);
    return outcome;
  }

  /** The task's end, to the overlord; one that already ended the task (a cancel, a revoked lock) keeps its say. */
  private async report(overlord: OverlordClient, outcome: TaskOutcome): Promise<void> {
    try {
      if (outcome.status === 'succeeded') await overlord.update('succeeded', { report: outcome.report });
      else await overlord.update('failed', { error: outcome.error, ...(outcome.code !== undefined ? { code: outcome.code } : {}), ...(outcome.report !== undefined ? { report: outcome.report } : {}) });
    } catch (e) {
      if (!isGroveError(e, 'conflict')) this.warn(`reporting the end of task ${overlord.taskId}`, e);
    }
  }

  private relayProgress(taskId: string, p: TaskProgressReport): void {
    this.o.nc.publish(taskProgress(taskId), encodeBody({ taskId, ...p }, 'msgpack'));
  }

  // ---- membership ----

  private sendBeat(): void {
    this.o.nc.publish(heartbeat('indexer', this.o.id), encodeBody({ id: this.o.id, capacity: this.capacity, running: this.runningTasks() }, 'msgpack'));
  }

  private async append(type: 'ServerJoined' | 'ServerLeft', data: unknown): Promise<void> {
    await request(this.o.nc, INTERNAL.metaAppend, { events: [{ type, data }], meta: { actor: `indexer:${this.o.id}` } });
  }

  /**
   * Tasks the overlord still sees on this indexer from a previous run (restarted before its
   * heartbeat was missed): no process of this run will finish them, so they fail now.
   */
  private async failLeftovers(): Promise<void> {
    try {
      for (const state of ACTIVE_TASK_STATES) {
        const tasks = await request<TaskStatus[]>(this.o.nc, API.taskList, { state, limit: 10_000 }, { timeoutMs: 5000 });
        for (const t of tasks.filter((x) => x.indexerId === this.o.id)) {
          await this.report(new OverlordClient(this.o.nc, t.taskId), { status: 'failed', error: `indexer ${this.o.id} restarted while the task ran` });
        }
      }
    } catch (e) {
      this.warn('failing the tasks of its previous run', e);
    }
  }

  private warn(what: string, e: unknown): void {
    this.log(`[grove] indexer ${this.o.id}: ${what}: ${(e as Error)?.message ?? String(e)}`);
  }
}

const usageText = (u: TaskUsage | null): string => (u === null ? '' : ` (CPU ${(u.cpuMs / 1000).toFixed(1)} s, peak RSS ${(u.maxRssBytes / 2 ** 20).toFixed(0)} MiB)`);

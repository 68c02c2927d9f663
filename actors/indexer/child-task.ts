import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { TASK_PROCESS_ENTRY, taskArg, type FromTask, type RunMessage, type TaskUsage, type ToTask } from '../../src/tasks/process-protocol.ts';
import type { TaskOutcome, TaskProgressReport } from '../../src/tasks/task-context.ts';

/** tsx's loader, by absolute URL: the task process keeps the indexer's working directory (specs' relative paths). */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** How long a stopped task has to exit on its own before it is killed. */
const STOP_GRACE_MS = 5000;
/** Lines of the task's stderr kept to explain a crash. */
const STDERR_LINES_KEPT = 20;

export interface ChildTaskOptions extends Omit<RunMessage, 'type'> {
  /** The task's V8 heap limit (`--max-old-space-size`), in MiB. */
  maxHeapMb: number;
  onProgress(p: TaskProgressReport): void;
  /** Each line the task prints. */
  log(line: string): void;
}

/**
 * One task in a child process (src/tasks/task-process.ts), seen from its indexer: `ended`
 * resolves with its outcome, whatever happens to the process — a crash, a heap exhausted, a kill —
 * so that one task's end can never be the indexer's.
 */
export class ChildTask {
  readonly ended: Promise<TaskOutcome>;
  private readonly child: ChildProcess;
  private outcome: TaskOutcome | null = null;
  /** What the process used, when it lived to say (a crashed one does not). */
  usage: TaskUsage | null = null;
  private stopReason: string | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private readonly stderrTail: string[] = [];

  constructor(private readonly o: ChildTaskOptions) {
    this.child = spawn(process.execPath, ['--import', TSX_LOADER, `--max-old-space-size=${o.maxHeapMb}`, TASK_PROCESS_ENTRY, taskArg(o.taskId)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a Ctrl-C meant for the indexer reaches the task through the indexer's stop.
      detached: true,
    });
    this.forwardLines(this.child.stdout!, false);
    this.forwardLines(this.child.stderr!, true);
    this.child.on('message', (m: FromTask) => this.onMessage(m));
    this.ended = new Promise((resolve) => {
      // Other errors (a failed kill or send) leave the process to end as it will.
      this.child.on('error', (e) => {
        if (this.child.pid === undefined) resolve(this.failed(`the task process could not start: ${e.message}`));
      });
      this.child.once('close', (code, signal) => resolve(this.finalOutcome(code, signal)));
    });
    const { maxHeapMb: _h, onProgress: _p, log: _l, ...run } = o;
    this.send({ type: 'run', ...run });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Asks the task to stop, and kills it if it has not exited within the grace period. */
  stop(reason: string): void {
    if (this.stopReason !== null || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.stopReason = reason;
    this.send({ type: 'stop', reason });
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
  }

  private send(m: ToTask): void {
    if (this.child.connected) this.child.send(m);
  }

  private onMessage(m: FromTask): void {
    if (m.type === 'progress') this.o.onProgress(m.progress);
    else if (m.type === 'outcome') {
      this.outcome = m.outcome;
      this.usage = m.usage;
    }
  }

  private forwardLines(stream: Readable, isStderr: boolean): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (isStderr) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > STDERR_LINES_KEPT) this.stderrTail.shift();
      }
      this.o.log(line);
    });
  }

  private finalOutcome(code: number | null, signal: NodeJS.Signals | null): TaskOutcome {
    if (this.killTimer !== null) clearTimeout(this.killTimer);
    if (this.outcome?.status === 'succeeded') return this.outcome;
    if (this.stopReason !== null) return this.failed(`stopped: ${this.stopReason}`, this.outcome);
    if (this.outcome !== null) return this.outcome;
    return this.failed(this.crashReason(code, signal));
  }

  private crashReason(code: number | null, signal: NodeJS.Signals | null): string {
    const tail = this.stderrTail.join('\n');
    if (/heap out of memory|Reached heap limit/i.test(tail)) {
      return `the task process ran out of memory: its heap is limited to ${this.o.maxHeapMb} MiB (GROVE_TASK_HEAP_MB)`;
    }
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const last = this.stderrTail.filter((l) => l.trim() !== '').slice(-3).join(' | ');
    return `the task process ${how} before it finished${last ? `: ${last}` : ''}`;
  }

  private failed(error: string, prior?: TaskOutcome | null): TaskOutcome {
    const report = prior?.status === 'failed' ? prior.report : undefined;
    return { status: 'failed', error, ...(report !== undefined ? { report } : {}) };
  }
}

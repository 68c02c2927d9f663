import { randomBytes, randomUUID } from 'node:crypto';
import type { NatsConnection, Service, Subscription } from 'nats';
import { request } from '../../src/bus/client.ts';
import { decodeBody, formatOf } from '../../src/bus/codec.ts';
import { GroveError, isGroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { API, indexer, taskProgress } from '../../src/bus/subjects.ts';
import type { LogRecord } from '../../src/log/record.ts';
import type { Decision } from '../../src/overlord/decision.ts';
import { decideHandoffCompletion, decideHandoffTimeout, waitingHandoffs } from '../../src/overlord/handoff.ts';
import { decideIndexerLoss } from '../../src/overlord/indexer-loss.ts';
import type { LockView } from '../../src/overlord/lock-index.ts';
import { decideLock, decideRetry, decideTimeout, DEFAULT_LOCK_TIMEOUT_MS, type Grant } from '../../src/overlord/lockbox.ts';
import { isActive, OverlordState, type TaskView } from '../../src/overlord/overlord-state.ts';
import { decideEnding, type TaskEnding } from '../../src/overlord/task-ending.ts';
import { decideAssignment, nextStep, pickIndexer } from '../../src/overlord/task-queue.ts';
import { readTask, type SubmittedTask, type UpfrontLock } from '../../src/overlord/task-submission.ts';
import type { TaskProgress } from '../../src/overlord/task-view.ts';
import { ClusterState, type EntityChange } from '../../src/projections/cluster-state.ts';
import { LogFollower } from '../../src/projections/log-follower.ts';
import { stateName, type EntitySnapshot } from '../../src/projections/machine-fold.ts';
import { CommandQueue } from './command-queue.ts';
import { Deadlines } from './deadlines.ts';
import { overlordEndpoints } from './endpoints.ts';
import { IndexerHeartbeats } from './heartbeats.ts';

export interface OverlordOptions {
  nc: NatsConnection;
  id: string;
  /** The wall clock versions and deadlines are taken from (tests step it back). */
  now?: () => number;
  /** An indexer silent this long is lost: its tasks fail (default 10 s; indexers beat every second). */
  heartbeatTimeoutMs?: number;
  /** How long a realtime task waits for a historical to load what it published (default 15 min). */
  handoffTimeoutMs?: number;
  /** How long an indexer may take to accept a task (default 10 s). */
  runTimeoutMs?: number;
}

interface Waiter {
  resolve(g: Grant): void;
  reject(e: GroveError): void;
}

/** How soon a handoff timeout that could not be appended is tried again. */
const HANDOFF_RETRY_MS = 1000;

/** The task JSON as submitted, and what the overlord read of it. */
export interface KnownTask {
  json: unknown;
  task: SubmittedTask;
}

/**
 * The overlord (Druid's): accepts tasks and hands them to indexers with free capacity, keeps the
 * lockbox, allocates segment ids and publishes segments. It decides on its own fold of the log
 * (pure deciders in src/overlord), one command at a time per datasource (see CommandQueue), and
 * appends through the metastore; the timeouts machines cannot have (a waiting lock, a handoff, a
 * silent indexer) are its timers, whose facts land in the log like any other. One overlord leads:
 * a second one would share the requests of the first (queue groups) but not its decisions.
 */
export class Overlord {
  readonly cluster = new ClusterState();
  state!: OverlordState;
  queue!: CommandQueue;
  readonly now: () => number;
  readonly handoffTimeoutMs: number;
  private readonly runTimeoutMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly follower: LogFollower;
  private readonly heartbeats: IndexerHeartbeats;
  private readonly lockDeadlines: Deadlines;
  private readonly handoffDeadlines: Deadlines;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly known = new Map<string, KnownTask>();
  readonly progress = new Map<string, TaskProgress>();
  private readonly retrying = new Set<string>();
  private assigning = false;
  private service: Service | null = null;
  private progressSub: Subscription | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(readonly o: OverlordOptions) {
    this.now = o.now ?? Date.now;
    this.heartbeatTimeoutMs = o.heartbeatTimeoutMs ?? 10_000;
    this.handoffTimeoutMs = o.handoffTimeoutMs ?? 15 * 60_000;
    this.runTimeoutMs = o.runTimeoutMs ?? 10_000;
    this.follower = new LogFollower(o.nc, this.cluster, { checkEveryMs: 500 });
    this.heartbeats = new IndexerHeartbeats(this.cluster, this.heartbeatTimeoutMs);
    this.lockDeadlines = new Deadlines(this.now);
    this.handoffDeadlines = new Deadlines(this.now);
  }

  static async start(o: OverlordOptions): Promise<Overlord> {
    const ov = new Overlord(o);
    await ov.follower.start();
    // Same tick as the catch-up's end: the indexes see every record from here on.
    ov.state = new OverlordState(ov.cluster);
    ov.queue = new CommandQueue(o.nc, ov.cluster, ov.follower, `overlord:${o.id}`);
    ov.cluster.onChange((c) => ov.onEntityChange(c));
    ov.follower.onRecord((r) => ov.onRecord(r));
    for (const l of ov.state.locks.waitingRequests()) ov.armLock(l);
    for (const h of waitingHandoffs(ov.state)) ov.armHandoff(h.segmentId, h.deadline);
    ov.heartbeats.start(o.nc, () => ov.assignSoon());
    ov.progressSub = ov.followProgress();
    ov.service = await startService(o.nc, { kind: 'overlord', id: o.id, description: 'tasks, locks, segment allocation and publishing', endpoints: overlordEndpoints(ov) });
    // Started means answering: the server has the subscriptions before anyone is told.
    await o.nc.flush();
    ov.checkTimer = setInterval(() => ov.tick(), Math.max(50, Math.floor(ov.heartbeatTimeoutMs / 4)));
    ov.checkTimer.unref();
    ov.tick();
    return ov;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    await this.service?.stop();
    this.progressSub?.unsubscribe();
    this.heartbeats.stop();
    this.lockDeadlines.stop();
    this.handoffDeadlines.stop();
    await this.queue.run(async () => undefined);
    this.follower.stop();
    this.queue.close();
    for (const [, ws] of this.waiters) for (const w of ws) w.reject(new GroveError('unavailable', 'the overlord stopped; ask again'));
    this.waiters.clear();
  }

  // ---- commands ----

  /**
   * Decides and appends one command in the queue, in the line of `dataSource` if it concerns only
   * that one; a task found preempted is failed on the way.
   */
  command<R>(decide: () => Decision<R> | null, dataSource?: string): Promise<R | null> {
    return this.queue.run(() => this.failingPreempted(() => this.queue.commit(decide)), dataSource);
  }

  /** The line of a task's commands: its datasource's (undefined, the wide one, for an unknown task). */
  laneOf(taskId: string): string | undefined {
    return this.state.task(taskId)?.dataSource;
  }

  /**
   * A revoked task learns of it at its next call: the call fails with `lock_preempted`, and the
   * task fails with it, its locks released and its unpublished segments abandoned. Call in the queue.
   */
  async failingPreempted<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (isGroveError(e, 'lock_preempted')) {
        const { taskId } = e.details as { taskId: string };
        await this.queue.commit(() => decideEnding(this.state, taskId, { kind: 'failed', code: 'lock_preempted', error: e.message }));
      }
      throw e;
    }
  }

  newLockId(): string {
    return `lock_${randomUUID()}`;
  }

  newTaskRandom(): string {
    return randomBytes(4).toString('hex');
  }

  remember(known: KnownTask): void {
    this.known.set(known.task.taskId, known);
  }

  /** Resolves when the waiting lock is granted; rejects when it is rejected or released. */
  waitForLock(lockId: string): Promise<Grant> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(lockId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(lockId, list);
      const lock = this.state.locks.get(lockId);
      if (lock !== undefined && lock.state !== 'requested') this.settleWaiters(lock);
    });
  }

  /** Asks the indexer to stop a task (cancel); it may already be gone, which is fine. */
  stopOnIndexer(task: TaskView, reason: string): void {
    if (task.indexerId === null) return;
    request(this.o.nc, indexer.stop(task.indexerId), { taskId: task.taskId, reason }, { timeoutMs: this.runTimeoutMs }).catch(() => undefined);
  }

  // ---- reacting to the log ----

  /** What a fact may have made possible: a waiting lock grantable, a queued task assignable. */
  private onRecord(r: LogRecord): void {
    switch (r.type) {
      case 'LockReleased':
      case 'LockRevoked':
      case 'LockRejected':
      case 'LockGranted': {
        const lock = this.state.locks.get((r.data as { lockId: string }).lockId);
        if (lock === undefined) return;
        if (r.type !== 'LockGranted') this.retryLocksSoon(lock.dataSource);
        if (this.state.task(lock.taskId)?.indexerId === null) this.assignSoon();
        return;
      }
      case 'TaskSubmitted':
      case 'TaskSucceeded':
      case 'TaskFailed':
      case 'TaskCanceled':
      case 'ServerJoined':
      case 'ServerLeft':
        this.assignSoon();
        if (r.type === 'ServerLeft') this.checkIndexersSoon();
        return;
      default:
    }
  }

  private onEntityChange(c: EntityChange): void {
    if (c.after === null) return;
    if (c.kind === 'lock') {
      const lock = this.state.locks.get(c.id);
      if (lock === undefined) return;
      if (lock.state === 'requested') this.armLock(lock);
      else {
        this.lockDeadlines.cancel(lock.lockId);
        this.settleWaiters(lock);
      }
    } else if (c.kind === 'handoff') {
      const h = c.after as EntitySnapshot<'handoff'>;
      if (stateName(h.value) !== 'waiting' || h.context.deadline === null) this.handoffDeadlines.cancel(c.id);
      else {
        this.armHandoff(c.id, h.context.deadline);
        // A historical may have loaded the segment before the task started waiting for it.
        this.completeHandoffSoon(c.id, h.context.dataSource);
      }
    } else if (c.kind === 'segment' && this.cluster.stateOf('handoff', c.id) === 'waiting') {
      this.completeHandoffSoon(c.id, (c.after as EntitySnapshot<'segment'>).context.dataSource);
    } else if (c.kind === 'task' && !isActive(stateName(c.after.value))) {
      this.progress.delete(c.id);
      this.known.delete(c.id);
    }
  }

  private settleWaiters(lock: LockView): void {
    const list = this.waiters.get(lock.lockId);
    if (list === undefined) return;
    this.waiters.delete(lock.lockId);
    for (const w of list) {
      if (lock.state === 'granted') w.resolve({ lockId: lock.lockId, version: lock.version! });
      else if (lock.state === 'rejected') w.reject(new GroveError('timeout', `${this.cluster.entity('lock', lock.lockId)?.context.reason ?? 'the lock was not granted in time'}`, { lockId: lock.lockId }));
      else w.reject(new GroveError('conflict', `lock ${lock.lockId} was ${lock.state} before it was granted: ${this.cluster.entity('lock', lock.lockId)?.context.reason ?? ''}`, { lockId: lock.lockId }));
    }
  }

  private armLock(l: LockView): void {
    if (this.lockDeadlines.has(l.lockId)) return;
    this.lockDeadlines.arm(l.lockId, l.deadline, () => {
      // Rejecting a waiting up-front lock ends its task too: that reaches past the datasource.
      this.queue.run(() => this.queue.commit(() => decideTimeout(this.state, l.lockId, this.now()))).then(
        (r) => (r === null && this.state.locks.get(l.lockId)?.state === 'requested' ? this.armLock(this.state.locks.get(l.lockId)!) : undefined),
        (e) => this.warn(`timing out lock ${l.lockId}`, e),
      );
    });
  }

  private completeHandoffSoon(segmentId: string, dataSource: string): void {
    this.background('completing a handoff', () => this.queue.commit(() => decideHandoffCompletion(this.state, segmentId)), dataSource);
  }

  private armHandoff(segmentId: string, deadline: number): void {
    this.handoffDeadlines.arm(segmentId, deadline, () => {
      this.command(() => decideHandoffTimeout(this.state, segmentId, this.now())).catch((e) => {
        this.warn(`timing out the handoff of ${segmentId}`, e);
        // A task waits on this fact: try again while the handoff is still waiting.
        if (!this.stopped && this.cluster.stateOf('handoff', segmentId) === 'waiting') this.armHandoff(segmentId, this.now() + HANDOFF_RETRY_MS);
      });
    });
  }

  /** Runs `f` in the queue (in a datasource's line if given), reporting rather than throwing. */
  private background(what: string, f: () => Promise<unknown>, dataSource?: string): void {
    if (this.stopped) return;
    this.queue.run(f, dataSource).catch((e) => this.warn(what, e));
  }

  /** The periodic look at what the clock alone changes: silent indexers; and a safety net for the rest. */
  private tick(): void {
    this.checkIndexersSoon();
    for (const ds of this.state.locks.dataSourcesWaiting()) this.retryLocksSoon(ds);
    if (this.state.unassignedTasks().length > 0) this.assignSoon();
  }

  private checkIndexersSoon(): void {
    if (this.lostIndexers().length === 0) return;
    // Looked at again in the queue: one that spoke up meanwhile is not lost.
    this.background('losing indexers', async () => {
      for (const { id, reason } of this.lostIndexers()) await this.queue.commit(() => decideIndexerLoss(this.state, id, reason));
    });
  }

  /** Indexers that went silent, and indexers that left with tasks still on them. */
  private lostIndexers(): Array<{ id: string; reason: string }> {
    const silent = this.heartbeats.silent().map(({ id, silentMs }) => ({ id, reason: `no heartbeat for ${silentMs} ms` }));
    const left = [...this.cluster.servers.values()]
      .filter((s) => s.kind === 'indexer' && !s.alive && this.state.activeTasksOn(s.serverId).length > 0)
      .map((s) => ({ id: s.serverId, reason: 'it left the cluster' }));
    return [...silent, ...left];
  }

  /** Tries the datasource's waiting requests again, most urgent first, once per burst of facts. */
  private retryLocksSoon(dataSource: string): void {
    if (this.retrying.has(dataSource) || this.state.locks.waitingRequests(dataSource).length === 0) return;
    this.retrying.add(dataSource);
    this.background('granting waiting locks', async () => {
      this.retrying.delete(dataSource);
      for (const waiting of this.state.locks.waitingRequests(dataSource)) {
        await this.queue.commit(() => {
          const now = this.state.locks.get(waiting.lockId);
          return now === undefined ? null : decideRetry(this.state, now, this.now());
        });
      }
    }, dataSource);
  }

  /** Runs the task queue once more, unless a run is already waiting to start. */
  private assignSoon(): void {
    if (this.assigning) return;
    this.assigning = true;
    this.background('assigning tasks', () => {
      this.assigning = false;
      return this.assignTasks();
    });
  }

  /**
   * Druid's TaskQueue: every queued task asks for its up-front locks (whatever room indexers
   * have), and one that holds them all goes to the indexer with the most room.
   */
  private async assignTasks(): Promise<void> {
    for (const task of this.state.unassignedTasks()) {
      try {
        await this.advance(task);
      } catch (e) {
        if (!isGroveError(e, 'lock_preempted')) this.warn(`queueing task ${task.taskId}`, e);
      }
    }
  }

  private async advance(task: TaskView): Promise<void> {
    const known = await this.knownTask(task);
    if (known === null) return;
    for (let tries = 0; tries <= known.task.locks.length; tries++) {
      const now = this.state.task(task.taskId);
      if (now === null || now.indexerId !== null || !isActive(now.state)) return;
      const step = nextStep(this.state, now, known.task.locks);
      if (step.kind === 'wait') return;
      if (step.kind === 'lock') {
        await this.lockUpfront(task, step.lock, known.task);
        continue;
      }
      const indexerId = pickIndexer(this.state, this.heartbeats.slots());
      if (indexerId === null) return;
      await this.queue.commit(() => decideAssignment(this.state, task.taskId, indexerId));
      this.runOn(indexerId, task.taskId, known.json);
      return;
    }
  }

  private async lockUpfront(task: TaskView, lock: UpfrontLock, submitted: SubmittedTask): Promise<void> {
    const timeoutMs = typeof submitted.context.taskLockTimeout === 'number' ? submitted.context.taskLockTimeout : DEFAULT_LOCK_TIMEOUT_MS;
    await this.failingPreempted(() => this.queue.commit(() => {
      const d = decideLock(this.state, { taskId: task.taskId, interval: lock.interval, lockType: lock.lockType, timeoutMs }, this.now(), this.newLockId());
      return d.kind === 'granted' || d.kind === 'waiting' ? d.decision : null;
    }));
  }

  /** Hands the task over; an indexer that does not take it fails the task. */
  private runOn(indexerId: string, taskId: string, spec: unknown): void {
    request(this.o.nc, indexer.run(indexerId), { taskId, spec }, { timeoutMs: this.runTimeoutMs }).catch((e: Error) => {
      const ending: TaskEnding = { kind: 'failed', code: 'unavailable', error: `indexer ${indexerId} did not take the task: ${e.message}` };
      this.command(() => {
        const t = this.state.task(taskId);
        return t !== null && t.indexerId === indexerId && (t.state === 'pending' || t.state === 'waitingForLock') ? decideEnding(this.state, taskId, ending) : null;
      }).catch((err) => this.warn(`failing task ${taskId}`, err));
    });
  }

  /** The task JSON as submitted: remembered, or read back from the log after a restart. */
  private async knownTask(task: TaskView): Promise<KnownTask | null> {
    const cached = this.known.get(task.taskId);
    if (cached !== undefined) return cached;
    const [submitted] = await request<LogRecord<string, { spec: unknown }>[]>(this.o.nc, API.logRead, { aggregate: `task:${task.taskId}`, type: 'TaskSubmitted', limit: 1 });
    try {
      const read = readTask(submitted?.data.spec, task.submittedAt, '');
      const known = { json: submitted!.data.spec, task: { ...read, taskId: task.taskId } };
      this.remember(known);
      return known;
    } catch (e) {
      await this.queue.commit(() => decideEnding(this.state, task.taskId, { kind: 'failed', code: 'invalid_spec', error: `its task JSON cannot be read back: ${(e as Error).message}` }));
      return null;
    }
  }

  private followProgress(): Subscription {
    return this.o.nc.subscribe(taskProgress('*'), {
      callback: (err, msg) => {
        if (err) return;
        try {
          const p = decodeBody(msg.data, formatOf(msg.data, msg.headers)) as TaskProgress & { taskId?: unknown };
          if (typeof p.taskId === 'string' && isActive(this.cluster.stateOf('task', p.taskId))) {
            this.progress.set(p.taskId, { rowsRead: Number(p.rowsRead) || 0, bytesRead: Number(p.bytesRead) || 0, rowsPerSecond: Number(p.rowsPerSecond) || 0, phase: String(p.phase ?? '') });
          }
        } catch {
          // Progress is advisory: a garbled message is dropped.
        }
      },
    });
  }

  private warn(what: string, e: unknown): void {
    if (!this.stopped) console.error(`[grove] overlord ${this.o.id}: ${what}: ${(e as Error)?.message ?? String(e)}`);
  }
}

import { randomBytes } from 'node:crypto';
import type { JetStreamManager, NatsConnection, Service } from 'nats';
import type { SupervisorContext } from '../../machines/supervisor/machine.ts';
import { request } from '../../src/bus/client.ts';
import { isGroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { API, INTERNAL, streamingTask } from '../../src/bus/subjects.ts';
import type { NewEvent } from '../../src/events/catalog.ts';
import type { Expectation } from '../../src/events/expectations.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import { LogFollower } from '../../src/projections/log-follower.ts';
import { stateName } from '../../src/projections/machine-fold.ts';
import { parseSupervisorSpec, type SupervisorSpec } from '../../src/spec/supervisor-spec.ts';
import type { SupervisorNow } from '../../src/supervisor/commands.ts';
import { endOffsets, taskGroupOf } from '../../src/supervisor/partitions.ts';
import { nextStep, type GroupTask, type PlannerInput, type Step, type StreamView } from '../../src/supervisor/planner.ts';
import { idToken, replicaTaskId, streamingTaskJson } from '../../src/supervisor/task-json.ts';
import type { FinishRequest, OffsetsRequest, PartitionOffsets, TaskOffsetsReply } from '../../src/streaming/task-protocol.ts';
import { Appender } from '../../src/projections/appender.ts';
import { untilMetastoreAnswers } from '../coordinator/metastore-wait.ts';
import { supervisorEndpoints } from './endpoints.ts';
import { readStream, StreamUnavailable } from './stream.ts';

export interface SupervisorActorOptions {
  nc: NatsConnection;
  id: string;
  now?: () => number;
  /** How often it looks again without being told: rolls, timeouts, new partitions (default 1 s). */
  tickMs?: number;
  /** How long a task may take to answer `offsets` or `finish` (default 5 s). */
  taskTimeoutMs?: number;
  /** How long the stream's partitions and bounds are trusted before they are read again (default 1 s). */
  streamTtlMs?: number;
}

/** A pass makes at most this many steps; the next tick goes on (a guard against a step that never lands). */
const MAX_STEPS = 100;
const ENDED = new Set(['succeeded', 'failed', 'canceled']);
const STATUS_TIMEOUT_MS = 1000;

/**
 * The streaming supervisors (Druid's SupervisorManager with its SeekableStreamSupervisors): one
 * actor runs them all. It folds the log (supervisors, tasks, committed offsets); for each
 * supervisor, one at a time, a pass asks the pure planner (src/supervisor/planner.ts) for the next
 * step, does it (appends, submits tasks to the overlord, talks to the tasks over the streaming
 * contract), waits for its facts to come back, and asks again. Everything it needs is in the log
 * or the tasks, so a restarted supervisor takes up its groups where they are. One supervisor actor
 * leads, as one overlord does: a second would share the API requests (queue groups) but would also
 * run passes of its own and launch groups twice.
 */
export class SupervisorActor {
  readonly cluster = new ClusterState();
  readonly appender: Appender;
  readonly now: () => number;
  readonly jsm: JetStreamManager;
  private readonly follower: LogFollower;
  private readonly tasksByGroup = new Map<string, Map<string, string>>();
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly queued = new Set<string>();
  private readonly specs = new Map<string, { submittedAt: number; spec: SupervisorSpec }>();
  private readonly streams = new Map<string, { at: number; view: StreamView }>();
  /** Tasks that took their group's end: not told again. */
  private readonly finishing = new Set<string>();
  private service: Service | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(readonly o: SupervisorActorOptions, jsm: JetStreamManager) {
    this.now = o.now ?? Date.now;
    this.jsm = jsm;
    this.follower = new LogFollower(o.nc, this.cluster);
    this.appender = new Appender(o.nc, this.cluster, this.follower, `supervisor:${o.id}`);
  }

  static async start(o: SupervisorActorOptions): Promise<SupervisorActor> {
    const s = new SupervisorActor(o, await o.nc.jetstreamManager());
    await untilMetastoreAnswers(o.nc, `supervisor ${o.id}`);
    s.cluster.onChange((c) => {
      if (c.kind === 'task' && c.after !== null) s.noteTask(c.id, (c.after.context as { groupId: string }).groupId, stateName(c.after.value));
    });
    s.follower.onRecord((r) => s.onRecord(r));
    await s.follower.start();
    for (const [id, t] of s.cluster.entitiesOf('task')) s.noteTask(id, t.context.groupId, stateName(t.value));
    s.service = await startService(o.nc, { kind: 'supervisor', id: o.id, description: 'keeps streaming tasks reading JetStream streams', endpoints: supervisorEndpoints(s) });
    await o.nc.flush();
    s.timer = setInterval(() => s.kickAll(), o.tickMs ?? 1000);
    s.timer.unref();
    s.kickAll();
    return s;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.service?.stop().catch(() => undefined);
    this.follower.stop();
    this.appender.close();
    await Promise.all([...this.lanes.values()].map((l) => l.catch(() => undefined)));
  }

  // ---- what the log says ----

  supervisor(id: string): SupervisorNow {
    const snap = this.cluster.entity('supervisor', id);
    return { id, state: this.cluster.stateOf('supervisor', id), context: snap?.context ?? null };
  }

  /** The supervisor's spec as last submitted, read once per submission. */
  specOf(id: string, context: SupervisorContext): SupervisorSpec {
    const cached = this.specs.get(id);
    if (cached !== undefined && cached.submittedAt === context.submittedAt) return cached.spec;
    const spec = parseSupervisorSpec(context.spec);
    this.specs.set(id, { submittedAt: context.submittedAt!, spec });
    return spec;
  }

  tasksOf(groupId: string): GroupTask[] {
    return [...(this.tasksByGroup.get(groupId) ?? [])].map(([taskId, state]) => ({ taskId, state }));
  }

  committedOf(spec: SupervisorSpec): PartitionOffsets | null {
    return this.cluster.committedOffsets(spec.dataSource, spec.ioConfig.stream);
  }

  /** Supervisors with something to look after: not terminated, or still winding groups down. */
  supervisorIds(): string[] {
    return [...this.cluster.entitiesOf('supervisor')].filter(([, s]) => stateName(s.value) !== 'stopped' || s.context.groups.length > 0).map(([id]) => id);
  }

  private noteTask(taskId: string, groupId: string, state: string): void {
    let tasks = this.tasksByGroup.get(groupId);
    if (tasks === undefined) this.tasksByGroup.set(groupId, (tasks = new Map()));
    tasks.set(taskId, state);
  }

  private onRecord(r: LogRecord): void {
    const data = r.data as { supervisorId?: string };
    if (data.supervisorId !== undefined) this.kick(data.supervisorId);
    else if (['TaskStarted', 'TaskSucceeded', 'TaskFailed', 'TaskCanceled', 'SegmentsPublished', 'DataSourceMetadataReset'].includes(r.type)) this.kickAll();
  }

  // ---- one supervisor at a time ----

  /** Runs `f` after everything queued for the supervisor: API commands and passes decide one at a time. */
  inLane<T>(id: string, f: () => Promise<T>): Promise<T> {
    const next = (this.lanes.get(id) ?? Promise.resolve()).then(f, f);
    const settled = next.catch(() => undefined);
    this.lanes.set(id, settled);
    void settled.then(() => {
      if (this.lanes.get(id) === settled) this.lanes.delete(id);
    });
    return next;
  }

  kickAll(): void {
    for (const id of this.supervisorIds()) this.kick(id);
  }

  kick(id: string): void {
    if (this.stopped || this.queued.has(id)) return;
    this.queued.add(id);
    void this.inLane(id, async () => {
      this.queued.delete(id);
      if (!this.stopped) await this.pass(id);
    }).catch((e) => this.warn(`supervisor ${id}`, e));
  }

  /** Steps until the planner has nothing more to do, then tells publishing replicas where to end. */
  private async pass(id: string): Promise<void> {
    const deferred = new Set<string>();
    for (let i = 0; i < MAX_STEPS && !this.stopped; i++) {
      const input = await this.plannerInput(id, deferred);
      if (input === null) return;
      const step = nextStep(input);
      if (step === null) break;
      await this.execute(id, step, input, deferred);
    }
    await this.tellPublishingReplicas(id);
  }

  private async plannerInput(id: string, deferred: ReadonlySet<string>): Promise<PlannerInput | null> {
    const { state, context } = this.supervisor(id);
    if (context === null || context.submittedAt === null) return null;
    const spec = this.specOf(id, context);
    const stream = await this.streamOf(id, state, spec);
    // Health changed: the fold has the new state when asked again.
    if (stream === undefined) return this.plannerInput(id, deferred);
    return { state: this.cluster.stateOf('supervisor', id), context: this.supervisor(id).context!, spec, tasksOf: (g) => this.tasksOf(g), committed: this.committedOf(spec), stream, now: this.now(), deferred };
  }

  /**
   * The stream's partitions and bounds (read again once a second). A stream that cannot be read
   * makes a moving supervisor unhealthy, and one read again makes it healthy: `undefined` says the
   * state just changed.
   */
  private async streamOf(id: string, state: string, spec: SupervisorSpec): Promise<StreamView | null | undefined> {
    const cached = this.streams.get(id);
    if (cached !== undefined && this.now() - cached.at < (this.o.streamTtlMs ?? 1000) && state !== 'unhealthy') return cached.view;
    try {
      const view = await readStream(this.jsm, spec.ioConfig.stream, spec.ioConfig.subjectPrefix!);
      this.streams.set(id, { at: this.now(), view });
      if (state !== 'unhealthy') return view;
      await this.append([{ type: 'SupervisorHealthy', data: { supervisorId: id } }], [{ type: 'state', kind: 'supervisor', id, in: ['unhealthy'] }]);
      return undefined;
    } catch (e) {
      if (!(e instanceof StreamUnavailable)) throw e;
      this.streams.delete(id);
      if (state !== 'running' && state !== 'publishing') return null;
      await this.append([{ type: 'SupervisorUnhealthy', data: { supervisorId: id, reason: e.message } }], [{ type: 'state', kind: 'supervisor', id, in: [state] }]);
      return undefined;
    }
  }

  private async execute(id: string, step: Step, input: PlannerInput, deferred: Set<string>): Promise<void> {
    switch (step.kind) {
      case 'roll':
        return this.roll(id, step.groupId, input, deferred);
      case 'complete':
        await this.cancelTasks(step.cancel, 'another replica of its group published');
        await this.append([{ type: 'TaskGroupCompleted', data: { supervisorId: id, groupId: step.groupId } }]);
        return;
      case 'stop':
        await this.cancelTasks(step.cancel, step.reason);
        await this.append(step.groupIds.map((groupId) => ({ type: 'TaskGroupStopped', data: { supervisorId: id, groupId, reason: step.reason } })));
        return;
      case 'submit':
        return this.submitTasks(id, step.groupId, step.taskIds, input.spec);
      case 'replace': {
        const ids = Array.from({ length: step.count }, (_, i) => `${replicaTaskId(step.groupId, input.spec.ioConfig.replicas + i)}_${randomBytes(3).toString('hex')}`);
        return this.submitTasks(id, step.groupId, ids, input.spec);
      }
      case 'launch':
        return this.launch(id, step.partitions, step.startOffsets, input.spec);
    }
  }

  /**
   * Ends a reading group: its replicas, paused, say how far they have read; the group publishes up
   * to the furthest (recorded before anyone is told, so a restarted supervisor tells them the same).
   */
  private async roll(id: string, groupId: string, input: PlannerInput, deferred: Set<string>): Promise<void> {
    const group = input.context.taskGroups[groupId]!;
    const active = this.tasksOf(groupId).filter((t) => !ENDED.has(t.state));
    const replies = (await Promise.all(active.map((t) => this.askOffsets(t.taskId, { pause: true })))).filter((r): r is TaskOffsetsReply => r !== null);
    if (replies.length === 0) {
      deferred.add(groupId);
      return;
    }
    const end = endOffsets(group.startOffsets, replies);
    await this.append([{ type: 'TaskGroupPublishing', data: { supervisorId: id, groupId, endOffsets: end } }]);
  }

  /** Tells every replica of a publishing group that has not taken it yet where to end; one that refuses (it read past it) is canceled. */
  private async tellPublishingReplicas(id: string): Promise<void> {
    const context = this.supervisor(id).context;
    if (context === null) return;
    await Promise.all(context.publishingGroups.flatMap((groupId) => {
      const end = context.taskGroups[groupId]!.endOffsets!;
      return this.tasksOf(groupId)
        .filter((t) => !ENDED.has(t.state) && t.state !== 'pending' && !this.finishing.has(t.taskId))
        .map((t) => this.finish(t.taskId, end));
    }));
  }

  private async finish(taskId: string, end: PartitionOffsets): Promise<void> {
    try {
      await request(this.o.nc, streamingTask.finish(taskId), { end } satisfies FinishRequest, { timeoutMs: this.o.taskTimeoutMs ?? 5000 });
      this.finishing.add(taskId);
    } catch (e) {
      if (isGroveError(e, 'conflict') || isGroveError(e, 'bad_request')) {
        this.finishing.add(taskId);
        await this.cancelTasks([taskId], `it cannot end where its group ends: ${(e as Error).message}`);
      }
      // Unanswered: it is told again at the next pass.
    }
  }

  private async askOffsets(taskId: string, body: OffsetsRequest, timeoutMs = this.o.taskTimeoutMs ?? 5000): Promise<TaskOffsetsReply | null> {
    try {
      return await request<TaskOffsetsReply>(this.o.nc, streamingTask.offsets(taskId), body, { timeoutMs });
    } catch {
      return null;
    }
  }

  /** The current offsets of the given tasks that answer, without pausing them (status). */
  async currentOffsets(taskIds: string[]): Promise<Map<string, TaskOffsetsReply>> {
    // A status must not wait on a task that is slow to answer: what it does not know, it leaves out.
    const replies = await Promise.all(taskIds.map(async (t) => [t, await this.askOffsets(t, {}, STATUS_TIMEOUT_MS)] as const));
    return new Map(replies.filter((r): r is readonly [string, TaskOffsetsReply] => r[1] !== null));
  }

  /** Records a new group first, then submits its replicas: a supervisor stopped in between submits them when it is back. */
  private async launch(id: string, partitions: string[], startOffsets: PartitionOffsets, spec: SupervisorSpec): Promise<void> {
    const groupId = `${idToken(id)}_${taskGroupOf(partitions[0]!, spec.ioConfig.taskCount)}_${randomBytes(4).toString('hex')}`;
    const taskIds = Array.from({ length: spec.ioConfig.replicas }, (_, r) => replicaTaskId(groupId, r));
    await this.append([{ type: 'TaskGroupLaunched', data: { supervisorId: id, groupId, taskIds, partitions, startOffsets } }]);
    await this.submitTasks(id, groupId, taskIds, spec);
  }

  private async submitTasks(id: string, groupId: string, taskIds: string[], spec: SupervisorSpec): Promise<void> {
    const group = this.supervisor(id).context?.taskGroups[groupId];
    if (group === undefined) return;
    for (const taskId of taskIds) {
      try {
        await request(this.o.nc, INTERNAL.overlordTaskSubmit, streamingTaskJson(spec, id, groupId, group, taskId));
      } catch (e) {
        // Submitted before the supervisor stopped: the overlord has it already.
        if (!isGroveError(e, 'conflict')) throw e;
      }
    }
    await this.appender.catchUp();
  }

  /** Cancels through the overlord (the task API has no reason field: `reason` is for the log line). */
  async cancelTasks(taskIds: string[], reason: string): Promise<void> {
    if (taskIds.length > 0) console.log(`[grove] supervisor ${this.o.id}: canceling ${taskIds.join(', ')}: ${reason}`);
    await Promise.all(taskIds.map((taskId) => request(this.o.nc, API.taskCancel, { taskId }).catch(() => undefined)));
    if (taskIds.length > 0) await this.appender.catchUp();
  }

  async append(events: NewEvent[], expect: Expectation[] = []): Promise<void> {
    await this.appender.append(events, expect);
  }

  private warn(what: string, e: unknown): void {
    if (!this.stopped) console.error(`[grove] supervisor ${this.o.id}: ${what}: ${(e as Error)?.message ?? String(e)}`);
  }
}

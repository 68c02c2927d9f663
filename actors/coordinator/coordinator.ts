import type { NatsConnection, Service } from 'nats';
import { request } from '../../src/bus/client.ts';
import { isGroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { node } from '../../src/bus/subjects.ts';
import type { CoordinatorView } from '../../src/coordinator/cluster-view.ts';
import { eventsOf, segmentsOf, type Intent } from '../../src/coordinator/intents.ts';
import { CoordinatorPlanner } from '../../src/coordinator/planner.ts';
import { departureEvents } from '../../src/coordinator/server-loss.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import { LogFollower } from '../../src/projections/log-follower.ts';
import { Appender } from '../../src/projections/appender.ts';
import { AutoCompaction } from './auto-compaction.ts';
import { coordinatorEndpoints } from './endpoints.ts';
import { HistoricalHeartbeats } from './heartbeats.ts';
import { untilMetastoreAnswers } from './metastore-wait.ts';

/** How long a segment whose decision the metastore refused waits before it is planned again. */
const HOLD_BACK_MS = 2000;

export interface CoordinatorOptions {
  nc: NatsConnection;
  id: string;
  /** The wall clock rules and grace periods are measured with. */
  now?: () => number;
  /** How long an overshadowed segment stays loaded after it is marked unused (default 2 min). */
  dropGraceMs?: number;
  /** A historical silent this long is gone: its replicas are dropped and re-replicated (default 10 s). */
  heartbeatTimeoutMs?: number;
  /** How long a server where a segment failed to load is passed over for it (default 30 s). */
  loadRetryMs?: number;
  /** A load request unanswered this long is sent again (default 5 min). */
  loadTimeoutMs?: number;
  /** How often time-based work runs: period rules, balancing, auto-compaction (default 60 s). */
  sweepEveryMs?: number;
  /** Segments the balancer may move per pass (Druid's maxSegmentsToMove; default 5). */
  maxSegmentsToMove?: number;
  /** Compaction tasks auto-compaction keeps running at once (default 1). */
  maxCompactionTasks?: number;
  /** Events per append (default 1000). */
  batchSize?: number;
}

/**
 * The coordinator (Druid's): keeps every segment where its rules want it. It never polls the log:
 * it folds the event feed into its own cluster state, and each fact marks the segments it touches
 * for planning; a pass plans them (overshadowing, rules, replicas, balance), appends the decisions
 * through the metastore, waits for its own fold to hold them, and only then tells the historicals
 * what to load or drop. Time-based work (grace periods, load retries, period rules) runs on timers.
 */
export class Coordinator {
  readonly cluster = new ClusterState();
  readonly planner: CoordinatorPlanner;
  readonly now: () => number;
  private readonly follower: LogFollower;
  readonly appender: Appender;
  private readonly heartbeats: HistoricalHeartbeats;
  private readonly compaction: AutoCompaction;
  /** Load requests sent and not yet answered by a fact, by replica: sent again when stale. */
  private readonly pendingLoads = new Map<string, { segmentId: string; serverId: string; sentAt: number }>();
  private lane: Promise<unknown> = Promise.resolve();
  private passQueued = false;
  private service: Service | null = null;
  private timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(readonly o: CoordinatorOptions) {
    this.now = o.now ?? Date.now;
    this.planner = new CoordinatorPlanner(this.cluster, { dropGraceMs: o.dropGraceMs ?? 120_000, loadRetryMs: o.loadRetryMs ?? 30_000, maxSegmentsToMove: o.maxSegmentsToMove ?? 5 });
    this.follower = new LogFollower(o.nc, this.cluster);
    this.appender = new Appender(o.nc, this.cluster, this.follower, `coordinator:${o.id}`);
    this.heartbeats = new HistoricalHeartbeats(this.cluster, o.heartbeatTimeoutMs ?? 10_000);
    this.compaction = new AutoCompaction(this, o.maxCompactionTasks ?? 1);
  }

  get view(): CoordinatorView {
    return this.planner.view;
  }

  static async start(o: CoordinatorOptions): Promise<Coordinator> {
    const c = new Coordinator(o);
    await untilMetastoreAnswers(o.nc, `coordinator ${o.id}`);
    c.follower.onRecord((r) => c.onRecord(r));
    await c.follower.start();
    c.planner.start(() => c.kick());
    c.heartbeats.start(o.nc);
    c.service = await startService(o.nc, { kind: 'coordinator', id: o.id, description: 'keeps segments where their rules want them', endpoints: coordinatorEndpoints(c) });
    c.every(o.sweepEveryMs ?? 60_000, () => c.sweep());
    c.every(Math.max(100, Math.floor((o.heartbeatTimeoutMs ?? 10_000) / 4)), () => c.checkHeartbeats());
    c.kick();
    return c;
  }

  /** Runs `f` after everything queued before it: passes and API commands decide one at a time. */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const next = this.lane.then(f, f);
    this.lane = next.catch(() => undefined);
    return next;
  }

  // ---- reacting ----

  private onRecord(r: LogRecord): void {
    this.planner.noteRecord(r);
    const data = r.data as Record<string, unknown>;
    switch (r.type) {
      case 'ServerJoined':
        if (data.kind !== 'historical') return;
        this.heartbeats.greet(data.serverId as string);
        this.resendTo(data.serverId as string);
        return;
      case 'ServerLeft':
        this.heartbeats.forget(data.serverId as string);
        return;
      case 'CompactionConfigSet':
      case 'TaskSucceeded':
      case 'TaskFailed':
      case 'TaskCanceled':
        this.compaction.due = true;
        this.kick();
        return;
      default:
    }
  }

  private kick(): void {
    if (this.passQueued || this.stopped) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      if (!this.stopped) void this.exclusive(() => this.pass()).catch((e) => console.error(`[grove] coordinator ${this.o.id}: pass failed:`, e));
    });
  }

  /** One pass: plan what changed, append it, then tell the historicals; auto-compaction after. */
  private async pass(): Promise<void> {
    await this.commit(this.planner.plan(this.now()));
    this.armWakeups();
    if (this.compaction.due) await this.compaction.run();
  }

  // ---- acting ----

  /** Appends the decisions in batches; each batch, once folded in, is sent to the historicals. */
  private async commit(intents: Intent[]): Promise<void> {
    const size = this.o.batchSize ?? 1000;
    for (let i = 0; i < intents.length && !this.stopped; i += size) {
      const batch = intents.slice(i, i + size);
      try {
        await this.appender.append(eventsOf(batch));
        this.dispatch(batch);
      } catch (e) {
        await this.refusedBatch(batch, e);
      }
    }
  }

  /**
   * A refused batch is planned again on the newer state. The segment whose fact was refused is
   * held back a moment, so a decision that keeps failing cannot spin against the metastore.
   */
  private async refusedBatch(batch: Intent[], e: unknown): Promise<void> {
    const ids = segmentsOf(batch);
    const until = this.now() + HOLD_BACK_MS;
    if (this.stopped) return;
    if (!isGroveError(e, 'conflict')) {
      console.error(`[grove] coordinator ${this.o.id}: cannot append ${batch.length} decisions: ${(e as Error).message}`);
      this.planner.refused(ids, ids, until);
      return;
    }
    const events = eventsOf(batch);
    const culprit = (e.details as Array<{ expectation?: { event?: number } }> | undefined)?.[0]?.expectation?.event;
    const data = (culprit === undefined ? undefined : events[culprit]?.data) as { segmentId?: string; segmentIds?: string[] } | undefined;
    await this.appender.catchUp().catch(() => undefined);
    this.planner.refused(ids, data?.segmentIds ?? (data?.segmentId !== undefined ? [data.segmentId] : ids), until);
  }

  /** Tells each historical what was decided for it; what it does comes back as facts. */
  private dispatch(intents: Intent[]): void {
    for (const i of intents) {
      if (i.kind === 'assign') this.sendLoad(i.segmentId, i.serverId);
      else if (i.kind === 'drop') this.send(node.drop(i.serverId), { segmentId: i.segmentId, dataSource: i.dataSource });
    }
  }

  private sendLoad(segmentId: string, serverId: string): void {
    const segment = this.cluster.entity('segment', segmentId)?.context.descriptor;
    if (segment === undefined || segment === null) return;
    this.pendingLoads.set(`${segmentId}@${serverId}`, { segmentId, serverId, sentAt: performance.now() });
    this.send(node.load(serverId), { segment }, this.o.loadTimeoutMs ?? 300_000);
  }

  /** The reply only confirms what the log will say: failures are the historical's to report, or the heartbeat's to notice. */
  private send(subject: string, body: unknown, timeoutMs = 60_000): void {
    void request(this.o.nc, subject, body, { timeoutMs }).catch(() => undefined);
  }

  /** A historical that (re)joined gets again what was asked of it and not done. */
  private resendTo(serverId: string): void {
    for (const segmentId of this.view.segmentsOn(serverId)) {
      const status = this.view.replicasOf(segmentId).get(serverId)?.status;
      if (status === 'assigned' || status === 'loading') this.sendLoad(segmentId, serverId);
      else if (status === 'dropping') this.send(node.drop(serverId), { segmentId, dataSource: this.cluster.entity('segment', segmentId)?.context.dataSource });
    }
  }

  /** Load requests with no answer for too long (a lost message) go again. */
  private resendStaleLoads(): void {
    const staleAfter = this.o.loadTimeoutMs ?? 300_000;
    for (const [key, p] of this.pendingLoads) {
      const status = this.view.replicasOf(p.segmentId).get(p.serverId)?.status;
      if (status !== 'assigned' && status !== 'loading') this.pendingLoads.delete(key);
      else if (performance.now() - p.sentAt > staleAfter) this.sendLoad(p.segmentId, p.serverId);
    }
  }

  // ---- time ----

  private every(ms: number, f: () => void): void {
    const t = setInterval(f, ms);
    t.unref();
    this.timers.push(t);
  }

  private armWakeups(): void {
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    const next = this.planner.wakeups.next();
    if (next === null || this.stopped) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.planner.wakeUp(this.now());
      this.armWakeups();
    }, Math.max(0, next - this.now()));
    this.wakeTimer.unref();
  }

  /** What time alone changes: period rules, servers with room again, balance, compaction, lost requests. */
  private sweep(): void {
    this.compaction.due = true;
    this.resendStaleLoads();
    this.planner.sweep();
  }

  private checkHeartbeats(): void {
    for (const { id, silentMs } of this.heartbeats.silent()) {
      void this.exclusive(() => this.serverLost(id, silentMs)).catch((e) => console.error(`[grove] coordinator ${this.o.id}: cannot record that ${id} left:`, (e as Error).message));
    }
  }

  /** A silent historical is gone: it leaves, with its replicas, in one append. */
  private async serverLost(serverId: string, silentMs: number): Promise<void> {
    if (this.cluster.servers.get(serverId)?.alive !== true) return;
    const replicas = [...this.view.segmentsOn(serverId)]
      .map((segmentId) => this.cluster.entity('segment', segmentId)?.context)
      .filter((c) => c !== undefined)
      .map((c) => ({ dataSource: c.dataSource, segmentId: c.id }));
    await this.appender.append(departureEvents(serverId, `no heartbeat for ${silentMs} ms`, replicas));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.heartbeats.stop();
    this.follower.stop();
    this.appender.close();
    await this.service?.stop().catch(() => undefined);
    await this.lane.catch(() => undefined);
  }
}

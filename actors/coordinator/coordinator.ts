import type { NatsConnection, Service } from 'nats';
import { request } from '../../src/bus/client.ts';
import { isGroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { API, node } from '../../src/bus/subjects.ts';
import { planMoves } from '../../src/coordinator/balance.ts';
import { isUsedState, CoordinatorView } from '../../src/coordinator/cluster-view.ts';
import { eventsOf, segmentsOf, type Intent } from '../../src/coordinator/intents.ts';
import { overshadowedSegments } from '../../src/coordinator/overshadow.ts';
import { planSegment } from '../../src/coordinator/replica-plan.ts';
import { RuleChains } from '../../src/coordinator/rule-chains.ts';
import { departureEvents, SERVER_LEFT } from '../../src/coordinator/server-loss.ts';
import { ServerDirectory } from '../../src/coordinator/servers.ts';
import { Wakeups } from '../../src/coordinator/wakeups.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import { LogFollower } from '../../src/projections/log-follower.ts';
import { condense, type Interval } from '../../src/time/interval.ts';
import { Appender } from './appender.ts';
import { AutoCompaction } from './auto-compaction.ts';
import { coordinatorEndpoints } from './endpoints.ts';
import { HistoricalHeartbeats } from './heartbeats.ts';
import { untilMetastoreAnswers } from './metastore-wait.ts';

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
  readonly view: CoordinatorView;
  readonly now: () => number;
  readonly chains: RuleChains;
  private readonly follower: LogFollower;
  readonly appender: Appender;
  private readonly heartbeats: HistoricalHeartbeats;
  private readonly compaction: AutoCompaction;
  private readonly wakeups = new Wakeups();
  private readonly dirty = new Set<string>();
  private readonly coverage = new Map<string, Interval[]>();
  /** Segments wanting replicas no server could take: planned again when servers change. */
  private readonly wanting = new Set<string>();
  /** Segments whose replicas went with a server: their new replicas are re-replications. */
  private readonly lost = new Set<string>();
  /** Segments the balancer is moving, and from where. */
  private readonly moving = new Map<string, string>();
  /** Load requests sent and not yet answered by a fact, by replica: sent again when stale. */
  private readonly pendingLoads = new Map<string, { segmentId: string; serverId: string; sentAt: number }>();
  /** Segments whose decisions the metastore refused: held back a moment before trying again. */
  private readonly refused = new Map<string, number>();
  private lane: Promise<unknown> = Promise.resolve();
  private passQueued = false;
  private balanceDue = true;
  private service: Service | null = null;
  private timers: NodeJS.Timeout[] = [];
  private wakeTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(readonly o: CoordinatorOptions) {
    this.now = o.now ?? Date.now;
    this.view = new CoordinatorView(this.cluster);
    this.chains = new RuleChains(this.cluster);
    this.follower = new LogFollower(o.nc, this.cluster);
    this.appender = new Appender(o.nc, this.cluster, this.follower, `coordinator:${o.id}`);
    this.heartbeats = new HistoricalHeartbeats(this.cluster, o.heartbeatTimeoutMs ?? 10_000);
    this.compaction = new AutoCompaction(this, o.maxCompactionTasks ?? 1);
  }

  static async start(o: CoordinatorOptions): Promise<Coordinator> {
    const c = new Coordinator(o);
    await untilMetastoreAnswers(o.nc, `coordinator ${o.id}`);
    c.follower.onRecord((r) => c.onRecord(r));
    await c.follower.start();
    c.view.rebuild();
    c.view.listen({ segmentTouched: (id) => c.touch(id), coverageChanged: (ds, i) => c.covered(ds, i) });
    c.heartbeats.start(o.nc);
    c.service = await startService(o.nc, { kind: 'coordinator', id: o.id, description: 'keeps segments where their rules want them', endpoints: coordinatorEndpoints(c) });
    // The first pass looks at everything, as Druid's first coordinator run does.
    for (const [id] of c.cluster.entitiesOf('segment')) c.dirty.add(id);
    for (const ds of c.cluster.dataSources()) c.covered(ds, { start: -Infinity, end: Infinity });
    const sweepMs = o.sweepEveryMs ?? 60_000;
    c.every(sweepMs, () => c.sweep());
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

  private touch(id: string): void {
    this.dirty.add(id);
    this.kick();
  }

  private covered(dataSource: string, interval: Interval): void {
    const list = this.coverage.get(dataSource) ?? [];
    list.push(interval);
    this.coverage.set(dataSource, list);
    this.kick();
  }

  /** Facts with no segment machine that still change what segments need. */
  private onRecord(r: LogRecord): void {
    const data = r.data as Record<string, unknown>;
    switch (r.type) {
      case 'RulesSet':
        this.chains.invalidate(data.dataSource as string);
        this.replanDataSource(data.dataSource as string);
        return;
      case 'ServerJoined':
        if (data.kind !== 'historical') return;
        this.heartbeats.greet(data.serverId as string);
        for (const id of this.wanting) this.dirty.add(id);
        this.balanceDue = true;
        this.resendTo(data.serverId as string);
        this.kick();
        return;
      case 'ServerLeft':
        this.heartbeats.forget(data.serverId as string);
        return;
      case 'ReplicaDropped':
        if (data.reason === SERVER_LEFT) this.lost.add(data.segmentId as string);
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

  /** Every segment of a datasource (of all of them, for the default rules) follows its rules again. */
  private replanDataSource(dataSource: string): void {
    const dataSources = dataSource === '_default' ? this.cluster.dataSources() : [dataSource];
    for (const ds of dataSources) for (const s of this.cluster.segmentsOf(ds)) this.dirty.add(s.context.id);
    this.kick();
  }

  private kick(): void {
    if (this.passQueued || this.stopped) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      if (!this.stopped) void this.exclusive(() => this.pass()).catch((e) => console.error(`[grove] coordinator ${this.o.id}: pass failed:`, e));
    });
  }

  // ---- planning ----

  /** One planning pass over what changed since the last. */
  private async pass(): Promise<void> {
    const now = this.now();
    const intents: Intent[] = [];
    const decided = new Set<string>();
    for (const id of this.overshadowed()) {
      decided.add(id);
      intents.push({ kind: 'markUnused', dataSource: this.cluster.entity('segment', id)!.context.dataSource, segmentId: id, reason: 'overshadowed' });
    }
    const servers = new ServerDirectory(this.cluster.servers.values(), (id) => this.view.bytesOn(id));
    const ids = [...this.dirty];
    this.dirty.clear();
    for (const id of ids) {
      if (decided.has(id) || this.isHeldBack(id, now)) continue;
      for (const i of this.planOne(id, servers, now)) intents.push(i);
    }
    if (this.balanceDue) for (const i of this.balance(servers)) intents.push(i);
    await this.commit(intents);
    this.armWakeups();
    if (this.compaction.due) await this.compaction.run();
  }

  /** Used segments that served segments now overshadow, wherever coverage changed. */
  private overshadowed(): string[] {
    const out: string[] = [];
    for (const [ds, intervals] of this.coverage) {
      const used = this.view.usedTimeline(ds);
      const served = this.view.servedTimeline(ds);
      if (used === undefined || served === undefined) continue;
      for (const within of condense(intervals)) for (const id of overshadowedSegments(used, served, within)) out.push(id);
    }
    this.coverage.clear();
    return [...new Set(out)];
  }

  private planOne(id: string, servers: ServerDirectory, now: number): Intent[] {
    const seg = this.view.facts(id);
    if (seg === null) {
      this.wanting.delete(id);
      this.moving.delete(id);
      return [];
    }
    const used = isUsedState(seg.state);
    const decision = used ? this.chains.chainOf(seg.dataSource).decide(seg.interval, now) : null;
    const replicas = this.view.replicasOf(id);
    const movingFrom = this.moving.get(id) ?? null;
    if (movingFrom !== null && replicas.get(movingFrom)?.status !== 'loaded') this.moving.delete(id);
    const plan = planSegment(seg, decision, replicas, servers, {
      now, dropGraceMs: this.o.dropGraceMs ?? 120_000, loadRetryMs: this.o.loadRetryMs ?? 30_000,
      movingFrom: this.moving.get(id) ?? null, lostReplicas: this.lost.has(id),
    });
    this.view.setZeroReplica(id, used && plan.zeroReplica);
    if (plan.wanting) this.wanting.add(id);
    else this.wanting.delete(id);
    if (plan.wakeAt !== null) this.wakeups.add(id, plan.wakeAt);
    if (plan.intents.some((i) => i.kind === 'assign') || replicas.size === 0 || !used) this.lost.delete(id);
    return plan.intents;
  }

  private balance(servers: ServerDirectory): Intent[] {
    this.balanceDue = false;
    const moves = planMoves({
      servers,
      segmentsOn: (s) => this.view.segmentsOn(s),
      replicasOf: (s) => this.view.replicasOf(s),
      sizeOf: (s) => this.cluster.entity('segment', s)?.context.descriptor?.size ?? 0,
      movable: (s) => !this.moving.has(s) && this.cluster.stateOf('segment', s) === 'published.used.available',
      maxMoves: this.o.maxSegmentsToMove ?? 5,
    });
    return moves.map((m) => {
      this.moving.set(m.segmentId, m.from);
      const dataSource = this.cluster.entity('segment', m.segmentId)!.context.dataSource;
      return { kind: 'assign', dataSource, segmentId: m.segmentId, serverId: m.to, tier: m.tier, reason: 'balance' };
    });
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
   * held back a few seconds, so a decision that keeps failing cannot spin against the metastore.
   */
  private async refusedBatch(batch: Intent[], e: unknown): Promise<void> {
    const ids = segmentsOf(batch);
    for (const id of ids) this.dirty.add(id);
    if (!isGroveError(e, 'conflict')) {
      console.error(`[grove] coordinator ${this.o.id}: cannot append ${batch.length} decisions: ${(e as Error).message}`);
      for (const id of ids) this.holdBack(id);
      return;
    }
    const events = eventsOf(batch);
    const culprit = (e.details as Array<{ expectation?: { event?: number } }> | undefined)?.[0]?.expectation?.event;
    const refusedEvent = culprit === undefined ? undefined : events[culprit];
    const data = refusedEvent?.data as { segmentId?: string; segmentIds?: string[] } | undefined;
    for (const id of data?.segmentIds ?? (data?.segmentId !== undefined ? [data.segmentId] : ids)) this.holdBack(id);
    await this.appender.catchUp().catch(() => undefined);
    this.kick();
  }

  private holdBack(id: string): void {
    const until = this.now() + 2000;
    this.refused.set(id, until);
    this.wakeups.add(id, until);
  }

  private isHeldBack(id: string, now: number): boolean {
    const until = this.refused.get(id);
    if (until === undefined) return false;
    if (now >= until) {
      this.refused.delete(id);
      return false;
    }
    this.wakeups.add(id, until);
    return true;
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
    const next = this.wakeups.next();
    if (next === null || this.stopped) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      for (const id of this.wakeups.takeDue(this.now())) this.dirty.add(id);
      this.kick();
      this.armWakeups();
    }, Math.max(0, next - this.now()));
    this.wakeTimer.unref();
  }

  /** What time alone changes: period rules, servers with room again, balance, compaction, lost requests. */
  private sweep(): void {
    for (const ds of this.cluster.dataSources()) {
      if (!this.chains.isTimed(ds)) continue;
      for (const s of this.cluster.segmentsOf(ds)) this.dirty.add(s.context.id);
    }
    for (const id of this.wanting) this.dirty.add(id);
    this.balanceDue = true;
    this.compaction.due = true;
    this.resendStaleLoads();
    this.kick();
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
    await this.service?.stop().catch(() => undefined);
    await this.lane.catch(() => undefined);
  }
}

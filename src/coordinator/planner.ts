import type { LogRecord } from '../log/record.ts';
import type { ClusterState } from '../projections/cluster-state.ts';
import { condense, type Interval } from '../time/interval.ts';
import { planMoves } from './balance.ts';
import { CoordinatorView, isUsedState, type ReplicaInfo } from './cluster-view.ts';
import type { Intent } from './intents.ts';
import { overshadowedSegments } from './overshadow.ts';
import { planSegment } from './replica-plan.ts';
import { DEFAULT_RULES_KEY, RuleChains } from './rule-chains.ts';
import { SERVER_LEFT } from './server-loss.ts';
import { ServerDirectory } from './servers.ts';
import { Wakeups } from './wakeups.ts';

export interface PlannerOptions {
  /** How long an overshadowed segment stays loaded after it is marked unused. */
  dropGraceMs: number;
  /** How long a server where a segment failed to load is passed over for it. */
  loadRetryMs: number;
  /** Segments the balancer may move per pass (Druid's maxSegmentsToMove). */
  maxSegmentsToMove: number;
}

const EVERYWHERE: Interval = { start: -Infinity, end: Infinity };

/**
 * What the coordinator decides, apart from everything it does: the cluster state's steps mark
 * segments (and the intervals whose coverage changed) for planning, and `plan` turns what is
 * marked into intents — overshadowed segments marked unused, each marked segment planned by its
 * rule, balancing moves. Work is proportional to what changed, never to the number of segments.
 * Pure: time comes in as `now`; the actor appends the intents and tells the historicals.
 */
export class CoordinatorPlanner {
  readonly view: CoordinatorView;
  readonly chains: RuleChains;
  readonly wakeups = new Wakeups();
  private readonly dirty = new Set<string>();
  private readonly coverage = new Map<string, Interval[]>();
  /** Segments wanting replicas no server could take: planned again when servers change. */
  private readonly wanting = new Set<string>();
  /** Segments whose replicas went with a server: their new replicas are re-replications. */
  private readonly lost = new Set<string>();
  /** Segments the balancer is moving: from where, to where. */
  private readonly moving = new Map<string, { from: string; to: string }>();
  /** Segments whose decisions the metastore refused, held back until then. */
  private readonly heldBack = new Map<string, number>();
  private balanceDue = true;
  private onWork: () => void = () => undefined;

  constructor(private readonly cluster: ClusterState, private readonly o: PlannerOptions) {
    this.view = new CoordinatorView(cluster);
    this.chains = new RuleChains(cluster);
  }

  /** Indexes the state as it is and marks everything for a first pass (Druid's first run); `onWork` runs whenever there is something to plan. */
  start(onWork: () => void): void {
    this.onWork = onWork;
    this.view.rebuild();
    this.view.listen({ segmentTouched: (id) => this.touch(id), coverageChanged: (ds, i) => this.covered(ds, i) });
    for (const [id] of this.cluster.entitiesOf('segment')) this.dirty.add(id);
    for (const ds of this.cluster.dataSources()) this.covered(ds, EVERYWHERE);
  }

  get hasWork(): boolean {
    return this.dirty.size > 0 || this.coverage.size > 0 || this.balanceDue;
  }

  /** Facts with no segment machine that still change what segments need. */
  noteRecord(r: LogRecord): void {
    const data = r.data as Record<string, unknown>;
    switch (r.type) {
      case 'RulesSet':
        this.chains.invalidate(data.dataSource as string);
        this.replanDataSource(data.dataSource as string);
        return;
      case 'ServerJoined':
        if (data.kind !== 'historical') return;
        for (const id of this.wanting) this.dirty.add(id);
        this.balanceDue = true;
        this.onWork();
        return;
      case 'ReplicaDropped':
        if (data.reason === SERVER_LEFT) this.lost.add(data.segmentId as string);
        return;
      default:
    }
  }

  /** What only time changes: period rules, servers with room again, balance. */
  sweep(): void {
    for (const ds of this.cluster.dataSources()) {
      if (!this.chains.isTimed(ds)) continue;
      for (const s of this.cluster.segmentsOf(ds)) this.dirty.add(s.context.id);
    }
    for (const id of this.wanting) this.dirty.add(id);
    this.balanceDue = true;
    this.onWork();
  }

  /** Marks the segments whose wake-up time has come. */
  wakeUp(now: number): void {
    for (const id of this.wakeups.takeDue(now)) this.dirty.add(id);
    this.onWork();
  }

  /** The metastore refused these decisions: plan the segments again, the culprits only after `until`. */
  refused(segmentIds: readonly string[], culprits: readonly string[], until: number): void {
    for (const id of segmentIds) this.dirty.add(id);
    for (const id of culprits) {
      this.heldBack.set(id, until);
      this.wakeups.add(id, until);
    }
    this.onWork();
  }

  /** One pass over what changed since the last: the intents to append, in order. */
  plan(now: number): Intent[] {
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
    return intents;
  }

  private touch(id: string): void {
    this.dirty.add(id);
    this.onWork();
  }

  private covered(dataSource: string, interval: Interval): void {
    const list = this.coverage.get(dataSource) ?? [];
    list.push(interval);
    this.coverage.set(dataSource, list);
    this.onWork();
  }

  /** Every segment of a datasource (of all of them, for the default rules) follows its rules again. */
  private replanDataSource(dataSource: string): void {
    const dataSources = dataSource === DEFAULT_RULES_KEY ? this.cluster.dataSources() : [dataSource];
    for (const ds of dataSources) for (const s of this.cluster.segmentsOf(ds)) this.dirty.add(s.context.id);
    this.onWork();
  }

  /** Used segments that served segments now overshadow, wherever coverage changed. */
  private overshadowed(): string[] {
    const out = new Set<string>();
    for (const [ds, intervals] of this.coverage) {
      const used = this.view.usedTimeline(ds);
      const served = this.view.servedTimeline(ds);
      if (used === undefined || served === undefined) continue;
      for (const within of condense(intervals)) for (const id of overshadowedSegments(used, served, within)) out.add(id);
    }
    this.coverage.clear();
    return [...out];
  }

  private isHeldBack(id: string, now: number): boolean {
    const until = this.heldBack.get(id);
    if (until === undefined) return false;
    if (now < until) return true;
    this.heldBack.delete(id);
    return false;
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
    const plan = planSegment(seg, decision, replicas, servers, {
      now, dropGraceMs: this.o.dropGraceMs, loadRetryMs: this.o.loadRetryMs,
      movingFrom: this.moveSource(id, replicas), lostReplicas: this.lost.has(id),
    });
    this.view.setZeroReplica(id, used && plan.zeroReplica);
    if (plan.wanting) this.wanting.add(id);
    else this.wanting.delete(id);
    if (plan.wakeAt !== null) this.wakeups.add(id, plan.wakeAt);
    if (plan.intents.some((i) => i.kind === 'assign') || replicas.size === 0 || !used) this.lost.delete(id);
    return plan.intents;
  }

  /**
   * The server a move takes the segment from, while its copy there is loaded and the move's new
   * copy is on its way. A move ends once the source copy is gone, or fails with its new copy; when
   * the last one ends, balancing looks again.
   */
  private moveSource(id: string, replicas: ReadonlyMap<string, ReplicaInfo>): string | null {
    const move = this.moving.get(id);
    if (move === undefined) return null;
    const source = replicas.get(move.from)?.status;
    const target = replicas.get(move.to)?.status;
    if (source === undefined || source === 'failed' || target === undefined || target === 'failed') {
      this.moving.delete(id);
      if (this.moving.size === 0) this.balanceDue = true;
      return null;
    }
    return source === 'loaded' ? move.from : null;
  }

  /** Moves wait until the moves before them are done: bytes on their way would mislead the next choice. */
  private balance(servers: ServerDirectory): Intent[] {
    this.balanceDue = false;
    if (this.moving.size > 0) return [];
    const moves = planMoves({
      servers,
      segmentsOn: (s) => this.view.segmentsOn(s),
      replicasOf: (s) => this.view.replicasOf(s),
      sizeOf: (s) => this.cluster.entity('segment', s)?.context.descriptor?.size ?? 0,
      movable: (s) => !this.moving.has(s) && this.cluster.stateOf('segment', s) === 'published.used.available',
      maxMoves: this.o.maxSegmentsToMove,
    });
    return moves.map((m) => {
      this.moving.set(m.segmentId, { from: m.from, to: m.to });
      const dataSource = this.cluster.entity('segment', m.segmentId)!.context.dataSource;
      return { kind: 'assign', dataSource, segmentId: m.segmentId, serverId: m.to, tier: m.tier, reason: 'balance' };
    });
  }
}

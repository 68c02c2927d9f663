import type { ReplicaAssigned } from '../../machines/replica/events.ts';
import type { RuleDecision } from '../rules/evaluate.ts';
import type { TieredReplicants } from '../spec/rules.ts';
import type { ReplicaInfo, SegmentFacts } from './cluster-view.ts';
import type { Intent } from './intents.ts';
import { utilization, type HistoricalSlot, type ServerDirectory } from './servers.ts';

export interface PlanOptions {
  now: number;
  /** How long a segment overshadowed by a newer version stays loaded once marked unused. */
  dropGraceMs: number;
  /** How long a server where the segment failed to load is passed over. */
  loadRetryMs: number;
  /** The balancer is moving the segment off this server: drop the extra replica there. */
  movingFrom?: string | null;
  /** The segment lost replicas with a server that left. */
  lostReplicas?: boolean;
}

export interface SegmentPlan {
  intents: Intent[];
  /** When to plan the segment again if nothing else happens first (a grace period ends, a retry is due). */
  wakeAt: number | null;
  /** It wants replicas that no live server can take now: plan it again when servers come. */
  wanting: boolean;
  /** Its rule asks for no replica at all (deep storage only). */
  zeroReplica: boolean;
}

const NOTHING: SegmentPlan = Object.freeze({ intents: [], wakeAt: null, wanting: false, zeroReplica: false }) as SegmentPlan;

/** Replicas that serve, or soon will: what counts toward a tier's replica count. */
const isHolding = (r: ReplicaInfo): boolean => r.status === 'assigned' || r.status === 'loading' || r.status === 'loaded';

/**
 * What the coordinator does about one segment now (Druid's RunRules for one segment, with
 * StrategicSegmentAssigner's choices): a used segment follows its rule — loaded to each tier's
 * replica count on the least utilized servers with room, extra replicas dropped, replicas on
 * tiers the rule does not name dropped once the named tiers are served, or marked unused by a drop
 * rule; an unused segment is dropped everywhere (an overshadowed one only after the grace period,
 * which is the seed's "drops the old segments a few minutes later"). Pure.
 */
export function planSegment(
  seg: SegmentFacts,
  decision: RuleDecision | null,
  replicas: ReadonlyMap<string, ReplicaInfo>,
  servers: ServerDirectory,
  o: PlanOptions,
): SegmentPlan {
  if (seg.state.startsWith('published.unused.')) return planUnused(seg, replicas, o);
  if (!seg.state.startsWith('published.used.') || decision === null) return NOTHING;
  switch (decision.action) {
    case 'drop':
      return { ...NOTHING, intents: [{ kind: 'markUnused', dataSource: seg.dataSource, segmentId: seg.id, reason: 'rule' }] };
    case 'none':
      return NOTHING;
    case 'broadcast':
      return planBroadcast(seg, replicas, servers, o);
    case 'load':
      return planLoad(seg, decision.tieredReplicants, replicas, servers, o);
  }
}

function planUnused(seg: SegmentFacts, replicas: ReadonlyMap<string, ReplicaInfo>, o: PlanOptions): SegmentPlan {
  const loaded = [...replicas].filter(([, r]) => r.status === 'loaded');
  if (loaded.length === 0) return NOTHING;
  if (seg.unusedReason === 'overshadowed' && seg.unusedSince !== null && o.now < seg.unusedSince + o.dropGraceMs) {
    return { ...NOTHING, wakeAt: seg.unusedSince + o.dropGraceMs };
  }
  return { ...NOTHING, intents: loaded.map(([serverId]) => ({ kind: 'drop', dataSource: seg.dataSource, segmentId: seg.id, serverId, reason: 'unused' })) };
}

/** Druid's broadcast rules: every live historical, whatever its tier, serves the segment. */
function planBroadcast(seg: SegmentFacts, replicas: ReadonlyMap<string, ReplicaInfo>, servers: ServerDirectory, o: PlanOptions): SegmentPlan {
  const plan: SegmentPlan = { ...NOTHING, intents: [] };
  for (const s of servers.all()) {
    const r = replicas.get(s.serverId);
    if (r !== undefined && (isHolding(r) || r.status === 'dropping' || recentlyFailed(r, o))) {
      if (r.status === 'failed') plan.wakeAt = earliest(plan.wakeAt, r.failedAt! + o.loadRetryMs);
      continue;
    }
    if (s.bytes + seg.size > s.capacity) {
      plan.wanting = true;
      continue;
    }
    plan.intents.push(assign(seg, s, 'broadcast', servers));
  }
  return plan;
}

function planLoad(seg: SegmentFacts, tiered: TieredReplicants, replicas: ReadonlyMap<string, ReplicaInfo>, servers: ServerDirectory, o: PlanOptions): SegmentPlan {
  const plan: SegmentPlan = { intents: [], wakeAt: null, wanting: false, zeroReplica: Object.values(tiered).every((n) => n === 0) };
  // Replicas elsewhere go only once the named tiers serve it: availability never dips on the way.
  let namedTiersServed = true;
  let loadedInNamedTiers = 0;
  for (const [tier, want] of Object.entries(tiered)) {
    const slots = servers.inTier(tier);
    const holding = slots.filter((s) => { const r = replicas.get(s.serverId); return r !== undefined && isHolding(r); });
    const loaded = holding.filter((s) => replicas.get(s.serverId)!.status === 'loaded');
    loadedInNamedTiers += loaded.length;
    if (loaded.length < Math.min(want, slots.length)) namedTiersServed = false;
    if (holding.length < want) fillTier(seg, tier, want - holding.length, replicas, servers, o, plan);
    // A replica still loading does not count: the one it replaces (a balancer move) stays until it is loaded.
    else if (loaded.length > want) dropExtra(seg, loaded, loaded.length - want, servers, o, plan);
  }
  if (namedTiersServed && (plan.zeroReplica || loadedInNamedTiers > 0)) dropFromOtherTiers(seg, tiered, replicas, servers, plan);
  return plan;
}

function fillTier(seg: SegmentFacts, tier: string, missing: number, replicas: ReadonlyMap<string, ReplicaInfo>, servers: ServerDirectory, o: PlanOptions, plan: SegmentPlan): void {
  const reason: ReplicaAssigned['data']['reason'] = o.lostReplicas ? 'rereplicate' : 'rule';
  const taken = new Set<string>();
  const skip = (serverId: string): boolean => {
    const r = replicas.get(serverId);
    return taken.has(serverId) || (r !== undefined && r.status !== 'failed') || (r !== undefined && recentlyFailed(r, o));
  };
  for (let k = 0; k < missing; k++) {
    const s = servers.pick(tier, seg.size, skip);
    if (s === null) {
      plan.wanting = true;
      const retries = servers.inTier(tier).map((x) => replicas.get(x.serverId)).filter((r): r is ReplicaInfo => r?.status === 'failed');
      for (const r of retries) plan.wakeAt = earliest(plan.wakeAt, r.failedAt! + o.loadRetryMs);
      return;
    }
    taken.add(s.serverId);
    plan.intents.push(assign(seg, s, reason, servers));
  }
}

/**
 * Only loaded replicas can be dropped (a load in progress finishes first); the most utilized
 * servers lose theirs, and the pass counts the bytes as gone so the next segment's drop spreads.
 */
function dropExtra(seg: SegmentFacts, loaded: HistoricalSlot[], extra: number, servers: ServerDirectory, o: PlanOptions, plan: SegmentPlan): void {
  const order = [...loaded].sort((a, b) => (a.serverId === o.movingFrom ? -1 : b.serverId === o.movingFrom ? 1 : utilization(b) - utilization(a)));
  for (const s of order.slice(0, extra)) {
    servers.reserve(s.serverId, -seg.size);
    plan.intents.push({ kind: 'drop', dataSource: seg.dataSource, segmentId: seg.id, serverId: s.serverId, reason: s.serverId === o.movingFrom ? 'balance' : 'rule' });
  }
}

function dropFromOtherTiers(seg: SegmentFacts, tiered: TieredReplicants, replicas: ReadonlyMap<string, ReplicaInfo>, servers: ServerDirectory, plan: SegmentPlan): void {
  for (const [serverId, r] of replicas) {
    const s = servers.get(serverId);
    if (s === undefined || r.status !== 'loaded' || (tiered[s.tier] ?? 0) > 0) continue;
    plan.intents.push({ kind: 'drop', dataSource: seg.dataSource, segmentId: seg.id, serverId, reason: 'rule' });
  }
}

function assign(seg: SegmentFacts, s: HistoricalSlot, reason: ReplicaAssigned['data']['reason'], servers: ServerDirectory): Intent {
  servers.reserve(s.serverId, seg.size);
  return { kind: 'assign', dataSource: seg.dataSource, segmentId: seg.id, serverId: s.serverId, tier: s.tier, reason };
}

const recentlyFailed = (r: ReplicaInfo, o: PlanOptions): boolean => r.status === 'failed' && r.failedAt !== null && o.now < r.failedAt + o.loadRetryMs;

const earliest = (a: number | null, b: number): number => (a === null ? b : Math.min(a, b));

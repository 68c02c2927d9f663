import { describe, expect, it } from 'vitest';
import type { ReplicaInfo, ReplicaStatus, SegmentFacts } from '../../../src/coordinator/cluster-view.ts';
import { planSegment, type PlanOptions } from '../../../src/coordinator/replica-plan.ts';
import { ServerDirectory } from '../../../src/coordinator/servers.ts';
import type { ServerInfo } from '../../../src/projections/cluster-state.ts';
import { RuleChain } from '../../../src/rules/evaluate.ts';
import { parseRules } from '../../../src/spec/rules.ts';
import { parseInterval } from '../../../src/time/interval.ts';

const NOW = Date.parse('2024-06-15T00:00:00Z');
const OPTIONS: PlanOptions = { now: NOW, dropGraceMs: 60_000, loadRetryMs: 30_000 };

function segment(state: string, more: Partial<SegmentFacts> = {}): SegmentFacts {
  return {
    id: 'wiki_2024-06-01', dataSource: 'wiki', state, interval: parseInterval('2024-06-01/2024-06-02'), version: 'v1',
    size: 100, servers: [], unusedReason: null, unusedSince: null, ...more,
  };
}

/** Historicals as `id:tier:bytesHeld`, each with room for 1000 bytes. */
function servers(...specs: string[]): ServerDirectory {
  const infos: ServerInfo[] = specs.map((s) => {
    const [serverId, tier] = s.split(':');
    return { serverId: serverId!, kind: 'historical', tier: tier!, capacity: 1000, joinedAt: 0, alive: true };
  });
  const bytes = new Map(specs.map((s) => [s.split(':')[0]!, Number(s.split(':')[2] ?? 0)]));
  return new ServerDirectory(infos, (id) => bytes.get(id) ?? 0);
}

function replicas(spec: Record<string, ReplicaStatus | `failed@${number}`>): Map<string, ReplicaInfo> {
  return new Map(Object.entries(spec).map(([server, s]) => {
    const [status, at] = s.split('@');
    return [server, { status: status as ReplicaStatus, failedAt: at === undefined ? null : Number(at) }];
  }));
}

const decide = (rules: unknown[]) => new RuleChain(parseRules(rules), []).decide(parseInterval('2024-06-01/2024-06-02'), NOW);
const load = (tiers: Record<string, number>) => decide([{ type: 'loadForever', tieredReplicants: tiers }]);
const what = (plan: ReturnType<typeof planSegment>) => plan.intents.map((i) => `${i.kind} ${'serverId' in i ? i.serverId : ''} ${i.reason}`.replace('  ', ' '));

describe('a used segment follows its load rule', () => {
  it('is assigned to the least utilized historicals of each tier the rule names', () => {
    const plan = planSegment(segment('published.used.unavailable'), load({ hot: 2, cold: 1 }), new Map(), servers('h1:hot:500', 'h2:hot:100', 'h3:hot:300', 'c1:cold'), OPTIONS);
    expect(what(plan)).toEqual(['assign h2 rule', 'assign h3 rule', 'assign c1 rule']);
  });

  it('counts the replicas a tier has, loaded or on their way, and assigns only what is missing', () => {
    const plan = planSegment(segment('published.used.available'), load({ hot: 3 }), replicas({ h1: 'loaded', h2: 'loading' }), servers('h1:hot', 'h2:hot', 'h3:hot', 'h4:hot:900'), OPTIONS);
    expect(what(plan)).toEqual(['assign h3 rule']);
  });

  it('asks for no more replicas than the tier has servers, and waits for more servers when short', () => {
    const plan = planSegment(segment('published.used.unavailable'), load({ hot: 3 }), new Map(), servers('h1:hot', 'h2:hot'), OPTIONS);
    expect(what(plan)).toEqual(['assign h1 rule', 'assign h2 rule']);
    expect(plan.wanting).toBe(true);
  });

  it('skips servers without room for it', () => {
    const plan = planSegment(segment('published.used.unavailable', { size: 600 }), load({ hot: 1 }), new Map(), servers('h1:hot:500', 'h2:hot:0'), OPTIONS);
    expect(what(plan)).toEqual(['assign h2 rule']);
  });

  it('drops extra loaded replicas from the most utilized servers, but never one still loading', () => {
    const plan = planSegment(segment('published.used.available'), load({ hot: 1 }), replicas({ h1: 'loaded', h2: 'loaded', h3: 'loading' }), servers('h1:hot:100', 'h2:hot:800', 'h3:hot'), OPTIONS);
    expect(what(plan)).toEqual(['drop h2 rule']);
  });

  it('drops replicas on tiers the rule no longer names only once the named tiers serve the segment', () => {
    const dirs = servers('h1:hot', 'c1:cold');
    const moving = planSegment(segment('published.used.available'), load({ hot: 1 }), replicas({ c1: 'loaded', h1: 'loading' }), dirs, OPTIONS);
    expect(what(moving), 'the cold copy stays while the hot one loads').toEqual([]);
    const moved = planSegment(segment('published.used.available'), load({ hot: 1 }), replicas({ c1: 'loaded', h1: 'loaded' }), dirs, OPTIONS);
    expect(what(moved)).toEqual(['drop c1 rule']);
  });

  it('re-replicates what a departed server held', () => {
    const plan = planSegment(segment('published.used.available'), load({ hot: 2 }), replicas({ h1: 'loaded' }), servers('h1:hot', 'h2:hot'), { ...OPTIONS, lostReplicas: true });
    expect(what(plan)).toEqual(['assign h2 rereplicate']);
  });

  it('passes over a server where it failed to load until the retry is due, and wakes up then', () => {
    const failedAt = NOW - 10_000;
    const elsewhere = planSegment(segment('published.used.unavailable'), load({ hot: 1 }), replicas({ h1: `failed@${failedAt}` }), servers('h1:hot', 'h2:hot:900'), OPTIONS);
    expect(what(elsewhere)).toEqual(['assign h2 rule']);
    const nowhere = planSegment(segment('published.used.unavailable'), load({ hot: 1 }), replicas({ h1: `failed@${failedAt}` }), servers('h1:hot'), OPTIONS);
    expect(what(nowhere)).toEqual([]);
    expect(nowhere.wakeAt).toBe(failedAt + OPTIONS.loadRetryMs);
    const later = planSegment(segment('published.used.unavailable'), load({ hot: 1 }), replicas({ h1: `failed@${failedAt}` }), servers('h1:hot'), { ...OPTIONS, now: failedAt + OPTIONS.loadRetryMs });
    expect(what(later)).toEqual(['assign h1 rule']);
  });

  it('a balancer move drops the source replica once the copy is loaded, and not before', () => {
    const before = planSegment(segment('published.used.available'), load({ hot: 1 }), replicas({ h1: 'loaded', h2: 'assigned' }), servers('h1:hot:900', 'h2:hot'), { ...OPTIONS, movingFrom: 'h1' });
    expect(what(before)).toEqual([]);
    const after = planSegment(segment('published.used.available'), load({ hot: 1 }), replicas({ h1: 'loaded', h2: 'loaded' }), servers('h1:hot', 'h2:hot:900'), { ...OPTIONS, movingFrom: 'h1' });
    expect(what(after)).toEqual(['drop h1 balance']);
  });

  it('a load rule with no replicas keeps the segment in deep storage only', () => {
    const plan = planSegment(segment('published.used.unavailable'), decide([{ type: 'loadForever', tieredReplicants: {}, useDefaultTierForNull: false }]), new Map(), servers('h1:hot'), OPTIONS);
    expect(what(plan)).toEqual([]);
    expect(plan.zeroReplica).toBe(true);
  });

  it('a broadcast rule loads it on every historical, whatever the tier', () => {
    const plan = planSegment(segment('published.used.available'), decide([{ type: 'broadcastForever' }]), replicas({ h1: 'loaded' }), servers('h1:hot', 'h2:hot', 'c1:cold'), OPTIONS);
    expect(what(plan)).toEqual(['assign h2 broadcast', 'assign c1 broadcast']);
  });
});

describe('a drop rule, and unused segments', () => {
  it('a drop rule marks the segment unused', () => {
    const plan = planSegment(segment('published.used.available'), decide([{ type: 'dropForever' }]), replicas({ h1: 'loaded' }), servers('h1:hot'), OPTIONS);
    expect(plan.intents).toEqual([{ kind: 'markUnused', dataSource: 'wiki', segmentId: 'wiki_2024-06-01', reason: 'rule' }]);
  });

  it('an unused segment is dropped from every server that serves it', () => {
    const plan = planSegment(segment('published.unused.available', { unusedReason: 'manual', unusedSince: NOW }), null, replicas({ h1: 'loaded', h2: 'loaded', h3: 'dropping' }), servers('h1:a', 'h2:b', 'h3:a'), OPTIONS);
    expect(what(plan)).toEqual(['drop h1 unused', 'drop h2 unused']);
  });

  it('an overshadowed segment stays loaded for the grace period, then is dropped ("a few minutes later")', () => {
    const since = NOW - 10_000;
    const seg = segment('published.unused.available', { unusedReason: 'overshadowed', unusedSince: since });
    const early = planSegment(seg, null, replicas({ h1: 'loaded' }), servers('h1:a'), OPTIONS);
    expect(what(early)).toEqual([]);
    expect(early.wakeAt).toBe(since + OPTIONS.dropGraceMs);
    const late = planSegment(seg, null, replicas({ h1: 'loaded' }), servers('h1:a'), { ...OPTIONS, now: since + OPTIONS.dropGraceMs });
    expect(what(late)).toEqual(['drop h1 unused']);
  });

  it('segments still being built, and segments that are gone, are left alone', () => {
    for (const state of ['building', 'abandoned']) {
      expect(planSegment(segment(state), load({ hot: 1 }), new Map(), servers('h1:hot'), OPTIONS).intents).toEqual([]);
    }
  });
});

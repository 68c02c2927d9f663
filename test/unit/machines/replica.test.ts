import { describe, expect, it } from 'vitest';
import { machineSpec } from '../../support/machine-spec.ts';
import { replicaFacts, SAMPLES, SEG } from './facts.ts';
import { acceptedEdges, nameOf, shortestPaths, simplePaths, snapshotsAlong } from './paths.ts';

const { assigned, loadStarted, loaded, loadFailed, dropRequested, dropped } = replicaFacts;
const replica = machineSpec('replica', `${SEG}@hist-1`);

const reachable = shortestPaths('replica').map((p) => p.state);
const edges = acceptedEdges('replica');
const paths = simplePaths('replica', SAMPLES.replica);

describe('the replica machine, over every state and path', () => {
  it('reaches every state and ends none: a dropped or failed replica may be assigned again', () => {
    expect(new Set(reachable.map(nameOf))).toEqual(new Set(['assigned', 'loading', 'loaded', 'dropping', 'dropped', 'failed']));
    expect(reachable.every((s) => s.status === 'active')).toBe(true);
  });

  it('is served only after a load or a re-announcement, and stops being served only by a drop', () => {
    const served = (s: (typeof edges)[number]['state']) => ['loaded', 'dropping'].includes(nameOf(s));
    const gained = edges.filter((e) => !served(e.state) && served(e.nextState));
    const lost = edges.filter((e) => served(e.state) && !served(e.nextState));
    expect(new Set(gained.map((e) => e.event.type))).toEqual(new Set(['ReplicaLoaded']));
    expect(new Set(lost.map((e) => e.event.type))).toEqual(new Set(['ReplicaDropped']));
  });

  it('drops a replica from every state a server can leave', () => {
    const droppedFrom = new Set(edges.filter((e) => e.event.type === 'ReplicaDropped').map((e) => nameOf(e.state)));
    expect(droppedFrom).toEqual(new Set(['assigned', 'loading', 'loaded', 'dropping']));
  });

  it('starts a load only on a replica that was assigned, along every path', () => {
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      const states = snapshotsAlong(path);
      const loading = states.findIndex((s) => nameOf(s) === 'loading');
      if (loading >= 0) expect(states[loading]!.context.tier).not.toBeNull();
    }
  });
});

describe('replica rules', () => {
  it('an assigned replica loads, is served, then dropped on request', () => {
    replica.given([assigned()]).when(loadStarted()).then('loading');
    replica.given([assigned(), loadStarted()]).when(loaded()).then('loaded');
    replica.given([assigned(), loadStarted(), loaded()]).when(dropRequested()).then('dropping');
    replica.given([assigned(), loadStarted(), loaded(), dropRequested()]).when(dropped()).then('dropped');
  });

  it('a restarted historical re-announces a segment nobody assigned it', () => {
    const s = replica.given([]).when(loaded()).then('loaded');
    expect(s.context).toMatchObject({ segmentId: SEG, serverId: 'hist-1', tier: null });
  });

  it('a historical that comes back re-announces a replica dropped when it left', () => {
    replica.given([assigned(), loaded(), dropped()]).when(loaded()).then('loaded');
  });

  it('a server that leaves drops its replicas whatever their state', () => {
    replica.given([assigned()]).when(dropped()).then('dropped');
    replica.given([assigned(), loadStarted()]).when(dropped()).then('dropped');
    replica.given([assigned(), loaded()]).when(dropped()).then('dropped');
  });

  it('a failed load is recorded and the replica may be assigned again', () => {
    const s = replica.given([assigned(), loadStarted()]).when(loadFailed()).then('failed');
    expect(s.context.failure).toBe('checksum mismatch');
    const again = replica.given([assigned(), loadStarted(), loadFailed()]).when(assigned()).then('assigned');
    expect(again.context.failure).toBeNull();
  });

  it('a replica is assigned once until it is dropped or failed', () => {
    replica.given([assigned()]).when(assigned()).thenRejects();
    replica.given([assigned(), loaded()]).when(assigned()).thenRejects();
    replica.given([assigned(), loaded(), dropped()]).when(assigned()).then('assigned');
  });

  it('a replica that was never assigned cannot start loading, fail or be asked to drop', () => {
    for (const f of [loadStarted(), loadFailed(), dropRequested()]) replica.given([]).when(f).thenRejects();
  });

  it('a loaded replica cannot be loaded again, nor a dropped one dropped again', () => {
    replica.given([assigned(), loaded()]).when(loaded()).thenRejects();
    replica.given([assigned(), loaded(), dropped()]).when(dropped()).thenRejects();
  });

  it('only a served replica can be asked to drop', () => {
    replica.given([assigned()]).when(dropRequested()).thenRejects();
    replica.given([assigned(), loadStarted()]).when(dropRequested()).thenRejects();
    replica.given([assigned(), loaded()]).when(dropRequested()).then('dropping');
  });

  it('a replica being dropped is not loaded again before it is gone', () => {
    replica.given([assigned(), loaded(), dropRequested()]).when(loaded()).thenRejects();
  });
});

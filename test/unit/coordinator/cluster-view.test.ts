import { describe, expect, it } from 'vitest';
import type { SegmentDescriptor } from '../../../machines/segment/events.ts';
import { CoordinatorView } from '../../../src/coordinator/cluster-view.ts';
import type { NewEvent } from '../../../src/events/catalog.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { parseInterval } from '../../../src/time/interval.ts';

function descriptor(interval: string, version: string, size = 100): SegmentDescriptor {
  const id = `wiki_${interval.replace('/', '_')}_${version}`;
  return {
    id, dataSource: 'wiki', interval, version, partitionNum: 0, shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 },
    dimensions: [], metrics: [], rows: 1, size, loadSpec: { type: 'local', path: id }, checksum: 'c',
  };
}

/** A cluster state fed facts as the log would, with the coordinator's view over it. */
function world() {
  const state = new ClusterState();
  const view = new CoordinatorView(state);
  const touched: string[] = [];
  const covered: string[] = [];
  view.listen({ segmentTouched: (id) => touched.push(id), coverageChanged: (ds) => covered.push(ds) });
  const facts = (...events: NewEvent[]) => {
    for (const e of events) state.apply({ seq: state.position + 1, at: 1000 + state.position, type: e.type, data: e.data, meta: { actor: 't', correlationId: 'c', causationId: null } });
  };
  const replica = (type: string, s: SegmentDescriptor, serverId: string, more: object = {}) => ({ type, data: { dataSource: 'wiki', segmentId: s.id, serverId, ...more } }) as NewEvent;
  facts({ type: 'ServerJoined', data: { serverId: 'h1', kind: 'historical', tier: 'hot', capacity: 1000 } });
  return { state, view, touched, covered, facts, replica };
}

describe('the coordinator\'s view follows the cluster state fact by fact', () => {
  it('counts the bytes a server holds or is about to hold, and forgets them when dropped', () => {
    const w = world();
    const s = descriptor('2024-01-01/2024-01-02', 'v1', 300);
    w.facts({ type: 'SegmentsPublished', data: { dataSource: 'wiki', taskId: 't', segments: [s] } }, w.replica('ReplicaAssigned', s, 'h1', { tier: 'hot', reason: 'rule' }));
    expect(w.view.bytesOn('h1')).toBe(300);
    expect(w.view.replicasOf(s.id).get('h1')?.status).toBe('assigned');
    w.facts(w.replica('ReplicaLoadStarted', s, 'h1'), w.replica('ReplicaLoaded', s, 'h1'));
    expect([...w.view.segmentsOn('h1')]).toEqual([s.id]);
    w.facts(w.replica('ReplicaDropRequested', s, 'h1', { reason: 'rule' }), w.replica('ReplicaDropped', s, 'h1'));
    expect(w.view.bytesOn('h1')).toBe(0);
    expect(w.view.replicasOf(s.id).size).toBe(0);
    expect(w.touched.filter((id) => id === s.id).length).toBeGreaterThanOrEqual(6);
  });

  it('a used segment counts as served once a historical loads it, not while only its realtime task serves it', () => {
    const w = world();
    const s = descriptor('2024-01-01/2024-01-02', 'v1');
    w.facts(
      { type: 'SegmentAllocated', data: { segment: { ...s }, taskId: 'task1', lockId: 'l', sequenceName: 'q', previousSegmentId: null, realtime: true } },
      { type: 'SegmentsPublished', data: { dataSource: 'wiki', taskId: 'task1', segments: [s] } },
    );
    expect(w.state.stateOf('segment', s.id)).toBe('published.used.available');
    expect(w.view.usedTimeline('wiki')?.get(s.id)).toBeDefined();
    expect(w.view.servedTimeline('wiki')?.get(s.id), 'served by its task only').toBeUndefined();
    w.facts(w.replica('ReplicaAssigned', s, 'h1', { tier: 'hot', reason: 'rule' }), w.replica('ReplicaLoaded', s, 'h1'));
    expect(w.view.servedTimeline('wiki')?.get(s.id)).toBeDefined();
    expect(w.covered).toContain('wiki');
  });

  it('an unused segment leaves both timelines; a killed one leaves the view entirely', () => {
    const w = world();
    const s = descriptor('2024-01-01/2024-01-02', 'v1');
    w.facts({ type: 'SegmentsPublished', data: { dataSource: 'wiki', taskId: 't', segments: [s] } });
    w.view.setZeroReplica(s.id, true);
    expect(w.view.servedTimeline('wiki')?.get(s.id), 'a segment that needs no replica counts as served').toBeDefined();
    w.facts({ type: 'SegmentsMarkedUnused', data: { dataSource: 'wiki', segmentIds: [s.id], reason: 'manual' } });
    expect(w.view.usedTimeline('wiki')?.get(s.id)).toBeUndefined();
    expect(w.view.servedTimeline('wiki')?.get(s.id)).toBeUndefined();
    w.facts({ type: 'SegmentsKilled', data: { dataSource: 'wiki', segmentIds: [s.id], taskId: 'kill1' } });
    expect(w.view.facts(s.id)).toBeNull();
  });

  it('rebuilds the same indexes from a restored snapshot', () => {
    const w = world();
    const s = descriptor('2024-01-01/2024-01-02', 'v1', 250);
    w.facts({ type: 'SegmentsPublished', data: { dataSource: 'wiki', taskId: 't', segments: [s] } }, w.replica('ReplicaAssigned', s, 'h1', { tier: 'hot', reason: 'rule' }), w.replica('ReplicaLoaded', s, 'h1'));
    const restored = new ClusterState();
    restored.restore(w.state.snapshot());
    const view = new CoordinatorView(restored);
    view.rebuild();
    expect(view.bytesOn('h1')).toBe(250);
    expect(view.servedTimeline('wiki')?.lookup(parseInterval('2024-01-01/2024-01-02')).map((c) => c.version)).toEqual(['v1']);
  });
});

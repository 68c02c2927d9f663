import { describe, expect, it } from 'vitest';
import { machineSpec } from '../../support/machine-spec.ts';
import { replicaFacts, SAMPLES, SEG, segmentFacts, T0 } from './facts.ts';
import { acceptedEdges, edgesAlong, nameOf, shortestPaths, simplePaths, snapshotsAlong, type Snapshot } from './paths.ts';

const { allocated, published, markedUnused, markedUsed, abandoned, killed } = segmentFacts;
const { loaded, dropped, replicaLoaded } = replicaFacts;
const segment = machineSpec('segment', SEG);

const reachable = shortestPaths('segment').map((p) => p.state);
const edges = acceptedEdges('segment');
// One historical keeps the number of simple paths small; two add nothing a path could show.
const paths = simplePaths('segment', SAMPLES.segment.filter((f) => !JSON.stringify(f.data).includes('hist-2')));

const exactlyOne = (s: Snapshot, a: string, b: string) => s.hasTag(a) !== s.hasTag(b);

describe('the segment machine, over every reachable state', () => {
  it('reaches the five seed states, abandoned and killed', () => {
    expect(new Set(reachable.map(nameOf))).toEqual(
      new Set([
        'building',
        'published.used.available',
        'published.used.unavailable',
        'published.unused.available',
        'published.unused.unavailable',
        'abandoned',
        'killed',
      ]),
    );
  });

  it('has no state that is unpublished and unavailable', () => {
    for (const s of reachable) expect(s.hasTag('unpublished') && s.hasTag('unavailable'), nameOf(s)).toBe(false);
  });

  it('tags every existing state published or unpublished, available or unavailable, and a published one used or unused', () => {
    for (const s of reachable.filter((s) => !s.hasTag('gone'))) {
      expect(exactlyOne(s, 'published', 'unpublished'), nameOf(s)).toBe(true);
      expect(exactlyOne(s, 'available', 'unavailable'), nameOf(s)).toBe(true);
      expect(s.hasTag('published') ? exactlyOne(s, 'used', 'unused') : !s.hasTag('used') && !s.hasTag('unused'), nameOf(s)).toBe(true);
    }
  });

  it('tags a segment that no longer exists gone and nothing else', () => {
    const gone = reachable.filter((s) => s.status === 'done');
    expect(new Set(gone.map(nameOf))).toEqual(new Set(['abandoned', 'killed']));
    for (const s of gone) expect([...s.tags], nameOf(s)).toEqual(['gone']);
  });

  it('has a published segment available exactly while some server serves it', () => {
    for (const s of reachable.filter((s) => s.hasTag('published'))) {
      expect(s.hasTag('available'), `${nameOf(s)} served by [${s.context.servers}]`).toBe(s.context.servers.length > 0);
    }
  });

  it('has a building segment served only when it is realtime, and then only by the realtime tasks that build it', () => {
    const built = reachable.filter((s) => nameOf(s) === 'building' && s.context.taskId !== null);
    expect(new Set(built.map((s) => s.context.realtime))).toEqual(new Set([false, true]));
    for (const s of built) {
      if (!s.context.realtime) expect(s.context.servers).toEqual([]);
      else for (const server of s.context.servers) expect(['task-rt', 'task-rt-replica']).toContain(server);
    }
    expect(built.some((s) => s.context.servers.length === 2)).toBe(true);
  });
});

describe('the segment machine, over every transition', () => {
  it('makes a published segment unavailable only when its last server drops it', () => {
    const losses = edges.filter((e) => e.state.hasTag('published') && e.state.hasTag('available') && e.nextState.hasTag('unavailable'));
    expect(losses.length).toBeGreaterThan(0);
    for (const { state, event } of losses) {
      expect(event.type).toBe('ReplicaDropped');
      expect(state.context.servers).toEqual([(event as ReturnType<typeof dropped>).data.serverId]);
    }
  });

  it('kills only a segment that is unused and unavailable', () => {
    const kills = edges.filter((e) => nameOf(e.nextState) === 'killed');
    expect(kills.length).toBeGreaterThan(0);
    for (const { state } of kills) expect(nameOf(state)).toBe('published.unused.unavailable');
  });

  it('abandons only a segment that is still building', () => {
    const abandonments = edges.filter((e) => nameOf(e.nextState) === 'abandoned');
    expect(abandonments.length).toBeGreaterThan(0);
    for (const { state } of abandonments) expect(nameOf(state)).toBe('building');
  });

  it('changes whether a segment is used only when it is marked so, and keeps its availability then', () => {
    for (const { state, event, nextState } of edges.filter((e) => e.state.hasTag('published') && !e.nextState.hasTag('gone'))) {
      const switched = state.hasTag('used') !== nextState.hasTag('used');
      expect(switched, `${nameOf(state)} --${event.type}--> ${nameOf(nextState)}`).toBe(
        event.type === 'SegmentsMarkedUnused' || event.type === 'SegmentsMarkedUsed',
      );
      if (switched) expect(nextState.hasTag('available')).toBe(state.hasTag('available'));
    }
  });
});

describe('the segment machine, along every simple path', () => {
  it('never unpublishes a published segment', () => {
    expect(paths.length).toBeGreaterThan(10);
    for (const path of paths) {
      const states = snapshotsAlong(path);
      const first = states.findIndex((s) => s.hasTag('published'));
      if (first >= 0) for (const s of states.slice(first)) expect(s.hasTag('published') || nameOf(s) === 'killed', nameOf(s)).toBe(true);
    }
  });

  it('reaches killed only through published.unused.unavailable', () => {
    const toKilled = paths.filter((p) => nameOf(p.state) === 'killed');
    expect(toKilled.length).toBeGreaterThan(0);
    for (const path of toKilled) {
      const names = edgesAlong(path).map((e) => nameOf(e.state));
      expect(names.at(-1)).toBe('published.unused.unavailable');
    }
  });
});

describe('segment rules', () => {
  it('a realtime segment is available on its task while it is built', () => {
    const s = segment.given([]).when(allocated({ realtime: true })).then('building');
    expect(s.context.servers).toEqual(['task-rt']);
  });

  it('a batch segment is built without being served', () => {
    const s = segment.given([]).when(allocated({ taskId: 'task-batch', realtime: false })).then('building');
    expect(s.context.servers).toEqual([]);
  });

  it('an allocated segment remembers its sequence, the segment before it and its shard spec, so allocation can be idempotent', () => {
    const s = segment.given([]).when(allocated()).then('building');
    expect(s.context.allocation).toEqual({
      sequenceName: 'seq',
      previousSegmentId: null,
      shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 },
    });
  });

  it('a segment is allocated once', () => {
    segment.given([allocated()]).when(allocated({ taskId: 'task-other' })).thenRejects();
  });

  it('a published realtime segment stays available on its task', () => {
    const s = segment.given([allocated({ realtime: true })]).when(published()).then('published.used.available');
    expect(s.context.descriptor?.id).toBe(SEG);
  });

  it('a published batch segment is unavailable until a historical loads it', () => {
    segment.given([allocated({ taskId: 'task-batch', realtime: false })]).when(published({ taskId: 'task-batch' })).then('published.used.unavailable');
    segment.given([published()]).when(loaded('hist-1')).then('published.used.available');
  });

  it('an overwriting task publishes a segment it never allocated', () => {
    const s = segment.given([]).when(published({ taskId: 'task-overwrite' })).then('published.used.unavailable');
    expect(s.context).toMatchObject({ taskId: 'task-overwrite', version: '2024-01-01T00:00:00.000Z', partitionNum: 0 });
  });

  it('a published segment cannot be published again', () => {
    segment.given([published()]).when(published()).thenRejects();
  });

  it('a segment becomes unavailable only when its last replica is dropped', () => {
    const twice = [published(), loaded('hist-1'), loaded('hist-2')];
    segment.given(twice).when(dropped('hist-1')).then('published.used.available');
    segment.given([...twice, dropped('hist-1')]).when(dropped('hist-2')).then('published.used.unavailable');
  });

  it('a realtime task hands its segment off by dropping its own copy once a historical serves it', () => {
    const s = segment.given([allocated(), published(), loaded('hist-1')]).when(dropped('task-rt')).then('published.used.available');
    expect(s.context.servers).toEqual(['hist-1']);
  });

  it('a server that leaves while still loading a segment drops it without changing who serves it', () => {
    const s = segment.given([published(), loaded('hist-1')]).when(dropped('hist-2')).then('published.used.available');
    expect(s.context.servers).toEqual(['hist-1']);
    segment.given([published()]).when(dropped('hist-2')).then('published.used.unavailable');
  });

  it('a server that serves a segment cannot load it again', () => {
    segment.given([published(), loaded('hist-1')]).when(loaded('hist-1')).thenRejects();
  });

  it('historicals do not serve a segment that is still building', () => {
    segment.given([allocated()]).when(loaded('hist-1')).thenRejects();
  });

  it('a replica of the realtime task builds and serves the same segment, and stops serving it when it stops', () => {
    const s = segment.given([allocated()]).when(replicaLoaded('task-rt-replica')).then('building');
    expect(s.context.servers).toEqual(['task-rt', 'task-rt-replica']);
    const left = segment.given([allocated(), replicaLoaded('task-rt-replica')]).when(dropped('task-rt')).then('building');
    expect(left.context.servers).toEqual(['task-rt-replica']);
    segment.given([allocated(), replicaLoaded('task-rt-replica')]).when(replicaLoaded('task-rt-replica')).thenRejects();
    segment.given([allocated({ taskId: 'task-batch', realtime: false })]).when(replicaLoaded('task-rt-replica')).thenRejects();
  });

  it('a building segment whose last realtime task stopped is still building, and is abandoned with its group', () => {
    const s = segment.given([allocated()]).when(dropped('task-rt')).then('building');
    expect(s.context.servers).toEqual([]);
    segment.given([allocated(), dropped('task-rt')]).when(abandoned()).then('abandoned');
  });

  it('marking a segment unused keeps its availability, and records why and since when', () => {
    const s = segment.given([published(), loaded('hist-1')]).when(markedUnused([SEG], T0 + 5)).then('published.unused.available');
    expect(s.context).toMatchObject({ unusedReason: 'overshadowed', unusedSince: T0 + 5 });
    segment.given([published()]).when(markedUnused()).then('published.unused.unavailable');
  });

  it('marking a segment used again keeps its availability and forgets why it was unused', () => {
    const s = segment.given([published(), loaded('hist-1'), markedUnused()]).when(markedUsed()).then('published.used.available');
    expect(s.context).toMatchObject({ unusedReason: null, unusedSince: null });
    segment.given([published(), markedUnused()]).when(markedUsed()).then('published.used.unavailable');
  });

  it('a segment already unused cannot be marked unused, nor a used one used', () => {
    segment.given([published(), markedUnused()]).when(markedUnused()).thenRejects();
    segment.given([published()]).when(markedUsed()).thenRejects();
  });

  it('only an unused segment that nobody serves can be killed', () => {
    segment.given([published()]).when(killed()).thenRejects();
    segment.given([published(), loaded('hist-1'), markedUnused()]).when(killed()).thenRejects();
    segment.given([published(), loaded('hist-1'), markedUnused(), dropped('hist-1')]).when(killed()).then('killed');
  });

  it('a killed segment cannot be loaded, used or killed again', () => {
    const gone = [published(), markedUnused(), killed()];
    for (const f of [loaded('hist-1'), markedUsed(), killed()]) segment.given(gone).when(f).thenRejects();
  });

  it('an unpublished segment whose task ended is abandoned, and cannot be published afterwards', () => {
    const s = segment.given([allocated()]).when(abandoned()).then('abandoned');
    expect(s.context.servers).toEqual([]);
    segment.given([allocated(), abandoned()]).when(published()).thenRejects();
  });

  it('a published segment cannot be abandoned', () => {
    segment.given([allocated(), published()]).when(abandoned()).thenRejects();
  });

  it.each([markedUnused(), markedUsed(), abandoned(), killed(), loaded('hist-1'), dropped('hist-1')])(
    'a segment that does not exist cannot take $type',
    (f) => segment.given([]).when(f).thenRejects(),
  );
});

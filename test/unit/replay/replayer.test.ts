import { describe, expect, it } from 'vitest';
import { isGroveError } from '../../../src/bus/errors.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { stateName } from '../../../src/projections/machine-fold.ts';
import { keysOf } from '../../../src/replay/keys.ts';
import { Replayer, type EntityState, type Explanation, type LocksView, type RulesView } from '../../../src/replay/replayer.ts';
import { MemorySource } from '../../../src/replay/source.ts';
import type { TimelineView } from '../../../src/replay/timeline-view.ts';
import { DAY1, DAY2, DAY3, DS, OTHER_DS, SEG, V1, V2, V3, scenarioRecords, seqOf } from '../../golden/scenario.ts';

const records = scenarioRecords();
const replayer = (): Replayer => new Replayer(new MemorySource(records, keysOf));
const published = (segment: string) => seqOf(records, (r) => r.type === 'SegmentsPublished' && JSON.stringify(r.data).includes(segment));
const chunk = (view: TimelineView, interval: string, version: string) => view.chunks.find((c) => c.interval === interval && c.version === version);

async function rejected(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isGroveError(e, 'bad_request')) return e.message;
    throw e;
  }
  throw new Error('expected a bad_request');
}

describe('replaying one entity', () => {
  it('gives a segment the state its machine reached with the facts up to that point', async () => {
    const r = replayer();
    const at = published(SEG.day1v1p0);
    expect(((await r.state('segment', SEG.day1v1p0, at - 1)) as EntityState).state).toBe('absent');
    expect(((await r.state('segment', SEG.day1v1p0, at)) as EntityState).state).toBe('published.used.unavailable');
    expect(((await r.state('segment', SEG.day1v1p0, 'latest')) as EntityState).state).toBe('killed');
  });

  it('resolves an ISO time to the last record appended at or before it', async () => {
    const r = replayer();
    const at = published(SEG.day1v1p0);
    const time = new Date(records[at - 1]!.at + 30_000).toISOString();
    const s = (await r.state('segment', SEG.day1v1p0, time)) as EntityState;
    expect(s.at).toBe(at);
    expect(s.state).toBe('published.used.unavailable');
    expect(((await r.state('segment', SEG.day1v1p0, '2000-01-01T00:00:00Z')) as EntityState).at).toBe(0);
  });

  it('explains a segment: every fact that touched it, the transition it caused and the guard or rule that decided', async () => {
    const e: Explanation = await replayer().explain('segment', SEG.day1v1p0);
    expect(e.steps.map((s) => [s.type, s.effect, s.before, s.after])).toEqual([
      ['SegmentsPublished', 'transition', 'absent', 'published.used.unavailable'],
      ['ReplicaAssigned', 'related', 'published.used.unavailable', 'published.used.unavailable'],
      ['ReplicaLoadStarted', 'related', 'published.used.unavailable', 'published.used.unavailable'],
      ['ReplicaLoaded', 'transition', 'published.used.unavailable', 'published.used.available'],
      ['SegmentsMarkedUnused', 'transition', 'published.used.available', 'published.unused.available'],
      ['ReplicaDropRequested', 'related', 'published.unused.available', 'published.unused.available'],
      ['ReplicaDropped', 'transition', 'published.unused.available', 'published.unused.unavailable'],
      ['SegmentsKilled', 'transition', 'published.unused.unavailable', 'killed'],
    ]);
    const [publish, assign, , , unused, , dropped] = e.steps;
    // Published while nobody served it: the guarded branch was refused, the fallback taken.
    expect(publish!.transition).toMatchObject({ source: 'building', targets: ['published.used.unavailable'], guard: null, refused: ['isServed'], actions: ['recordPublication'] });
    expect(unused!.transition).toMatchObject({ source: 'published.used', targets: ['published.unused.available'], guard: 'isServed' });
    expect(dropped!.transition).toMatchObject({ guard: 'isLastServer', targets: ['published.unused.unavailable'] });
    expect(assign!.rule).toBe('rules[0]: loadForever {"_default_tier":1}');
    expect(e.state).toBe('killed');
  });

  it('explains a lock revoked by a task of higher priority', async () => {
    const e = await replayer().explain('lock', 'lockC');
    expect(e.steps.map((s) => `${s.type}: ${s.before} -> ${s.after}`)).toEqual([
      'LockRequested: absent -> requested',
      'LockGranted: requested -> granted',
      'LockRevoked: granted -> revoked',
    ]);
    expect(e.context).toMatchObject({ revokedBy: { taskId: 'taskR', lockId: 'lockR2' } });
  });

  it('stops an explanation at the point asked for', async () => {
    const at = seqOf(records, (r) => r.type === 'LockGranted' && (r.data as { lockId: string }).lockId === 'lockC');
    const e = await replayer().explain('lock', 'lockC', at);
    expect(e.steps.map((s) => s.type)).toEqual(['LockRequested', 'LockGranted']);
    expect(e.state).toBe('granted');
  });
});

describe('replaying a datasource', () => {
  it('shows a half-published overwrite as incomplete, the old version still visible', async () => {
    const view = (await replayer().state('timeline', DS, published(SEG.day1v2p0))) as TimelineView;
    expect(chunk(view, DAY1, V2)).toMatchObject({ complete: false, used: true, corePartitions: 2 });
    expect(chunk(view, DAY1, V2)!.partitions.map((p) => p.id)).toEqual([SEG.day1v2p0]);
    expect(chunk(view, DAY1, V1)).toMatchObject({ complete: true, overshadowed: false });
    expect(view.visible.map((v) => [v.interval, v.version])).toEqual([[DAY1, V1], [DAY2, V1]]);
  });

  it('overshadows the old version once the new one is complete, and fades it once unused', async () => {
    const r = replayer();
    const complete = (await r.state('timeline', DS, published(SEG.day1v2p1))) as TimelineView;
    expect(chunk(complete, DAY1, V1)).toMatchObject({ used: true, overshadowed: true, visibleOn: [] });
    expect(complete.visible.map((v) => v.version)).toEqual([V2, V1]);
    const latest = (await r.state('timeline', DS)) as TimelineView;
    const old = chunk(latest, DAY1, V1)!;
    expect(old).toMatchObject({ used: false, overshadowed: true });
    // The killed partition is gone; the unused one stays, faded.
    expect(old.partitions.map((p) => [p.id, p.state])).toEqual([[SEG.day1v1p1, 'published.unused.available']]);
  });

  it('draws the same timeline from the whole-cluster fold as from the datasource\'s own history', async () => {
    const r = replayer();
    for (const at of [published(SEG.day1v2p0), published(SEG.day1v2p1), records.length]) {
      const alone = await r.state('timeline', DS, at);
      await r.counts(at);
      expect(await r.state('timeline', DS, at)).toEqual(alone);
    }
  });

  it('marks the segment a streaming task builds as realtime, visible on its day', async () => {
    const latest = (await replayer().state('timeline', DS)) as TimelineView;
    expect(chunk(latest, DAY3, V3)!.partitions).toEqual([expect.objectContaining({ id: SEG.day3rt, realtime: true, state: 'building', servers: ['taskR'] })]);
    expect(latest.visible.map((v) => [v.interval, v.version])).toEqual([[DAY1, V2], [DAY2, V1], [DAY3, V3]]);
  });

  it('lists a datasource\'s locks as of a point', async () => {
    const r = replayer();
    const before = seqOf(records, (r) => r.type === 'LockRevoked') - 1;
    const then = (await r.state('locks', DS, before)) as LocksView;
    expect(then.locks.map((l) => [l.id, l.state])).toEqual([['lockA', 'released'], ['lockB', 'released'], ['lockC', 'granted'], ['lockR2', 'requested']]);
    const now = (await r.state('locks', DS)) as LocksView;
    expect(now.locks.find((l) => l.id === 'lockC')!.state).toBe('revoked');
    expect(now.locks.find((l) => l.id === 'lockR3')).toMatchObject({ state: 'granted', interval: DAY3, version: V3, priority: 75 });
  });

  it('gives the rules in force as of a point, with their history', async () => {
    const r = replayer();
    const set = seqOf(records, (r) => r.type === 'RulesSet');
    expect(((await r.state('rules', DS, set - 1)) as RulesView).rules).toEqual([]);
    const after = (await r.state('rules', DS, set)) as RulesView;
    expect(after.rules).toEqual([{ type: 'loadForever', tieredReplicants: { _default_tier: 1 } }]);
    expect(after.history).toEqual([expect.objectContaining({ seq: set, comment: 'one replica' })]);
    expect(after.defaultRules[0]).toMatchObject({ type: 'loadForever' });
  });
});

describe('replaying the whole cluster', () => {
  it('counts entities per state exactly as the live projection holds them', async () => {
    const live = new ClusterState();
    for (const r of records) live.apply(r);
    const { counts } = await replayer().counts('latest');
    for (const kind of ['segment', 'task', 'lock', 'replica'] as const) {
      const expected: Record<string, number> = {};
      for (const [, s] of live.entitiesOf(kind)) expected[stateName(s.value)] = (expected[stateName(s.value)] ?? 0) + 1;
      if (kind === 'segment') expected.killed = 1;
      expect(counts[kind], kind).toEqual(expected);
    }
  });

  it('counts going back in time refold from the start and agree with going forward', async () => {
    const r = replayer();
    const mid = Math.floor(records.length / 2);
    const forward = await replayer().counts(mid);
    await r.counts('latest');
    expect(await r.counts(mid)).toEqual(forward);
  });

  it('diffs two points: segments, versions, locks and rules that changed', async () => {
    const from = published(SEG.day1v2p0) - 1;
    const to = seqOf(records, (r) => r.type === 'SegmentsMarkedUnused');
    const d = await replayer().diff(from, to, DS);
    const change = (id: string) => d.entities.find((e) => e.id === id);
    expect(change(SEG.day1v2p1)).toMatchObject({ kind: 'segment', before: 'absent', after: 'published.used.available' });
    expect(change(SEG.day1v1p0)).toMatchObject({ before: 'published.used.available', after: 'published.unused.available' });
    expect(change('lockB')).toMatchObject({ kind: 'lock', before: 'granted', after: 'released' });
    expect(d.versions).toEqual(expect.arrayContaining([
      { dataSource: DS, interval: DAY1, version: V1, before: 'visible', after: 'unused' },
      { dataSource: DS, interval: DAY1, version: V2, before: 'absent', after: 'visible' },
    ]));
    expect(d.entities.every((e) => e.dataSource === DS)).toBe(true);
    expect(d.rules).toEqual([]);
  });

  it('diffs name killed segments as killed, and rules that were set', async () => {
    const d = await replayer().diff(published(SEG.day1v1p0), 'latest');
    expect(d.entities.find((e) => e.id === SEG.day1v1p0)).toMatchObject({ before: 'published.used.unavailable', after: 'killed' });
    expect(d.rules).toEqual([{ dataSource: DS, before: [], after: [{ type: 'loadForever', tieredReplicants: { _default_tier: 1 } }] }]);
  });

  it('does not count a segment born and killed between the two points as a change', async () => {
    const d = await replayer().diff(0, 'latest');
    expect(d.entities.some((e) => e.id === SEG.day1v1p0)).toBe(false);
    expect(d.entities.find((e) => e.id === SEG.day1v1p1)).toMatchObject({ before: 'absent', after: 'published.unused.available' });
  });
});

describe('finding entities', () => {
  it('finds a datasource and what it has had, entities by the beginning of their id, and lists the datasources for an empty query', () => {
    const r = replayer();
    const hits = r.search(DS);
    expect(hits[0]).toEqual({ kind: 'datasource', id: DS });
    expect(hits).toEqual(expect.arrayContaining([{ kind: 'segment', id: SEG.day3rt }, { kind: 'task', id: 'taskR' }, { kind: 'lock', id: 'lockC' }]));
    expect(hits.some((h) => h.id === SEG.koala)).toBe(false);
    expect(r.search('lockR')).toEqual([{ kind: 'lock', id: 'lockR2' }, { kind: 'lock', id: 'lockR3' }]);
    expect(r.search(OTHER_DS).map((h) => h.id)).toContain(SEG.koala);
    expect(r.search('')).toEqual([{ kind: 'datasource', id: OTHER_DS }, { kind: 'datasource', id: DS }]);
  });
});

describe('bad questions get clear errors', () => {
  it('names what is accepted', async () => {
    const r = replayer();
    expect(await rejected(r.state('widget', 'x'))).toMatch(/unknown kind "widget" \(expected one of segment, .*timeline, rules\)/);
    expect(await rejected(r.state('segment', 'x', 10_000))).toBe(`seq 10000 is past the end of the log (last seq ${records.length})`);
    expect(await rejected(r.state('segment', 'x', 'yesterday'))).toMatch(/"at" must be a sequence number, an ISO-8601 time/);
    expect(await rejected(r.state('segment', '', 1))).toMatch(/"id" must be a non-empty string/);
    expect(() => r.search(42 as unknown as string)).toThrow(/"query" must be a string/);
  });
});

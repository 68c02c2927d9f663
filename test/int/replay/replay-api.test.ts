import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { Metastore } from '../../../actors/metastore/metastore.ts';
import { request } from '../../../src/bus/client.ts';
import { API, INTERNAL } from '../../../src/bus/subjects.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import type { CountsView, EntityState, Explanation, SearchHit } from '../../../src/replay/replayer.ts';
import type { StateDiff } from '../../../src/replay/diff.ts';
import type { TimelineView } from '../../../src/replay/timeline-view.ts';
import { connectAs, ownNatsServer, rejectionOf } from '../../support/bus.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { DAY1, DS, SEG, V1, V2, scenario } from '../../golden/scenario.ts';

const nats = ownNatsServer();
const dir = tempDir('replay-api');
let actor: NatsConnection;
let viewer: NatsConnection;
let metastore: Metastore;
/** The seq each scenario append ended at. */
const ends: number[] = [];

beforeAll(async () => {
  actor = await connectAs('actor', nats.url());
  viewer = await connectAs('viewer', nats.url());
  metastore = await Metastore.start({ nc: actor, id: 'm-replay', path: join(dir, 'metadata'), state: new ClusterState() });
  for (const events of scenario()) {
    const { lastSeq } = await request<{ lastSeq: number }>(actor, INTERNAL.metaAppend, { events, meta: { actor: 'test' } });
    ends.push(lastSeq);
  }
});
afterAll(async () => {
  await metastore.stop();
  await viewer.close();
  await actor.close();
});

describe('grove.api.replay.* over NATS, as the visualizer (user viewer) asks', () => {
  it('gives an entity\'s state as of a seq, a time or "latest"', async () => {
    const latest = await request<EntityState>(viewer, API.replayState, { kind: 'segment', id: SEG.day1v2p0 });
    expect(latest).toMatchObject({ at: metastore.log.lastSeq, state: 'published.used.available' });
    const first = metastore.log.read({ type: 'SegmentsPublished', limit: 1 })[0]!;
    const then = await request<EntityState>(viewer, API.replayState, { at: first.seq - 1, kind: 'segment', id: SEG.day1v1p0 });
    expect(then.state).toBe('absent');
    const byTime = await request<EntityState>(viewer, API.replayState, { at: new Date(first.at).toISOString(), kind: 'segment', id: SEG.day1v1p0 });
    expect(byTime.at).toBeGreaterThanOrEqual(first.seq);
  });

  it('draws a datasource\'s timeline as of a point', async () => {
    const view = await request<TimelineView>(viewer, API.replayState, { kind: 'timeline', id: DS });
    expect(view.chunks.filter((c) => c.interval === DAY1).map((c) => [c.version, c.used, c.overshadowed])).toEqual([[V1, false, true], [V2, true, false]]);
  });

  it('explains an entity, step by step', async () => {
    const e = await request<Explanation>(viewer, API.replayExplain, { kind: 'task', id: 'taskC' });
    expect(e.steps.map((s) => [s.type, s.effect, s.after])).toEqual([
      ['TaskSubmitted', 'transition', 'pending'],
      ['LockRequested', 'related', 'pending'],
      ['TaskStarted', 'transition', 'running'],
      ['TaskFailed', 'transition', 'failed'],
    ]);
    expect(e.context).toMatchObject({ errorCode: 'lock_preempted' });
  });

  it('counts entities per state, as of any point', async () => {
    const now = await request<CountsView>(viewer, API.replayCounts, {});
    expect(now.counts.task).toEqual({ succeeded: 4, failed: 1, running: 1 });
    const early = await request<CountsView>(viewer, API.replayCounts, { at: ends[2] });
    expect(early.counts.task).toEqual({ running: 1 });
    expect(early.counts.segment).toEqual({});
  });

  it('diffs two points and finds entities', async () => {
    const d = await request<StateDiff>(viewer, API.replayDiff, { from: ends[0], to: ends[5], dataSource: DS });
    expect(d.entities.filter((e) => e.kind === 'segment').map((e) => e.after)).toEqual(['published.used.unavailable', 'published.used.unavailable', 'published.used.unavailable']);
    const hits = await request<SearchHit[]>(viewer, API.replaySearch, { query: 'task' });
    expect(hits.map((h) => h.id)).toEqual(['taskA', 'taskB', 'taskC', 'taskK', 'taskKill', 'taskR']);
  });

  it('lists every machine\'s definition, as machine.toJSON() prints it', async () => {
    const machines = await request<Array<{ kind: string; definition: { id: string; states: Record<string, unknown> } }>>(viewer, API.machinesList, {});
    expect(machines.map((m) => m.kind)).toEqual(['segment', 'replica', 'task', 'lock', 'handoff', 'supervisor']);
    expect(Object.keys(machines[0]!.definition.states)).toEqual(['building', 'published', 'abandoned', 'killed']);
  });

  it('answers JSON with JSON, as the stock nats CLI asks', async () => {
    const msg = await viewer.request(API.replayState, new TextEncoder().encode(`{"kind":"lock","id":"lockC","at":"latest"}`), { timeout: 5000 });
    expect(JSON.parse(new TextDecoder().decode(msg.data))).toMatchObject({ ok: true, result: { state: 'revoked' } });
  });

  it('refuses a malformed request with bad_request naming the field', async () => {
    const e = await rejectionOf(request(viewer, API.replayState, { kind: 'segment' }));
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(/malformed replay.state request: id:/);
    const past = await rejectionOf(request(viewer, API.replayCounts, { at: 10_000_000 }));
    expect(past.message).toMatch(/past the end of the log/);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../src/bus/client.ts';
import { connectBus } from '../../src/bus/connection.ts';
import { INTERNAL } from '../../src/bus/subjects.ts';
import { dataPaths } from '../../src/config/grove-config.ts';
import { EventLog } from '../../src/log/event-log.ts';
import { fromRecords, type Records } from '../../src/log/record-columns.ts';
import { decodeSnapshot, encodeSnapshot } from '../../src/log/snapshot-codec.ts';
import { keysOf } from '../../src/replay/keys.ts';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';
import { DAY1, DS, SEG, V1, V2, scenario } from '../golden/scenario.ts';

/**
 * `grove replay` and `grove log export` as a user runs them, against grove started as a user
 * starts it (the metastore alone: the appended events stand for the other actors' work).
 * GROVE_UPDATE_GOLDEN=1 writes the slices it exports into test/golden/ for the golden test.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'grove-e2e-replay-'));
const work = mkdtempSync(join(tmpdir(), 'grove-e2e-slices-'));
const GOLDEN = new URL('../golden/', import.meta.url).pathname;
let grove: GroveProcess;
/** The seq each scenario append ended at. */
const ends: number[] = [];

async function appendScenario(): Promise<void> {
  const nc = await connectBus({ url: grove.natsUrl, user: 'actor', password: 'actor', name: 'e2e-replay' });
  for (const events of scenario()) ends.push((await request<{ lastSeq: number }>(nc, INTERNAL.metaAppend, { events, meta: { actor: 'e2e' } })).lastSeq);
  await nc.close();
}

async function ok(args: string[]): Promise<string> {
  const r = await grove.cli(args);
  expect(r.code, `grove ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  grove = await startGrove(['--actors', 'metastore'], { dataDir });
  await appendScenario();
}, 120_000);

afterAll(async () => {
  await grove?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const last = (): number => ends.at(-1)!;

describe('grove replay, against the live log', () => {
  it('prints an entity\'s state as of a sequence number or a time', async () => {
    expect(await ok(['replay', 'segment', SEG.day1v1p1])).toContain(`segment ${SEG.day1v1p1} as of seq ${last()}`);
    expect(await ok(['replay', 'segment', SEG.day1v1p1])).toMatch(/: published\.unused\.available\n/);
    expect(await ok(['replay', '--at', String(ends[3]), 'segment', SEG.day1v1p1])).toMatch(/: absent$/m);
    const json = JSON.parse(await ok(['replay', '--at', new Date().toISOString(), 'lock', 'lockC', '--json']));
    expect(json).toMatchObject({ at: last(), state: 'revoked' });
  });

  it('prints a datasource\'s timeline, locks and rules as of a point', async () => {
    const timeline = await ok(['replay', '--at', String(ends[16]), 'timeline', DS]);
    expect(timeline).toContain(`timeline of ${DS} as of seq ${ends[16]}`);
    expect(timeline).toMatch(new RegExp(`${DAY1}\\s+${V2}\\s+incomplete \\(1/2 core\\)`));
    expect(timeline).toMatch(new RegExp(`queries read:\\n  ${DAY1}  version ${V1}`));
    expect(await ok(['replay', 'locks', DS])).toMatch(/lockC\s+revoked\s+taskC/);
    expect(await ok(['replay', 'rules', DS])).toContain('rules[0] {"type":"loadForever","tieredReplicants":{"_default_tier":1}}');
  });

  it('--explain lists every event that touched it, with the state before and after and what decided', async () => {
    const out = await ok(['replay', '--explain', 'segment', SEG.day1v1p0]);
    expect(out).toMatch(/SegmentsPublished\s+absent -> published\.used\.unavailable\s+isServed false; so the unguarded branch; actions recordPublication/);
    expect(out).toMatch(/ReplicaAssigned\s+published\.used\.unavailable\s+another machine's fact; rule rules\[0\]: loadForever \{"_default_tier":1\}/);
    expect(out).toMatch(/ReplicaDropped\s+published\.unused\.available -> published\.unused\.unavailable\s+guard isLastServer/);
    expect(out).toMatch(/SegmentsKilled\s+published\.unused\.unavailable -> killed/);
  });

  it('--diff says what changed between two points: segments, versions, locks, rules', async () => {
    const out = await ok(['replay', '--diff', String(ends[14]), String(ends[21]), DS]);
    expect(out).toContain(`from seq ${ends[14]} to seq ${ends[21]} in ${DS}:`);
    expect(out).toMatch(new RegExp(`${SEG.day1v2p1}\\s+absent -> published\\.used\\.available`));
    expect(out).toMatch(/lockB\s+requested -> released/);
    expect(out).toMatch(new RegExp(`${DS}\\s+${DAY1}\\s+${V1}\\s+visible -> unused`));
  });

  it('--verify refolds the whole log and finds it equal to the live projections', async () => {
    expect(await ok(['replay', '--verify'])).toBe(`verified: refolding seq 1..${last()} gives exactly the live projections (23 entities)\n`);
  });

  it('says what is wrong with a bad question, with exit status 1', async () => {
    const bad = await grove.cli(['replay', '--at', 'soon', 'segment', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"at" must be a sequence number, an ISO-8601 time (e.g. 2024-05-01T12:00:00Z) or "latest", got "soon"');
    const none = await grove.cli(['replay']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('say what to replay');
  });
});

describe('grove log export and grove replay --file', () => {
  const slice = (name: string): string => join(work, name);

  it('exports a slice that replays elsewhere to the states it recorded, and answers questions about it', async () => {
    const from = ends[14]! + 1;
    const out = await grove.cli(['log', 'export', '--from', String(from), '--dataSource', DS]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(new RegExp(`exported \\d+ records \\(seq ${from}\\.\\.${last()} of ${DS}\\)`));
    writeFileSync(slice('wiki-overwrite.grovelog'), out.stdout);
    const replayed = await grove.cli(['replay', '--file', slice('wiki-overwrite.grovelog'), 'timeline', DS]);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stderr).toMatch(/reached the \d+ states it recorded/);
    expect(replayed.stdout).toBe(await ok(['replay', 'timeline', DS]));
    const whole = await grove.cli(['log', 'export']);
    writeFileSync(slice('whole.grovelog'), whole.stdout);
    if (process.env.GROVE_UPDATE_GOLDEN === '1') {
      writeFileSync(join(GOLDEN, 'wiki-overwrite.grovelog'), out.stdout);
      writeFileSync(join(GOLDEN, 'whole-scenario.grovelog'), whole.stdout);
    }
  });

  it('fails with a divergence, exit status 1, when the slice was altered', async () => {
    const text = readFileSync(slice('whole.grovelog'), 'utf8');
    const altered = text.split('\n').filter((line) => !(line.includes('"type":"ReplicaLoaded"') && line.includes(SEG.day1v2p1))).join('\n');
    writeFileSync(slice('altered.grovelog'), altered);
    const r = await grove.cli(['replay', '--file', slice('altered.grovelog')]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('did not reach the states it recorded: 2 entities differ');
    expect(r.stderr).toContain(`segment:${SEG.day1v2p1}: expected published.used.available, replay reached published.used.unavailable`);
  });

  it('refuses a file that is not a slice, naming the line', async () => {
    writeFileSync(slice('junk.grovelog'), '{"format":"grovelog","version":1}\nhello\n');
    const r = await grove.cli(['replay', '--file', slice('junk.grovelog')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('junk.grovelog line 1: not a grovelog header');
  });
});

describe('a long replay', () => {
  it('shows its progress and prints its events/s', async () => {
    const nc = await connectBus({ url: grove.natsUrl, user: 'actor', password: 'actor', name: 'e2e-replay-long' });
    for (let batch = 0; batch < 12; batch++) {
      const events = Array.from({ length: 1000 }, (_, i) => ({ type: 'ServerJoined', data: { serverId: `h-${batch}-${i}`, kind: 'historical', tier: '_default_tier', capacity: 1 } }));
      ends.push((await request<{ lastSeq: number }>(nc, INTERNAL.metaAppend, { events, meta: { actor: 'e2e' } })).lastSeq);
    }
    await nc.close();
    const r = await grove.cli(['replay', '--verify']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`verified: refolding seq 1..${last()}`);
    expect(r.stderr).toMatch(new RegExp(`refolding the log: ${last()} events in [\\d.]+ s \\(\\d+ events/s\\)`));
  });
});

describe('grove replay --verify on a corrupted projection', () => {
  it('reports the divergence entity by entity and exits 1', async () => {
    // Stop grove (it snapshots its projection), corrupt the snapshot, start it again from it.
    await grove.stop();
    const log = EventLog.open(dataPaths(dataDir).metadata, { keysOf });
    // A snapshot groups each kind's entities by state (their contexts in columns, or as they are):
    // move lockC's context to another state.
    type Context = { id: string };
    type Group = { state: string; contexts: Records | Context[] };
    const stored = decodeSnapshot(log.meta.get('snapshot:cluster')!) as { state: { strings: string[]; entities: Record<string, Group[]> } };
    const contextsOf = (g: Group) => (Array.isArray(g.contexts) ? g.contexts : (fromRecords(g.contexts, stored.state.strings) as Context[]));
    const locks = stored.state.entities.lock!;
    const from = locks.find((g) => contextsOf(g).some((c) => c.id === 'lockC'))!;
    expect(from.state).toBe('revoked');
    const contexts = contextsOf(from);
    const lockC = contexts.splice(contexts.findIndex((c) => c.id === 'lockC'), 1);
    from.contexts = contexts;
    locks.push({ state: 'granted', contexts: lockC });
    await log.meta.put('snapshot:cluster', Buffer.from(encodeSnapshot(stored)));
    await log.close();
    grove = await startGrove(['--actors', 'metastore'], { dataDir });
    const r = await grove.cli(['replay', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`DIVERGENCE: refolding seq 1..${last()} differs from the live projections in 1 place(s):\n  lock:lockC: live granted, refolded revoked\n`);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import type { Browser, Page } from 'playwright-core';
import { MACHINES, MACHINE_KINDS } from '../../machines/index.ts';
import { request } from '../../src/bus/client.ts';
import { connectBus } from '../../src/bus/connection.ts';
import { API, INTERNAL } from '../../src/bus/subjects.ts';
import type { NewEvent } from '../../src/events/catalog.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import { stateName } from '../../src/projections/machine-fold.ts';
import { chartOf, statesOf, transitionKey } from '../../src/ui/chart/statechart.ts';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';
import { SHOTS, fullShot, launchChromium, openVisualizer, shown, travelTo } from './ui-support.ts';
import { DAY1, DAY3, DS, SEG, V1, V2, V3, scenario } from '../golden/scenario.ts';

/**
 * The visualizer as a user sees it: grove started as a user starts it, a history of events in its
 * log, the page open in a real headless Chromium. Screenshots go to test-results/ui/ (git-ignored).
 */

let grove: GroveProcess;
let actor: NatsConnection;
let browser: Browser;
let page: Page;
/** Every URL the page asked for (all of them must be grove's own), and what it complained about. */
let requested: string[];
let complaints: string[];
const batches = scenario();
/** The last append, kept back to watch it arrive live. */
const lastBatch = batches.pop()!;

async function append(events: NewEvent[]): Promise<number> {
  return (await request<{ lastSeq: number }>(actor, INTERNAL.metaAppend, { events, meta: { actor: 'e2e' } })).lastSeq;
}

/** The log as the test reads it (not as the page does), folded into the cluster state. */
async function logSays(): Promise<{ records: LogRecord[]; state: ClusterState }> {
  const records = await request<LogRecord[]>(actor, API.logRead, { from: 1, limit: 5000 });
  const state = new ClusterState();
  for (const r of records) state.apply(r);
  return { records, state };
}

const chart = (kind: string) => page.locator(`section.machine[data-kind="${kind}"]`);
const count = async (kind: string, path: string): Promise<number> => Number(await chart(kind).locator(`g.state[data-path="${path}"]`).getAttribute('data-count'));
const chunk = (interval: string, version: string) => page.locator(`#picture g.chunk[data-interval="${interval}"][data-version="${version}"]`);

beforeAll(async () => {
  // Only the metastore and the visualizer: the events below stand for the other actors' work.
  grove = await startGrove(['--actors', 'metastore,ui']);
  actor = await connectBus({ url: grove.natsUrl, user: 'actor', password: 'actor', name: 'e2e-ui' });
  for (const events of batches) await append(events);
  browser = await launchChromium();
  ({ page, requested, complaints } = await openVisualizer(browser, `http://127.0.0.1:${grove.uiPort}/`));
  await shown(page, (await logSays()).records.length);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await actor?.close();
  await grove?.stop();
});

describe('the visualizer, in a real browser', () => {
  it('is served on 127.0.0.1 by grove start, which prints its URL', () => {
    expect(grove.output()).toContain(`Visualizer: http://127.0.0.1:${grove.uiPort}`);
    expect(grove.output()).toMatch(/actors: .*ui\(local\)/);
  });

  it('draws every machine as a statechart: its states nested, its transitions labelled with event and guard', async () => {
    for (const kind of MACHINE_KINDS) {
      const model = chartOf(kind, JSON.parse(JSON.stringify(MACHINES[kind].toJSON())));
      expect(await chart(kind).locator('g.state').count(), kind).toBe(statesOf(model).length);
      expect(await chart(kind).locator('g.edge:not(.initial)').count(), kind).toBe(model.edges.length);
    }
    await expect.poll(() => chart('segment').locator('g.edge text.label', { hasText: 'SegmentsPublished [isServed]' }).count()).toBe(1);
    // A nested state is drawn inside its parent.
    const outer = (await chart('segment').locator('g.state[data-path="published.used"] > rect.box').boundingBox())!;
    const inner = (await chart('segment').locator('g.state[data-path="published.used.available"] > rect.box').boundingBox())!;
    expect(inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height).toBe(true);
  });

  it('counts the entities in each state exactly as the log says', async () => {
    const { state } = await logSays();
    for (const kind of ['segment', 'task', 'lock', 'replica'] as const) {
      const expected = new Map<string, number>();
      for (const [, s] of state.entitiesOf(kind)) expected.set(stateName(s.value), (expected.get(stateName(s.value)) ?? 0) + 1);
      for (const [path, n] of expected) expect(await count(kind, path), `${kind} ${path}`).toBe(n);
      expect(Number(await chart(kind).locator('.total').getAttribute('data-total')), kind).toBe([...expected.values()].reduce((a, b) => a + b, 0) + (kind === 'segment' ? 1 : 0));
    }
    expect(await count('segment', 'killed')).toBe(1);
    await fullShot(page, 'overview');
  });

  it('follows a segment: its state lit in its chart, its history with the transition each event caused', async () => {
    await page.fill('#query', SEG.day1v1p1);
    await page.click('#search button[type="submit"]');
    await expect.poll(() => page.locator('#entity .state').getAttribute('data-state')).toBe('published.unused.available');
    const lit = await chart('segment').locator('g.state.current').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    expect(lit).toEqual(['published', 'published.unused', 'published.unused.available']);
    const events = await page.locator('#entity tbody tr td.event').allTextContents();
    expect(events).toEqual(['SegmentsPublished', 'ReplicaAssigned', 'ReplicaLoadStarted', 'ReplicaLoaded', 'SegmentsMarkedUnused']);
    expect(await page.locator('#entity tbody tr').last().locator('td.move').textContent()).toBe('published.used.available → published.unused.available');
    expect(await chart('segment').locator('g.edge.last').getAttribute('data-key')).toBe(transitionKey('published.used', 'SegmentsMarkedUnused', 'isServed', 'published.unused.available'));
    await chart('segment').screenshot({ path: `${SHOTS}segment-followed.png` });
  });

  it('draws the datasource\'s timeline: versions stacked, the overshadowed one faded, what queries read', async () => {
    await expect.poll(() => page.locator('#datasource').inputValue()).toBe(DS);
    expect(await chunk(DAY1, V1).getAttribute('class')).toContain('overshadowed');
    expect(await chunk(DAY1, V1).getAttribute('data-used')).toBe('false');
    expect(await chunk(DAY1, V2).getAttribute('data-visible')).toBe('true');
    expect(await page.locator('#picture g.read').evaluateAll((els) => els.map((e) => e.getAttribute('data-version')))).toEqual([V2, V1]);
    await page.locator('#timeline').screenshot({ path: `${SHOTS}timeline.png` });
  });

  it('updates live as events arrive: a realtime segment appears, marked, and is counted', async () => {
    expect(await count('segment', 'building')).toBe(0);
    const seq = await append(lastBatch);
    await shown(page, seq);
    expect(await count('segment', 'building')).toBe(1);
    const cell = page.locator(`#picture g.cell[data-segment="${SEG.day3rt}"]`);
    expect(await cell.getAttribute('data-realtime')).toBe('true');
    expect(await cell.textContent()).toContain('RT');
    expect(await chunk(DAY3, V3).getAttribute('data-visible')).toBe('true');
  });

  it('travels in time: the slider replays every view as of that point, and "live" comes back', async () => {
    const { records } = await logSays();
    const head = records.length;
    const beforeOverwrite = records.find((r) => r.type === 'SegmentsPublished' && JSON.stringify(r.data).includes(V2))!.seq - 1;
    await travelTo(page, beforeOverwrite);
    expect(await page.locator('#live').getAttribute('class')).not.toContain('on');
    // No V2 yet: V1 is what queries read on day 1, and the followed segment was still used and served.
    expect(await chunk(DAY1, V2).count()).toBe(0);
    expect(await chunk(DAY1, V1).getAttribute('data-visible')).toBe('true');
    expect(await page.locator('#entity .state').getAttribute('data-state')).toBe('published.used.available');
    expect(await page.locator('#entity tbody tr').count()).toBe(4);
    // V1's three segments are loaded; koala's one never was.
    expect(await count('segment', 'published.used.available')).toBe(3);
    expect(await count('segment', 'published.used.unavailable')).toBe(1);
    expect(await count('task', 'succeeded')).toBe(2);
    expect(await page.locator('#point').textContent()).toContain(`seq ${beforeOverwrite} of ${head}`);
    await fullShot(page, 'time-travel');
    // One partition of V2 published: incomplete, its missing partition dashed, V1 still read.
    await travelTo(page, beforeOverwrite + 1);
    expect(await chunk(DAY1, V2).getAttribute('data-complete')).toBe('false');
    expect(await chunk(DAY1, V2).locator('rect.cell.missing').count()).toBe(1);
    expect(await chunk(DAY1, V1).getAttribute('data-visible')).toBe('true');
    await page.click('#live');
    await shown(page, head);
    expect(await chunk(DAY1, V2).getAttribute('data-visible')).toBe('true');
  });

  it('travels to an event when its row in the history is clicked', async () => {
    const row = page.locator('#entity tbody tr').first();
    const seq = Number(await row.getAttribute('data-seq'));
    await row.click();
    await shown(page, seq);
    expect(await page.locator('#entity .state').getAttribute('data-state')).toBe('published.used.unavailable');
    await page.click('#live');
  });

  it('runs without a script error or anything refused by its security policy', () => {
    expect(complaints).toEqual([]);
  });

  it('loads nothing from outside grove: it works with no internet', () => {
    const outside = requested.filter((url) => !/^(https?|wss?):\/\/127\.0\.0\.1:\d+\//.test(url) && !url.startsWith('data:'));
    expect(outside).toEqual([]);
    expect(requested.some((url) => url.startsWith(`ws://127.0.0.1:${grove.wsPort}`))).toBe(true);
  });
});

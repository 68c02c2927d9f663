import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import type { Browser, Page } from 'playwright-core';
import { request } from '../../src/bus/client.ts';
import { connectBus } from '../../src/bus/connection.ts';
import { API } from '../../src/bus/subjects.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import { stateName } from '../../src/projections/machine-fold.ts';
import { startGrove, type GroveProcess } from '../support/grove-process.ts';
import { fullShot, launchChromium, openVisualizer, travelTo } from './ui-support.ts';

/**
 * The visualizer over a real ingestion: every actor of `grove start`, `grove ingest` of the sample
 * data, then the page in headless Chromium, checked against the log as of the task's success.
 */

let grove: GroveProcess;
let client: NatsConnection;
let browser: Browser;
let page: Page;
let records: LogRecord[];
let taskId: string;
/** The seq at which the task succeeded: the point every check looks at. */
let succeeded: number;

beforeAll(async () => {
  grove = await startGrove();
  const ingest = await grove.cli(['ingest', 'examples/wikipedia-index.json']);
  if (ingest.code !== 0) throw new Error(`grove ingest failed:\n${ingest.stdout}\n${ingest.stderr}`);
  client = await connectBus({ url: grove.natsUrl, user: 'client', password: 'client', name: 'e2e-ui-ingest' });
  records = await request<LogRecord[]>(client, API.logRead, { from: 1, limit: 5000 });
  const success = records.find((r) => r.type === 'TaskSucceeded')!;
  succeeded = success.seq;
  taskId = (success.data as { taskId: string }).taskId;
  browser = await launchChromium();
  ({ page } = await openVisualizer(browser, `http://127.0.0.1:${grove.uiPort}/`));
  await page.waitForSelector('body[data-busy="false"][data-at]:not([data-at=""])', { timeout: 60_000 });
  // Other actors may still be at work: look at the log as of the task's success.
  await travelTo(page, succeeded);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await grove?.stop();
});

describe('the visualizer after grove ingest', () => {
  it('counts tasks, locks and segments as the log says at the task\'s success', async () => {
    const state = new ClusterState();
    for (const r of records.filter((r) => r.seq <= succeeded)) state.apply(r);
    for (const kind of ['task', 'lock', 'segment'] as const) {
      for (const [, s] of state.entitiesOf(kind)) {
        const g = page.locator(`section.machine[data-kind="${kind}"] g.state[data-path="${stateName(s.value)}"]`);
        expect(Number(await g.getAttribute('data-count')), `${kind} ${stateName(s.value)}`).toBeGreaterThan(0);
      }
      expect(Number(await page.locator(`section.machine[data-kind="${kind}"] .total`).getAttribute('data-total')), kind).toBe(state.countOf(kind));
    }
  });

  it('follows the ingestion task through its states', async () => {
    await page.fill('#query', taskId);
    await page.click('#search button[type="submit"]');
    await expect.poll(() => page.locator('#entity .state').getAttribute('data-state')).toBe('succeeded');
    const moves = await page.locator('#entity tbody tr.transition td.move b').allTextContents();
    expect(moves).toEqual(expect.arrayContaining(['pending', 'running', 'publishing', 'succeeded']));
    expect(await page.locator('section.machine[data-kind="task"] g.state.current').getAttribute('data-path')).toBe('succeeded');
  });

  it('draws the datasource\'s timeline with the version the task published', async () => {
    await expect.poll(() => page.locator('#datasource').inputValue()).toBe('wikipedia');
    const published = records.find((r) => r.type === 'SegmentsPublished')!.data as { segments: Array<{ id: string; interval: string; version: string }> };
    for (const s of published.segments) {
      const cell = page.locator(`#picture g.cell[data-segment="${s.id}"]`);
      expect(await cell.count(), s.id).toBe(1);
      expect(await page.locator(`#picture g.chunk[data-version="${s.version}"]`).first().getAttribute('data-visible')).toBe('true');
    }
    await fullShot(page, 'after-ingest');
  });
});

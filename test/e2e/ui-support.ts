import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The visualizer's browser tests: Debian's chromium, headless, driven by playwright-core. */

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots (git-ignored). */
export const SHOTS = new URL('../../test-results/ui/', import.meta.url).pathname;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-chromium.mjs\` as root (or apt-get install -y chromium)`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
}

/** A page on the visualizer that records every URL it asks for and everything it complains about. */
export async function openVisualizer(browser: Browser, url: string): Promise<{ page: Page; requested: string[]; complaints: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1700, height: 1100 } });
  const requested: string[] = [];
  const complaints: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  page.on('websocket', (ws) => requested.push(ws.url()));
  page.on('pageerror', (e) => complaints.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') complaints.push(m.text());
  });
  await page.goto(url);
  return { page, requested, complaints };
}

/** Waits until every view shows the log as of `seq`. */
export async function shown(page: Page, seq: number): Promise<void> {
  await page.waitForSelector(`body[data-busy="false"][data-at="${seq}"]`, { timeout: 30_000 });
}

/** Moves the time-travel slider to `seq`, as dragging and releasing it does. */
export async function travelTo(page: Page, seq: number): Promise<void> {
  await page.$eval('#slider', (el, v) => {
    (el as HTMLInputElement).value = String(v);
    el.dispatchEvent(new Event('change'));
  }, seq);
  await shown(page, seq);
}

/** The whole page, from the top (so the sticky header is at the top of the picture). */
export async function fullShot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

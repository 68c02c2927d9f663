import { describe, expect, it } from 'vitest';
import { request } from '../../src/bus/client.ts';
import { API } from '../../src/bus/subjects.ts';
import type { SegmentRow } from '../../src/coordinator/segment-api.ts';
import type { TaskStatus } from '../../src/overlord/task-view.ts';
import { clicksSchema, countAndSum, groveWithStreams } from './streaming-support.ts';
import { pageViewSchema } from '../support/page-views.ts';

/**
 * Streaming and batch on the same datasource, as Druid's lambda architecture uses them: a stream
 * gives fresh data at once, a batch overwrite later replaces a day with corrected data; and where
 * both want the same time chunk, the realtime task takes priority (the seed's words).
 */

const session = groveWithStreams([], { GROVE_DROP_GRACE: 'PT1S' });

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function supervise(dataSource: string, stream: string, taskDuration: string): Promise<void> {
  await (await session.actor.jetstreamManager()).streams.add({ name: stream, subjects: [`grove.e2e.${dataSource}.*`] });
  await request(session.client, API.supervisorSubmit, {
    type: 'nats',
    spec: {
      dataSchema: clicksSchema(dataSource),
      ioConfig: { stream, inputFormat: { type: 'json' }, taskDuration, useEarliestSequence: true, startDelay: 'PT0S' },
      tuningConfig: { handoffConditionTimeout: 0 },
    },
  });
}

const produce = (dataSource: string, rows: object[]) => Promise.all(rows.map((r) => session.js.publish(`grove.e2e.${dataSource}.0`, new TextEncoder().encode(JSON.stringify(r)))));

/** A batch overwrite of `interval` with these rows (Druid's index_parallel, inline input). */
function overwrite(dataSource: string, interval: string, segmentGranularity: string, rows: object[]): object {
  return {
    type: 'index_parallel',
    spec: {
      dataSchema: pageViewSchema(dataSource, { timeFormat: 'millis', segmentGranularity, rollup: false, intervals: [interval] }),
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: rows.map((r) => JSON.stringify(r)).join('\n') }, inputFormat: { type: 'json' } },
      tuningConfig: { type: 'index_parallel' },
    },
  };
}

const totals = (dataSource: string, interval: string) => countAndSum(session.client, dataSource, interval);

const taskState = async (taskId: string) => (await request<TaskStatus>(session.client, API.taskStatus, { taskId })).state;

describe('lambda: streaming now, a batch overwrite later', () => {
  it('a day streamed in, then overwritten by a batch with corrected data, reads as the batch data only, with no gap and no mix during the switch', async () => {
    const day = Math.floor(Date.now() / DAY) * DAY - DAY;
    const dayInterval = `${iso(day)}/${iso(day + DAY)}`;
    await supervise('lambda', 'LAMBDA', 'PT3S');
    await produce('lambda', Array.from({ length: 48 }, (_, i) => ({ ts: day + i * (HOUR / 2), page: `p${i % 5}`, added: 1 })));
    const streamed = { rows: 48, added: 48 };
    await expect.poll(() => totals('lambda', dayInterval), { timeout: 60_000, interval: 250 }).toEqual(streamed);

    const corrected = { rows: 24, added: 240 };
    const answers: Array<{ rows: number; added: number } | null> = [];
    let looping = true;
    const loop = (async () => {
      while (looping) answers.push(await totals('lambda', dayInterval));
    })();
    const { taskId } = await request<{ taskId: string }>(session.client, API.taskSubmit, overwrite('lambda', dayInterval, 'day', Array.from({ length: 24 }, (_, i) => ({ ts: day + i * HOUR, page: `p${i % 5}`, added: 10 }))));
    await expect.poll(() => taskState(taskId), { timeout: 60_000, interval: 250 }).toBe('succeeded');
    await expect.poll(() => totals('lambda', dayInterval), { timeout: 30_000, interval: 100 }).toEqual(corrected);
    looping = false;
    await loop;

    expect(answers.length).toBeGreaterThan(10);
    const seen = answers.map((a) => (JSON.stringify(a) === JSON.stringify(streamed) ? 'streamed' : JSON.stringify(a) === JSON.stringify(corrected) ? 'corrected' : JSON.stringify(a)));
    expect(new Set(seen), 'every answer is the whole streamed day or the whole corrected day').toEqual(new Set(['streamed', 'corrected']));
    expect(seen.lastIndexOf('streamed')).toBeLessThan(seen.indexOf('corrected'));
    // The streamed hours end unused: the overwrite's day segment overshadows them.
    await expect.poll(async () => (await request<SegmentRow[]>(session.client, API.segmentList, { dataSource: 'lambda' })).filter((s) => s.state.startsWith('published.used')).map((s) => s.interval), { timeout: 30_000, interval: 250 }).toEqual([dayInterval]);
  }, 180_000);
});

describe('realtime takes priority', () => {
  it('a batch overwrite of the hour a realtime task is writing waits for it, and runs once the realtime task has published', async () => {
    const hour = Math.floor(Date.now() / HOUR) * HOUR;
    const hourInterval = `${iso(hour)}/${iso(hour + HOUR)}`;
    await supervise('rtwins', 'RTWINS', 'PT1H');
    await produce('rtwins', [{ ts: hour + 1000, page: 'live', added: 1 }]);
    await expect.poll(() => totals('rtwins', hourInterval), { timeout: 60_000, interval: 250 }).toEqual({ rows: 1, added: 1 });

    const { taskId } = await request<{ taskId: string }>(session.client, API.taskSubmit, overwrite('rtwins', hourInterval, 'hour', [{ ts: hour + 2000, page: 'batch', added: 100 }]));
    await expect.poll(() => taskState(taskId), { timeout: 30_000, interval: 250 }).toBe('waitingForLock');
    await pause(3000);
    expect(await taskState(taskId), 'the batch (priority 50) cannot take the realtime task\'s (75) chunk').toBe('waitingForLock');
    expect(await totals('rtwins', hourInterval)).toEqual({ rows: 1, added: 1 });

    // Suspended, the supervisor has its group publish now; the realtime lock is released and the batch runs.
    await request(session.client, API.supervisorSuspend, { supervisorId: 'rtwins' });
    await expect.poll(() => taskState(taskId), { timeout: 60_000, interval: 250 }).toBe('succeeded');
    await expect.poll(() => totals('rtwins', hourInterval), { timeout: 30_000, interval: 250 }).toEqual({ rows: 1, added: 100 });
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode } from '@msgpack/msgpack';
import { request } from '../../../src/bus/client.ts';
import { API, INTERNAL } from '../../../src/bus/subjects.ts';
import { rejectionOf } from '../../support/bus.ts';
import { indexTask } from '../../unit/overlord/task-json.ts';
import { segment, startGrove, TestIndexer } from './support.ts';

const g = startGrove('malformed');
let ix: TestIndexer;

beforeAll(async () => {
  ix = await TestIndexer.start(g.actorNc, 'ix-malformed', 4);
  await request(g.clientNc, API.taskSubmit, indexTask({ id: 'victim' }));
  await ix.ran('victim');
  await ix.update({ taskId: 'victim', type: 'started' });
});
afterAll(async () => {
  await ix.stop();
});

const OVERLORD_SUBJECTS = [
  API.taskSubmit, API.taskStatus, API.taskList, API.taskCancel, API.taskReport,
  INTERNAL.overlordTaskSubmit, INTERNAL.overlordLockAcquire, INTERNAL.overlordLockRelease,
  INTERNAL.overlordAllocate, INTERNAL.overlordPublish, INTERNAL.overlordTaskUpdate,
];

const garbage: Array<[string, Uint8Array]> = [
  ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256)],
  ['truncated msgpack', encode({ taskId: 'victim', interval: '2024-01-01/2024-01-02', lockType: 'EXCLUSIVE' }).slice(0, 12)],
  ['broken JSON', new TextEncoder().encode('{"taskId": ')],
];

/** Each subject, a wrong body, and the fields its error must name. */
const wrongShapes: Array<[string, unknown, string[]]> = [
  [API.taskStatus, { taskId: 7 }, ['taskId']],
  [API.taskList, { state: 'sleeping', limit: -1, extra: true }, ['state', 'limit', '(body)']],
  [API.taskCancel, {}, ['taskId']],
  [API.taskReport, [], ['(body)']],
  [INTERNAL.overlordLockAcquire, { taskId: 'victim', interval: '2024-01-02/2024-01-01', lockType: 'MINE', timeoutMs: -5 }, ['interval', 'lockType', 'timeoutMs']],
  [INTERNAL.overlordLockRelease, { lockId: 5 }, ['taskId', 'lockId']],
  [INTERNAL.overlordAllocate, { taskId: 'victim', dataSource: '', timestamp: 'yesterday', segmentGranularity: 'fortnight', previousSegmentId: 3 }, ['dataSource', 'timestamp', 'segmentGranularity', 'sequenceName', 'previousSegmentId']],
  [INTERNAL.overlordPublish, { taskId: 'victim', segments: [{ id: 'x' }], commit: { stream: 's', start: { 0: 'a' } } }, ['segments[0].dataSource', 'segments[0].interval', 'commit.start.0', 'commit.end']],
  [INTERNAL.overlordTaskUpdate, { taskId: 'victim', type: 'exploded', report: { rowStats: {} } }, ['type', 'report.rowStats.processed', 'report.parseErrors']],
];

describe('malformed requests on every overlord subject get clear errors and change nothing', () => {
  it.each(garbage)('%s', async (_name, bytes) => {
    const before = g.state.position;
    for (const subject of OVERLORD_SUBJECTS) {
      const msg = await g.actorNc.request(subject, bytes, { timeout: 5000 });
      const text = new TextDecoder().decode(msg.data);
      const body = (text.startsWith('{') ? JSON.parse(text) : decode(msg.data)) as { ok: boolean; error: { code: string; message: string } };
      expect(body.ok, subject).toBe(false);
      expect(body.error.code, subject).toBe('bad_request');
      expect(body.error.message, subject).toMatch(/not valid|malformed/);
    }
    expect(g.state.position).toBe(before);
  });

  it.each(wrongShapes)('%s names each wrong field', async (subject, body, paths) => {
    const before = g.state.position;
    const err = await rejectionOf(request(g.actorNc, subject, body));
    expect(err.code).toBe('bad_request');
    expect((err.details as Array<{ path: string }>).map((d) => d.path)).toEqual(expect.arrayContaining(paths));
    expect(err.message).toContain(subject);
    expect(g.state.position).toBe(before);
  });

  it('refuses well-formed requests that make no sense, saying why, and writes nothing', async () => {
    const before = g.state.position;
    const cases: Array<[string, unknown, string, RegExp]> = [
      [INTERNAL.overlordLockAcquire, { taskId: 'ghost', interval: '2024-01-01/2024-01-02', lockType: 'EXCLUSIVE' }, 'not_found', /no task "ghost"/],
      [INTERNAL.overlordLockRelease, { taskId: 'victim', lockId: 'lock_nope' }, 'not_found', /task victim has no lock "lock_nope"/],
      [INTERNAL.overlordAllocate, { taskId: 'victim', dataSource: 'elsewhere', timestamp: '2024-01-01T00:00:00Z', segmentGranularity: 'day', sequenceName: 's' }, 'bad_request', /writes datasource "wikipedia", not "elsewhere"/],
      [INTERNAL.overlordPublish, { taskId: 'victim', segments: [segment('2024-01-01/2024-01-02', '2024-01-01T00:00:00.000Z')] }, 'conflict', /no granted lock of the task covers/],
      [INTERNAL.overlordTaskUpdate, { taskId: 'victim', type: 'awaitingHandoff' }, 'conflict', /only realtime tasks wait for handoff/],
    ];
    for (const [subject, body, code, message] of cases) {
      const err = await rejectionOf(request(g.actorNc, subject, body));
      expect([subject, err.code]).toEqual([subject, code]);
      expect(err.message).toMatch(message);
    }
    expect(g.state.position).toBe(before);
  });

  it('keeps serving afterwards', async () => {
    expect((await request<{ state: string }>(g.clientNc, API.taskStatus, { taskId: 'victim' })).state).toBe('running');
    expect(await ix.lock('victim', '2024-01-01/2024-01-02')).toMatchObject({ lockId: expect.any(String) });
    await ix.update({ taskId: 'victim', type: 'failed', error: 'test over' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { request } from '../../../src/bus/client.ts';
import { isGroveError } from '../../../src/bus/errors.ts';
import { API, taskProgress } from '../../../src/bus/subjects.ts';
import type { TaskStatus } from '../../../src/overlord/task-view.ts';
import { connectAs, rejectionOf } from '../../support/bus.ts';
import { indexTask } from '../../unit/overlord/task-json.ts';
import { logFrom, startGrove, TestIndexer } from './support.ts';

const g = startGrove('task-api');
let ix: TestIndexer;

beforeAll(async () => {
  ix = await TestIndexer.start(g.actorNc, 'ix-api', 16);
});
afterAll(async () => {
  await ix.stop();
});

const submit = (json: unknown) => request<{ taskId: string }>(g.clientNc, API.taskSubmit, json);
const status = (taskId: string) => request<TaskStatus>(g.clientNc, API.taskStatus, { taskId });
const REPORT = { rowStats: { processed: 39244, processedWithError: 2, unparseable: 1, thrownAway: 7 }, parseErrors: [{ line: 17, input: '{"time":', reason: 'Unexpected end of JSON input' }], segments: 2 };

describe('grove.api.task.submit', () => {
  it('accepts Druid task JSON unchanged, names the task as Druid does, and logs the JSON as given', async () => {
    const json = indexTask({ intervals: ['2015-09-12/2015-09-13'] });
    const from = g.state.position + 1;
    const { taskId } = await submit(json);
    expect(taskId).toMatch(/^index_parallel_wikipedia_[0-9a-f]{8}_\d{4}-\d\d-\d\dT\d{9}Z$/);
    const [submitted] = await logFrom(g.actorNc, from, 'TaskSubmitted');
    expect(submitted!.data).toEqual({ taskId, taskType: 'index_parallel', dataSource: 'wikipedia', groupId: taskId, priority: 50, realtime: false, spec: json });
    await ix.ran(taskId);
    expect(ix.runs.find((r) => r.taskId === taskId)!.spec).toEqual(json);
  });

  it('answers an invalid spec with invalid_spec and every bad field, path and reason, and logs nothing', async () => {
    const before = g.state.position;
    const err = await rejectionOf(submit({ type: 'index_parallel', spec: { dataSchema: { dataSource: 'wikipedia', granularitySpec: { segmentGranularity: 'fortnight' }, metricsSpec: [{ type: 'longSum', name: 'added' }] } } }));
    expect(err.code).toBe('invalid_spec');
    const details = err.details as Array<{ path: string; reason: string }>;
    expect(details.map((d) => d.path)).toEqual(expect.arrayContaining(['spec.dataSchema.granularitySpec.segmentGranularity', 'spec.dataSchema.metricsSpec[0].fieldName', 'spec.ioConfig']));
    expect(details.every((d) => d.reason.length > 0)).toBe(true);
    expect(g.state.position).toBe(before);
  });

  it('answers a JSON request in JSON, as `nats req grove.api.task.submit` sends it', async () => {
    const msg = await g.clientNc.request(API.taskSubmit, new TextEncoder().encode(JSON.stringify({ type: 'kill', dataSource: 'wikipedia', interval: '2010-01-01/2011-01-01' })), { timeout: 5000 });
    const body = JSON.parse(new TextDecoder().decode(msg.data));
    expect(body).toEqual({ ok: true, result: { taskId: expect.stringMatching(/^kill_wikipedia_/) } });
  });

  it('refuses a task id already taken, and a streaming task, which only supervisors start', async () => {
    await submit(indexTask({ id: 'taken' }));
    expect((await rejectionOf(submit(indexTask({ id: 'taken' })))).message).toBe('task taken already exists');
    const streaming = await rejectionOf(submit({ type: 'index_nats', spec: { dataSchema: { dataSource: 'wikipedia' } } }));
    expect(streaming.code).toBe('invalid_spec');
  });
});

describe('grove.api.task.status, .list, .report and .cancel', () => {
  it('reports a task\'s state as its machine\'s, then its error or row stats', async () => {
    const { taskId } = await submit(indexTask({ id: 'status-ok' }));
    expect(['pending', 'waitingForLock']).toContain((await status(taskId)).state);
    await ix.ran(taskId);
    await ix.update({ taskId, type: 'started' });
    expect(await status(taskId)).toMatchObject({ taskId, type: 'index_parallel', dataSource: 'wikipedia', state: 'running', indexerId: 'ix-api', priority: 50, groupId: taskId });
    await ix.update({ taskId, type: 'succeeded', report: REPORT });
    const done = await status(taskId);
    expect(done).toMatchObject({ state: 'succeeded', rowStats: REPORT.rowStats });
    expect(done.error).toBeUndefined();

    const failed = await submit(indexTask({ id: 'status-failed' }));
    await ix.ran(failed.taskId);
    await ix.update({ taskId: failed.taskId, type: 'failed', error: 'Max parse exceptions [0] exceeded', code: 'parse_errors' });
    expect(await status(failed.taskId)).toMatchObject({ state: 'failed', error: 'Max parse exceptions [0] exceeded', errorCode: 'parse_errors' });
  });

  it('says not_found for a task that does not exist', async () => {
    const err = await rejectionOf(status('no-such-task'));
    expect(isGroveError(err, 'not_found')).toBe(true);
    expect(err.message).toBe('no task "no-such-task"');
  });

  it('lists tasks newest first, by datasource and by state', async () => {
    await submit({ ...indexTask({ id: 'list-other' }), spec: { ...indexTask().spec, dataSchema: { ...indexTask().spec.dataSchema, dataSource: 'other' } } });
    const others = await request<TaskStatus[]>(g.clientNc, API.taskList, { dataSource: 'other' });
    expect(others.map((t) => t.taskId)).toEqual(['list-other']);
    const all = await request<TaskStatus[]>(g.clientNc, API.taskList, {});
    expect(all.map((t) => t.createdTime)).toEqual([...all.map((t) => t.createdTime)].sort().reverse());
    const succeeded = await request<TaskStatus[]>(g.clientNc, API.taskList, { state: 'succeeded' });
    expect(succeeded.length).toBeGreaterThan(0);
    expect(succeeded.every((t) => t.state === 'succeeded')).toBe(true);
  });

  it('gives Druid\'s report: ingestion state and row stats, and progress while the task runs', async () => {
    const { taskId } = await submit(indexTask({ id: 'reported' }));
    await ix.ran(taskId);
    await ix.update({ taskId, type: 'started' });
    g.actorNc.publish(taskProgress(taskId), encode({ taskId, rowsRead: 1200, bytesRead: 90_000, rowsPerSecond: 600, phase: 'reading' }));
    await expect.poll(async () => (await request<{ ingestionStatsAndErrors: { payload: { progress?: unknown } } }>(g.clientNc, API.taskReport, { taskId })).ingestionStatsAndErrors.payload.progress)
      .toEqual({ rowsRead: 1200, bytesRead: 90_000, rowsPerSecond: 600, phase: 'reading' });
    await ix.update({ taskId, type: 'succeeded', report: REPORT });
    const report = await request<Record<string, unknown>>(g.clientNc, API.taskReport, { taskId });
    expect(report).toEqual({
      ingestionStatsAndErrors: {
        taskId, type: 'ingestionStatsAndErrors',
        payload: {
          ingestionState: 'COMPLETED',
          unparseableEvents: { buildSegments: [{ input: '{"time":', errorType: 'unparseable', details: ['Unexpected end of JSON input'], lineNumber: 17 }] },
          rowStats: { buildSegments: REPORT.rowStats },
          errorMsg: null,
          segmentsPublished: 2,
        },
      },
    });
  });

  it('cancels a running task: its locks released in the same append, its indexer told to stop', async () => {
    const { taskId } = await submit(indexTask({ id: 'to-cancel', intervals: ['2016-01-01/2016-01-02'] }));
    await ix.ran(taskId);
    await ix.update({ taskId, type: 'started' });
    const from = g.state.position + 1;
    expect(await request<TaskStatus>(g.clientNc, API.taskCancel, { taskId })).toMatchObject({ state: 'canceled', error: 'canceled through grove.api.task.cancel' });
    expect((await logFrom(g.actorNc, from)).map((r) => r.type)).toEqual(['TaskCanceled', 'LockReleased']);
    await expect.poll(() => ix.stops.map((s) => s.taskId)).toContain(taskId);
    const again = await rejectionOf(request(g.clientNc, API.taskCancel, { taskId: 'status-ok' }));
    expect(again.message).toBe('task status-ok already succeeded: it cannot be canceled');
  });

  it('lets a viewer read task status but not submit', async () => {
    const viewer = await connectAs('viewer', g.natsUrl);
    expect((await request<TaskStatus>(viewer, API.taskStatus, { taskId: 'status-ok' })).state).toBe('succeeded');
    const err = await rejectionOf(request(viewer, API.taskSubmit, indexTask(), { timeoutMs: 2000 }));
    expect(err.message).toMatch(/not permitted|no reply/);
    await viewer.close();
  });
});

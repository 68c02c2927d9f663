import { GroveError } from '../../src/bus/errors.ts';
import type { EndpointDef } from '../../src/bus/service.ts';
import { API, INTERNAL } from '../../src/bus/subjects.ts';
import { decideAllocation } from '../../src/overlord/allocation.ts';
import { requireTask } from '../../src/overlord/decision.ts';
import { decideLock, decideRelease, type Grant, type LockDecision } from '../../src/overlord/lockbox.ts';
import { decidePublish } from '../../src/overlord/publish.ts';
import {
  allocateRequest, lockAcquireRequest, lockReleaseRequest, parseRequest, publishRequest, taskListRequest, taskRef, taskUpdateRequest,
} from '../../src/overlord/requests.ts';
import { decideEnding } from '../../src/overlord/task-ending.ts';
import { decideSubmission, readTask } from '../../src/overlord/task-submission.ts';
import { decideUpdate } from '../../src/overlord/task-update.ts';
import { reportOf, statusOf, type TaskStatus } from '../../src/overlord/task-view.ts';
import type { Overlord } from './overlord.ts';

const DEFAULT_LIST_LIMIT = 1000;

/** The overlord's subjects: the public task API and the internal ones of docs/internal-api.md. */
export function overlordEndpoints(ov: Overlord): Record<string, EndpointDef> {
  return {
    taskSubmit: { subject: API.taskSubmit, handler: (b) => submit(ov, b, 'public') },
    taskStatus: { subject: API.taskStatus, handler: (b) => statusOf(requireTask(ov.state, parseRequest(taskRef, b, API.taskStatus).taskId)) },
    taskList: { subject: API.taskList, handler: (b) => list(ov, b) },
    taskCancel: { subject: API.taskCancel, handler: (b) => cancel(ov, b) },
    taskReport: { subject: API.taskReport, handler: (b) => report(ov, b) },
    streamingSubmit: { subject: INTERNAL.overlordTaskSubmit, handler: (b) => submit(ov, b, 'internal') },
    lockAcquire: { subject: INTERNAL.overlordLockAcquire, handler: (b) => acquire(ov, b) },
    lockRelease: {
      subject: INTERNAL.overlordLockRelease,
      handler: (b) => {
        const req = parseRequest(lockReleaseRequest, b, INTERNAL.overlordLockRelease);
        return ov.command(() => decideRelease(ov.state, req.taskId, req.lockId), ov.laneOf(req.taskId));
      },
    },
    allocate: {
      subject: INTERNAL.overlordAllocate,
      handler: (b) => {
        const req = parseRequest(allocateRequest, b, INTERNAL.overlordAllocate);
        return ov.command(() => decideAllocation(ov.state, req, ov.now(), ov.newLockId()), ov.laneOf(req.taskId));
      },
    },
    publish: {
      subject: INTERNAL.overlordPublish,
      handler: (b) => {
        const req = parseRequest(publishRequest, b, INTERNAL.overlordPublish);
        return ov.command(() => decidePublish(ov.state, req), ov.laneOf(req.taskId));
      },
    },
    taskUpdate: {
      subject: INTERNAL.overlordTaskUpdate,
      handler: (b) => {
        const req = parseRequest(taskUpdateRequest, b, INTERNAL.overlordTaskUpdate);
        // An ending reaches beyond the datasource (its group's segments, the indexer's room): it runs alone.
        const ends = req.type === 'succeeded' || req.type === 'failed';
        return ov.command(() => decideUpdate(ov.state, req, ov.now(), ov.handoffTimeoutMs), ends ? undefined : ov.laneOf(req.taskId));
      },
    },
  };
}

/** Streaming tasks come from supervisors, on the internal subject; users submit batch tasks. */
async function submit(ov: Overlord, body: unknown, via: 'public' | 'internal'): Promise<{ taskId: string }> {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (via === 'public' && type === 'index_nats') {
    throw new GroveError('invalid_spec', 'invalid task: type: index_nats tasks are started by their supervisor (grove.api.supervisor.submit)', [{ path: 'type', reason: 'streaming tasks are started by their supervisor' }]);
  }
  const task = readTask(body, ov.now(), ov.newTaskRandom());
  const res = await ov.command(() => {
    const d = decideSubmission(ov.state, task, body);
    ov.remember({ json: body, task });
    return d;
  });
  return res!;
}

function list(ov: Overlord, body: unknown): TaskStatus[] {
  const req = parseRequest(taskListRequest, body, API.taskList);
  const out: TaskStatus[] = [];
  for (const t of ov.state.tasks()) {
    if ((req.dataSource === undefined || t.dataSource === req.dataSource) && (req.state === undefined || t.state === req.state)) out.push(statusOf(t));
  }
  // Druid lists the newest first.
  return out.sort((a, b) => (a.createdTime < b.createdTime ? 1 : a.createdTime > b.createdTime ? -1 : a.taskId < b.taskId ? -1 : 1)).slice(0, req.limit ?? DEFAULT_LIST_LIMIT);
}

async function cancel(ov: Overlord, body: unknown): Promise<TaskStatus> {
  const { taskId } = parseRequest(taskRef, body, API.taskCancel);
  await ov.command(() => decideEnding(ov.state, taskId, { kind: 'canceled', reason: 'canceled through grove.api.task.cancel' }));
  const task = requireTask(ov.state, taskId);
  if (task.state !== 'canceled') throw new GroveError('conflict', `task ${taskId} already ${task.state}: it cannot be canceled`);
  ov.stopOnIndexer(task, 'canceled');
  return statusOf(task);
}

function report(ov: Overlord, body: unknown): ReturnType<typeof reportOf> {
  const task = requireTask(ov.state, parseRequest(taskRef, body, API.taskReport).taskId);
  return reportOf(task, ov.progress.get(task.taskId) ?? null);
}

/**
 * `grove.overlord.lock.acquire`: the reply comes once the lock is granted, which may be later;
 * the waiting happens outside the command queue so that other commands go on meanwhile.
 */
async function acquire(ov: Overlord, body: unknown): Promise<Grant> {
  const req = parseRequest(lockAcquireRequest, body, INTERNAL.overlordLockAcquire);
  const outcome = await ov.queue.run(() => ov.failingPreempted(async (): Promise<{ now: Grant } | { later: Promise<Grant> }> => {
    const seen: { d?: LockDecision } = {};
    await ov.queue.commit(() => {
      const d = (seen.d = decideLock(ov.state, req, ov.now(), ov.newLockId()));
      return d.kind === 'granted' || d.kind === 'waiting' ? d.decision : null;
    });
    const d = seen.d!;
    switch (d.kind) {
      case 'held':
        return { now: { lockId: d.lock.lockId, version: d.lock.version! } };
      case 'granted':
        return { now: d.decision.result };
      case 'queued':
        return { later: ov.waitForLock(d.lock.lockId) };
      case 'waiting':
        return { later: ov.waitForLock(d.lockId) };
    }
  }), ov.laneOf(req.taskId));
  return 'now' in outcome ? outcome.now : outcome.later;
}

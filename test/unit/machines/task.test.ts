import { describe, expect, it } from 'vitest';
import { machineSpec } from '../../support/machine-spec.ts';
import { SAMPLES, T0, TASK, taskFacts } from './facts.ts';
import { acceptedEdges, edgesAlong, nameOf, shortestPaths, simplePaths } from './paths.ts';

const { submitted, assigned, waitingForLock, started, publishing, awaitingHandoff, succeeded, failed, canceled } = taskFacts;
const task = machineSpec('task', TASK);

const ENDED = ['succeeded', 'failed', 'canceled'];
const reachable = shortestPaths('task').map((p) => p.state);
const edges = acceptedEdges('task');
const paths = simplePaths('task', SAMPLES.task);

describe('the task machine, over every state and path', () => {
  it('reaches every state of the task API', () => {
    expect(new Set(reachable.map(nameOf))).toEqual(
      new Set(['pending', 'waitingForLock', 'running', 'publishing', 'awaitingHandoff', 'succeeded', 'failed', 'canceled']),
    );
  });

  it('ends exactly in succeeded, failed and canceled', () => {
    for (const s of reachable) expect(s.status === 'done', nameOf(s)).toBe(ENDED.includes(nameOf(s)));
  });

  it('awaits handoff only as a realtime task that has published', () => {
    const handoffs = edges.filter((e) => nameOf(e.nextState) === 'awaitingHandoff');
    expect(handoffs.length).toBeGreaterThan(0);
    for (const { state } of handoffs) {
      expect(nameOf(state)).toBe('publishing');
      expect(state.context.realtime).toBe(true);
    }
  });

  it('can fail or be canceled from every state that has not ended, once submitted', () => {
    const live = reachable.filter((s) => s.status === 'active' && s.context.submittedAt !== null);
    expect(new Set(live.map(nameOf))).toEqual(new Set(['pending', 'waitingForLock', 'running', 'publishing', 'awaitingHandoff']));
    for (const s of live) {
      expect(s.can(failed()), nameOf(s)).toBe(true);
      expect(s.can(canceled()), nameOf(s)).toBe(true);
    }
  });

  it('runs before it publishes and publishes before it awaits handoff, along every path', () => {
    expect(paths.length).toBeGreaterThan(10);
    const order = ['pending', 'waitingForLock', 'running', 'publishing', 'awaitingHandoff'];
    for (const path of paths) {
      for (const { state, nextState } of edgesAlong(path)) {
        const [from, to] = [order.indexOf(nameOf(state)), order.indexOf(nameOf(nextState))];
        if (to >= 0) expect(to, `${nameOf(state)} -> ${nameOf(nextState)}`).toBeGreaterThanOrEqual(from);
      }
    }
  });
});

describe('task rules', () => {
  it('a submitted task is pending and records what it is', () => {
    const s = task.given([]).when(submitted({ at: T0 + 1 })).then('pending');
    expect(s.context).toMatchObject({ taskType: 'index_parallel', dataSource: 'wikipedia', priority: 50, realtime: false, submittedAt: T0 + 1 });
  });

  it('a task is submitted once', () => {
    task.given([submitted()]).when(submitted()).thenRejects();
  });

  it.each([assigned(), waitingForLock(), started(), failed(), canceled()])('a task never submitted cannot take $type', (f) =>
    task.given([]).when(f).thenRejects(),
  );

  it('a task waits for its lock before it is handed to an indexer, and starts there', () => {
    task.given([submitted()]).when(waitingForLock()).then('waitingForLock');
    const s = task.given([submitted(), waitingForLock()]).when(assigned('indexer-2')).then('waitingForLock');
    expect(s.context.indexerId).toBe('indexer-2');
    task.given([submitted(), waitingForLock(), assigned()]).when(started()).then('running');
  });

  it('a pending task may be reassigned to another indexer before it starts', () => {
    const s = task.given([submitted(), assigned('indexer-1')]).when(assigned('indexer-2')).then('pending');
    expect(s.context.indexerId).toBe('indexer-2');
  });

  it('a running task cannot be assigned or started again', () => {
    const running = [submitted(), assigned(), started()];
    task.given(running).when(assigned()).thenRejects();
    task.given(running).when(started()).thenRejects();
  });

  it('a realtime task awaits handoff after publishing; a batch task cannot', () => {
    task.given([submitted({ realtime: true }), started(), publishing()]).when(awaitingHandoff()).then('awaitingHandoff');
    task.given([submitted({ realtime: false }), started(), publishing()]).when(awaitingHandoff()).thenRejects();
  });

  it('a task that publishes nothing, such as kill, succeeds straight from running', () => {
    const s = task.given([submitted(), started()]).when(succeeded()).then('succeeded');
    expect(s.context.report?.rowStats.processed).toBe(10);
  });

  it('a task that has not started cannot publish or succeed', () => {
    task.given([submitted()]).when(publishing()).thenRejects();
    task.given([submitted()]).when(succeeded()).thenRejects();
  });

  it('a task preempted by a higher-priority lock fails with the reason', () => {
    const s = task.given([submitted(), started()]).when(failed('lock revoked by index_realtime')).then('failed');
    expect(s.context).toMatchObject({ error: 'lock revoked by index_realtime', errorCode: 'lock_preempted' });
  });

  it('a canceled task records why', () => {
    const s = task.given([submitted(), waitingForLock()]).when(canceled()).then('canceled');
    expect(s.context.error).toBe('canceled by user');
  });

  it('a task that ended takes nothing more', () => {
    for (const end of [succeeded(), failed(), canceled()]) {
      for (const f of [started(), publishing(), succeeded(), failed(), canceled()]) {
        task.given([submitted(), started(), end]).when(f).thenRejects();
      }
    }
  });
});

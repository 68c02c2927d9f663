import { describe, expect, it } from 'vitest';
import type { SupervisorContext, TaskGroupRecord } from '../../../machines/supervisor/machine.ts';
import { parseSupervisorSpec } from '../../../src/spec/supervisor-spec.ts';
import { assignPartitions, defaultSubjectPrefix, endOffsets, partitionsOf, startOffsets } from '../../../src/supervisor/partitions.ts';
import { nextStep, type GroupTask, type PlannerInput } from '../../../src/supervisor/planner.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const spec = (io: Record<string, unknown> = {}) => parseSupervisorSpec({
  type: 'nats',
  spec: { dataSchema: { dataSource: 'ds' }, ioConfig: { stream: 'S', subjectPrefix: 'orders', inputFormat: { type: 'json' }, startDelay: 0, taskDuration: 'PT1M', ...io } },
});

function group(partitions: string[], startOffsets: Record<string, number>, more: Partial<TaskGroupRecord> = {}): TaskGroupRecord {
  return { taskIds: ['t0'], partitions, startOffsets, launchedAt: T0, specAt: T0, endOffsets: null, publishingAt: null, ...more };
}

/** A running supervisor with these groups (`publishing` names those publishing), its tasks, the stream and the clock. */
function given(groups: Record<string, TaskGroupRecord>, o: { publishing?: string[]; tasks?: Record<string, GroupTask[]>; committed?: Record<string, number>; now?: number; state?: string; io?: Record<string, unknown> } = {}): PlannerInput {
  const context: SupervisorContext = {
    id: 'ds', dataSource: 'ds', spec: null, submittedAt: T0, groups: Object.keys(groups), publishingGroups: o.publishing ?? [], taskGroups: groups, unhealthyReason: null, lastResetAt: null,
  };
  return {
    state: o.state ?? 'running', context, spec: spec(o.io), committed: o.committed ?? null, now: o.now ?? T0 + 1000, deferred: new Set(),
    tasksOf: (g) => o.tasks?.[g] ?? groups[g]!.taskIds.map((taskId) => ({ taskId, state: 'running' })),
    stream: { partitions: ['0', '1', '2'], firstSeq: 5, lastSeq: 100 },
  };
}

describe('partitions and offsets', () => {
  it('puts partition n in task group n % taskCount', () => {
    expect(assignPartitions(['0', '1', '2', '3', '4'], 2)).toEqual([[0, ['0', '2', '4']], [1, ['1', '3']]]);
    expect(partitionsOf(['orders.*', 'orders.10', 'orders.2', 'orders.x', 'other.3'], 'orders')).toEqual(['2', '10']);
    expect(defaultSubjectPrefix(['orders.*'])).toBe('orders');
    expect(defaultSubjectPrefix(['orders'])).toBeNull();
  });

  it('ends a group at the furthest any replica has read, per partition', () => {
    expect(endOffsets({ 0: 1, 1: 1 }, [{ current: { 0: 10, 1: 3 } }, { current: { 0: 7, 1: 9 } }])).toEqual({ 0: 10, 1: 9 });
    expect(endOffsets({ 0: 4 }, [])).toEqual({ 0: 4 });
  });

  it('starts a partition where its publishing group ends, else at the committed offset, else at the stream\'s earliest or next sequence', () => {
    const stream = { firstSeq: 5, lastSeq: 100 };
    expect(startOffsets(['0', '1', '2'], { publishing: [{ 0: 50 }], committed: { 0: 40, 1: 30 }, stream, useEarliestSequence: false })).toEqual({ 0: 50, 1: 30, 2: 101 });
    expect(startOffsets(['2'], { publishing: [], committed: null, stream, useEarliestSequence: true })).toEqual({ 2: 5 });
  });
});

describe('the supervisor planner', () => {
  it('launches uncovered partitions, a group per n % taskCount, from the committed offsets', () => {
    expect(nextStep(given({}, { committed: { 0: 7 }, io: { taskCount: 2 } }))).toEqual({ kind: 'launch', partitions: ['0', '2'], startOffsets: { 0: 7, 2: 101 } });
    expect(nextStep(given({ g0: group(['0', '2'], { 0: 7, 2: 101 }) }, { io: { taskCount: 2 } }))).toEqual({ kind: 'launch', partitions: ['1'], startOffsets: { 1: 101 } });
  });

  it('rolls a reading group once taskDuration has passed, and launches its next group from its end at once', () => {
    const g0 = group(['0', '1', '2'], { 0: 1, 1: 1, 2: 1 });
    expect(nextStep(given({ g0 }, { now: T0 + 60_000 }))).toEqual({ kind: 'roll', groupId: 'g0', reason: 'taskDuration elapsed' });
    const publishing = { ...g0, endOffsets: { 0: 9, 1: 9, 2: 12 }, publishingAt: T0 + 60_000 };
    expect(nextStep(given({ g0: publishing }, { publishing: ['g0'], now: T0 + 60_000 }))).toEqual({ kind: 'launch', partitions: ['0', '1', '2'], startOffsets: { 0: 9, 1: 9, 2: 12 } });
  });

  it('replaces a replica that failed while reading, and submits replicas a launch recorded but never submitted', () => {
    const g0 = group(['0', '1', '2'], { 0: 1, 1: 1, 2: 1 }, { taskIds: ['a', 'b'] });
    expect(nextStep(given({ g0 }, { io: { replicas: 2 }, tasks: { g0: [{ taskId: 'a', state: 'running' }, { taskId: 'b', state: 'failed' }] } }))).toEqual({ kind: 'replace', groupId: 'g0', count: 1 });
    expect(nextStep(given({ g0 }, { io: { replicas: 2 }, tasks: { g0: [{ taskId: 'a', state: 'running' }] } }))).toEqual({ kind: 'submit', groupId: 'g0', taskIds: ['b'] });
  });

  it('restarts a reading group whose every replica ended (its segments were abandoned with the last) as a new group, not with replacements', () => {
    const g2 = group(['0', '1', '2'], { 0: 9, 1: 9, 2: 9 }, { taskIds: ['r0'] });
    expect(nextStep(given({ g2 }, { io: { replicas: 2 }, tasks: { g2: [{ taskId: 'r0', state: 'failed' }, { taskId: 'r1', state: 'canceled' }] } }))).toEqual({
      kind: 'stop', groupIds: ['g2'], cancel: [], reason: expect.stringContaining('every replica of the group ended while reading'),
    });
    expect(nextStep(given({ g2 }, { tasks: { g2: [{ taskId: 'r0', state: 'failed' }] } }))).toEqual({
      kind: 'stop', groupIds: ['g2'], cancel: [], reason: expect.stringContaining('every replica of the group ended while reading'),
    });
    // One replica still reading: the other is replaced, and reads the same sequences.
    expect(nextStep(given({ g2 }, { io: { replicas: 2 }, tasks: { g2: [{ taskId: 'r0', state: 'failed' }, { taskId: 'r1', state: 'running' }] } }))).toEqual({ kind: 'replace', groupId: 'g2', count: 1 });
  });

  it('completes a publishing group once a replica succeeded, and stops one that timed out with the groups started from its end', () => {
    const g0 = group(['0', '1', '2'], { 0: 1, 1: 1, 2: 1 }, { endOffsets: { 0: 9, 1: 9, 2: 9 }, publishingAt: T0 });
    const g1 = group(['0', '1', '2'], { 0: 9, 1: 9, 2: 9 }, { taskIds: ['n0'] });
    expect(nextStep(given({ g0, g1 }, { publishing: ['g0'], tasks: { g0: [{ taskId: 't0', state: 'succeeded' }] } }))).toEqual({ kind: 'complete', groupId: 'g0', cancel: [] });
    // The replicas still at it (a replacement started after the end was told) are stopped with it.
    expect(nextStep(given({ g0, g1 }, { publishing: ['g0'], tasks: { g0: [{ taskId: 't0', state: 'succeeded' }, { taskId: 't1', state: 'running' }] } }))).toEqual({ kind: 'complete', groupId: 'g0', cancel: ['t1'] });
    expect(nextStep(given({ g0, g1 }, { publishing: ['g0'], now: T0 + 30 * 60_000 }))).toEqual({
      kind: 'stop', groupIds: ['g0', 'g1'], cancel: ['t0', 'n0'], reason: expect.stringContaining('completionTimeout'),
    });
    // Its offsets committed, a group whose replicas ended (one failed in its handoff) is done all the same.
    expect(nextStep(given({ g0, g1 }, { publishing: ['g0'], committed: { 0: 9, 1: 9, 2: 9 }, tasks: { g0: [{ taskId: 't0', state: 'failed' }] } }))).toEqual({ kind: 'complete', groupId: 'g0', cancel: [] });
  });

  it('rolls every reading group early when suspended or terminated, and launches nothing then', () => {
    const g0 = group(['0', '1', '2'], { 0: 1, 1: 1, 2: 1 });
    for (const state of ['suspended', 'stopped']) expect(nextStep(given({ g0 }, { state }))).toEqual({ kind: 'roll', groupId: 'g0', reason: `the supervisor is ${state}` });
    expect(nextStep(given({}, { state: 'suspended' }))).toBeNull();
  });
});

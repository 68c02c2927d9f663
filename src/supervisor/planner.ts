import type { SupervisorContext, TaskGroupRecord } from '../../machines/supervisor/machine.ts';
import type { SupervisorSpec } from '../spec/supervisor-spec.ts';
import type { PartitionOffsets } from '../streaming/task-protocol.ts';
import { assignPartitions, startOffsets, type StreamBounds } from './partitions.ts';

/** A task of a group's lock group, as the overlord's facts leave it. */
export interface GroupTask {
  taskId: string;
  /** The task machine's state. */
  state: string;
}

export interface StreamView extends StreamBounds {
  partitions: string[];
}

/** One supervisor as the actor sees it: its machine, its spec, its tasks, its offsets and stream. */
export interface SupervisorView {
  /** The supervisor machine's state and context. */
  state: string;
  context: SupervisorContext;
  spec: SupervisorSpec;
  /** The tasks of a group (its lock group: first replicas and replacements). */
  tasksOf(groupId: string): GroupTask[];
  committed: PartitionOffsets | null;
  /** Null while the stream cannot be read: nothing is launched. */
  stream: StreamView | null;
}

/** What the supervisor actor knows when it decides its next step for one supervisor. */
export interface PlannerInput extends SupervisorView {
  now: number;
  /** Groups whose roll failed in this pass (no replica answered): not tried again until the next. */
  deferred: ReadonlySet<string>;
}

export type Step =
  /** Ask the replicas where they are, record the group publishing up to the furthest, tell them to finish. */
  | { kind: 'roll'; groupId: string; reason: string }
  /**
   * A replica published: the group is done. Its other replicas are canceled (as Druid stops them):
   * a replacement that started after the group's end was told could otherwise read on past it.
   */
  | { kind: 'complete'; groupId: string; cancel: string[] }
  /** Cancel these tasks, then record the groups stopped; their partitions restart from the committed offsets. */
  | { kind: 'stop'; groupIds: string[]; cancel: string[]; reason: string }
  /** Tasks a launch recorded and the overlord never got (the supervisor stopped in between). */
  | { kind: 'submit'; groupId: string; taskIds: string[] }
  /** A reading group short of replicas (one at least still reading) gets new ones, reading from the group's start. */
  | { kind: 'replace'; groupId: string; count: number }
  | { kind: 'launch'; partitions: string[]; startOffsets: PartitionOffsets };

const ENDED = new Set(['succeeded', 'failed', 'canceled']);
const isActive = (t: GroupTask): boolean => !ENDED.has(t.state);
const MOVING = new Set(['running', 'publishing']);

/**
 * The one thing to do next for a supervisor, or null when all is as it should be. The actor does
 * it, waits for its facts to be folded, and asks again: every step is decided on what the log says.
 * In order: publishing groups end (or are stopped), reading groups roll, groups get their replicas,
 * and uncovered partitions get a group. Pure.
 */
export function nextStep(input: PlannerInput): Step | null {
  return endingStep(input) ?? rollStep(input) ?? replicaStep(input) ?? launchStep(input);
}

const groupsOf = (c: SupervisorContext, publishing: boolean): Array<[string, TaskGroupRecord]> =>
  c.groups.filter((g) => c.publishingGroups.includes(g) === publishing).map((g) => [g, c.taskGroups[g]!]);

/**
 * A publishing group is done once a replica succeeded, or once its offsets are committed and its
 * replicas ended or ran out of time (a replica may fail after publishing, in its handoff). Not
 * committed, it is stopped when every replica ended or completionTimeout passed.
 */
function endingStep(input: PlannerInput): Step | null {
  for (const [groupId, group] of groupsOf(input.context, true)) {
    const tasks = input.tasksOf(groupId);
    const allEnded = tasks.every((t) => !isActive(t)) && group.taskIds.every((id) => tasks.some((t) => t.taskId === id));
    const timedOut = input.now >= group.publishingAt! + input.spec.ioConfig.completionTimeoutMs;
    if (tasks.some((t) => t.state === 'succeeded') || (isCommitted(group, input.committed) && (allEnded || timedOut))) {
      return { kind: 'complete', groupId, cancel: tasks.filter(isActive).map((t) => t.taskId) };
    }
    if (allEnded) return stopWithLaterGroups(input, groupId, 'every replica of the group ended without publishing');
    if (timedOut) return stopWithLaterGroups(input, groupId, `the group did not publish within completionTimeout (${input.spec.ioConfig.completionTimeoutMs} ms)`);
  }
  return null;
}

/** Whether the log committed the group's offsets up to its end (a partition it read nothing of counts as committed). */
function isCommitted(group: TaskGroupRecord, committed: PartitionOffsets | null): boolean {
  return Object.entries(group.endOffsets ?? {}).every(([p, end]) => (committed?.[p] ?? group.startOffsets[p]!) >= end);
}

/**
 * A group that fails to publish takes down the groups launched after it on its partitions: they
 * started where it was to end, which will never be committed; all restart from the committed offsets.
 */
function stopWithLaterGroups(input: PlannerInput, groupId: string, reason: string): Step {
  const { groups, taskGroups } = input.context;
  const failed = taskGroups[groupId]!;
  const later = groups.slice(groups.indexOf(groupId) + 1).filter((g) => taskGroups[g]!.partitions.some((p) => failed.partitions.includes(p)));
  const groupIds = [groupId, ...later];
  const cancel = groupIds.flatMap((g) => input.tasksOf(g).filter(isActive).map((t) => t.taskId));
  return { kind: 'stop', groupIds, cancel, reason };
}

function rollStep(input: PlannerInput): Step | null {
  const { state, context, spec, now } = input;
  if (state === 'unhealthy') return null;
  for (const [groupId, group] of groupsOf(context, false)) {
    if (input.deferred.has(groupId)) continue;
    const reason = !MOVING.has(state)
      ? `the supervisor is ${state}`
      : group.specAt < (context.submittedAt ?? 0)
        ? 'the supervisor spec was updated'
        : now >= group.launchedAt + spec.ioConfig.taskDurationMs
          ? 'taskDuration elapsed'
          : null;
    if (reason !== null) return { kind: 'roll', groupId, reason };
  }
  return null;
}

function replicaStep(input: PlannerInput): Step | null {
  // A stream that cannot be read fails every new replica: wait until it can.
  if (input.state === 'unhealthy') return null;
  for (const [groupId, group] of groupsOf(input.context, false)) {
    const tasks = input.tasksOf(groupId);
    const never = group.taskIds.filter((id) => !tasks.some((t) => t.taskId === id));
    if (never.length > 0) return { kind: 'submit', groupId, taskIds: never };
    // With its last replica the overlord abandoned the group's segments: a replacement would be
    // given them again (same sequences) and fail at once. The group restarts as a new one instead.
    if (tasks.length > 0 && tasks.every((t) => t.state === 'failed' || t.state === 'canceled')) {
      return stopWithLaterGroups(input, groupId, 'every replica of the group ended while reading, and its unpublished segments with it');
    }
    // Only failures are replaced: a replica that succeeded while reading (it was told an end) did its part.
    const live = tasks.filter((t) => t.state !== 'failed' && t.state !== 'canceled').length;
    if (live < input.spec.ioConfig.replicas) return { kind: 'replace', groupId, count: input.spec.ioConfig.replicas - live };
  }
  return null;
}

function launchStep(input: PlannerInput): Step | null {
  const { state, context, spec, stream, now } = input;
  if (!MOVING.has(state) || stream === null || now < (context.submittedAt ?? 0) + spec.ioConfig.startDelayMs) return null;
  const reading = new Set(groupsOf(context, false).flatMap(([, g]) => g.partitions));
  const uncovered = stream.partitions.filter((p) => !reading.has(p));
  const first = assignPartitions(uncovered, spec.ioConfig.taskCount)[0];
  if (first === undefined) return null;
  const partitions = first[1];
  const publishing = groupsOf(context, true).map(([, g]) => g.endOffsets!);
  return {
    kind: 'launch',
    partitions,
    startOffsets: startOffsets(partitions, { publishing, committed: input.committed, stream, useEarliestSequence: spec.ioConfig.useEarliestSequence }),
  };
}

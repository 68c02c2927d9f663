import { formatInstant } from '../time/instant.ts';
import type { PartitionOffsets, TaskOffsetsReply } from '../streaming/task-protocol.ts';
import type { GroupTask, SupervisorView } from './planner.ts';

export interface TaskGroupStatus {
  groupId: string;
  /** `reading` until its end is set, then `publishing`. */
  status: 'reading' | 'publishing';
  partitions: string[];
  tasks: Array<GroupTask & { currentOffsets?: PartitionOffsets }>;
  startOffsets: PartitionOffsets;
  endOffsets: PartitionOffsets | null;
  launchedAt: string;
  publishingAt: string | null;
  /** Reading groups: seconds until taskDuration ends it. */
  remainingSeconds?: number;
  /** Per partition, the furthest a replica has read (reading groups whose replicas answered). */
  currentOffsets?: PartitionOffsets;
}

/** What `grove.api.supervisor.status` answers: Druid's supervisor status payload, in grove's words. */
export interface SupervisorStatus {
  supervisorId: string;
  dataSource: string;
  stream: string;
  subjectPrefix: string | null;
  /** The supervisor machine's state: pending, running, publishing, suspended, unhealthy, stopped. */
  state: string;
  /** Druid's detailedState: PENDING, CREATING_TASKS, RUNNING, SUSPENDED, UNABLE_TO_CONNECT_TO_STREAM, STOPPING. */
  detailedState: string;
  healthy: boolean;
  suspended: boolean;
  unhealthyReason: string | null;
  push: boolean;
  partitions: string[];
  taskCount: number;
  replicas: number;
  durationSeconds: number;
  taskGroups: TaskGroupStatus[];
  committedOffsets: PartitionOffsets | null;
  /** Per partition, the sequence after the partition's last message. */
  latestOffsets?: PartitionOffsets;
  /** Per partition, stream sequences between what the reading group has read and the partition's last message (0: caught up). */
  lag?: PartitionOffsets;
  aggregateLag?: number;
  spec: unknown;
}

export interface StatusInput extends SupervisorView {
  id: string;
  /** Offsets replies of the reading replicas that answered, by task id. */
  offsets: ReadonlyMap<string, TaskOffsetsReply>;
  /** Per partition, the last sequence of its subject (0: none), when known. */
  lastSequences: Record<string, number> | null;
  now: number;
}

/** A supervisor's status from what the log, the tasks and the stream say. Pure. */
export function statusOf(i: StatusInput): SupervisorStatus {
  const io = i.spec.ioConfig;
  const taskGroups = i.context.groups.map((g) => groupStatus(i, g));
  const reading = taskGroups.filter((g) => g.status === 'reading');
  const covered = new Set(reading.flatMap((g) => g.partitions));
  const partitions = i.stream?.partitions ?? [...new Set(taskGroups.flatMap((g) => g.partitions))];
  const out: SupervisorStatus = {
    supervisorId: i.id,
    dataSource: i.context.dataSource,
    stream: io.stream,
    subjectPrefix: io.subjectPrefix,
    state: i.state,
    detailedState: detailedState(i, partitions.every((p) => covered.has(p))),
    healthy: i.state !== 'unhealthy',
    suspended: i.state === 'suspended',
    unhealthyReason: i.context.unhealthyReason,
    push: io.push,
    partitions,
    taskCount: io.taskCount,
    replicas: io.replicas,
    durationSeconds: io.taskDurationMs / 1000,
    taskGroups,
    committedOffsets: i.committed,
    spec: i.context.spec,
  };
  if (i.lastSequences !== null) Object.assign(out, lagOf(partitions, i.lastSequences, reading, i.committed));
  return out;
}

function groupStatus(i: StatusInput, groupId: string): TaskGroupStatus {
  const g = i.context.taskGroups[groupId]!;
  const publishing = i.context.publishingGroups.includes(groupId);
  const tasks = i.tasksOf(groupId).map((t) => {
    const reply = i.offsets.get(t.taskId);
    return reply === undefined ? t : { ...t, currentOffsets: reply.current };
  });
  const replies = tasks.flatMap((t) => ('currentOffsets' in t && t.currentOffsets !== undefined ? [t.currentOffsets] : []));
  const status: TaskGroupStatus = {
    groupId,
    status: publishing ? 'publishing' : 'reading',
    partitions: g.partitions,
    tasks,
    startOffsets: g.startOffsets,
    endOffsets: g.endOffsets,
    launchedAt: formatInstant(g.launchedAt),
    publishingAt: g.publishingAt === null ? null : formatInstant(g.publishingAt),
  };
  if (!publishing) {
    status.remainingSeconds = Math.max(0, Math.round((g.launchedAt + i.spec.ioConfig.taskDurationMs - i.now) / 1000));
    if (replies.length > 0) status.currentOffsets = Object.fromEntries(g.partitions.map((p) => [p, Math.max(...replies.map((r) => r[p] ?? g.startOffsets[p]!))]));
  }
  return status;
}

function detailedState(i: StatusInput, allCovered: boolean): string {
  switch (i.state) {
    case 'pending':
      return 'PENDING';
    case 'suspended':
      return 'SUSPENDED';
    case 'unhealthy':
      return 'UNABLE_TO_CONNECT_TO_STREAM';
    case 'stopped':
      return 'STOPPING';
    default:
      return allCovered ? 'RUNNING' : 'CREATING_TASKS';
  }
}

/** Lag per partition: from where its reading group is (else the committed offset) to the partition's last message. */
function lagOf(partitions: string[], last: Record<string, number>, reading: TaskGroupStatus[], committed: PartitionOffsets | null) {
  const latestOffsets: PartitionOffsets = {};
  const lag: PartitionOffsets = {};
  for (const p of partitions) {
    latestOffsets[p] = (last[p] ?? 0) + 1;
    const group = reading.find((g) => g.partitions.includes(p));
    const at = group?.currentOffsets?.[p] ?? group?.startOffsets[p] ?? committed?.[p];
    if (at !== undefined) lag[p] = Math.max(0, latestOffsets[p]! - at);
  }
  return { latestOffsets, lag, aggregateLag: Object.values(lag).reduce((a, b) => a + b, 0) };
}

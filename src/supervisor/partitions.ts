import type { PartitionOffsets, TaskOffsetsReply } from '../streaming/task-protocol.ts';

/**
 * Partitions and offsets, as Druid's SeekableStreamSupervisor reckons them: partition `n` is the
 * subject `<subjectPrefix>.<n>`, it belongs to task group `n % taskCount`, and offsets are
 * JetStream stream sequence numbers. Pure.
 */

/** The partitions among a stream's subjects (configured or holding messages), in numeric order. */
export function partitionsOf(subjects: Iterable<string>, subjectPrefix: string): string[] {
  const found = new Set<string>();
  const head = `${subjectPrefix}.`;
  for (const s of subjects) {
    if (!s.startsWith(head)) continue;
    const n = s.slice(head.length);
    if (/^(0|[1-9]\d*)$/.test(n)) found.add(n);
  }
  return [...found].sort((a, b) => Number(a) - Number(b));
}

/**
 * The subject prefix a spec that names none gets: the stream's first subject without its last
 * token (`orders.*` and `orders.0` give `orders`). Null when that leaves nothing.
 */
export function defaultSubjectPrefix(streamSubjects: readonly string[]): string | null {
  const first = streamSubjects[0];
  if (first === undefined || first.endsWith('>')) return first?.endsWith('.>') ? first.slice(0, -2) : null;
  const cut = first.lastIndexOf('.');
  return cut <= 0 ? null : first.slice(0, cut);
}

/** The task group a partition belongs to. */
export const taskGroupOf = (partition: string, taskCount: number): number => Number(partition) % taskCount;

/** Partitions by task group index, groups in order, each group's partitions in order. */
export function assignPartitions(partitions: readonly string[], taskCount: number): Array<[number, string[]]> {
  const groups = new Map<number, string[]>();
  for (const p of partitions) {
    const g = taskGroupOf(p, taskCount);
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  return [...groups].sort((a, b) => a[0] - b[0]);
}

/**
 * Where a group ends: per partition, the furthest any replica has read (asked while paused, so
 * none reads on past it); the others read on up to there, so they all build the same segments. A
 * partition no replica spoke for ends where it began.
 */
export function endOffsets(start: PartitionOffsets, replies: ReadonlyArray<Pick<TaskOffsetsReply, 'current'>>): PartitionOffsets {
  const end: PartitionOffsets = {};
  for (const [p, s] of Object.entries(start)) {
    end[p] = Math.max(s, ...replies.map((r) => r.current[p] ?? s));
  }
  return end;
}

export interface StreamBounds {
  /** The stream's first and last sequence (JetStream's first_seq, last_seq; 0 when it never held a message). */
  firstSeq: number;
  lastSeq: number;
}

export interface OffsetSources {
  /** End offsets of groups still publishing, the latest launched last: the next group starts there. */
  publishing: readonly PartitionOffsets[];
  /** What the log committed for the datasource and stream. */
  committed: PartitionOffsets | null;
  stream: StreamBounds;
  useEarliestSequence: boolean;
}

/**
 * Where a new group starts, per partition: where the group publishing it ends, else the committed
 * offset, else the stream's earliest sequence (useEarliestSequence) or the one after its last.
 */
export function startOffsets(partitions: readonly string[], from: OffsetSources): PartitionOffsets {
  const start: PartitionOffsets = {};
  for (const p of partitions) {
    const publishing = from.publishing.findLast((end) => end[p] !== undefined)?.[p];
    const fresh = from.useEarliestSequence ? Math.max(1, from.stream.firstSeq) : from.stream.lastSeq + 1;
    start[p] = publishing ?? from.committed?.[p] ?? fresh;
  }
  return start;
}

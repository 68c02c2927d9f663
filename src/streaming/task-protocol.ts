/**
 * The contract between a streaming supervisor and the `index_nats` tasks it submits (Druid's
 * KafkaIndexTask and its supervisor's control calls). The supervisor submits the task JSON on
 * `grove.overlord.task.submit`; it then drives each task over `streamingTask.offsets` and
 * `streamingTask.finish` (src/bus/subjects.ts).
 */

/** Per-partition JetStream stream sequence numbers; a partition is the subject `<subjectPrefix>.<n>`, keyed by `n`. */
export type PartitionOffsets = Record<string, number>;

/** The task JSON of a streaming task: `{ type: 'index_nats', id, groupId, dataSource, spec, context }`. */
export interface StreamingTaskJson {
  type: 'index_nats';
  id: string;
  /** The lock group shared by the replicas of one task group. */
  groupId: string;
  dataSource: string;
  spec: {
    /** As in the supervisor spec (a batch dataSchema). */
    dataSchema: unknown;
    ioConfig: StreamingTaskIoConfig;
    /** As in the supervisor spec: maxRowsInMemory, maxRowsPerSegment, intermediatePersistPeriod, handoffConditionTimeout. */
    tuningConfig: unknown;
  };
  context: { supervisorId: string; taskGroupId: string; priority?: number };
}

export interface StreamingTaskIoConfig {
  /** JetStream stream name. */
  stream: string;
  /** Partition `n` is the subject `${subjectPrefix}.${n}`. */
  subjectPrefix: string;
  inputFormat: unknown;
  /** Identical for every replica of a group, so they allocate identical segment ids. */
  baseSequenceName: string;
  /** Where to start reading, per partition the task owns (inclusive stream sequence). */
  startSequenceNumbers: PartitionOffsets;
  /**
   * Where to stop (exclusive), when known at submission (a group relaunched to finish what a
   * publishing group left). Otherwise the task reads until told by `finish`.
   */
  endSequenceNumbers?: PartitionOffsets;
  /** Rows earlier / later than these (epoch ms) are thrown away (late/earlyMessageRejectionPeriod, resolved by the supervisor at launch). */
  minimumMessageTime?: number;
  maximumMessageTime?: number;
}

/**
 * `streamingTask.offsets` request body: `{}`, or `{ pause: true }` (added by the supervisor, optional):
 * the supervisor asks with `pause` when it is about to end the group (Druid's pause before
 * setEndOffsets). A paused task stops taking new messages (it keeps what it has) until `finish`
 * comes, so its `current` stays put and an end computed from the replicas' `current` is at least as
 * far as each replica has read. A task that ignores `pause` still works, with a race: it may read
 * past the end before `finish` reaches it.
 */
export interface OffsetsRequest {
  pause?: boolean;
}

/** The reply to `streamingTask.offsets`: */
export interface TaskOffsetsReply {
  taskId: string;
  /** `reading` until it is told where to end, then `finishing` (reading up to the end), `publishing`, `awaitingHandoff`. */
  phase: 'reading' | 'finishing' | 'publishing' | 'awaitingHandoff';
  start: PartitionOffsets;
  /** The next sequence it will read, per partition (everything before it is in its indexes). */
  current: PartitionOffsets;
}

/**
 * `streamingTask.finish` request body: read up to `end` (exclusive) per partition — for each
 * partition at least as far as `current` — then publish with the commit `{ stream, start, end }`.
 * The reply (at once, before publishing): `{ taskId, end }`. Asking again with the same `end` is answered
 * the same; a different `end` once finishing is a `conflict`.
 */
export interface FinishRequest {
  end: PartitionOffsets;
}

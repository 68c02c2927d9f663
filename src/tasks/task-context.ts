import type { NatsConnection } from 'nats';
import type { TaskReport } from '../../machines/task/events.ts';
import type { DeepStorage } from '../storage/deep-storage.ts';
import type { OverlordClient } from './overlord-client.ts';

/**
 * What a task runner gets (Druid's TaskToolbox, cut down). A runner runs in a child process of its
 * indexer, alone: it may crash or run out of memory without harming anything but its own task.
 */
export interface TaskContext {
  readonly taskId: string;
  /** The task JSON as submitted (Druid's format); each runner parses its own type. */
  readonly spec: unknown;
  /** Locks, allocation, publishing and state updates through the overlord, on this task's behalf. */
  readonly overlord: OverlordClient;
  readonly deepStorage: DeepStorage;
  /** Scratch space of this task alone; the indexer removes it once the task has ended. */
  readonly workDir: string;
  /**
   * Aborted when the task must stop (canceled, its lock revoked, the indexer stopping). A runner
   * stops soon after and publishes nothing; its reason is `signal.reason`.
   */
  readonly signal: AbortSignal;
  /** Reports progress; the indexer relays it on `grove.task.<taskId>.progress`. Cheap, call freely. */
  progress(p: TaskProgressReport): void;
  /** A line for the task's log (the indexer's output, prefixed with the task id). */
  log(message: string): void;
  /** The task's own connection (user `actor`), for runners that need more than the overlord (streaming). */
  readonly nc: NatsConnection;
}

/** Progress as a runner reports it: what `grove ingest` shows. */
export interface TaskProgressReport {
  phase: string;
  rowsRead: number;
  bytesRead: number;
  /** Bytes of all inputs, when known: lets a client draw a bar. */
  bytesTotal?: number;
  rowsPerSecond: number;
}

/**
 * How a task ended. A runner may also throw: that is a failure with the error's message (and its
 * GroveError code, e.g. `lock_preempted`).
 */
export type TaskOutcome =
  | { status: 'succeeded'; report: TaskReport }
  | { status: 'failed'; error: string; code?: string; report?: TaskReport };

/** Runs one task to its end. The indexer reports the outcome to the overlord; the runner does not. */
export type TaskRunner = (ctx: TaskContext) => Promise<TaskOutcome>;

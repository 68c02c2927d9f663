import type { TaskOutcome, TaskProgressReport } from './task-context.ts';

/**
 * The messages between an indexer and one task process, over Node's IPC channel. The indexer
 * sends `run` once, then maybe `stop`; the task sends progress, then its outcome, then exits.
 * A task process that exits without an outcome crashed.
 */

export interface RunMessage {
  type: 'run';
  taskId: string;
  spec: unknown;
  /** The module of the runner for the task's type (src/tasks/registry.ts). */
  runnerModule: string;
  workDir: string;
  deepStorageDir: string;
  natsUrl: string;
  natsPassword: string;
}

export interface StopMessage {
  type: 'stop';
  reason: string;
}

export type ToTask = RunMessage | StopMessage;

/** What the task process used, measured from inside (its CPU time and peak resident memory). */
export interface TaskUsage {
  cpuMs: number;
  maxRssBytes: number;
}

export type FromTask =
  | { type: 'progress'; progress: TaskProgressReport }
  | { type: 'outcome'; outcome: TaskOutcome; usage: TaskUsage };

/** The module a task process runs (`node --import tsx <this> --task=<taskId>`). */
export const TASK_PROCESS_ENTRY = new URL('./task-process.ts', import.meta.url).pathname;

/** Marks a task process on its command line, so that an indexer can tell its leftovers from other processes. */
export const taskArg = (taskId: string): string => `--grove-task=${taskId}`;

import type { Fact } from '../common.ts';

export type TaskType = 'index_parallel' | 'index' | 'compact' | 'kill' | 'index_nats';

/** Druid's row stats. */
export interface RowStats {
  processed: number;
  processedWithError: number;
  unparseable: number;
  thrownAway: number;
}

export interface ParseError {
  /** 1-based line (or message) number within its input. */
  line: number;
  input?: string;
  reason: string;
}

export interface TaskReport {
  rowStats: RowStats;
  /** The first parse errors, in order. */
  parseErrors: ParseError[];
  segments: number;
}

export type TaskSubmitted = Fact<'TaskSubmitted', {
  taskId: string;
  taskType: TaskType;
  dataSource: string;
  groupId: string;
  priority: number;
  /** Realtime (streaming) tasks wait for handoff before they succeed. */
  realtime: boolean;
  /** The Druid task JSON as submitted. */
  spec: unknown;
}>;
export type TaskAssigned = Fact<'TaskAssigned', { taskId: string; indexerId: string }>;
export type TaskWaitingForLock = Fact<'TaskWaitingForLock', { taskId: string; lockId: string }>;
export type TaskStarted = Fact<'TaskStarted', { taskId: string; indexerId: string }>;
export type TaskPublishing = Fact<'TaskPublishing', { taskId: string }>;
export type TaskAwaitingHandoff = Fact<'TaskAwaitingHandoff', { taskId: string; segmentIds: string[] }>;
export type TaskSucceeded = Fact<'TaskSucceeded', { taskId: string; report: TaskReport }>;
export type TaskFailed = Fact<'TaskFailed', { taskId: string; error: string; code?: string; report?: TaskReport }>;
export type TaskCanceled = Fact<'TaskCanceled', { taskId: string; reason: string }>;

export type TaskEvent =
  | TaskSubmitted
  | TaskAssigned
  | TaskWaitingForLock
  | TaskStarted
  | TaskPublishing
  | TaskAwaitingHandoff
  | TaskSucceeded
  | TaskFailed
  | TaskCanceled;

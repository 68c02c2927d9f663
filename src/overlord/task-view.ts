import type { RowStats, TaskType } from '../../machines/task/events.ts';
import { formatInstant } from '../time/instant.ts';
import type { TaskState, TaskView } from './overlord-state.ts';

/** `grove.api.task.status`: the contract's fields, then what Druid's status adds. */
export interface TaskStatus {
  taskId: string;
  type: TaskType;
  dataSource: string;
  state: TaskState;
  error?: string;
  errorCode?: string;
  rowStats?: RowStats;
  groupId: string;
  priority: number;
  createdTime: string;
  indexerId?: string;
}

/** What an indexer last said of a running task (`grove.task.<id>.progress`); not logged. */
export interface TaskProgress {
  rowsRead: number;
  bytesRead: number;
  rowsPerSecond: number;
  phase: string;
}

export function statusOf(t: TaskView): TaskStatus {
  return {
    taskId: t.taskId,
    type: t.taskType,
    dataSource: t.dataSource,
    state: t.state,
    ...(t.error !== null ? { error: t.error } : {}),
    ...(t.errorCode !== null ? { errorCode: t.errorCode } : {}),
    ...(t.report !== null ? { rowStats: t.report.rowStats } : {}),
    groupId: t.groupId,
    priority: t.priority,
    createdTime: formatInstant(t.submittedAt),
    ...(t.indexerId !== null ? { indexerId: t.indexerId } : {}),
  };
}

const INGESTION_STATE: Record<TaskState, string> = {
  pending: 'NOT_STARTED', waitingForLock: 'NOT_STARTED', running: 'BUILD_SEGMENTS', publishing: 'BUILD_SEGMENTS',
  awaitingHandoff: 'SEGMENT_AVAILABILITY_WAIT', succeeded: 'COMPLETED', failed: 'COMPLETED', canceled: 'COMPLETED',
};

/**
 * `grove.api.task.report`: Druid's task report (`ingestionStatsAndErrors`), with row stats from the
 * task's final report, or its last progress while it runs.
 */
export function reportOf(t: TaskView, progress: TaskProgress | null) {
  const finished = t.report;
  const rowStats = finished?.rowStats ?? (progress === null ? null : { processed: progress.rowsRead, processedWithError: 0, unparseable: 0, thrownAway: 0 });
  return {
    ingestionStatsAndErrors: {
      taskId: t.taskId,
      type: 'ingestionStatsAndErrors',
      payload: {
        ingestionState: INGESTION_STATE[t.state],
        unparseableEvents: { buildSegments: (finished?.parseErrors ?? []).map((p) => ({ input: p.input ?? null, errorType: 'unparseable', details: [p.reason], lineNumber: p.line })) },
        rowStats: { buildSegments: rowStats ?? { processed: 0, processedWithError: 0, unparseable: 0, thrownAway: 0 } },
        errorMsg: t.error,
        segmentsPublished: finished?.segments ?? 0,
        ...(progress !== null && finished === null ? { progress } : {}),
      },
    },
  };
}

import type { TaskGroupRecord } from '../../machines/supervisor/machine.ts';
import type { SupervisorSpec } from '../spec/supervisor-spec.ts';
import type { StreamingTaskJson } from '../streaming/task-protocol.ts';

/** Realtime tasks' lock priority (Druid's default for them). */
const REALTIME_PRIORITY = 75;

/**
 * The `index_nats` task JSON of one replica of a group. Every replica gets the same JSON but its
 * id: the group's id as lock group and base sequence name (so they allocate the same segments),
 * the group's start offsets, and message-time bounds taken from the group's launch time, so a
 * replacement launched later throws away exactly what the first replicas throw away. Pure.
 */
export function streamingTaskJson(spec: SupervisorSpec, supervisorId: string, groupId: string, group: Pick<TaskGroupRecord, 'startOffsets' | 'launchedAt'>, taskId: string): StreamingTaskJson {
  const io = spec.ioConfig;
  return {
    type: 'index_nats',
    id: taskId,
    groupId,
    dataSource: spec.dataSource,
    spec: {
      dataSchema: spec.json.spec.dataSchema,
      ioConfig: {
        stream: io.stream,
        subjectPrefix: io.subjectPrefix!,
        inputFormat: io.inputFormat,
        baseSequenceName: groupId,
        startSequenceNumbers: group.startOffsets,
        ...(io.lateMessageRejectionPeriodMs !== null ? { minimumMessageTime: group.launchedAt - io.lateMessageRejectionPeriodMs } : {}),
        // Druid counts the early period from the end of the task's duration.
        ...(io.earlyMessageRejectionPeriodMs !== null ? { maximumMessageTime: group.launchedAt + io.taskDurationMs + io.earlyMessageRejectionPeriodMs } : {}),
      },
      tuningConfig: spec.json.spec.tuningConfig,
    },
    context: { supervisorId, taskGroupId: groupId, priority: REALTIME_PRIORITY },
  };
}

/** A token from a datasource name for ids that name NATS subjects (task ids): separators and wildcards become `_`. */
export const idToken = (s: string): string => s.replace(/[\s.*>:/\\]/g, '_');

/** The first replicas' task ids of a group; replacements get a suffix of their own. */
export const replicaTaskId = (groupId: string, replica: number): string => `index_nats_${groupId}_${replica}`;

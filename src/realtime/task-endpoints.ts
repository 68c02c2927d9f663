import type { NatsConnection, Service } from 'nats';
import { badRequest } from '../bus/errors.ts';
import { startService } from '../bus/service.ts';
import { node, streamingTask } from '../bus/subjects.ts';
import { queryOnSegments, type NodeQueryReply, type NodeQueryRequest } from '../historical/node-query.ts';
import type { SegmentReader } from '../segment/reader.ts';
import type { FinishRequest, OffsetsRequest, PartitionOffsets, TaskOffsetsReply } from '../streaming/task-protocol.ts';
import type { PartitionProgress } from './partition-offsets.ts';
import type { SinkReaders } from './sink-segment.ts';
import type { Sinks } from './sinks.ts';

/** What a running realtime task shows on its subjects. */
export interface ServedTask {
  taskId: string;
  phase(): TaskOffsetsReply['phase'];
  offsets: PartitionProgress;
  sinks: Sinks;
  readers: SinkReaders;
  /** Stops taking messages until `finish`, once what is being indexed is in. */
  pause(): Promise<void>;
  /** Sets the end (throws `conflict` for a different one once set). */
  finish(end: PartitionOffsets): void;
}

/**
 * The task's own subjects: `grove.node.<taskId>.query` (the historical's node query, over the
 * segments it is building, with everything read so far), and its supervisor's controls
 * `streamingTask.offsets` and `streamingTask.finish` (src/streaming/task-protocol.ts).
 */
export function serveTask(nc: NatsConnection, t: ServedTask): Promise<Service> {
  return startService(nc, {
    kind: 'realtime-task',
    id: t.taskId,
    description: `realtime task ${t.taskId}: queries over its in-flight segments, offsets and finish`,
    endpoints: {
      query: { subject: node.query(t.taskId), handler: (b) => queryInFlight(t, b as NodeQueryRequest), queue: false },
      offsets: { subject: streamingTask.offsets(t.taskId), handler: (b) => offsetsOf(t, b), queue: false },
      finish: { subject: streamingTask.finish(t.taskId), handler: (b) => finish(t, b), queue: false },
    },
  });
}

/** Each asked segment read as it is now; the historical's code runs the query over them. */
async function queryInFlight(t: ServedTask, req: NodeQueryRequest): Promise<NodeQueryReply> {
  const readers = new Map<string, SegmentReader>();
  for (const s of Array.isArray(req?.segments) ? req.segments : []) {
    const sink = typeof s?.id === 'string' ? t.sinks.get(s.id) : undefined;
    if (sink !== undefined && !readers.has(sink.id)) readers.set(sink.id, await t.readers.readerOf(sink));
  }
  return queryOnSegments(req, (id) => readers.get(id), node.query(t.taskId));
}

/** The offsets now; asked with `pause`, once the task has stopped taking messages. */
async function offsetsOf(t: ServedTask, body: unknown): Promise<TaskOffsetsReply> {
  if ((body as OffsetsRequest | null)?.pause === true) await t.pause();
  return { taskId: t.taskId, phase: t.phase(), start: { ...t.offsets.start }, current: t.offsets.offsets() };
}

function finish(t: ServedTask, body: unknown): { taskId: string; end: PartitionOffsets } {
  const end = (body as Partial<FinishRequest> | null)?.end;
  if (typeof end !== 'object' || end === null || Array.isArray(end) || !Object.values(end).every((v) => Number.isInteger(v))) {
    throw badRequest('malformed finish request: end: expected { "<partition>": <sequence>, ... }', [{ path: 'end', reason: 'expected per-partition stream sequences' }]);
  }
  t.finish(end);
  return { taskId: t.taskId, end: { ...t.offsets.end! } };
}

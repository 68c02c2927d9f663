import { join } from 'node:path';
import { beforeAll, expect } from 'vitest';
import { RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager } from 'nats';
import { Indexer } from '../../../actors/indexer/indexer.ts';
import { Overlord } from '../../../actors/overlord/overlord.ts';
import { request } from '../../../src/bus/client.ts';
import { API, INTERNAL, streamingTask } from '../../../src/bus/subjects.ts';
import type { TaskStatus } from '../../../src/overlord/task-view.ts';
import type { OffsetsRequest, PartitionOffsets, StreamingTaskJson, TaskOffsetsReply } from '../../../src/streaming/task-protocol.ts';
import { TEST_PASSWORDS } from '../../support/nats-server.ts';
import { testCluster, type TestCluster } from '../cluster/support.ts';
import { pageViewSchema } from '../../support/page-views.ts';

/** A row of the test streams: `page` viewed `added` times at `ts`. */
export interface Click {
  ts: string;
  page: string;
  added: number;
}

export interface StreamingCluster extends TestCluster {
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** What the indexer and its tasks printed. */
  output: string[];
}

/**
 * The whole cluster in this process (metastore, overlord, indexer running tasks in child
 * processes, coordinator, one historical, broker) on the file's own nats-server with JetStream.
 */
export function streamingCluster(label: string): StreamingCluster {
  const cluster = testCluster(label) as StreamingCluster;
  cluster.output = [];
  beforeAll(async () => {
    cluster.overlord = await Overlord.start({ nc: cluster.actorNc, id: 'o' });
    cluster.indexer = await Indexer.start({
      nc: cluster.actorNc, id: 'i', natsUrl: cluster.natsUrl, natsPassword: TEST_PASSWORDS.actor, maxHeapMb: 512,
      deepStorageDir: join(cluster.dir, 'deep'), workRoot: join(cluster.dir, 'tasks'), log: (line) => cluster.output.push(line),
    });
    await cluster.startHistorical('h1');
    cluster.js = cluster.actorNc.jetstream();
    cluster.jsm = await cluster.actorNc.jetstreamManager();
  });
  return cluster;
}

/** The subject prefix of a test stream: under `grove.`, which the `actor` user may publish to. */
export const subjectPrefixOf = (stream: string): string => `grove.test.${stream}`;

/** A stream whose partitions are `grove.test.<name>.<n>`. */
export async function createStream(c: StreamingCluster, name: string): Promise<void> {
  await c.jsm.streams.add({ name, subjects: [`${subjectPrefixOf(name)}.*`], retention: RetentionPolicy.Limits, storage: StorageType.File });
}

/** Publishes the rows to one partition, `perMessage` rows a message (newline-separated); returns the sequences. */
export async function produce(c: StreamingCluster, stream: string, partition: number, rows: readonly (Click | string)[], perMessage = 1): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < rows.length; i += perMessage) {
    const text = rows.slice(i, i + perMessage).map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
    seqs.push((await c.js.publish(`${subjectPrefixOf(stream)}.${partition}`, new TextEncoder().encode(text))).seq);
  }
  return seqs;
}

/** `n` clicks in the hours of 2024-01-01 from `firstHour`, a different page each, `added` 1..n. */
export function clicks(n: number, firstHour = 0, pagePrefix = 'p'): Click[] {
  return Array.from({ length: n }, (_, i) => ({ ts: `2024-01-01T${String(firstHour + (i % 3)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`, page: `${pagePrefix}${i}`, added: i + 1 }));
}

export interface TaskOptions {
  id: string;
  dataSource: string;
  stream: string;
  groupId?: string;
  start: PartitionOffsets;
  end?: PartitionOffsets;
  minimumMessageTime?: number;
  maximumMessageTime?: number;
  tuningConfig?: Record<string, unknown>;
}

/** An index_nats task JSON as a supervisor submits it (src/streaming/task-protocol.ts). */
export function streamingTaskJson(o: TaskOptions): StreamingTaskJson {
  const groupId = o.groupId ?? o.id;
  return {
    type: 'index_nats', id: o.id, groupId, dataSource: o.dataSource,
    spec: {
      dataSchema: pageViewSchema(o.dataSource, { segmentGranularity: 'hour', rollup: true }),
      ioConfig: {
        stream: o.stream, subjectPrefix: subjectPrefixOf(o.stream), inputFormat: { type: 'json' }, baseSequenceName: `${groupId}-seq`, startSequenceNumbers: o.start,
        ...(o.end !== undefined ? { endSequenceNumbers: o.end } : {}),
        ...(o.minimumMessageTime !== undefined ? { minimumMessageTime: o.minimumMessageTime } : {}),
        ...(o.maximumMessageTime !== undefined ? { maximumMessageTime: o.maximumMessageTime } : {}),
      },
      tuningConfig: { maxRowsInMemory: 1000, maxRowsPerSegment: 5_000_000, handoffConditionTimeout: 0, ...o.tuningConfig },
    },
    context: { supervisorId: 'test-supervisor', taskGroupId: groupId },
  };
}

/** Submits the task as a supervisor does (`grove.overlord.task.submit`). */
export async function submitStreamingTask(c: StreamingCluster, task: StreamingTaskJson): Promise<string> {
  return (await request<{ taskId: string }>(c.actorNc, INTERNAL.overlordTaskSubmit, task)).taskId;
}

export const taskStatus = (c: StreamingCluster, taskId: string): Promise<TaskStatus> => request<TaskStatus>(c.clientNc, API.taskStatus, { taskId });

export const taskOffsets = (c: StreamingCluster, taskId: string, body: OffsetsRequest = {}): Promise<TaskOffsetsReply> => request<TaskOffsetsReply>(c.actorNc, streamingTask.offsets(taskId), body);

export const finishTask = (c: StreamingCluster, taskId: string, end: PartitionOffsets): Promise<{ taskId: string; end: PartitionOffsets }> =>
  request(c.actorNc, streamingTask.finish(taskId), { end });

/** Count (rows as ingested, the `count` metric summed) and sum of `added` over the day, as the broker answers. */
export async function totals(c: StreamingCluster, dataSource: string): Promise<{ rows: number; added: number } | null> {
  const r = await c.query<Array<{ result: { rows: number; added: number } }>>({
    queryType: 'timeseries', dataSource, intervals: ['2024-01-01/2024-01-02'], granularity: 'all',
    aggregations: [{ type: 'longSum', name: 'rows', fieldName: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
  });
  return r[0]?.result ?? null;
}

/** Waits until the broker's answer is `expected` (the task may still be reading). */
export async function untilTotals(c: StreamingCluster, dataSource: string, expected: { rows: number; added: number }, timeout = 20_000): Promise<void> {
  await expect.poll(() => totals(c, dataSource), { timeout, interval: 100 }).toEqual(expected);
}

export async function untilEnded(c: StreamingCluster, taskId: string, timeout = 60_000): Promise<TaskStatus> {
  await expect.poll(async () => (await taskStatus(c, taskId)).state, { timeout, interval: 100 }).toMatch(/^(succeeded|failed|canceled)$/);
  return taskStatus(c, taskId);
}

export const sumOf = (rows: readonly Click[]): number => rows.reduce((n, r) => n + r.added, 0);

import { mkdirSync } from 'node:fs';
import { pidIn } from '../../support/pid-file.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { Indexer, type IndexerOptions } from '../../../actors/indexer/indexer.ts';
import type { SegmentDescriptor } from '../../../machines/segment/events.ts';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import { isActive } from '../../../src/overlord/overlord-state.ts';
import type { reportOf, TaskStatus } from '../../../src/overlord/task-view.ts';
import { LocalDeepStorage } from '../../../src/storage/local.ts';
import { parseInterval } from '../../../src/time/interval.ts';
import { TEST_PASSWORDS } from '../../support/nats-server.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { logFrom, startGrove, type Grove } from '../overlord/support.ts';

export interface IndexedGrove extends Grove {
  indexer: Indexer;
  deep: LocalDeepStorage;
  /** A directory for the test's input files. */
  inputs: string;
  /** Everything the indexer and its tasks printed. */
  output: string[];
  submit(task: unknown): Promise<string>;
  status(taskId: string): Promise<TaskStatus>;
  /** Druid's task report (`grove.api.task.report`). */
  report(taskId: string): Promise<ReturnType<typeof reportOf>>;
  cancel(taskId: string): Promise<TaskStatus>;
  /** Polls the task until it has ended; returns its final status. */
  ended(taskId: string, timeoutMs?: number): Promise<TaskStatus>;
  /** The segments the task published, from the log. */
  publishedBy(taskId: string): Promise<SegmentDescriptor[]>;
  /** The file of a published segment in deep storage. */
  fileOf(s: SegmentDescriptor): string;
}

/**
 * The real path of a batch task: metastore, overlord (test/int/overlord/support.ts, with its
 * refold checks after every test) and one indexer running tasks in child processes, on this
 * file's own nats-server, LMDB and directories.
 */
export function startIndexedGrove(label: string, options: Partial<IndexerOptions> = {}): IndexedGrove {
  const g = startGrove(label) as IndexedGrove;
  const dir = tempDir(`${label}-data`);
  g.inputs = join(dir, 'inputs');
  g.output = [];
  g.deep = new LocalDeepStorage(join(dir, 'deep'));
  beforeAll(async () => {
    mkdirSync(g.inputs, { recursive: true });
    g.indexer = await Indexer.start({
      nc: g.actorNc, id: `ix-${label}`, natsUrl: g.natsUrl, natsPassword: TEST_PASSWORDS.actor,
      deepStorageDir: g.deep.root, workRoot: join(dir, 'work'), maxHeapMb: 512,
      log: (line) => g.output.push(line),
      ...options,
    });
  });
  afterAll(async () => {
    await g.indexer?.stop();
  });
  g.submit = async (task) => (await request<{ taskId: string }>(g.clientNc, API.taskSubmit, task)).taskId;
  g.status = (taskId) => request<TaskStatus>(g.clientNc, API.taskStatus, { taskId });
  g.cancel = (taskId) => request<TaskStatus>(g.clientNc, API.taskCancel, { taskId });
  g.report = (taskId) => request(g.clientNc, API.taskReport, { taskId });
  g.ended = async (taskId, timeoutMs = 30_000) => {
    await expect.poll(async () => isActive((await g.status(taskId)).state), { timeout: timeoutMs, interval: 100 }).toBe(false);
    return g.status(taskId);
  };
  g.publishedBy = async (taskId) => (await logFrom(g.actorNc, 1, 'SegmentsPublished'))
    .map((r) => r.data as { taskId: string; segments: SegmentDescriptor[] })
    .filter((d) => d.taskId === taskId)
    .flatMap((d) => d.segments);
  g.fileOf = (s) => g.deep.pathOf({ dataSource: s.dataSource, interval: parseInterval(s.interval), version: s.version, partitionNum: s.partitionNum });
  return g;
}

/** Whether a process of that pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a task's process, once its indexer has recorded it under `workDir` (`<taskId>.pid`). */
export async function taskPid(workDir: string, taskId: string): Promise<number> {
  const file = join(workDir, `${taskId}.pid`);
  await expect.poll(() => pidIn(file), { timeout: 20_000 }).not.toBeNull();
  return pidIn(file)!;
}

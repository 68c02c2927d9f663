import { pidIn } from '../../support/pid-file.ts';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { Indexer } from '../../../actors/indexer/indexer.ts';
import { SupervisorActor, type SupervisorActorOptions } from '../../../actors/supervisor/supervisor.ts';
import { request } from '../../../src/bus/client.ts';
import { refoldAndCompare } from '../../../src/log/projection.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { API } from '../../../src/bus/subjects.ts';
import type { SupervisorStatus } from '../../../src/supervisor/status.ts';
import { TEST_PASSWORDS } from '../../support/nats-server.ts';
import { streamingCluster, subjectPrefixOf, type StreamingCluster } from '../realtime/support.ts';
import { pageViewSchema } from '../../support/page-views.ts';

export interface SupervisedCluster extends StreamingCluster {
  supervisor: SupervisorActor;
  /** Stops the supervisor actor and starts a new one on the same bus and log. */
  restartSupervisor(): Promise<void>;
  status(supervisorId: string): Promise<SupervisorStatus>;
  /** Waits until the supervisor's status satisfies `check`; returns that status. */
  statusUntil(supervisorId: string, check: (s: SupervisorStatus) => boolean, timeout?: number): Promise<SupervisorStatus>;
  submitSupervisor(spec: unknown): Promise<string>;
  supervisorCommand(command: 'suspend' | 'resume' | 'reset' | 'terminate', supervisorId: string): Promise<unknown>;
}

/** The whole streaming cluster of test/int/realtime (real index_nats tasks in child processes) and a supervisor actor. */
export function supervisedCluster(label: string, options: Partial<SupervisorActorOptions> = {}): SupervisedCluster {
  const c = streamingCluster(label) as SupervisedCluster;
  const start = () => SupervisorActor.start({ nc: c.actorNc, id: 's', tickMs: 200, ...options });
  let more: Indexer | null = null;
  beforeAll(async () => {
    // Room for a publishing group and the next one side by side, with replicas.
    more = await Indexer.start({
      nc: c.actorNc, id: 'i2', capacity: 4, natsUrl: c.natsUrl, natsPassword: TEST_PASSWORDS.actor, maxHeapMb: 512,
      deepStorageDir: join(c.dir, 'deep'), workRoot: join(c.dir, 'tasks2'), log: (line) => c.output.push(line),
    });
    c.supervisor = await start();
  });
  afterAll(async () => {
    // Everything the supervisors appended folds again to the same state from the log alone. The
    // metastore's state takes an append before its commit is readable: wait for the log to hold it.
    // (expect.poll is for tests only, not hooks.)
    try {
      for (const until = Date.now() + 10_000; c.metastore.log.lastSeq < c.state.position && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
      expect(refoldAndCompare(c.metastore.log, [c.state], [new ClusterState()], c.state.position)).toEqual([]);
    } finally {
      // Before the cluster's own afterAll (hooks run last-registered first), divergence or not.
      await c.supervisor?.stop();
      await more?.stop();
    }
  });
  c.restartSupervisor = async () => {
    await c.supervisor.stop();
    c.supervisor = await start();
  };
  c.status = (supervisorId) => request<SupervisorStatus>(c.clientNc, API.supervisorStatus, { supervisorId });
  c.statusUntil = async (supervisorId, check, timeout = 30_000) => {
    let last: SupervisorStatus | null = null;
    await expect.poll(async () => check((last = await c.status(supervisorId))), { timeout, interval: 200 }).toBe(true);
    return last!;
  };
  const subjects = { suspend: API.supervisorSuspend, resume: API.supervisorResume, reset: API.supervisorReset, terminate: API.supervisorTerminate };
  c.supervisorCommand = (command, supervisorId) => request(c.clientNc, subjects[command], { supervisorId });
  c.submitSupervisor = async (spec) => (await request<{ supervisorId: string }>(c.clientNc, API.supervisorSubmit, spec)).supervisorId;
  return c;
}

/** A supervisor spec over a test stream of realtime/support.ts (rows of `Click`: ts, page, added). */
export function clicksSupervisor(dataSource: string, stream: string, io: Record<string, unknown> = {}, tuning: Record<string, unknown> = {}): unknown {
  return {
    type: 'nats',
    spec: {
      dataSchema: pageViewSchema(dataSource, { segmentGranularity: 'hour', rollup: true }),
      ioConfig: { stream, inputFormat: { type: 'json' }, useEarliestSequence: true, startDelay: 'PT0S', ...io },
      tuningConfig: { maxRowsInMemory: 1000, handoffConditionTimeout: 0, ...tuning },
    },
  };
}

export { subjectPrefixOf };

export interface Produced {
  row: { ts: string; page: string; added: number };
  partition: string;
  seq: number;
}

/** A producer writing one row every `everyMs` to each partition in turn, until stopped; what it wrote, where. */
export function steadyProducer(c: StreamingCluster, stream: string, partitions: number, everyMs = 100): { stop(): Promise<Produced[]> } {
  const written: Produced[] = [];
  let running = true;
  const encoder = new TextEncoder();
  const loop = (async () => {
    // A test that failed leaves it running until the connection closes: then it just stops.
    for (let i = 0; running && !c.actorNc.isClosed(); i++) {
      const row = { ts: `2024-01-01T${String(i % 24).padStart(2, '0')}:00:00Z`, page: `s${i}`, added: i + 1 };
      const partition = String(i % partitions);
      const ack = await c.js.publish(`${subjectPrefixOf(stream)}.${partition}`, encoder.encode(JSON.stringify(row))).catch(() => null);
      if (ack === null) break;
      written.push({ row, partition, seq: ack.seq });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { async stop() { running = false; await loop; return written; } };
}

/** Rows and the sum of `added` over what was produced below the given end offsets. */
export function producedBelow(produced: readonly Produced[], end: Record<string, number>): { rows: number; added: number } {
  const kept = produced.filter((p) => p.seq < (end[p.partition] ?? 0));
  return { rows: kept.length, added: kept.reduce((n, p) => n + p.row.added, 0) };
}

/** The pid of a task's process, from whichever indexer runs it. */
export async function taskPidOf(c: SupervisedCluster, taskId: string): Promise<number> {
  const pid = () => [join(c.dir, 'tasks', 'i'), join(c.dir, 'tasks2', 'i2')].map((d) => pidIn(join(d, `${taskId}.pid`))).find((p) => p !== null) ?? null;
  await expect.poll(pid, { timeout: 20_000 }).not.toBeNull();
  return pid()!;
}

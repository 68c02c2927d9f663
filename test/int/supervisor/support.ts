import { afterAll, beforeAll, expect } from 'vitest';
import { SupervisorActor, type SupervisorActorOptions } from '../../../actors/supervisor/supervisor.ts';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import type { SupervisorStatus } from '../../../src/supervisor/status.ts';
import { streamingCluster, subjectPrefixOf, type StreamingCluster } from '../realtime/support.ts';

export interface SupervisedCluster extends StreamingCluster {
  supervisor: SupervisorActor;
  /** Stops the supervisor actor and starts a new one on the same bus and log. */
  restartSupervisor(): Promise<void>;
  status(supervisorId: string): Promise<SupervisorStatus>;
  /** Waits until the supervisor's status satisfies `check`; returns that status. */
  statusUntil(supervisorId: string, check: (s: SupervisorStatus) => boolean, timeout?: number): Promise<SupervisorStatus>;
  submitSupervisor(spec: unknown): Promise<string>;
}

/** The whole streaming cluster of test/int/realtime (real index_nats tasks in child processes) and a supervisor actor. */
export function supervisedCluster(label: string, options: Partial<SupervisorActorOptions> = {}): SupervisedCluster {
  const c = streamingCluster(label) as SupervisedCluster;
  const start = () => SupervisorActor.start({ nc: c.actorNc, id: 's', tickMs: 200, ...options });
  beforeAll(async () => {
    c.supervisor = await start();
  });
  afterAll(async () => {
    // Before the cluster's own afterAll (hooks run last-registered first).
    await c.supervisor?.stop();
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
  c.submitSupervisor = async (spec) => (await request<{ supervisorId: string }>(c.clientNc, API.supervisorSubmit, spec)).supervisorId;
  return c;
}

/** A supervisor spec over a test stream of realtime/support.ts (rows of `Click`: ts, page, added). */
export function clicksSupervisor(dataSource: string, stream: string, io: Record<string, unknown> = {}, tuning: Record<string, unknown> = {}): unknown {
  return {
    type: 'nats',
    spec: {
      dataSchema: {
        dataSource,
        timestampSpec: { column: 'ts', format: 'iso' },
        dimensionsSpec: { dimensions: ['page'] },
        metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
        granularitySpec: { segmentGranularity: 'hour', queryGranularity: 'none', rollup: true },
      },
      ioConfig: { stream, inputFormat: { type: 'json' }, useEarliestSequence: true, startDelay: 'PT0S', ...io },
      tuningConfig: { maxRowsInMemory: 1000, handoffConditionTimeout: 0, ...tuning },
    },
  };
}

export { subjectPrefixOf };

/** A producer writing one row every `everyMs` to each partition in turn, until stopped; what it wrote. */
export function steadyProducer(c: StreamingCluster, stream: string, partitions: number, everyMs = 100): { stop(): Promise<Array<{ ts: string; page: string; added: number }>> } {
  const written: Array<{ ts: string; page: string; added: number }> = [];
  let running = true;
  const encoder = new TextEncoder();
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const row = { ts: `2024-01-01T${String(i % 24).padStart(2, '0')}:00:00Z`, page: `s${i}`, added: i + 1 };
      await c.js.publish(`${subjectPrefixOf(stream)}.${i % partitions}`, encoder.encode(JSON.stringify(row)));
      written.push(row);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return { async stop() { running = false; await loop; return written; } };
}

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { NatsConnection, Subscription } from 'nats';
import { decode, encode } from '@msgpack/msgpack';
import { Metastore } from '../../../actors/metastore/metastore.ts';
import { Overlord, type OverlordOptions } from '../../../actors/overlord/overlord.ts';
import type { LockType } from '../../../machines/lock/events.ts';
import type { CommitMetadata, SegmentDescriptor } from '../../../machines/segment/events.ts';
import { request } from '../../../src/bus/client.ts';
import { heartbeat, indexer, INTERNAL } from '../../../src/bus/subjects.ts';
import { refoldAndCompare } from '../../../src/log/projection.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import type { Allocation } from '../../../src/overlord/allocation.ts';
import type { Grant } from '../../../src/overlord/lockbox.ts';
import type { Published } from '../../../src/overlord/publish.ts';
import type { TaskUpdate } from '../../../src/overlord/task-update.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { segmentId } from '../../../src/segment/id.ts';
import { parseInterval } from '../../../src/time/interval.ts';
import { connectAs, ownNatsServer } from '../../support/bus.ts';
import { tempDir } from '../../support/temp-dir.ts';

export const HEARTBEAT_TIMEOUT_MS = 1500;

/** A clock the test can step back and forth; by default it follows the real one. */
export class TestClock {
  offsetMs = 0;
  now = (): number => Date.now() + this.offsetMs;
}

export interface Grove {
  actorNc: NatsConnection;
  clientNc: NatsConnection;
  metastore: Metastore;
  state: ClusterState;
  overlord: Overlord;
  clock: TestClock;
  natsUrl: string;
  /** Starts another overlord (after a restart, say) on the same bus and log. */
  restartOverlord(): Promise<void>;
}

/**
 * A metastore and an overlord on this file's own nats-server and LMDB, as `grove start` runs them.
 * After every test the live state must equal a refold of the log, and the overlord's fold must
 * equal the metastore's.
 */
export function startGrove(label: string, options: Partial<OverlordOptions> = {}): Grove {
  const nats = ownNatsServer();
  const dir = tempDir(label);
  const g = { clock: new TestClock() } as Grove;
  const overlordOptions = (): OverlordOptions => ({ nc: g.actorNc, id: `o-${label}`, now: g.clock.now, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, runTimeoutMs: 2000, ...options });
  beforeAll(async () => {
    g.natsUrl = nats.url();
    g.actorNc = await connectAs('actor', nats.url());
    g.clientNc = await connectAs('client', nats.url());
    g.state = new ClusterState();
    g.metastore = await Metastore.start({ nc: g.actorNc, id: `m-${label}`, path: join(dir, 'metadata'), state: g.state });
    g.overlord = await Overlord.start(overlordOptions());
    g.restartOverlord = async () => {
      await g.overlord.stop();
      g.overlord = await Overlord.start(overlordOptions());
    };
  });
  afterEach(async () => {
    await expect.poll(() => g.overlord.cluster.position, { timeout: 5000 }).toBe(g.state.position);
    expect(refoldAndCompare(g.metastore.log, [g.state], [new ClusterState()], g.state.position)).toEqual([]);
    expect(g.overlord.cluster.save()).toEqual(g.state.save());
  });
  afterAll(async () => {
    await g.overlord?.stop();
    await g.metastore?.stop();
    await g.clientNc?.close();
    await g.actorNc?.close();
  });
  return g;
}

/** Every record of the log from `from` on. */
export async function logFrom(nc: NatsConnection, from: number, type?: string): Promise<LogRecord[]> {
  return request<LogRecord[]>(nc, 'grove.api.log.read', { from, limit: 5000, ...(type ? { type } : {}) });
}

/**
 * A scripted indexer: it joins, beats its heart, accepts the tasks it is given, and drives them
 * through the overlord's internal subjects as a real task would, one call per test step.
 */
export class TestIndexer {
  readonly runs: Array<{ taskId: string; spec: unknown }> = [];
  readonly stops: Array<{ taskId: string; reason: string }> = [];
  private beat: NodeJS.Timeout | null = null;
  private subs: Subscription[] = [];

  private constructor(readonly nc: NatsConnection, readonly id: string, readonly capacity: number) {}

  static async start(nc: NatsConnection, id: string, capacity = 2): Promise<TestIndexer> {
    const ix = new TestIndexer(nc, id, capacity);
    await request(nc, INTERNAL.metaAppend, { events: [{ type: 'ServerJoined', data: { serverId: id, kind: 'indexer', tier: '_default_tier', capacity } }], meta: { actor: `indexer:${id}` } });
    ix.subs.push(nc.subscribe(indexer.run(id), { callback: (_e, m) => {
      ix.runs.push(decode(m.data) as { taskId: string; spec: unknown });
      m.respond(encode({ ok: true, result: { accepted: true } }));
    } }));
    ix.subs.push(nc.subscribe(indexer.stop(id), { callback: (_e, m) => {
      ix.stops.push(decode(m.data) as { taskId: string; reason: string });
      m.respond(encode({ ok: true, result: {} }));
    } }));
    await nc.flush();
    ix.sendBeat();
    ix.beat = setInterval(() => ix.sendBeat(), 200);
    return ix;
  }

  private sendBeat(): void {
    this.nc.publish(heartbeat('indexer', this.id), encode({ id: this.id, capacity: this.capacity, running: this.runs.map((r) => r.taskId) }));
  }

  /** Waits until the overlord hands this indexer the task. */
  async ran(taskId: string, timeoutMs = 10_000): Promise<void> {
    for (const until = Date.now() + timeoutMs; !this.runs.some((r) => r.taskId === taskId); await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > until) throw new Error(`indexer ${this.id} was not given task ${taskId} within ${timeoutMs} ms`);
    }
  }

  /** Goes silent and deaf, as a crashed indexer does: no goodbye in the log. */
  crash(): void {
    if (this.beat !== null) clearInterval(this.beat);
    this.beat = null;
    for (const s of this.subs) s.unsubscribe();
  }

  /** A clean stop: it says goodbye (ServerLeft) before going. */
  async stop(): Promise<void> {
    this.crash();
    await request(this.nc, INTERNAL.metaAppend, { events: [{ type: 'ServerLeft', data: { serverId: this.id, reason: 'stopped' } }], meta: { actor: `indexer:${this.id}` } });
  }

  update(u: TaskUpdate): Promise<unknown> {
    return request(this.nc, INTERNAL.overlordTaskUpdate, u);
  }

  lock(taskId: string, interval: string, lockType: LockType = 'EXCLUSIVE', timeoutMs = 10_000): Promise<Grant> {
    return request<Grant>(this.nc, INTERNAL.overlordLockAcquire, { taskId, interval, lockType, timeoutMs }, { timeoutMs: timeoutMs + 10_000 });
  }

  allocate(taskId: string, timestamp: string, o: { sequenceName?: string; previousSegmentId?: string | null; segmentGranularity?: unknown; dataSource?: string } = {}): Promise<Allocation> {
    return request<Allocation>(this.nc, INTERNAL.overlordAllocate, {
      taskId, dataSource: o.dataSource ?? 'wikipedia', timestamp, segmentGranularity: o.segmentGranularity ?? 'hour',
      sequenceName: o.sequenceName ?? `${taskId}_seq`, previousSegmentId: o.previousSegmentId ?? null,
    });
  }

  publish(taskId: string, segments: SegmentDescriptor[], commit?: CommitMetadata): Promise<Published> {
    return request<Published>(this.nc, INTERNAL.overlordPublish, { taskId, segments, ...(commit ? { commit } : {}) });
  }
}


/** A segment as a task writes it, on `interval` at `version`. */
export function segment(interval: string, version: string, partitionNum = 0, core = 1, dataSource = 'wikipedia'): SegmentDescriptor {
  return {
    id: segmentId({ dataSource, interval: parseInterval(interval), version, partitionNum }),
    dataSource, interval, version, partitionNum, shardSpec: { type: 'numbered', partitionNum, partitions: core },
    dimensions: ['page'], metrics: ['count'], rows: 5, size: 500, loadSpec: { type: 'local', path: `${dataSource}/${version}/${partitionNum}` }, checksum: 'c',
  };
}

/** An allocated segment as its task publishes it. */
export function segmentOf(a: Allocation, dataSource = 'wikipedia'): SegmentDescriptor {
  return { ...segment(a.interval, a.version, a.partitionNum, a.shardSpec.partitions, dataSource), shardSpec: a.shardSpec };
}

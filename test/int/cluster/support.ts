import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { NatsConnection } from 'nats';
import { Broker } from '../../../actors/broker/broker.ts';
import { Coordinator, type CoordinatorOptions } from '../../../actors/coordinator/coordinator.ts';
import { Historical } from '../../../actors/historical/historical.ts';
import { Indexer } from '../../../actors/indexer/indexer.ts';
import { Metastore } from '../../../actors/metastore/metastore.ts';
import { Overlord } from '../../../actors/overlord/overlord.ts';
import type { SegmentDescriptor, ShardSpec } from '../../../machines/segment/events.ts';
import { request } from '../../../src/bus/client.ts';
import { API, INTERNAL } from '../../../src/bus/subjects.ts';
import type { SegmentRow } from '../../../src/coordinator/segment-api.ts';
import { runBatchIngestion, type PlannedSegment, type SegmentIdentity } from '../../../src/ingest/batch-ingestion.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { parseTaskSpec, type IndexTaskSpec } from '../../../src/spec/task-spec.ts';
import { LocalDeepStorage } from '../../../src/storage/local.ts';
import { pushSegment } from '../../../src/tasks/publish-segments.ts';
import { connectAs, ownNatsServer } from '../../support/bus.ts';
import { TEST_PASSWORDS } from '../../support/nats-server.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { pageViewSchema } from '../../support/page-views.ts';

export const DAY = 86_400_000;
export const GiB = 2 ** 30;

/** A row of the test datasource: a page viewed `added` times at `ts`. */
export interface Row {
  ts: string;
  page: string;
  added: number;
}

export interface WriteOptions {
  /** The version the segments get (an overwrite's lock version). */
  version: string;
  segmentGranularity?: string;
  /** Rows per segment: more rows make more core partitions. */
  maxRowsPerSegment?: number;
  /** Appended partitions of an existing chunk and version, numbered from here, outside any core set. */
  appendFrom?: number;
}

/**
 * A metastore, coordinator and broker in this process on the file's own nats-server and LMDB,
 * plus historicals started by the tests, each on a connection of its own (so that closing it is
 * a crash). Segments are written as a task writes them (the ingestion engine, deep storage) and
 * published by appending SegmentsPublished as the overlord does.
 */
export class TestCluster {
  natsUrl = '';
  dir = '';
  actorNc!: NatsConnection;
  clientNc!: NatsConnection;
  metastore!: Metastore;
  state!: ClusterState;
  coordinator!: Coordinator;
  broker!: Broker;
  deep!: LocalDeepStorage;
  readonly historicals = new Map<string, { h: Historical; nc: NatsConnection }>();
  overlord: Overlord | null = null;
  indexer: Indexer | null = null;
  private writes = 0;

  constructor(private readonly coordinatorOptions: Partial<CoordinatorOptions>) {}

  async start(natsUrl: string, dir: string): Promise<void> {
    this.natsUrl = natsUrl;
    this.dir = dir;
    this.deep = new LocalDeepStorage(join(dir, 'deep'));
    this.actorNc = await connectAs('actor', natsUrl);
    this.clientNc = await connectAs('client', natsUrl);
    this.state = new ClusterState();
    this.metastore = await Metastore.start({ nc: this.actorNc, id: 'm', path: join(dir, 'metadata'), state: this.state });
    this.coordinator = await Coordinator.start({ nc: this.actorNc, id: 'c', dropGraceMs: 500, heartbeatTimeoutMs: 1500, loadRetryMs: 1000, sweepEveryMs: 60_000, ...this.coordinatorOptions });
    this.broker = await Broker.start({ nc: this.actorNc, id: 'b', nodeTimeoutMs: 5000 });
  }

  /** An overlord and an indexer, for tests that run tasks (compact, kill). */
  async startTasks(): Promise<void> {
    this.overlord = await Overlord.start({ nc: this.actorNc, id: 'o' });
    this.indexer = await Indexer.start({
      nc: this.actorNc, id: 'i', natsUrl: this.natsUrl, natsPassword: TEST_PASSWORDS.actor, maxHeapMb: 512,
      deepStorageDir: join(this.dir, 'deep'), workRoot: join(this.dir, 'tasks'), log: () => undefined,
    });
  }

  /** Submits a task as a client does and waits for it to end; resolves with its status. */
  async runTask(task: object, timeout = 60_000): Promise<{ taskId: string; state: string; error?: string }> {
    const { taskId } = await request<{ taskId: string }>(this.clientNc, API.taskSubmit, task);
    return this.taskEnded(taskId, timeout);
  }

  async taskEnded(taskId: string, timeout = 60_000): Promise<{ taskId: string; state: string; error?: string }> {
    const status = () => request<{ taskId: string; state: string; error?: string }>(this.clientNc, API.taskStatus, { taskId });
    await expect.poll(async () => ['succeeded', 'failed', 'canceled'].includes((await status()).state), { timeout, interval: 100 }).toBe(true);
    return status();
  }

  async stop(): Promise<void> {
    await this.indexer?.stop();
    await this.overlord?.stop();
    for (const id of [...this.historicals.keys()]) await this.stopHistorical(id);
    await this.broker?.stop();
    await this.coordinator?.stop();
    await this.metastore?.stop();
    await this.clientNc?.close();
    await this.actorNc?.close();
  }

  /** One load at a time, as a historical with one loading thread: an overwrite arrives partition by partition. */
  async startHistorical(id: string, tier = '_default_tier', capacityBytes = GiB): Promise<Historical> {
    const nc = await connectAs('actor', this.natsUrl);
    const h = await Historical.start({ nc, id, tier, capacityBytes, cacheDir: join(this.dir, 'cache', id), deepStorage: this.deep, heartbeatEveryMs: 200, loadConcurrency: 1 });
    this.historicals.set(id, { h, nc });
    return h;
  }

  /** A clean stop: it leaves and takes its replicas with it. */
  async stopHistorical(id: string): Promise<void> {
    const entry = this.historicals.get(id);
    if (entry === undefined) return;
    this.historicals.delete(id);
    await entry.h.stop();
    await entry.nc.close();
  }

  /** A crash: its connection is gone at once; no heartbeat, no reply, no goodbye. */
  async crashHistorical(id: string): Promise<void> {
    const entry = this.historicals.get(id)!;
    this.historicals.delete(id);
    await entry.nc.close();
  }

  /** Writes rows as segment files in deep storage, as an index task would, and returns their descriptors. */
  async write(dataSource: string, rows: readonly Row[], o: WriteOptions): Promise<SegmentDescriptor[]> {
    const task = parseTaskSpec({
      type: 'index_parallel',
      spec: {
        dataSchema: pageViewSchema(dataSource, { segmentGranularity: o.segmentGranularity ?? 'day', rollup: true }),
        ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: rows.map((r) => JSON.stringify(r)).join('\n') }, inputFormat: { type: 'json' } },
        tuningConfig: { type: 'index_parallel', partitionsSpec: { type: 'dynamic', maxRowsPerSegment: o.maxRowsPerSegment ?? 1_000_000 } },
      },
    }) as IndexTaskSpec;
    const identities = o.appendFrom === undefined ? { version: o.version } : { allocate: appended(o.version, o.appendFrom) };
    const result = await runBatchIngestion(task.spec, { workDir: join(this.dir, 'work', String(this.writes++)), segmentIds: identities });
    return Promise.all(result.segments.map((s) => pushSegment(this.deep, s)));
  }

  /** Publishes segments as the overlord does: one SegmentsPublished. */
  async publish(segments: SegmentDescriptor[], taskId = 'test-task'): Promise<number> {
    const { lastSeq } = await request<{ lastSeq: number }>(this.actorNc, INTERNAL.metaAppend, {
      events: [{ type: 'SegmentsPublished', data: { dataSource: segments[0]!.dataSource, taskId, segments } }],
      meta: { actor: 'test-publisher' },
    });
    return lastSeq;
  }

  async writeAndPublish(dataSource: string, rows: readonly Row[], o: WriteOptions): Promise<SegmentDescriptor[]> {
    const segments = await this.write(dataSource, rows, o);
    await this.publish(segments);
    return segments;
  }

  segments(dataSource: string, filter: { interval?: string; state?: string } = {}): Promise<SegmentRow[]> {
    return request<SegmentRow[]>(this.clientNc, API.segmentList, { dataSource, ...filter });
  }

  query<T = unknown[]>(q: unknown): Promise<T> {
    return request<T>(this.clientNc, API.query, q);
  }

  /** The total of `added` over an interval: what the overwrite tests watch. */
  async total(dataSource: string, interval: string): Promise<number | null> {
    const r = await this.query<Array<{ result: { added: number } }>>({
      queryType: 'timeseries', dataSource, intervals: [interval], granularity: 'all',
      aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }],
    });
    return r[0]?.result.added ?? null;
  }

  /** Waits until every listed segment is in `state`. */
  async until(dataSource: string, ids: readonly string[], state: string, timeout = 15_000): Promise<void> {
    await expect.poll(async () => {
      const rows = await this.segments(dataSource);
      return ids.map((id) => rows.find((r) => r.id === id)?.state ?? 'absent');
    }, { timeout, interval: 50 }).toEqual(ids.map(() => state));
    await this.brokerCaughtUp();
  }

  /** The broker folds the feed on its own: wait until it has seen what the log holds now. */
  async brokerCaughtUp(): Promise<void> {
    const head = this.state.position;
    await expect.poll(() => this.broker.cluster.position, { timeout: 5000, interval: 10 }).toBeGreaterThanOrEqual(head);
  }

  /** Records of the log from `from` on, of the given types. */
  async log(from: number, types?: readonly string[]): Promise<LogRecord[]> {
    const records = await request<LogRecord[]>(this.clientNc, API.logRead, { from, limit: 5000 });
    return types === undefined ? records : records.filter((r) => types.includes(r.type));
  }
}

/** Identities of partitions appended to a chunk's existing version, outside its core set (Druid's appended NumberedShardSpec). */
function appended(version: string, from: number): (planned: readonly PlannedSegment[]) => SegmentIdentity[] {
  return (planned) => planned.map((_, i) => {
    const shardSpec: ShardSpec = { type: 'numbered', partitionNum: from + i, partitions: 0 };
    return { version, partitionNum: from + i, shardSpec };
  });
}

/** A cluster for one test file: started before its tests, stopped after them. */
export function testCluster(label: string, options: Partial<CoordinatorOptions> = {}): TestCluster {
  const nats = ownNatsServer();
  const dir = tempDir(label);
  const cluster = new TestCluster(options);
  beforeAll(async () => {
    await cluster.start(nats.url(), dir);
  });
  afterAll(async () => {
    await cluster.stop();
  });
  return cluster;
}

/** Rows on one day: `n` pages, each viewed `added` times (rollup keeps one row per page). */
export function dayRows(day: string, n: number, added: number, hour = 0): Row[] {
  return Array.from({ length: n }, (_, i) => ({ ts: `${day}T${String(hour).padStart(2, '0')}:00:00Z`, page: `p${i}`, added }));
}

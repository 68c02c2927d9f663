import { randomUUID } from 'node:crypto';
import type { NatsConnection, Service } from 'nats';
import { untilMetastoreAnswers } from '../coordinator/metastore-wait.ts';
import { encode } from '@msgpack/msgpack';
import type { SegmentDescriptor } from '../../machines/segment/events.ts';
import { request } from '../../src/bus/client.ts';
import { badRequest, GroveError, isGroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { API, heartbeat, INTERNAL, node } from '../../src/bus/subjects.ts';
import { departureEvents } from '../../src/coordinator/server-loss.ts';
import type { NewEvent } from '../../src/events/catalog.ts';
import { segmentDescriptorSchema } from '../../src/events/schemas.ts';
import { SegmentCache } from '../../src/historical/cache.ts';
import { queryOnSegments, type NodeQueryRequest } from '../../src/historical/node-query.ts';
import { ownReplicas, reconcile } from '../../src/historical/reconcile.ts';
import type { LogRecord } from '../../src/log/record.ts';
import type { SegmentReader } from '../../src/segment/reader.ts';
import type { DeepStorage } from '../../src/storage/deep-storage.ts';

export interface HistoricalOptions {
  nc: NatsConnection;
  id: string;
  tier: string;
  capacityBytes: number;
  cacheDir: string;
  deepStorage: DeepStorage;
  /** How often it beats its heart (default 1 s). */
  heartbeatEveryMs?: number;
  /** Segments downloaded and opened at once (Druid's numLoadingThreads; default 2). */
  loadConcurrency?: number;
}

interface Served {
  descriptor: SegmentDescriptor;
  reader: SegmentReader;
}

const PAGE = 5000;

/**
 * A historical (Druid's): loads segments from deep storage into its local cache when the
 * coordinator asks, announces them (ReplicaLoaded), drops them on request, and answers per-segment
 * partial queries over what it serves. A restart re-announces what the cache still holds intact,
 * without downloading it again; a load that fails (missing or corrupt file, no room) is reported
 * (ReplicaLoadFailed) so that the coordinator tries another server.
 */
export class Historical {
  private readonly cache: SegmentCache;
  private readonly served = new Map<string, Served>();
  private readonly loading = new Map<string, Promise<void>>();
  private usedBytes = 0;
  private readonly loadSlots: Semaphore;
  private service: Service | null = null;
  private beat: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(readonly o: HistoricalOptions) {
    this.cache = new SegmentCache(o.cacheDir);
    this.loadSlots = new Semaphore(o.loadConcurrency ?? 2);
  }

  static async start(o: HistoricalOptions): Promise<Historical> {
    const h = new Historical(o);
    await untilMetastoreAnswers(o.nc, `historical ${o.id}`);
    const log = ownReplicas(o.id, await h.ownHistory());
    const cached = await h.cache.scan();
    const plan = reconcile(o.id, log, cached.map((c) => c.descriptor));
    const readers = new Map(cached.map((c) => [c.descriptor.id, c.reader]));
    for (const d of plan.keep) h.serve(d, readers.get(d.id)!);
    for (const d of plan.discard) await h.cache.remove(d);
    h.service = await startService(o.nc, {
      kind: 'historical',
      id: o.id,
      description: `serves segments (tier ${o.tier})`,
      endpoints: {
        load: { subject: node.load(o.id), handler: (b) => h.load(b), queue: false },
        drop: { subject: node.drop(o.id), handler: (b) => h.drop(b), queue: false },
        query: { subject: node.query(o.id), handler: (b) => h.query(b), queue: false },
      },
    });
    await h.join(plan.drops, plan.announce, readers);
    h.sendBeat();
    h.beat = setInterval(() => h.sendBeat(), o.heartbeatEveryMs ?? 1000);
    h.beat.unref();
    return h;
  }

  /** The log's facts about this server (its `server:<id>` entity), page by page. */
  private async ownHistory(): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    for (let from = 1; ;) {
      const page = await request<LogRecord[]>(this.o.nc, API.logRead, { aggregate: `server:${this.o.id}`, from, limit: PAGE });
      out.push(...page);
      if (page.length < PAGE) return out;
      from = page[page.length - 1]!.seq + 1;
    }
  }

  /**
   * Joins, drops what the cache lost and re-announces what it holds, in one append, so that the
   * coordinator never sees the server empty and assigns it what it already has. If the metastore
   * refuses that (a cached segment was killed meanwhile, say), it joins first and re-announces one
   * by one, removing from the cache what is refused.
   */
  private async join(drops: NewEvent[], segments: SegmentDescriptor[], readers: Map<string, SegmentReader>): Promise<void> {
    const joined: NewEvent = { type: 'ServerJoined', data: { serverId: this.o.id, kind: 'historical', tier: this.o.tier, capacity: this.o.capacityBytes } };
    const announced = (d: SegmentDescriptor): NewEvent => ({ type: 'ReplicaLoaded', data: { dataSource: d.dataSource, segmentId: d.id, serverId: this.o.id, fromCache: true } });
    for (const d of segments) this.serve(d, readers.get(d.id)!);
    try {
      await this.append([joined, ...drops, ...segments.map(announced)]);
      return;
    } catch (e) {
      if (!isGroveError(e, 'conflict') || segments.length === 0) throw e;
    }
    await this.append([joined, ...drops]);
    for (const d of segments) {
      try {
        await this.append([announced(d)]);
      } catch (e) {
        if (!isGroveError(e, 'conflict')) throw e;
        this.unserve(d.id);
        await this.cache.remove(d);
      }
    }
  }

  // ---- load and drop ----

  /** `grove.node.<id>.load`: replies once the segment is served (ReplicaLoaded) or its failure recorded. */
  private async load(body: unknown): Promise<Record<string, never>> {
    const parsed = segmentDescriptorSchema.safeParse((body as { segment?: unknown } | null)?.segment);
    if (!parsed.success) throw badRequest(`malformed ${node.load(this.o.id)} request: segment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const d = parsed.data as SegmentDescriptor;
    if (this.served.has(d.id)) return {};
    let running = this.loading.get(d.id);
    if (running === undefined) {
      running = this.loadSlots.run(() => this.loadOnce(d)).finally(() => this.loading.delete(d.id));
      this.loading.set(d.id, running);
    }
    await running;
    return {};
  }

  private async loadOnce(d: SegmentDescriptor): Promise<void> {
    const replica = { dataSource: d.dataSource, segmentId: d.id, serverId: this.o.id };
    // After a restart the log may already say loading: that is the load this one finishes.
    await this.append([{ type: 'ReplicaLoadStarted', data: replica }]).catch((e) => {
      if (!isGroveError(e, 'conflict')) throw e;
    });
    let reader: SegmentReader;
    try {
      if (this.usedBytes + d.size > this.o.capacityBytes) {
        throw new GroveError('unavailable', `historical ${this.o.id} has no room for ${d.size} bytes (${this.usedBytes} of ${this.o.capacityBytes} used)`);
      }
      reader = await this.cache.load(this.o.deepStorage, d);
    } catch (e) {
      const reason = (e as Error).message;
      await this.cache.remove(d).catch(() => undefined);
      await this.append([{ type: 'ReplicaLoadFailed', data: { ...replica, reason } }]).catch(() => undefined);
      throw new GroveError('unavailable', `cannot load segment ${d.id} on ${this.o.id}: ${reason}`);
    }
    this.serve(d, reader);
    try {
      await this.append([{ type: 'ReplicaLoaded', data: replica }]);
    } catch (e) {
      this.unserve(d.id);
      throw e;
    }
  }

  /** `grove.node.<id>.drop`: stops serving, frees the cache, and records it (ReplicaDropped). */
  private async drop(body: unknown): Promise<Record<string, never>> {
    const segmentId = (body as { segmentId?: unknown } | null)?.segmentId;
    if (typeof segmentId !== 'string' || segmentId === '') throw badRequest(`malformed ${node.drop(this.o.id)} request: segmentId: expected a segment id`);
    await this.loading.get(segmentId)?.catch(() => undefined);
    const s = this.served.get(segmentId);
    this.unserve(segmentId);
    if (s !== undefined) await this.cache.remove(s.descriptor);
    const dataSource = s?.descriptor.dataSource ?? (body as { dataSource?: string }).dataSource;
    if (dataSource !== undefined) {
      // Dropping what the log no longer counts here is done already.
      await this.append([{ type: 'ReplicaDropped', data: { dataSource, segmentId, serverId: this.o.id } }]).catch((e) => {
        if (!isGroveError(e, 'conflict')) throw e;
      });
    }
    return {};
  }

  private serve(d: SegmentDescriptor, reader: SegmentReader): void {
    if (this.served.has(d.id)) return;
    this.served.set(d.id, { descriptor: d, reader });
    this.usedBytes += d.size;
  }

  private unserve(segmentId: string): void {
    const s = this.served.get(segmentId);
    if (s === undefined) return;
    this.served.delete(segmentId);
    this.usedBytes -= s.descriptor.size;
  }

  // ---- queries ----

  /** `grove.node.<id>.query`: the merged partial over the listed segments it serves, and which it does not. */
  private query(body: unknown): { partial: Uint8Array | null; missing: string[] } {
    return queryOnSegments(body as NodeQueryRequest, (id) => this.served.get(id)?.reader, `${node.query(this.o.id)}`);
  }

  // ---- plumbing ----

  private append(events: NewEvent[]): Promise<unknown> {
    return request(this.o.nc, INTERNAL.metaAppend, { events, meta: { actor: `historical:${this.o.id}`, correlationId: randomUUID(), causationId: null } });
  }

  private sendBeat(): void {
    if (this.stopped || this.o.nc.isClosed()) return;
    this.o.nc.publish(heartbeat('historical', this.o.id), encode({ id: this.o.id, tier: this.o.tier, capacity: this.o.capacityBytes, used: this.usedBytes, segments: this.served.size }));
  }

  /** What it serves now (tests and tools). */
  servedIds(): string[] {
    return [...this.served.keys()].sort();
  }

  /** A clean stop: it leaves with its replicas in one append; the cache stays for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.beat !== null) clearInterval(this.beat);
    await this.service?.stop().catch(() => undefined);
    await Promise.allSettled([...this.loading.values()]);
    const replicas = [...this.served.values()].map((s) => ({ dataSource: s.descriptor.dataSource, segmentId: s.descriptor.id }));
    await this.append(departureEvents(this.o.id, 'stopped', replicas)).catch((e) => console.error(`[grove] historical ${this.o.id}: cannot record its stop: ${(e as Error).message}`));
    this.served.clear();
  }
}

/** At most `limit` loads at once; the others wait their turn in order. */
class Semaphore {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

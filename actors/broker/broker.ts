import type { NatsConnection, Service } from 'nats';
import { untilMetastoreAnswers } from '../coordinator/metastore-wait.ts';
import { request } from '../../src/bus/client.ts';
import { GroveError, isGroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { API, node } from '../../src/bus/subjects.ts';
import { BrokerTimelines } from '../../src/broker/broker-timeline.ts';
import { assignServers, segmentsToQuery, type SegmentWork } from '../../src/broker/fan-out.ts';
import { asGroveError } from '../../src/coordinator/requests.ts';
import type { NodeQueryReply } from '../../src/historical/node-query.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import { LogFollower } from '../../src/projections/log-follower.ts';
import { decodePartial, finalize, mergePartials, parseQuery, type Partial, type Query } from '../../src/query/index.ts';
import { formatInterval } from '../../src/time/interval.ts';
import { Appender } from '../../src/projections/appender.ts';

export interface BrokerOptions {
  nc: NatsConnection;
  id: string;
  /** How long a data server may take to answer its part (default 30 s, or the query's context.timeout). */
  nodeTimeoutMs?: number;
  /** How many times a query is planned afresh when segments cannot be read where the timeline said (default 3). */
  attempts?: number;
}

/** Errors that say the server could not answer, not that the query cannot be answered: another replica may. */
const SERVER_ERRORS = new Set(['unavailable', 'timeout']);

/**
 * The broker (Druid's): answers `grove.api.query`. It folds the event feed into the timelines of
 * served segments, reads the chunks the query's intervals cover, asks each data server for the
 * partial result over its share, merges and finalizes to Druid's result JSON. A segment whose
 * server does not answer, or no longer serves it, is asked of another replica; when none is left
 * the query is planned again on the newest timeline, and if a segment still cannot be read, the
 * query fails naming it — it is never silently left out.
 */
export class Broker {
  readonly cluster = new ClusterState();
  readonly timelines: BrokerTimelines;
  private readonly follower: LogFollower;
  private readonly fold: Appender;
  private service: Service | null = null;

  private constructor(readonly o: BrokerOptions) {
    this.timelines = new BrokerTimelines(this.cluster);
    this.follower = new LogFollower(o.nc, this.cluster);
    this.fold = new Appender(o.nc, this.cluster, this.follower, `broker:${o.id}`);
  }

  static async start(o: BrokerOptions): Promise<Broker> {
    const b = new Broker(o);
    await untilMetastoreAnswers(o.nc, `broker ${o.id}`);
    await b.follower.start();
    b.timelines.rebuild();
    b.service = await startService(o.nc, {
      kind: 'broker',
      id: o.id,
      description: 'answers native queries over the served segments',
      endpoints: { query: { subject: API.query, handler: (body) => b.query(body) } },
    });
    return b;
  }

  /** `grove.api.query`: a Druid native query in, Druid's result JSON out. */
  async query(body: unknown): Promise<unknown[]> {
    let query: Query;
    try {
      query = parseQuery(body);
    } catch (e) {
      throw asGroveError(e);
    }
    return this.execute(query);
  }

  private async execute(query: Query): Promise<unknown[]> {
    let stranded: SegmentWork[] = [];
    for (let attempt = 0; attempt < (this.o.attempts ?? 3); attempt++) {
      if (attempt > 0) await this.fold.catchUp().catch(() => undefined);
      const work = segmentsToQuery(this.timelines.timelineOf(query.dataSource), query.intervals);
      const gathered = await this.gather(query, work);
      if (gathered.stranded.length === 0) return finalize(query, mergePartials(query, gathered.partials));
      stranded = gathered.stranded;
    }
    throw new GroveError('unavailable', `segments of ${query.dataSource} could not be read from any server: ${stranded.map((w) => w.id).join(', ')}`,
      stranded.map((w) => ({ segmentId: w.id, interval: formatInterval(w.clip), servers: w.servers })));
  }

  /** Scatter and gather: each piece of work from some replica, or back as stranded when none is left. */
  private async gather(query: Query, work: readonly SegmentWork[]): Promise<{ partials: Partial[]; stranded: SegmentWork[] }> {
    const tried = new Map<SegmentWork, Set<string>>();
    const partials: Partial[] = [];
    let pending = work;
    while (pending.length > 0) {
      const { byServer, stranded } = assignServers(pending, (w, s) => tried.get(w)?.has(s) ?? false, (s) => this.rank(s));
      if (stranded.length > 0) return { partials, stranded };
      const again: SegmentWork[] = [];
      await Promise.all([...byServer].map(async ([serverId, items]) => {
        for (const w of items) tried.set(w, (tried.get(w) ?? new Set()).add(serverId));
        const missing = await this.ask(query, serverId, items, partials);
        again.push(...items.filter((w) => missing.has(w.id)));
      }));
      pending = again;
    }
    return { partials, stranded: [] };
  }

  /** One data server's part; returns the ids it did not serve (all of them if it did not answer). */
  private async ask(query: Query, serverId: string, items: SegmentWork[], partials: Partial[]): Promise<Set<string>> {
    const timeoutMs = typeof query.context.timeout === 'number' && query.context.timeout > 0 ? query.context.timeout : (this.o.nodeTimeoutMs ?? 30_000);
    try {
      const reply = await request<NodeQueryReply>(this.o.nc, node.query(serverId), {
        query,
        segments: items.map((w) => ({ id: w.id, interval: formatInterval(w.clip) })),
      }, { timeoutMs });
      if (reply.partial !== null) partials.push(decodePartial(reply.partial));
      return new Set(reply.missing);
    } catch (e) {
      if (!isGroveError(e) || !SERVER_ERRORS.has(e.code)) throw e;
      return new Set(items.map((w) => w.id));
    }
  }

  /** Historicals answer before realtime tasks: they hold the published, complete copy. */
  private rank(serverId: string): number {
    return this.cluster.servers.get(serverId)?.kind === 'historical' ? 0 : 1;
  }

  async stop(): Promise<void> {
    this.follower.stop();
    this.fold.close();
    await this.service?.stop().catch(() => undefined);
  }
}

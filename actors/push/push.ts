import type { JetStreamClient, NatsConnection, Service } from 'nats';
import { GroveError } from '../../src/bus/errors.ts';
import { startService } from '../../src/bus/service.ts';
import { PUSH_WILDCARD } from '../../src/bus/subjects.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import { LogFollower } from '../../src/projections/log-follower.ts';
import { stateName } from '../../src/projections/machine-fold.ts';
import { partitionOf, readPushBody } from '../../src/push/rows.ts';
import { parseSupervisorSpec, type SupervisorSpec } from '../../src/spec/supervisor-spec.ts';
import { untilMetastoreAnswers } from '../coordinator/metastore-wait.ts';

export interface PushResult {
  accepted: number;
  duplicates: number;
}

const PREFIX = PUSH_WILDCARD.slice(0, -1);
/** Rows published at once: JetStream acks them as they come. */
const IN_FLIGHT = 256;

/**
 * Push ingestion (the seed's Tranquility, exactly once): `grove.push.<dataSource>` takes rows and
 * writes each into the datasource's push stream with a message id, replying once JetStream has
 * stored (or recognised as duplicates) them all. A push supervisor of that datasource reads them.
 * Its own actor kind: it holds nothing but a fold of the log (which datasources take pushes), so
 * instances share the subject and scale with the producers, apart from the supervisor's decisions.
 */
export class PushActor {
  readonly cluster = new ClusterState();
  private readonly follower: LogFollower;
  private readonly specs = new Map<string, { submittedAt: number; spec: SupervisorSpec }>();
  private service: Service | null = null;

  private constructor(readonly nc: NatsConnection, readonly id: string, private readonly js: JetStreamClient) {
    this.follower = new LogFollower(nc, this.cluster);
  }

  static async start(o: { nc: NatsConnection; id: string }): Promise<PushActor> {
    const p = new PushActor(o.nc, o.id, o.nc.jetstream());
    await untilMetastoreAnswers(o.nc, `push ${o.id}`);
    await p.follower.start();
    p.service = await startService(o.nc, {
      kind: 'push', id: o.id, description: 'writes pushed rows into JetStream push streams, de-duplicated by message id',
      endpoints: { push: { subject: PUSH_WILDCARD, raw: true, handler: (b, ctx) => p.push(ctx.subject.slice(PREFIX.length), b as Uint8Array, ctx.headers) } },
    });
    await o.nc.flush();
    return p;
  }

  async stop(): Promise<void> {
    await this.service?.stop().catch(() => undefined);
    this.follower.stop();
  }

  private async push(dataSource: string, body: Uint8Array, headers: Parameters<typeof readPushBody>[1]): Promise<PushResult> {
    const spec = this.pushSpecOf(dataSource);
    const rows = readPushBody(body, headers);
    const { stream, subjectPrefix, taskCount } = spec.ioConfig;
    let duplicates = 0;
    for (let i = 0; i < rows.length; i += IN_FLIGHT) {
      const acks = await Promise.all(rows.slice(i, i + IN_FLIGHT).map((r) =>
        this.js.publish(`${subjectPrefix}.${partitionOf(r.msgId, taskCount)}`, new TextEncoder().encode(r.json), { msgID: r.msgId, expect: { streamName: stream } })));
      duplicates += acks.filter((a) => a.duplicate).length;
    }
    return { accepted: rows.length - duplicates, duplicates };
  }

  /** The spec of the datasource's push supervisor; `not_found` when it has none (or it was terminated). */
  private pushSpecOf(dataSource: string): SupervisorSpec {
    const snap = this.cluster.entity('supervisor', dataSource);
    if (snap === undefined || snap.context.submittedAt === null || stateName(snap.value) === 'stopped') {
      throw new GroveError('not_found', `no push supervisor for datasource "${dataSource}": submit a supervisor spec with ioConfig.push: true first`);
    }
    const cached = this.specs.get(dataSource);
    const spec = cached?.submittedAt === snap.context.submittedAt ? cached.spec : parseSupervisorSpec(snap.context.spec);
    this.specs.set(dataSource, { submittedAt: snap.context.submittedAt, spec });
    if (!spec.ioConfig.push) throw new GroveError('not_found', `datasource "${dataSource}" has a supervisor reading stream ${spec.ioConfig.stream}, not a push supervisor (ioConfig.push: true)`);
    return spec;
  }
}

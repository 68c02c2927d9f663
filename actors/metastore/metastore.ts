import { randomUUID } from 'node:crypto';
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection, Service, Subscription } from 'nats';
import { encodeSnapshot } from '../../src/log/snapshot-codec.ts';
import { decodeBody, formatOf, type BodyFormat } from '../../src/bus/codec.ts';
import { GroveError } from '../../src/bus/errors.ts';
import { reply, startService } from '../../src/bus/service.ts';
import { API, API_SUBJECTS, API_WILDCARD, INTERNAL, eventSubject } from '../../src/bus/subjects.ts';
import { encodedEventData, parseAppendCommand } from '../../src/events/append-command.ts';
import { AGGREGATE_OF, EVENT_TYPES, type GroveEvent } from '../../src/events/catalog.ts';
import { entityKeysOf } from '../../src/events/entity-keys.ts';
import type { Expectation } from '../../src/events/expectations.ts';
import { isConflictError } from '../../src/log/conflict.ts';
import { EventLog } from '../../src/log/event-log.ts';
import { ProjectionHost, type Projection } from '../../src/log/projection.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { readLog, tailLog } from './log-api.ts';
import { replayEndpoints } from './replay-api.ts';
import type { SnapshotChunk } from '../../src/projections/log-follower.ts';

/** Under the server's max_payload with room for the envelope. */
const SNAPSHOT_CHUNK = 4 * 1024 * 1024;

/**
 * The metadata state the metastore checks commands against: it folds the log (as a projection)
 * and judges a proposed batch — expectations and the machines' legality — inside the append's
 * transaction, where it also takes the batch in, so that the next command sees it.
 */
export interface MetaState extends Projection {
  /** Throws a ConflictError (or a GroveError) to refuse; otherwise folds `records` in. */
  admit(records: LogRecord[], expect: Expectation[]): void;
}

export interface MetastoreOptions {
  nc: NatsConnection;
  id: string;
  /** Directory of the LMDB environment. */
  path: string;
  state: MetaState;
  /** Further projections hosted beside the state (each snapshotted with it). */
  projections?: Projection[];
  snapshotEvery?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Each event type's subject, made once rather than per event published. */
const EVENT_SUBJECTS = new Map(EVENT_TYPES.map((type) => [type as string, eventSubject(AGGREGATE_OF[type], type)]));

export const keysOf = (type: string, data: unknown): string[] => entityKeysOf({ type, data } as GroveEvent);

/** The single writer of the event log. */
export class Metastore {
  readonly log: EventLog;
  readonly host: ProjectionHost;
  private service: Service | null = null;
  private catchAll: Subscription | null = null;
  private stopPublishing: (() => void) | null = null;

  private constructor(private readonly o: MetastoreOptions) {
    this.log = EventLog.open(o.path, { keysOf });
    this.host = new ProjectionHost(this.log, [o.state, ...(o.projections ?? [])], { snapshotEvery: o.snapshotEvery ?? 50_000, onProgress: o.onProgress });
  }

  static async start(o: MetastoreOptions): Promise<Metastore> {
    const m = new Metastore(o);
    m.host.start();
    m.stopPublishing = m.log.subscribe(m.log.lastSeq + 1, (r, bytes) => m.publish(r, bytes));
    m.service = await startService(o.nc, {
      kind: 'metastore',
      id: o.id,
      description: 'the single writer of the event log',
      endpoints: {
        append: { subject: INTERNAL.metaAppend, handler: (b, ctx) => m.append(b as Uint8Array, ctx.format), raw: true },
        logRead: { subject: API.logRead, handler: (b) => readLog(m.log, b) },
        logTail: { subject: API.logTail, handler: (b) => tailLog(m.log, b) },
        status: { subject: API.status, handler: () => m.status() },
        snapshot: { subject: INTERNAL.metaSnapshot, handler: (b) => m.snapshotChunk(b) },
        ...replayEndpoints(m.log),
      },
    });
    m.catchAll = m.answerUnknownApiSubjects();
    return m;
  }

  /**
   * `grove.meta.append`: one atomic append, or nothing and an error that says why. A msgpack
   * command's event data is stored as the writer encoded it (a tenth of an append's time went to
   * encoding it again). The body is copied first, as its bytes are kept until the append commits
   * (a Buffer's `slice` would share them).
   */
  private async append(body: Uint8Array, format: BodyFormat): Promise<{ firstSeq: number; lastSeq: number }> {
    const cmd = parseAppendCommand(decodeBody(body, format), randomUUID);
    const encodedData = format === 'msgpack' ? (encodedEventData(new Uint8Array(body)) ?? undefined) : undefined;
    try {
      const onLog = cmd.expect.flatMap((x) => (x.type === 'entitySeq' ? [{ key: x.key, lastSeq: x.seq }] : []));
      const onState = cmd.expect.filter((x) => x.type !== 'entitySeq');
      const records = await this.log.append(cmd.events, cmd.meta, { expect: onLog, check: (rs) => this.o.state.admit(rs, onState), encodedData });
      return { firstSeq: records[0]!.seq, lastSeq: records[records.length - 1]!.seq };
    } catch (e) {
      if (isConflictError(e)) throw new GroveError('conflict', e.message, e.failed);
      throw e;
    }
  }

  private publish(r: LogRecord, bytes: Uint8Array): void {
    this.o.nc.publish(EVENT_SUBJECTS.get(r.type)!, bytes);
  }

  private cachedSnapshot: { position: number; bytes: Uint8Array } | null = null;

  /**
   * `grove.meta.snapshot`: the state as of now, in chunks that fit a NATS message; a follower
   * asks for chunk 0, then for the rest of that same position.
   */
  private snapshotChunk(body: unknown): SnapshotChunk {
    const req = (body ?? {}) as { index?: unknown; position?: unknown };
    const index = typeof req.index === 'number' && Number.isInteger(req.index) && req.index >= 0 ? req.index : 0;
    const state = this.o.state as MetaState & { position: number };
    if (this.cachedSnapshot === null || (index === 0 && this.cachedSnapshot.position !== state.position)) {
      this.cachedSnapshot = { position: state.position, bytes: encodeSnapshot(state.snapshot()) };
    }
    const { position, bytes } = this.cachedSnapshot;
    if (req.position !== undefined && req.position !== position) throw new GroveError('conflict', `snapshot ${String(req.position)} is gone; start again from chunk 0`);
    const chunks = Math.max(1, Math.ceil(bytes.length / SNAPSHOT_CHUNK));
    if (index >= chunks) throw new GroveError('bad_request', `snapshot has ${chunks} chunks; chunk ${index} does not exist`);
    return { position, chunks, index, bytes: bytes.subarray(index * SNAPSHOT_CHUNK, (index + 1) * SNAPSHOT_CHUNK) };
  }

  private status(): { lastSeq: number; logBytes: number; projectedSeq: number } {
    return { lastSeq: this.log.lastSeq, logBytes: directoryBytes(this.o.path), projectedSeq: this.host.position };
  }

  /**
   * Every `grove.api.` request reaches this subscription too; it answers only subjects no actor
   * serves, so a typo gets `not_found` instead of a silent timeout.
   */
  private answerUnknownApiSubjects(): Subscription {
    return this.o.nc.subscribe(API_WILDCARD, {
      callback: (err, msg) => {
        if (err || API_SUBJECTS.has(msg.subject)) return;
        const format = formatOf(msg.data, msg.headers);
        try {
          decodeBody(msg.data, format);
        } catch {
          // The subject is the error that matters here.
        }
        reply(msg, format, { ok: false, error: { code: 'not_found', message: `unknown API subject ${msg.subject} (see the API reference in docs/api.md)` } });
      },
    });
  }

  async stop(): Promise<void> {
    this.catchAll?.unsubscribe();
    await this.service?.stop();
    this.stopPublishing?.();
    this.host.stop();
    await this.host.snapshot();
    await this.log.close();
  }
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
  return total;
}

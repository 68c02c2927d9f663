import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ConflictError, type FailedExpectation } from './conflict.ts';
import { DeferredIndex } from './deferred-index.ts';
import { decodeRecord, encodeMeta, encodeRecord, encodeRecordAround, type LogRecord, type RecordMeta } from './record.ts';

/** An event as a writer proposes it; the log stamps `seq` and `at`. */
export interface Proposed {
  type: string;
  data: unknown;
}

/** Optimistic concurrency on one entity's history: its last event is still `lastSeq` (0: none). */
export interface EntityExpectation {
  key: string;
  lastSeq: number;
}

export interface AppendOptions {
  expect?: EntityExpectation[];
  /**
   * Runs inside the write transaction, after the log's own expectations and before anything is
   * written, with the records about to be appended: it may throw (e.g. a ConflictError) to append
   * nothing. Appends run their checks in the order they were called.
   */
  check?: (records: LogRecord[]) => void;
  /**
   * Per event, its data already encoded (as its writer sent it): stored as it is instead of
   * encoded again. It must decode to the event's `data`; null where there is none.
   */
  encodedData?: ReadonlyArray<Uint8Array | null>;
}

export interface ReadFilter {
  from?: number;
  to?: number;
  type?: string;
  /** An entity key such as `segment:<id>` or `datasource:<name>`. */
  entity?: string;
  limit?: number;
}

/** Gets each committed record, with its stored bytes (to forward without encoding again). */
export type Listener = (record: LogRecord, bytes: Uint8Array) => void;

export interface EventLogOptions {
  /** The entity keys an event is indexed under. */
  keysOf: (type: string, data: unknown) => string[];
  /** LMDB map size in bytes (grows on demand). */
  mapSize?: number;
  /**
   * The entity index is flushed every N entries (default 20,000) or after M ms, whichever comes
   * first. Entries wait in a map: a small one is cheaper per entry than a large one (4% of the
   * metastore's time per event at 20,000 rather than 200,000, interleaved pairs).
   */
  indexFlushEvery?: number;
  indexFlushAfterMs?: number;
}

interface Stamped {
  record: LogRecord;
  bytes: Buffer;
}

/**
 * The append-only event log: an LMDB environment (binary values, msgpack records) keyed by a
 * strictly increasing sequence number, with secondary indexes by type and by entity.
 * One writer per environment: the metastore.
 */
export class EventLog {
  private readonly root: RootDatabase;
  private readonly events: Database<Buffer, number>;
  /**
   * The same database read as records: LMDB hands the decoder its read buffer instead of copying
   * each value into a new Buffer first (a tenth of a refold's time went to those copies).
   */
  private readonly records: Database<LogRecord, number>;
  private readonly index: DeferredIndex;
  readonly meta: Database<Buffer, string>;
  private nextSeq: number;
  private lastAt: number;
  private committedSeq: number;
  private readonly listeners = new Set<Listener>();
  private readonly typeKeys = new Map<string, string>();
  /** Committed batches waiting for an earlier one before they are announced, in seq order. */
  private readonly pendingAnnounce = new Map<number, Stamped[]>();

  private constructor(readonly path: string, private readonly opts: EventLogOptions) {
    mkdirSync(path, { recursive: true });
    this.root = open({ path, encoding: 'binary', maxDbs: 8, mapSize: opts.mapSize });
    this.events = this.root.openDB({ name: 'events', encoding: 'binary' });
    this.records = this.root.openDB({ name: 'events', encoding: 'binary', encoder: { decode: decodeRecord } } as never);
    this.meta = this.root.openDB({ name: 'meta', encoding: 'binary' });
    this.index = new DeferredIndex(this.root, this.root.openDB({ name: 'index', encoding: 'binary' }), this.meta, {
      flushEvery: opts.indexFlushEvery ?? 20_000,
      flushAfterMs: opts.indexFlushAfterMs ?? 1000,
    });
    const last = this.lastRecord();
    this.committedSeq = last?.seq ?? 0;
    this.nextSeq = this.committedSeq + 1;
    this.lastAt = last?.at ?? 0;
    this.reindexTail();
  }

  /** Index entries not yet flushed when the process last stopped are rebuilt from the log. */
  private reindexTail(): void {
    for (const { value: r } of this.records.getRange({ start: this.index.watermark + 1 })) {
      this.index.add(r.seq, this.indexKeys(r.type, this.opts.keysOf(r.type, r.data)));
    }
  }

  /**
   * An event is indexed under its entity keys and its type (`#Type`, which no entity key starts
   * with). Type keys are made once per type: a key made anew is copied and hashed anew.
   */
  private indexKeys(type: string, entityKeys: string[]): string[] {
    let typeKey = this.typeKeys.get(type);
    if (typeKey === undefined) this.typeKeys.set(type, (typeKey = `#${type}`));
    return [typeKey, ...entityKeys];
  }

  static open(path: string, opts: EventLogOptions): EventLog {
    return new EventLog(path, opts);
  }

  /** The sequence number of the last committed event (0 when the log is empty). */
  get lastSeq(): number {
    return this.committedSeq;
  }

  private lastRecord(): LogRecord | undefined {
    for (const { value } of this.records.getRange({ reverse: true, limit: 1 })) return value;
    return undefined;
  }

  /** The seq of the last event indexed under `key` (0 when none). */
  lastSeqOf(key: string): number {
    return this.index.lastSeqOf(key);
  }

  /**
   * Appends `events` as one transaction: all of them or none. Resolves with the records once
   * committed; rejects with a ConflictError when an expectation fails.
   */
  append(events: Proposed[], meta: RecordMeta, opts: AppendOptions = {}): Promise<LogRecord[]> {
    let stamped: Stamped[] = [];
    let failure: unknown = null;
    const committed = this.root.transaction(() => {
      let keys: string[][];
      try {
        this.checkEntityExpectations(opts.expect ?? []);
        const records = this.stamp(events, meta);
        // Everything that can throw on a malformed event runs before the first write.
        keys = records.map((r) => this.opts.keysOf(r.type, r.data));
        stamped = this.encode(records, opts.encodedData);
        opts.check?.(records);
      } catch (e) {
        failure = e;
        return;
      }
      this.nextSeq += stamped.length;
      if (stamped.length > 0) this.lastAt = stamped[stamped.length - 1]!.record.at;
      stamped.forEach((s, i) => this.write(s, keys[i]!));
    });
    return committed.then(() => {
      if (failure !== null) throw failure;
      this.announce(stamped);
      return stamped.map((s) => s.record);
    });
  }

  private checkEntityExpectations(expect: EntityExpectation[]): void {
    const failed: FailedExpectation[] = [];
    for (const x of expect) {
      const actual = this.lastSeqOf(x.key);
      if (actual !== x.lastSeq) failed.push({ expectation: x, actual, reason: `${x.key} was expected at seq ${x.lastSeq} but is at ${actual}` });
    }
    if (failed.length > 0) throw new ConflictError(failed);
  }

  private stamp(events: Proposed[], meta: RecordMeta): LogRecord[] {
    const at = Math.max(Date.now(), this.lastAt);
    return events.map((e, i) => ({ seq: this.nextSeq + i, at, type: e.type, data: e.data, meta }));
  }

  private encode(records: LogRecord[], encodedData: AppendOptions['encodedData']): Stamped[] {
    const meta = encodedData === undefined || records.length === 0 ? null : encodeMeta(records[0]!.meta);
    return records.map((record, i) => {
      const data = encodedData?.[i];
      return { record, bytes: data && meta ? encodeRecordAround(record, data, meta) : encodeRecord(record) };
    });
  }

  private write({ record: r, bytes }: Stamped, keys: string[]): void {
    this.events.put(r.seq, bytes);
    this.index.add(r.seq, this.indexKeys(r.type, keys));
  }

  /** Announces committed records strictly in seq order, whatever order commits resolve in. */
  private announce(batch: Stamped[]): void {
    if (batch.length === 0) return;
    this.pendingAnnounce.set(batch[0]!.record.seq, batch);
    for (let next = this.pendingAnnounce.get(this.committedSeq + 1); next; next = this.pendingAnnounce.get(this.committedSeq + 1)) {
      this.pendingAnnounce.delete(this.committedSeq + 1);
      this.committedSeq = next[next.length - 1]!.record.seq;
      for (const s of next) for (const l of this.listeners) l(s.record, s.bytes);
    }
  }

  get(seq: number): LogRecord | undefined {
    return this.records.get(seq);
  }

  /** Reads committed records in seq order, by range, type or entity. */
  read(f: ReadFilter = {}): LogRecord[] {
    const out: LogRecord[] = [];
    const limit = f.limit ?? Infinity;
    for (const r of this.scan(f)) {
      if (out.length >= limit) break;
      out.push(r);
    }
    return out;
  }

  /** Iterates committed records lazily (for refolds of long logs). */
  *scan(f: ReadFilter = {}): Generator<LogRecord> {
    const from = f.from ?? 1;
    const to = Math.min(f.to ?? Infinity, this.committedSeq);
    if (f.entity !== undefined || f.type !== undefined) {
      for (const seq of this.index.seqs(f.entity ?? `#${f.type}`, from, to)) {
        const r = this.get(seq);
        if (r !== undefined && (f.type === undefined || r.type === f.type)) yield r;
      }
      return;
    }
    for (const { value } of this.records.getRange({ start: from, end: to + 1 })) yield value;
  }

  /** Iterates committed records with their stored bytes. */
  *scanBytes(from: number, to = this.committedSeq): Generator<Stamped> {
    for (const { value } of this.events.getRange({ start: from, end: to + 1 })) yield { record: decodeRecord(value), bytes: value };
  }

  /** Distinct entity keys starting with `prefix` (e.g. every `segment:` ever seen). */
  entityKeys(prefix: string): string[] {
    return this.index.keys(prefix);
  }

  /**
   * Calls `listener` for every record from `from` on: first the committed ones, then each new one
   * as it commits — no gap, no duplicate. Returns a function that stops it.
   */
  subscribe(from: number, listener: Listener): () => void {
    let delivered = from - 1;
    const guarded: Listener = (r, bytes) => {
      if (r.seq === delivered + 1) {
        delivered = r.seq;
        listener(r, bytes);
      }
    };
    // Catch-up and registration happen in one synchronous stretch: nothing commits in between.
    for (const s of this.scanBytes(from)) guarded(s.record, s.bytes);
    this.listeners.add(guarded);
    return () => this.listeners.delete(guarded);
  }

  /** Resolves when everything appended so far is on disk. */
  flushed(): Promise<unknown> {
    return this.root.flushed;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.index.close();
    await this.root.close();
  }
}

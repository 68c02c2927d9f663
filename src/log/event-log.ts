import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { ConflictError, type FailedExpectation } from './conflict.ts';
import { decodeRecord, encodeRecord, type LogRecord, type RecordMeta } from './record.ts';

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
}

export interface ReadFilter {
  from?: number;
  to?: number;
  type?: string;
  /** An entity key such as `segment:<id>` or `datasource:<name>`. */
  entity?: string;
  limit?: number;
}

export type Listener = (record: LogRecord) => void;

export interface EventLogOptions {
  /** The entity keys an event is indexed under. */
  keysOf: (type: string, data: unknown) => string[];
  /** LMDB map size in bytes (grows on demand). */
  mapSize?: number;
}

const EMPTY = Buffer.alloc(0);
const LAST = '\uffff';

/**
 * The append-only event log: an LMDB environment (binary values, msgpack records) keyed by a
 * strictly increasing sequence number, with secondary indexes by type and by entity.
 * One writer per environment: the metastore.
 */
export class EventLog {
  private readonly root: RootDatabase;
  private readonly events: Database<Buffer, number>;
  private readonly byType: Database<Buffer, [string, number]>;
  private readonly byEntity: Database<Buffer, [string, number]>;
  readonly meta: Database<Buffer, string>;
  private nextSeq: number;
  private lastAt: number;
  private committedSeq: number;
  private readonly listeners = new Set<Listener>();
  /** Committed batches waiting for an earlier one before they are announced, in seq order. */
  private readonly pendingAnnounce = new Map<number, LogRecord[]>();

  private constructor(readonly path: string, private readonly opts: EventLogOptions) {
    mkdirSync(path, { recursive: true });
    this.root = open({ path, encoding: 'binary', maxDbs: 8, mapSize: opts.mapSize });
    this.events = this.root.openDB({ name: 'events', encoding: 'binary' });
    this.byType = this.root.openDB({ name: 'by-type', encoding: 'binary' });
    this.byEntity = this.root.openDB({ name: 'by-entity', encoding: 'binary' });
    this.meta = this.root.openDB({ name: 'meta', encoding: 'binary' });
    const last = this.lastRecord();
    this.committedSeq = last?.seq ?? 0;
    this.nextSeq = this.committedSeq + 1;
    this.lastAt = last?.at ?? 0;
  }

  static open(path: string, opts: EventLogOptions): EventLog {
    return new EventLog(path, opts);
  }

  /** The sequence number of the last committed event (0 when the log is empty). */
  get lastSeq(): number {
    return this.committedSeq;
  }

  private lastRecord(): LogRecord | undefined {
    for (const { value } of this.events.getRange({ reverse: true, limit: 1 })) return decodeRecord(value);
    return undefined;
  }

  /** The seq of the last event indexed under `key` (0 when none). */
  lastSeqOf(key: string): number {
    for (const { key: k } of this.byEntity.getRange({ start: [key, Number.MAX_SAFE_INTEGER], end: [key, 0], reverse: true, limit: 1 })) return k[1];
    return 0;
  }

  /**
   * Appends `events` as one transaction: all of them or none. Resolves with the records once
   * committed; rejects with a ConflictError when an expectation fails.
   */
  append(events: Proposed[], meta: RecordMeta, opts: AppendOptions = {}): Promise<LogRecord[]> {
    let records: LogRecord[] = [];
    let failure: unknown = null;
    const committed = this.root.transaction(() => {
      try {
        this.checkEntityExpectations(opts.expect ?? []);
        records = this.stamp(events, meta);
        opts.check?.(records);
      } catch (e) {
        failure = e;
        return;
      }
      this.nextSeq += records.length;
      if (records.length > 0) this.lastAt = records[records.length - 1]!.at;
      for (const r of records) this.write(r);
    });
    return committed.then(() => {
      if (failure !== null) throw failure;
      this.announce(records);
      return records;
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

  private write(r: LogRecord): void {
    this.events.put(r.seq, Buffer.from(encodeRecord(r)));
    this.byType.put([r.type, r.seq], EMPTY);
    for (const key of new Set(this.opts.keysOf(r.type, r.data))) this.byEntity.put([key, r.seq], EMPTY);
  }

  /** Announces committed records strictly in seq order, whatever order commits resolve in. */
  private announce(records: LogRecord[]): void {
    if (records.length === 0) return;
    this.pendingAnnounce.set(records[0]!.seq, records);
    for (let batch = this.pendingAnnounce.get(this.committedSeq + 1); batch; batch = this.pendingAnnounce.get(this.committedSeq + 1)) {
      this.pendingAnnounce.delete(this.committedSeq + 1);
      this.committedSeq = batch[batch.length - 1]!.seq;
      for (const r of batch) for (const l of this.listeners) l(r);
    }
  }

  get(seq: number): LogRecord | undefined {
    const v = this.events.get(seq);
    return v === undefined ? undefined : decodeRecord(v);
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
    if (f.type !== undefined || f.entity !== undefined) {
      yield* this.scanIndex(f.type !== undefined ? this.byType : this.byEntity, (f.type ?? f.entity)!, from, to, f);
      return;
    }
    for (const { value } of this.events.getRange({ start: from, end: to + 1 })) yield decodeRecord(value);
  }

  private *scanIndex(index: Database<Buffer, [string, number]>, key: string, from: number, to: number, f: ReadFilter): Generator<LogRecord> {
    for (const { key: k } of index.getRange({ start: [key, from], end: [key, to + 1] })) {
      const r = this.get(k[1]);
      if (r === undefined) continue;
      if (f.type !== undefined && r.type !== f.type) continue;
      if (f.entity !== undefined && f.type !== undefined && !this.opts.keysOf(r.type, r.data).includes(f.entity)) continue;
      yield r;
    }
  }

  /** Distinct entity keys starting with `prefix` (e.g. every `segment:` ever seen). */
  *entityKeys(prefix: string): Generator<string> {
    let last: string | null = null;
    for (const { key } of this.byEntity.getRange({ start: [prefix, 0], end: [prefix + LAST, 0] })) {
      if (key[0] !== last) yield (last = key[0]);
    }
  }

  /**
   * Calls `listener` for every record from `from` on: first the committed ones, then each new one
   * as it commits — no gap, no duplicate. Returns a function that stops it.
   */
  subscribe(from: number, listener: Listener): () => void {
    let delivered = from - 1;
    const guarded: Listener = (r) => {
      if (r.seq === delivered + 1) {
        delivered = r.seq;
        listener(r);
      }
    };
    // Catch-up and registration happen in one synchronous stretch: nothing commits in between.
    for (const r of this.scan({ from })) guarded(r);
    this.listeners.add(guarded);
    return () => this.listeners.delete(guarded);
  }

  /** Resolves when everything appended so far is on disk. */
  flushed(): Promise<unknown> {
    return this.root.flushed;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.root.close();
  }
}

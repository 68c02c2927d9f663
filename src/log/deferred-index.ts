import type { Database, RootDatabase } from 'lmdb';

const WATERMARK = 'indexedSeq';

function pack(seqs: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(seqs.length * 4);
  seqs.forEach((s, i) => out.writeUInt32LE(s, i * 4));
  return out;
}

function* unpack(bytes: Uint8Array): Generator<number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += 4) yield view.getUint32(i, true);
}

/**
 * The log's secondary indexes (by entity key and by event type) in one LMDB sub-database.
 * Writing an entry per (key, event) with every append would cost a put each, and the keys are
 * spread all over the key space. Instead new entries wait in memory and are flushed in large
 * batches, one entry per key per batch: `[key, first seq of the batch] → the batch's seqs, packed`.
 * A watermark says up to which seq the index is on disk; opening the log re-indexes the tail after
 * it. Reads merge disk and memory, so callers always see a complete index.
 */
export class DeferredIndex {
  private pending = new Map<string, number[]>();
  private inFlight: Map<string, number[]> | null = null;
  private pendingCount = 0;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly root: RootDatabase,
    private readonly db: Database<Buffer, [string, number]>,
    private readonly meta: Database<Buffer, string>,
    private readonly opts: { flushEvery: number; flushAfterMs: number },
  ) {}

  /** The seq up to which the index is on disk. */
  get watermark(): number {
    const v = this.meta.get(WATERMARK);
    return v === undefined ? 0 : v.readUInt32LE(0);
  }

  /** Records that `seq` is found under each of `keys`; called in seq order. */
  add(seq: number, keys: Iterable<string>): void {
    for (const key of keys) {
      const seqs = this.pending.get(key);
      if (seqs === undefined) this.pending.set(key, [seq]);
      else if (seqs[seqs.length - 1] !== seq) seqs.push(seq);
      this.pendingCount++;
    }
    if (this.pendingCount >= this.opts.flushEvery) void this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), this.opts.flushAfterMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending in one transaction, then forgets it. */
  flush(): Promise<void> {
    if (this.flushing !== null) return this.flushing.then(() => (this.pendingCount > 0 ? this.flush() : undefined));
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingCount === 0) return Promise.resolve();
    const batch = this.pending;
    let upTo = 0;
    for (const seqs of batch.values()) upTo = Math.max(upTo, seqs[seqs.length - 1]!);
    this.pending = new Map();
    this.pendingCount = 0;
    this.inFlight = batch;
    const mark = Buffer.alloc(4);
    mark.writeUInt32LE(upTo, 0);
    const keys = [...batch.keys()].sort();
    const run = this.root
      .transaction(() => {
        for (const key of keys) {
          const seqs = batch.get(key)!;
          this.db.put([key, seqs[0]!], pack(seqs));
        }
        this.meta.put(WATERMARK, mark);
      })
      .then(() => {
        this.inFlight = null;
      });
    this.flushing = run.finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Seqs found under `key` within [from, to], ascending. */
  *seqs(key: string, from: number, to: number): Generator<number> {
    let last = 0;
    for (const { value } of this.db.getRange({ start: [key, this.firstEntryAtOrBefore(key, from)], end: [key, to + 1] })) {
      for (const seq of unpack(value)) {
        if (seq > to) return;
        if (seq >= from) yield (last = seq);
      }
    }
    for (const source of [this.inFlight, this.pending]) {
      for (const seq of source?.get(key) ?? []) {
        if (seq > last && seq >= from && seq <= to) yield (last = seq);
      }
    }
  }

  /** The first seq of the stored batch that may hold `from` (batches are keyed by their first seq). */
  private firstEntryAtOrBefore(key: string, from: number): number {
    for (const { key: k } of this.db.getRange({ start: [key, from], end: [key, 0], reverse: true, limit: 1 })) return k[1];
    return 0;
  }

  lastSeqOf(key: string): number {
    const inMemory = this.pending.get(key) ?? this.inFlight?.get(key);
    if (inMemory !== undefined) return inMemory[inMemory.length - 1]!;
    for (const { value } of this.db.getRange({ start: [key, Number.MAX_SAFE_INTEGER], end: [key, 0], reverse: true, limit: 1 })) {
      return value.readUInt32LE(value.byteLength - 4);
    }
    return 0;
  }

  /** Distinct keys starting with `prefix`, sorted. */
  keys(prefix: string): string[] {
    const out = new Set<string>();
    for (const { key } of this.db.getRange({ start: [prefix, 0], end: [`${prefix}\uffff`, 0] })) out.add(key[0]);
    for (const source of [this.inFlight, this.pending]) for (const k of source?.keys() ?? []) if (k.startsWith(prefix)) out.add(k);
    return [...out].sort();
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

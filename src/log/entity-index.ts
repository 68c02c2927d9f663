import type { Database, RootDatabase } from 'lmdb';

const EMPTY = Buffer.alloc(0);
const WATERMARK = 'entityIndexedSeq';

/**
 * The by-entity index (`[entityKey, seq]`). Entity keys are spread all over the key space, so
 * writing them with every append would dirty one B-tree page per key per transaction. Instead
 * new entries wait in memory and are flushed in large sorted batches; a watermark in LMDB says
 * up to which seq the index is on disk, and opening the log re-indexes only the tail after it.
 * Reads merge both, so callers see a complete index at all times.
 */
export class EntityIndex {
  private pending = new Map<string, number[]>();
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
    return v === undefined ? 0 : v.readUInt32BE(0) * 2 ** 32 + v.readUInt32BE(4);
  }

  /** Records that `seq` touches `keys`; synchronous, in seq order. */
  add(seq: number, keys: Iterable<string>): void {
    for (const key of keys) {
      const seqs = this.pending.get(key);
      if (seqs === undefined) this.pending.set(key, [seq]);
      else if (seqs[seqs.length - 1] !== seq) seqs.push(seq);
      this.pendingCount++;
    }
    if (this.pendingCount >= this.opts.flushEvery) void this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => void this.flush(), this.opts.flushAfterMs);
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
    const keys = [...batch.keys()].sort();
    const mark = Buffer.alloc(8);
    mark.writeUInt32BE(Math.floor(upTo / 2 ** 32), 0);
    mark.writeUInt32BE(upTo % 2 ** 32, 4);
    this.flushing = this.root
      .transaction(() => {
        for (const key of keys) for (const seq of batch.get(key)!) this.db.put([key, seq], EMPTY);
        if (upTo > this.watermark) this.meta.put(WATERMARK, mark);
      })
      .then(() => undefined)
      .finally(() => (this.flushing = null));
    // Until the flush commits, readers still need the batch: keep it visible.
    this.inFlight = batch;
    void this.flushing.then(() => (this.inFlight = null));
    return this.flushing;
  }

  private inFlight: Map<string, number[]> | null = null;

  /** Seqs of `key` within [from, to], ascending. */
  *seqs(key: string, from: number, to: number): Generator<number> {
    let last = 0;
    for (const { key: k } of this.db.getRange({ start: [key, from], end: [key, to + 1] })) {
      last = k[1];
      yield last;
    }
    for (const source of [this.inFlight, this.pending]) {
      for (const seq of source?.get(key) ?? []) {
        if (seq > last && seq >= from && seq <= to) {
          last = seq;
          yield seq;
        }
      }
    }
  }

  lastSeqOf(key: string): number {
    const inMemory = this.pending.get(key) ?? this.inFlight?.get(key);
    if (inMemory !== undefined) return inMemory[inMemory.length - 1]!;
    for (const { key: k } of this.db.getRange({ start: [key, Number.MAX_SAFE_INTEGER], end: [key, 0], reverse: true, limit: 1 })) return k[1];
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

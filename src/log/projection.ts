import { isDeepStrictEqual } from 'node:util';
import type { EventLog } from './event-log.ts';
import type { LogRecord } from './record.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.ts';

/**
 * A fold of the log into state. `apply` must depend only on the records (no clock, no I/O), so
 * that a refold from sequence 0 gives exactly the live state.
 */
export interface Projection<Stored = unknown> {
  readonly name: string;
  /** Bump when the fold or the stored form changes: snapshots of another version are ignored. */
  readonly version: number;
  apply(record: LogRecord): void;
  /** The state as snapshots store it: canonical and serializable (same state, same value). */
  snapshot(): Stored;
  restore(stored: Stored): void;
}

interface StoredSnapshot {
  version: number;
  seq: number;
  state: unknown;
}

export interface Divergence {
  projection: string;
  live: unknown;
  refolded: unknown;
}

export interface ProjectionHostOptions {
  /** Snapshot every N events (0: never), and no more often than `snapshotCostRatio` allows. */
  snapshotEvery: number;
  /**
   * After a snapshot that took t ms, the next waits until t × this many ms have passed (default
   * 10): a snapshot blocks folding (and the metastore's appends) for as long as it takes, which
   * grows with the state, so at most about a tenth of the time goes to snapshots however large
   * the state and however fast events come. 0: every N events whatever they cost.
   */
  snapshotCostRatio?: number;
  /** Called with (done, total) while catching up on a long log. */
  onProgress?: (done: number, total: number) => void;
}

const snapshotKey = (name: string): string => `snapshot:${name}`;

/**
 * Keeps projections folded from a log: restores each from its latest snapshot, catches up, follows
 * the live tail, and snapshots every N events.
 */
export class ProjectionHost {
  private seq = 0;
  private sinceSnapshot = 0;
  /** performance.now() before which no snapshot is taken (see snapshotCostRatio). */
  private nextSnapshotAt = 0;
  private snapshotting: Promise<unknown> | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly followers = new Set<(r: LogRecord) => void>();

  constructor(private readonly log: EventLog, readonly projections: Projection[], private readonly opts: ProjectionHostOptions) {}

  /** The last sequence number folded into every projection. */
  get position(): number {
    return this.seq;
  }

  /** Restores snapshots (the oldest position wins) and folds the rest of the log, then follows it. */
  start(): void {
    const restored = this.projections.map((p) => this.restore(p));
    const from = Math.min(...restored);
    const total = this.log.lastSeq - from;
    let done = 0;
    this.unsubscribe = this.log.subscribe(from + 1, (r) => {
      this.fold(r, restored);
      if (++done % 10_000 === 0 && done <= total) this.opts.onProgress?.(done, total);
    });
    this.opts.onProgress?.(Math.min(done, total), total);
  }

  /** Runs `f` for every record after it is folded into the projections. */
  follow(f: (r: LogRecord) => void): () => void {
    this.followers.add(f);
    return () => this.followers.delete(f);
  }

  private restore(p: Projection): number {
    // Read in place, not copied out first: a snapshot is a hundred megabytes or more, decoded at
    // once, before anything else reads or writes the log (the decoder copies any binary value).
    const raw = this.log.meta.getBinaryFast(snapshotKey(p.name));
    if (raw === undefined) return 0;
    const snap = decodeSnapshot(raw) as StoredSnapshot;
    if (snap.version !== p.version || snap.seq > this.log.lastSeq) return 0;
    p.restore(snap.state);
    return snap.seq;
  }

  private fold(r: LogRecord, restoredAt: number[]): void {
    this.projections.forEach((p, i) => {
      if (r.seq > restoredAt[i]!) p.apply(r);
    });
    this.seq = r.seq;
    for (const f of this.followers) f(r);
    if (this.opts.snapshotEvery > 0 && ++this.sinceSnapshot >= this.opts.snapshotEvery && performance.now() >= this.nextSnapshotAt) void this.snapshot();
  }

  /** Writes every projection's snapshot at the current position (skipped while one is in flight). */
  snapshot(): Promise<unknown> {
    if (this.snapshotting !== null) return this.snapshotting;
    this.sinceSnapshot = 0;
    const seq = this.seq;
    const started = performance.now();
    const writes = this.projections.map((p) =>
      this.log.meta.put(snapshotKey(p.name), Buffer.from(encodeSnapshot({ version: p.version, seq, state: p.snapshot() } satisfies StoredSnapshot))));
    const took = performance.now() - started;
    this.nextSnapshotAt = started + took * (1 + (this.opts.snapshotCostRatio ?? 10));
    this.snapshotting = Promise.all(writes).finally(() => (this.snapshotting = null));
    return this.snapshotting;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

/**
 * Folds fresh projections from sequence 0 up to `upTo` and compares each with its live twin:
 * the proof that the live state is exactly what the log says.
 */
export function refoldAndCompare(log: EventLog, live: Projection[], fresh: Projection[], upTo: number): Divergence[] {
  for (const r of log.scan({ to: upTo })) for (const p of fresh) p.apply(r);
  const out: Divergence[] = [];
  live.forEach((p, i) => {
    const a = p.snapshot();
    const b = fresh[i]!.snapshot();
    if (!isDeepStrictEqual(a, b)) out.push({ projection: p.name, live: a, refolded: b });
  });
  return out;
}

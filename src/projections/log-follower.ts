import type { NatsConnection, Subscription } from 'nats';
import { decodeSnapshot } from '../log/snapshot-codec.ts';
import { request } from '../bus/client.ts';
import { API, EVENT_WILDCARD, INTERNAL } from '../bus/subjects.ts';
import { decodeRecord, type LogRecord } from '../log/record.ts';

/** A projection a follower can keep: restored from the metastore's snapshot, then fed records. */
export interface Followable {
  readonly name: string;
  position: number;
  apply(record: LogRecord): void;
  restore(stored: never): void;
}

export interface SnapshotChunk {
  position: number;
  chunks: number;
  index: number;
  bytes: Uint8Array;
}

export interface FollowerOptions {
  /** How often an idle follower asks whether it missed something (ms). */
  checkEveryMs?: number;
  onProgress?: (done: number, total: number) => void;
}

const PAGE = 5000;

/**
 * Keeps a projection in another process up to date with the log: the metastore's snapshot first,
 * then the records after it (`grove.api.log.read`), then the live feed (`grove.event.>`). Records
 * are applied strictly in order; a gap in the feed (a lost message, a reconnect) is filled from
 * the log, so the projection never skips or repeats a record.
 */
export class LogFollower {
  private sub: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;
  private queue: LogRecord[] = [];
  private draining: Promise<void> | null = null;
  private running = false;
  private readonly listeners = new Set<(r: LogRecord) => void>();
  private stopped = false;

  constructor(private readonly nc: NatsConnection, readonly projection: Followable, private readonly opts: FollowerOptions = {}) {}

  /** Resolves once the projection has caught up with the log's head. */
  async start(): Promise<void> {
    this.sub = this.nc.subscribe(EVENT_WILDCARD, {
      callback: (err, msg) => {
        if (err) return;
        this.queue.push(decodeRecord(msg.data));
        void this.drain();
      },
    });
    await this.nc.flush();
    await this.loadSnapshot();
    await this.catchUp();
    await this.drain();
    this.timer = setInterval(() => void this.checkHead(), this.opts.checkEveryMs ?? 2000);
    this.timer.unref();
  }

  /** Runs `f` after each record is applied. */
  onRecord(f: (r: LogRecord) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private async loadSnapshot(): Promise<void> {
    const ask = (index: number, position?: number): Promise<SnapshotChunk> =>
      request<SnapshotChunk>(this.nc, INTERNAL.metaSnapshot, { projection: this.projection.name, index, position });
    const first = await ask(0);
    const parts: Uint8Array[] = [first.bytes];
    for (let index = 1; index < first.chunks; index++) {
      parts.push((await ask(index, first.position)).bytes);
      this.opts.onProgress?.(index, first.chunks);
    }
    if (first.position === 0) return;
    this.projection.restore(decodeSnapshot(Buffer.concat(parts)) as never);
    this.projection.position = first.position;
  }

  /** Reads the log from the projection's position until the head. */
  private async catchUp(upTo = Infinity): Promise<void> {
    for (;;) {
      const from = this.projection.position + 1;
      if (from > upTo) return;
      const page = await request<LogRecord[]>(this.nc, API.logRead, { from, limit: PAGE, ...(Number.isFinite(upTo) ? { to: upTo } : {}) });
      for (const r of page) this.applyInOrder(r);
      if (page.length < PAGE) return;
    }
  }

  private applyInOrder(r: LogRecord): void {
    if (r.seq !== this.projection.position + 1) return;
    this.projection.apply(r);
    this.projection.position = r.seq;
    for (const l of this.listeners) l(r);
  }

  /** Applies queued live records in order, reading from the log whatever the feed skipped. */
  private drain(): Promise<void> {
    // Not "is a promise pending": a run that needed no await has finished although its promise
    // settles only later, and records of one append arrive together, before that.
    if (!this.running) this.draining = this.drainQueue();
    return this.draining ?? Promise.resolve();
  }

  private async drainQueue(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const r = this.queue.shift()!;
        if (r.seq <= this.projection.position) continue;
        if (r.seq > this.projection.position + 1) await this.catchUp(r.seq - 1);
        this.applyInOrder(r);
      }
    } finally {
      this.running = false;
    }
  }

  private async checkHead(): Promise<void> {
    if (this.running || this.stopped) return;
    try {
      const { lastSeq } = await request<{ lastSeq: number }>(this.nc, API.status, {}, { timeoutMs: 5000 });
      if (lastSeq > this.projection.position) await this.catchUp(lastSeq);
    } catch {
      // The metastore may be restarting; the next check tries again.
    }
  }

  stop(): void {
    this.stopped = true;
    this.sub?.unsubscribe();
    if (this.timer !== null) clearInterval(this.timer);
  }
}

import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { request } from '../bus/client.ts';
import { GroveError } from '../bus/errors.ts';
import { API, INTERNAL } from '../bus/subjects.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { Expectation } from '../events/expectations.ts';
import type { ClusterState } from './cluster-state.ts';
import type { LogFollower } from './log-follower.ts';

const FOLD_TIMEOUT_MS = 30_000;

/**
 * Appends through the metastore and waits until the actor's own fold holds the facts, so that
 * what it decides next is decided on what the log says rather than on what it hopes it says.
 */
export class Appender {
  private readonly waiting: Array<{ seq: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly state: ClusterState,
    follower: LogFollower,
    private readonly actor: string,
  ) {
    follower.onRecord((r) => this.release(r.seq));
  }

  /** Appends `events` in one go; resolves with the last sequence number once folded in. */
  async append(events: NewEvent[], expect: Expectation[] = [], causationId: string | null = null): Promise<number> {
    const { lastSeq } = await request<{ lastSeq: number }>(this.nc, INTERNAL.metaAppend, {
      events,
      expect,
      meta: { actor: this.actor, correlationId: randomUUID(), causationId },
    });
    await this.foldedUpTo(lastSeq);
    return lastSeq;
  }

  /** Waits until the fold holds everything the log held when asked. */
  async catchUp(): Promise<void> {
    const { lastSeq } = await request<{ lastSeq: number }>(this.nc, API.status, {});
    await this.foldedUpTo(lastSeq);
  }

  private foldedUpTo(seq: number): Promise<void> {
    if (this.state.position >= seq) return Promise.resolve();
    if (this.closed) return Promise.reject(new GroveError('unavailable', `${this.actor} is stopping`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new GroveError('internal', `${this.actor}'s state did not reach sequence ${seq} within ${FOLD_TIMEOUT_MS} ms (it is at ${this.state.position})`)), FOLD_TIMEOUT_MS);
      this.waiting.push({ seq, resolve: () => (clearTimeout(timer), resolve()), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
  }

  /** The actor is stopping and its fold with it: whoever waits for the fold is told so at once. */
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new GroveError('unavailable', `${this.actor} is stopping`));
  }

  private release(position: number): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.seq <= position) this.waiting.splice(i, 1)[0]!.resolve();
    }
  }
}

import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { request } from '../../src/bus/client.ts';
import { GroveError, isGroveError } from '../../src/bus/errors.ts';
import { API, INTERNAL } from '../../src/bus/subjects.ts';
import type { ClusterState } from '../../src/projections/cluster-state.ts';
import type { LogFollower } from '../../src/projections/log-follower.ts';
import type { Decision } from '../../src/overlord/decision.ts';

const FOLD_TIMEOUT_MS = 30_000;
const ATTEMPTS = 3;

/**
 * The overlord's lines of decisions: a command decides against the state and appends, then waits
 * until its own facts are folded back in, so the next command of its line decides on what the log
 * says, never on a guess. Commands about one datasource (locks, allocation, publishing) form one
 * line, and lines of different datasources run side by side (their appends share the metastore's
 * commits); anything wider (task ends, assignment, lost indexers, timeouts) runs alone. The
 * metastore still checks each append's expectations: a conflict (another writer got in between)
 * is decided again on the newer state.
 */
export class CommandQueue {
  private global: Promise<unknown> = Promise.resolve();
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly folded: Array<{ seq: number; resolve: () => void }> = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly state: ClusterState,
    follower: LogFollower,
    private readonly actor: string,
  ) {
    follower.onRecord((r) => this.release(r.seq));
  }

  /**
   * Runs `f` after the commands queued before it that it could contend with: those of its
   * datasource and every wide one when it names a `dataSource`; all of them otherwise.
   */
  run<T>(f: () => Promise<T>, dataSource?: string): Promise<T> {
    const prior = dataSource === undefined ? Promise.all([this.global, ...this.lanes.values()]) : Promise.all([this.global, this.lanes.get(dataSource)]);
    const next = prior.then(f);
    const settled = next.catch(() => undefined);
    if (dataSource === undefined) {
      this.lanes.clear();
      this.global = settled;
    } else {
      this.lanes.set(dataSource, settled);
      // A lane whose last command is done is forgotten, so idle datasources cost nothing.
      void settled.then(() => {
        if (this.lanes.get(dataSource) === settled) this.lanes.delete(dataSource);
      });
    }
    return next;
  }

  /**
   * Decides and appends, deciding again if the append's expectations failed; resolves once the
   * facts are folded in. `decide` returning null means there is nothing to do. Call inside `run`.
   */
  async commit<R>(decide: () => Decision<R> | null, causationId: string | null = null): Promise<R | null> {
    for (let attempt = 1; ; attempt++) {
      const d = decide();
      if (d === null) return null;
      if (d.events.length === 0) return d.result;
      try {
        await this.append(d, causationId);
        return d.result;
      } catch (e) {
        if (!isGroveError(e, 'conflict') || attempt >= ATTEMPTS) throw e;
        await this.catchUp();
      }
    }
  }

  private async append<R>(d: Decision<R>, causationId: string | null): Promise<void> {
    const { lastSeq } = await request<{ lastSeq: number }>(this.nc, INTERNAL.metaAppend, {
      events: d.events,
      expect: d.expect,
      meta: { actor: this.actor, correlationId: randomUUID(), causationId },
    });
    await this.foldedUpTo(lastSeq);
  }

  /** Waits until the state holds everything the log held when asked. */
  async catchUp(): Promise<void> {
    const { lastSeq } = await request<{ lastSeq: number }>(this.nc, API.status, {});
    await this.foldedUpTo(lastSeq);
  }

  private foldedUpTo(seq: number): Promise<void> {
    if (this.state.position >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new GroveError('internal', `the overlord's state did not reach sequence ${seq} within ${FOLD_TIMEOUT_MS} ms (it is at ${this.state.position})`)), FOLD_TIMEOUT_MS);
      this.folded.push({ seq, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  private release(position: number): void {
    for (let i = this.folded.length - 1; i >= 0; i--) {
      if (this.folded[i]!.seq <= position) this.folded.splice(i, 1)[0]!.resolve();
    }
  }
}

import type { NatsConnection } from 'nats';
import { isGroveError } from '../../src/bus/errors.ts';
import { Appender } from '../../src/projections/appender.ts';
import type { ClusterState } from '../../src/projections/cluster-state.ts';
import type { LogFollower } from '../../src/projections/log-follower.ts';
import type { Decision } from '../../src/overlord/decision.ts';

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
  private readonly appender: Appender;

  constructor(nc: NatsConnection, state: ClusterState, follower: LogFollower, actor: string) {
    this.appender = new Appender(nc, state, follower, actor);
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
        await this.appender.append(d.events, d.expect, causationId);
        return d.result;
      } catch (e) {
        if (!isGroveError(e, 'conflict') || attempt >= ATTEMPTS) throw e;
        await this.catchUp();
      }
    }
  }

  /** Waits until the state holds everything the log held when asked. */
  catchUp(): Promise<void> {
    return this.appender.catchUp();
  }

  /** The overlord is stopping: whoever waits for its fold is told so at once. */
  close(): void {
    this.appender.close();
  }
}

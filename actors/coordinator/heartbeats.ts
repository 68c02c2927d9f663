import type { NatsConnection, Subscription } from 'nats';
import { heartbeat } from '../../src/bus/subjects.ts';
import type { ClusterState } from '../../src/projections/cluster-state.ts';

/**
 * Which historicals have gone quiet: the log says they are alive, but no `grove.heartbeat.
 * historical.<id>` came within the timeout (monotonic time: liveness must not jump with the wall
 * clock). A historical never heard from gets its grace from when this coordinator noticed it.
 */
export class HistoricalHeartbeats {
  private readonly heard = new Map<string, number>();
  private sub: Subscription | null = null;

  constructor(private readonly state: ClusterState, private readonly timeoutMs: number) {}

  start(nc: NatsConnection): void {
    const prefix = heartbeat('historical', '');
    this.sub = nc.subscribe(heartbeat('historical', '*'), {
      callback: (err, msg) => {
        if (!err) this.heard.set(msg.subject.slice(prefix.length), performance.now());
      },
    });
  }

  /** Starts a server's grace afresh (it just joined). */
  greet(serverId: string): void {
    this.heard.set(serverId, performance.now());
  }

  /** Live historicals silent for longer than the timeout, with how long. */
  silent(): Array<{ id: string; silentMs: number }> {
    const now = performance.now();
    const out: Array<{ id: string; silentMs: number }> = [];
    for (const s of this.state.servers.values()) {
      if (s.kind !== 'historical' || !s.alive) continue;
      if (!this.heard.has(s.serverId)) this.heard.set(s.serverId, now);
      const silentMs = Math.round(now - this.heard.get(s.serverId)!);
      if (silentMs > this.timeoutMs) out.push({ id: s.serverId, silentMs });
    }
    return out;
  }

  forget(serverId: string): void {
    this.heard.delete(serverId);
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

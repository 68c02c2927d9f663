import type { NatsConnection, Subscription } from 'nats';
import { decodeBody, formatOf } from '../../src/bus/codec.ts';
import { heartbeat } from '../../src/bus/subjects.ts';
import type { ClusterState } from '../../src/projections/cluster-state.ts';
import type { IndexerSlot } from '../../src/overlord/task-queue.ts';

/** `grove.heartbeat.indexer.<id>`, every second. */
export interface IndexerHeartbeat {
  id: string;
  capacity: number;
  running: string[];
}

/**
 * When each indexer was last heard from (monotonic time, not the wall clock: liveness must not
 * jump with it). A joined indexer not heard from yet gets the same grace as one that just went
 * quiet, from when this overlord first noticed it.
 */
export class IndexerHeartbeats {
  private readonly heard = new Map<string, { at: number; capacity: number }>();
  /** When a joined indexer never heard from was first noticed: its grace starts there. */
  private readonly noticed = new Map<string, number>();
  /** The join each indexer's clock belongs to: a rejoin starts a fresh grace, whatever the last run's silence. */
  private readonly joinSeen = new Map<string, number>();
  private sub: Subscription | null = null;

  constructor(private readonly state: ClusterState, private readonly timeoutMs: number) {}

  /** Listens; `onNew` runs when an indexer is heard from for the first time (or again after silence). */
  start(nc: NatsConnection, onNew: (id: string) => void): void {
    this.sub = nc.subscribe(heartbeat('indexer', '*'), {
      callback: (err, msg) => {
        if (err) return;
        const beat = readBeat(msg.data, formatOf(msg.data, msg.headers));
        if (beat === null || msg.subject !== heartbeat('indexer', beat.id)) return;
        const known = this.heard.get(beat.id);
        const fresh = known === undefined || performance.now() - known.at > this.timeoutMs;
        this.heard.set(beat.id, { at: performance.now(), capacity: beat.capacity });
        if (fresh) onNew(beat.id);
      },
    });
  }

  /** Live indexers (joined, not left, heard from lately) and their capacity. */
  slots(): IndexerSlot[] {
    const out: IndexerSlot[] = [];
    for (const s of this.state.servers.values()) {
      const heard = this.heard.get(s.serverId);
      if (s.kind === 'indexer' && s.alive && heard !== undefined && performance.now() - heard.at <= this.timeoutMs) {
        out.push({ indexerId: s.serverId, capacity: heard.capacity });
      }
    }
    return out;
  }

  /** Indexers the log says are alive but that have not been heard from within the timeout. */
  silent(): Array<{ id: string; silentMs: number }> {
    const now = performance.now();
    const out: Array<{ id: string; silentMs: number }> = [];
    for (const s of this.state.servers.values()) {
      if (s.kind !== 'indexer' || !s.alive) continue;
      if (this.joinSeen.get(s.serverId) !== s.joinedAt) {
        this.joinSeen.set(s.serverId, s.joinedAt);
        this.noticed.set(s.serverId, now);
        const heard = this.heard.get(s.serverId);
        if (heard !== undefined && now - heard.at > this.timeoutMs) this.heard.delete(s.serverId);
      }
      const silentMs = Math.round(now - (this.heard.get(s.serverId)?.at ?? this.noticed.get(s.serverId)!));
      if (silentMs > this.timeoutMs) out.push({ id: s.serverId, silentMs });
    }
    return out;
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

function readBeat(data: Uint8Array, format: ReturnType<typeof formatOf>): IndexerHeartbeat | null {
  try {
    const b = decodeBody(data, format) as Partial<IndexerHeartbeat>;
    if (typeof b?.id !== 'string' || typeof b.capacity !== 'number' || !(b.capacity >= 0)) return null;
    return { id: b.id, capacity: b.capacity, running: Array.isArray(b.running) ? b.running.filter((t) => typeof t === 'string') : [] };
  } catch {
    return null;
  }
}

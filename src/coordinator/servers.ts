import type { ServerInfo } from '../projections/cluster-state.ts';

/** A historical as the coordinator plans with it: what it may hold and what it holds or will. */
export interface HistoricalSlot {
  readonly serverId: string;
  readonly tier: string;
  readonly capacity: number;
  /** Bytes of the replicas assigned, loading, loaded or being dropped there, plus this pass's reservations. */
  bytes: number;
}

export const utilization = (s: HistoricalSlot): number => (s.capacity > 0 ? s.bytes / s.capacity : Infinity);

const byUtilization = (a: HistoricalSlot, b: HistoricalSlot): number =>
  utilization(a) - utilization(b) || (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0);

/**
 * The live historicals of one planning pass, by tier. Assignments made during the pass reserve
 * their bytes here, so that one pass spreads many new segments instead of piling them on the
 * server that was emptiest when it began. Pure.
 */
export class ServerDirectory {
  private readonly slots = new Map<string, HistoricalSlot>();
  private readonly byTier = new Map<string, HistoricalSlot[]>();

  constructor(servers: Iterable<ServerInfo>, bytesOn: (serverId: string) => number) {
    for (const s of servers) {
      if (!s.alive || s.kind !== 'historical') continue;
      const slot: HistoricalSlot = { serverId: s.serverId, tier: s.tier, capacity: s.capacity, bytes: bytesOn(s.serverId) };
      this.slots.set(s.serverId, slot);
      const tier = this.byTier.get(s.tier) ?? [];
      tier.push(slot);
      this.byTier.set(s.tier, tier);
    }
  }

  get(serverId: string): HistoricalSlot | undefined {
    return this.slots.get(serverId);
  }

  all(): HistoricalSlot[] {
    return [...this.slots.values()];
  }

  inTier(tier: string): readonly HistoricalSlot[] {
    return this.byTier.get(tier) ?? [];
  }

  tiers(): string[] {
    return [...this.byTier.keys()].sort();
  }

  /** The least utilized server of `tier` with room for `size` bytes that `skip` does not rule out. */
  pick(tier: string, size: number, skip: (serverId: string) => boolean): HistoricalSlot | null {
    let best: HistoricalSlot | null = null;
    for (const s of this.inTier(tier)) {
      if (skip(s.serverId) || s.bytes + size > s.capacity) continue;
      if (best === null || byUtilization(s, best) < 0) best = s;
    }
    return best;
  }

  /** Counts `bytes` more (or fewer, when negative) against the server for the rest of the pass. */
  reserve(serverId: string, bytes: number): void {
    const s = this.slots.get(serverId);
    if (s !== undefined) s.bytes = Math.max(0, s.bytes + bytes);
  }

  /** The tier's servers, least utilized first. */
  sortedTier(tier: string): HistoricalSlot[] {
    return [...this.inTier(tier)].sort(byUtilization);
  }
}

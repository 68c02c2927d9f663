import type { ReplicaInfo } from './cluster-view.ts';
import { utilization, type HistoricalSlot, type ServerDirectory } from './servers.ts';

/** One segment to copy to a less loaded server of its tier; the copy on `from` is dropped once it is loaded. */
export interface Move {
  segmentId: string;
  from: string;
  to: string;
  tier: string;
}

export interface BalanceInput {
  servers: ServerDirectory;
  segmentsOn(serverId: string): Iterable<string>;
  replicasOf(segmentId: string): ReadonlyMap<string, ReplicaInfo>;
  sizeOf(segmentId: string): number;
  /** Whether a segment may move (used, not moving already). */
  movable(segmentId: string): boolean;
  /** At most this many moves (Druid's maxSegmentsToMove). */
  maxMoves: number;
}

/**
 * Druid's BalanceSegments, simply: within each tier, move segments from the most utilized server
 * to the least utilized one while a move narrows the gap between them. Reserves the moved bytes
 * in the directory so later choices see them. Pure.
 */
export function planMoves(b: BalanceInput): Move[] {
  const moves: Move[] = [];
  const moved = new Set<string>();
  for (const tier of b.servers.tiers()) {
    while (moves.length < b.maxMoves) {
      const sorted = b.servers.sortedTier(tier);
      if (sorted.length < 2) break;
      const move = bestMove(b, sorted[sorted.length - 1]!, sorted[0]!, moved);
      if (move === null) break;
      moves.push(move);
      moved.add(move.segmentId);
      const size = b.sizeOf(move.segmentId);
      b.servers.reserve(move.to, size);
      b.servers.reserve(move.from, -size);
    }
  }
  return moves;
}

/** A loaded segment of `hi` that `lo` lacks, whose move leaves `lo` still no fuller than `hi`. */
function bestMove(b: BalanceInput, hi: HistoricalSlot, lo: HistoricalSlot, moved: ReadonlySet<string>): Move | null {
  for (const id of b.segmentsOn(hi.serverId)) {
    const replicas = b.replicasOf(id);
    if (moved.has(id) || replicas.get(hi.serverId)?.status !== 'loaded' || replicas.has(lo.serverId) || !b.movable(id)) continue;
    const size = b.sizeOf(id);
    if (size <= 0 || lo.bytes + size > lo.capacity) continue;
    const after = { lo: { ...lo, bytes: lo.bytes + size }, hi: { ...hi, bytes: hi.bytes - size } };
    if (utilization(after.lo) <= utilization(after.hi)) return { segmentId: id, from: hi.serverId, to: lo.serverId, tier: hi.tier };
  }
  return null;
}

import { describe, expect, it } from 'vitest';
import { planMoves } from '../../../src/coordinator/balance.ts';
import type { ReplicaInfo } from '../../../src/coordinator/cluster-view.ts';
import { ServerDirectory } from '../../../src/coordinator/servers.ts';
import type { ServerInfo } from '../../../src/projections/cluster-state.ts';

/** Servers of one tier holding `n` loaded segments of 10 bytes each, capacity 1000. */
function world(counts: Record<string, number>, tier = 'hot') {
  const onServer = new Map<string, string[]>();
  const replicas = new Map<string, Map<string, ReplicaInfo>>();
  for (const [server, n] of Object.entries(counts)) {
    const ids = Array.from({ length: n }, (_, i) => `${server}-seg${i}`);
    onServer.set(server, ids);
    for (const id of ids) replicas.set(id, new Map([[server, { status: 'loaded', failedAt: null }]]));
  }
  const infos: ServerInfo[] = Object.keys(counts).map((serverId) => ({ serverId, kind: 'historical', tier, capacity: 1000, joinedAt: 0, alive: true }));
  const servers = new ServerDirectory(infos, (id) => (onServer.get(id)?.length ?? 0) * 10);
  return {
    servers,
    input: (maxMoves: number) => ({
      servers, maxMoves,
      segmentsOn: (s: string) => onServer.get(s) ?? [],
      replicasOf: (id: string) => replicas.get(id) ?? new Map(),
      sizeOf: () => 10,
      movable: () => true,
    }),
  };
}

describe('balancing moves segments from the fullest server of a tier to the emptiest', () => {
  it('moves toward an even spread, at most maxSegmentsToMove at a time', () => {
    const w = world({ full: 10, empty: 0 });
    const moves = planMoves(w.input(3));
    expect(moves).toHaveLength(3);
    expect(moves.every((m) => m.from === 'full' && m.to === 'empty' && m.tier === 'hot')).toBe(true);
    expect(new Set(moves.map((m) => m.segmentId)).size).toBe(3);
  });

  it('stops when a move would no longer narrow the gap', () => {
    const moves = planMoves(world({ a: 6, b: 4 }).input(10));
    expect(moves.map((m) => `${m.from}->${m.to}`)).toEqual(['a->b']);
    expect(planMoves(world({ a: 5, b: 5 }).input(10))).toEqual([]);
  });

  it('a server alone in its tier has nowhere to move to', () => {
    expect(planMoves(world({ only: 50 }).input(10))).toEqual([]);
  });
});

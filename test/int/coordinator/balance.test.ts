import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import { dayRows, testCluster } from '../cluster/support.ts';

const cluster = testCluster('coordinator-balance', { sweepEveryMs: 400, maxSegmentsToMove: 3 });

describe('the coordinator balances segments across the historicals of a tier', () => {
  it('a historical joining an unbalanced tier gets segments moved to it; each source copy is dropped only once its move is loaded', async () => {
    await request(cluster.clientNc, API.rulesSet, { dataSource: 'bal', rules: [{ type: 'loadForever', tieredReplicants: { _default_tier: 1 } }] });
    await cluster.startHistorical('h1');
    const days = Array.from({ length: 10 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`);
    const segs = await cluster.writeAndPublish('bal', days.flatMap((d) => dayRows(d, 3, 1)), { version: '2024-03-01T00:00:00.000Z' });
    await cluster.until('bal', segs.map((s) => s.id), 'published.used.available');
    const from = cluster.state.position + 1;
    await cluster.startHistorical('h2');

    const perServer = async () => {
      const counts = new Map<string, number>();
      for (const s of await cluster.segments('bal')) for (const h of s.servers) counts.set(h, (counts.get(h) ?? 0) + 1);
      return [counts.get('h1') ?? 0, counts.get('h2') ?? 0];
    };
    await expect.poll(perServer, { timeout: 20_000, interval: 200 }).toEqual([5, 5]);
    const moves = await cluster.log(from, ['ReplicaAssigned', 'ReplicaLoaded', 'ReplicaDropRequested']);
    const assigned = moves.filter((r) => r.type === 'ReplicaAssigned');
    expect(assigned.map((r) => (r.data as { reason: string; serverId: string }).reason)).toEqual(Array(5).fill('balance'));
    for (const a of assigned) {
      const id = (a.data as { segmentId: string }).segmentId;
      const loadedAt = moves.find((r) => r.type === 'ReplicaLoaded' && (r.data as { segmentId: string; serverId: string }).segmentId === id)!.seq;
      const drop = moves.find((r) => r.type === 'ReplicaDropRequested' && (r.data as { segmentId: string }).segmentId === id)!;
      expect(drop.data).toMatchObject({ serverId: 'h1', reason: 'balance' });
      expect(drop.seq).toBeGreaterThan(loadedAt);
    }
    expect(await cluster.total('bal', '2024-01-01/2024-01-11')).toBe(30);
  });
});

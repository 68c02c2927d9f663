import { describe, expect, it } from 'vitest';
import { dayRows, testCluster } from './support.ts';

const cluster = testCluster('cluster-handoff');

describe('indexing and handoff, the coordinator and historical side', () => {
  it('the coordinator finds a published, used, unavailable segment, a historical loads it, and it becomes published, used and available', async () => {
    await cluster.startHistorical('h1');
    const from = cluster.state.position + 1;
    const [segment] = await cluster.write('wiki', dayRows('2024-01-01', 3, 10), { version: '2024-02-01T00:00:00.000Z' });
    await cluster.publish([segment!]);
    await cluster.until('wiki', [segment!.id], 'published.used.available');

    const steps = (await cluster.log(from)).filter((r) => (r.data as { segments?: Array<{ id: string }>; segmentId?: string }).segmentId === segment!.id
      || (r.data as { segments?: Array<{ id: string }> }).segments?.some((s) => s.id === segment!.id));
    expect(steps.map((r) => [r.type, r.meta.actor])).toEqual([
      ['SegmentsPublished', 'test-publisher'],
      ['ReplicaAssigned', 'coordinator:c'],
      ['ReplicaLoadStarted', 'historical:h1'],
      ['ReplicaLoaded', 'historical:h1'],
    ]);
    expect((await cluster.segments('wiki'))[0]).toMatchObject({ id: segment!.id, servers: ['h1'], rows: 3, size: segment!.size, partitionNum: 0 });
    expect(await cluster.total('wiki', '2024-01-01/2024-01-02')).toBe(30);
  });

  it('a segment published before any historical exists waits, unavailable, until one joins', async () => {
    await cluster.stopHistorical('h1');
    const [segment] = await cluster.writeAndPublish('wiki', dayRows('2024-01-02', 2, 5), { version: '2024-02-01T00:00:00.000Z' });
    await cluster.until('wiki', [segment!.id], 'published.used.unavailable');
    await cluster.startHistorical('h2');
    await cluster.until('wiki', [segment!.id], 'published.used.available');
    expect(await cluster.total('wiki', '2024-01-01/2024-01-03')).toBe(40);
  });
});

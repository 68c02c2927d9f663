import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SegmentDescriptor } from '../../../machines/segment/events.ts';
import { keyOf } from '../../../src/historical/cache.ts';
import { dayRows, testCluster } from '../cluster/support.ts';

const cluster = testCluster('historical-restart', { loadRetryMs: 500 });

const V1 = '2024-03-01T00:00:00.000Z';
const deepFile = (d: SegmentDescriptor): string => cluster.deep.pathOf(keyOf(d));
const cachedFile = (serverId: string, d: SegmentDescriptor): string => join(cluster.dir, 'cache', serverId, d.loadSpec.path);

describe('a historical\'s cache outlives the historical', () => {
  it('a restarted historical re-announces what its cache holds, without downloading it again', async () => {
    await cluster.startHistorical('h1');
    const [s] = await cluster.writeAndPublish('restart', dayRows('2024-01-01', 3, 2), { version: V1 });
    await cluster.until('restart', [s!.id], 'published.used.available');
    await cluster.stopHistorical('h1');
    await cluster.until('restart', [s!.id], 'published.used.unavailable');

    copyFileSync(deepFile(s!), `${deepFile(s!)}.kept`);
    rmSync(deepFile(s!));
    const from = cluster.state.position + 1;
    await cluster.startHistorical('h1');
    await cluster.until('restart', [s!.id], 'published.used.available');
    const records = await cluster.log(from, ['ServerJoined', 'ReplicaLoaded', 'ReplicaAssigned']);
    expect(records.map((r) => [r.type, (r.data as { fromCache?: boolean }).fromCache])).toEqual([['ServerJoined', undefined], ['ReplicaLoaded', true]]);
    expect(await cluster.total('restart', '2024-01-01/2024-01-02')).toBe(6);
    copyFileSync(`${deepFile(s!)}.kept`, deepFile(s!));
  });

  it('after a crash and a quick restart, what the log already counts as served is served again, with nothing to say', async () => {
    const [s] = (await cluster.segments('restart'));
    await cluster.crashHistorical('h1');
    const from = cluster.state.position + 1;
    await cluster.startHistorical('h1');
    expect(cluster.historicals.get('h1')!.h.servedIds()).toEqual([s!.id]);
    expect((await cluster.log(from)).map((r) => r.type)).toEqual(['ServerJoined']);
    expect(await cluster.total('restart', '2024-01-01/2024-01-02')).toBe(6);
  });

  it('a cached file that no longer matches its checksum is thrown away and the segment loaded afresh from deep storage', async () => {
    const [row] = await cluster.segments('restart');
    const d = cluster.state.entity('segment', row!.id)!.context.descriptor!;
    await cluster.stopHistorical('h1');
    writeFileSync(cachedFile('h1', d), 'garbage');
    const from = cluster.state.position + 1;
    await cluster.startHistorical('h1');
    await cluster.until('restart', [d.id], 'published.used.available');
    const records = await cluster.log(from, ['ReplicaAssigned', 'ReplicaLoadStarted', 'ReplicaLoaded']);
    expect(records.map((r) => [r.type, (r.data as { fromCache?: boolean }).fromCache ?? false])).toEqual([
      ['ReplicaAssigned', false], ['ReplicaLoadStarted', false], ['ReplicaLoaded', false],
    ]);
    expect(await cluster.total('restart', '2024-01-01/2024-01-02')).toBe(6);
  });
});

describe('a load that fails is reported and tried again, and the segment never shows as available meanwhile', () => {
  it('a segment missing from deep storage fails to load, stays unavailable, and loads once its file is back', async () => {
    const [s] = await cluster.write('missing', dayRows('2024-02-01', 2, 1), { version: V1 });
    copyFileSync(deepFile(s!), `${deepFile(s!)}.kept`);
    rmSync(deepFile(s!));
    const from = cluster.state.position + 1;
    await cluster.publish([s!]);
    await expect.poll(async () => (await cluster.log(from, ['ReplicaLoadFailed'])).length).toBeGreaterThanOrEqual(2);
    const [failure] = await cluster.log(from, ['ReplicaLoadFailed']);
    expect((failure!.data as { reason: string }).reason).toContain('no such segment in deep storage');
    expect((await cluster.segments('missing'))[0]!.state).toBe('published.used.unavailable');
    expect(await cluster.total('missing', '2024-02-01/2024-02-02')).toBeNull();

    copyFileSync(`${deepFile(s!)}.kept`, deepFile(s!));
    await cluster.until('missing', [s!.id], 'published.used.available');
    const history = await cluster.log(from, ['ReplicaAssigned', 'ReplicaLoadFailed', 'ReplicaLoaded']);
    expect(history.map((r) => r.type).slice(0, 2)).toEqual(['ReplicaAssigned', 'ReplicaLoadFailed']);
    expect(history.at(-1)!.type).toBe('ReplicaLoaded');
    expect(await cluster.total('missing', '2024-02-01/2024-02-02')).toBe(2);
  });

  it('a segment no historical has room for waits, unavailable, until one with room joins', async () => {
    await cluster.startHistorical('small', '_default_tier', 10);
    await cluster.stopHistorical('h1');
    const [s] = await cluster.write('room', dayRows('2024-02-05', 2, 1), { version: V1 });
    await cluster.publish([s!]);
    await cluster.until('room', [s!.id], 'published.used.unavailable');
    await cluster.startHistorical('big');
    await cluster.until('room', [s!.id], 'published.used.available');
    expect((await cluster.segments('room'))[0]!.servers).toEqual(['big']);
  });
});

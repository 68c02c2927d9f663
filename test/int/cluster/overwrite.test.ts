import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInterval } from '../../../src/time/interval.ts';
import { dayRows, testCluster, type Row } from './support.ts';

const cluster = testCluster('cluster-overwrite', { dropGraceMs: 800 });

const V1 = '2024-03-01T00:00:00.000Z';
const V2 = '2024-03-02T00:00:00.000Z';
const V3 = '2024-03-03T00:00:00.000Z';

describe('segment versioning: an overwrite switches in whole, then the old version goes', () => {
  it('while a query loop runs without pause, every answer is the old total or the new total, never a mix, never empty', async () => {
    await cluster.startHistorical('h1');
    await cluster.startHistorical('h2');
    const old = await cluster.writeAndPublish('loop', dayRows('2024-01-01', 30, 10), { version: V1, maxRowsPerSegment: 10 });
    await cluster.until('loop', old.map((s) => s.id), 'published.used.available');
    expect(await cluster.total('loop', '2024-01-01/2024-01-02')).toBe(300);

    const fresh = await cluster.write('loop', dayRows('2024-01-01', 30, 20), { version: V2, maxRowsPerSegment: 2 });
    expect(fresh.length, 'the new version has many partitions, loaded one after another').toBe(15);
    const answers: Array<number | null> = [];
    let looping = true;
    const loop = (async () => {
      while (looping) answers.push(await cluster.total('loop', '2024-01-01/2024-01-02'));
    })();
    await cluster.publish(fresh);
    await cluster.until('loop', old.map((s) => s.id), 'published.unused.unavailable');
    await cluster.until('loop', fresh.map((s) => s.id), 'published.used.available');
    const afterSwitch = answers.length;
    await expect.poll(() => answers.length > afterSwitch + 5).toBe(true);
    looping = false;
    await loop;

    expect(new Set(answers)).toEqual(new Set([300, 600]));
    expect(answers.indexOf(300)).toBe(0);
    expect(answers.lastIndexOf(300)).toBeLessThan(answers.indexOf(600));
  });

  it('the old version is marked unused once the new one is served, and dropped only after the grace period', async () => {
    const [old] = await cluster.writeAndPublish('grace', dayRows('2024-01-05', 2, 1), { version: V1 });
    await cluster.until('grace', [old!.id], 'published.used.available');
    const from = cluster.state.position + 1;
    const [fresh] = await cluster.writeAndPublish('grace', dayRows('2024-01-05', 2, 2), { version: V2 });
    await cluster.until('grace', [old!.id], 'published.unused.unavailable');
    const records = await cluster.log(from, ['ReplicaLoaded', 'SegmentsMarkedUnused', 'ReplicaDropRequested', 'ReplicaDropped']);
    const loadedNew = records.find((r) => r.type === 'ReplicaLoaded' && (r.data as { segmentId: string }).segmentId === fresh!.id)!;
    const marked = records.find((r) => r.type === 'SegmentsMarkedUnused')!;
    const dropAsked = records.find((r) => r.type === 'ReplicaDropRequested')!;
    expect(marked.data).toEqual({ dataSource: 'grace', segmentIds: [old!.id], reason: 'overshadowed' });
    expect(marked.seq).toBeGreaterThan(loadedNew.seq);
    expect(dropAsked.data).toMatchObject({ segmentId: old!.id, reason: 'unused' });
    expect(dropAsked.at - marked.at).toBeGreaterThanOrEqual(800);
  });

  it('an overwrite that cannot be loaded whole never shows, and what it would replace stays used and queried', async () => {
    const old = await cluster.writeAndPublish('partial', dayRows('2024-01-07', 4, 1), { version: V1 });
    await cluster.until('partial', old.map((s) => s.id), 'published.used.available');
    const fresh = await cluster.write('partial', dayRows('2024-01-07', 4, 100), { version: V2, maxRowsPerSegment: 2 });
    writeFileSync(cluster.deep.pathOf({ ...fresh[1]!, interval: parseInterval(fresh[1]!.interval) }), 'not a segment');
    const from = cluster.state.position + 1;
    await cluster.publish(fresh);
    await cluster.until('partial', [fresh[0]!.id], 'published.used.available');
    await expect.poll(async () => (await cluster.log(from, ['ReplicaLoadFailed'])).length).toBeGreaterThanOrEqual(2);

    expect(await cluster.total('partial', '2024-01-07/2024-01-08')).toBe(4);
    expect((await cluster.segments('partial')).map((s) => [s.version, s.partitionNum, s.state])).toEqual([
      [V1, 0, 'published.used.available'],
      [V2, 0, 'published.used.available'],
      [V2, 1, 'published.used.unavailable'],
    ]);
    const failed = await cluster.log(from, ['ReplicaLoadFailed']);
    expect(new Set(failed.map((r) => (r.data as { serverId: string }).serverId)), 'the failed load was retried on the other historical').toEqual(new Set(['h1', 'h2']));
    expect((failed[0]!.data as { reason: string }).reason).toMatch(/index\.grove/);
  });
});

describe('updates as Druid does them', () => {
  const rowsOn = (days: string[], added: number): Row[] => days.flatMap((d) => dayRows(d, 3, added));
  const days = ['2024-02-01', '2024-02-02', '2024-02-03'];

  it('overwriting all of a datasource\'s intervals replaces every day', async () => {
    const old = await cluster.writeAndPublish('whole', rowsOn(days, 1), { version: V1 });
    await cluster.until('whole', old.map((s) => s.id), 'published.used.available');
    const fresh = await cluster.writeAndPublish('whole', rowsOn(days, 5), { version: V2 });
    await cluster.until('whole', old.map((s) => s.id), 'published.unused.unavailable');
    expect(await cluster.total('whole', '2024-02-01/2024-02-04')).toBe(45);
    expect((await cluster.segments('whole', { state: 'published.used' })).map((s) => s.id)).toEqual(fresh.map((s) => s.id));
  });

  it('overwriting one day leaves the other days untouched', async () => {
    const old = await cluster.writeAndPublish('oneday', rowsOn(days, 1), { version: V1 });
    await cluster.until('oneday', old.map((s) => s.id), 'published.used.available');
    const [fresh] = await cluster.writeAndPublish('oneday', rowsOn(['2024-02-02'], 7), { version: V2 });
    await cluster.until('oneday', [old[1]!.id], 'published.unused.unavailable');
    const daily = await cluster.query<Array<{ timestamp: string; result: { added: number } }>>({
      queryType: 'timeseries', dataSource: 'oneday', intervals: ['2024-02-01/2024-02-04'], granularity: 'day',
      aggregations: [{ type: 'longSum', name: 'added', fieldName: 'added' }],
    });
    expect(daily.map((d) => [d.timestamp.slice(0, 10), d.result.added])).toEqual([['2024-02-01', 3], ['2024-02-02', 21], ['2024-02-03', 3]]);
    expect((await cluster.segments('oneday', { state: 'published.used' })).map((s) => s.id)).toEqual([old[0]!.id, fresh!.id, old[2]!.id]);
  });

  it('an hour-granularity overwrite inside a day segment shows the new hour and the rest of the old day, nothing else (partial overshadowing)', async () => {
    const day: Row[] = [0, 5, 6, 7, 12].map((h) => ({ ts: `2024-02-10T${String(h).padStart(2, '0')}:30:00Z`, page: `old${h}`, added: 1 }));
    const [old] = await cluster.writeAndPublish('hourly', day, { version: V1 });
    await cluster.until('hourly', [old!.id], 'published.used.available');
    const hour: Row[] = [{ ts: '2024-02-10T06:10:00Z', page: 'new6a', added: 9 }, { ts: '2024-02-10T06:50:00Z', page: 'new6b', added: 9 }];
    const [fresh] = await cluster.writeAndPublish('hourly', hour, { version: V3, segmentGranularity: 'hour' });
    await cluster.until('hourly', [fresh!.id], 'published.used.available');

    const scan = await cluster.query<Array<{ segmentId: string; events: Array<{ page: string }> }>>({
      queryType: 'scan', dataSource: 'hourly', intervals: ['2024-02-10/2024-02-11'], columns: ['__time', 'page'], order: 'ascending',
    });
    expect(scan.flatMap((b) => b.events.map((e) => e.page))).toEqual(['old0', 'old5', 'new6a', 'new6b', 'old7', 'old12']);
    expect((await cluster.segments('hourly')).map((s) => s.state), 'the day segment is only partly overshadowed: it stays used').toEqual(['published.used.available', 'published.used.available']);
  });
});

import { describe, expect, it } from 'vitest';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import { rejectionOf } from '../../support/bus.ts';
import { DAY, dayRows, testCluster } from './support.ts';

const cluster = testCluster('cluster-rules');

const V1 = '2024-03-01T00:00:00.000Z';
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const today = Math.floor(Date.now() / DAY) * DAY;

const setRules = (dataSource: string, rules: unknown, comment?: string) =>
  request(cluster.clientNc, API.rulesSet, { dataSource, rules, ...(comment ? { comment } : {}) });

const serversOf = async (dataSource: string): Promise<string[][]> => (await cluster.segments(dataSource)).map((s) => s.servers);

describe('retention rules, in Druid\'s JSON, decide what is loaded where', () => {
  it('loadByPeriod then dropForever keeps only recent segments loaded; older ones are marked unused and never loaded', async () => {
    await cluster.startHistorical('d1');
    await setRules('ret', [{ type: 'loadByPeriod', period: 'P7D', tieredReplicants: { _default_tier: 1 } }, { type: 'dropForever' }]);
    const from = cluster.state.position + 1;
    const [recent] = await cluster.writeAndPublish('ret', dayRows(isoDay(today - DAY), 2, 1), { version: V1 });
    const [old] = await cluster.writeAndPublish('ret', dayRows(isoDay(today - 30 * DAY), 2, 1), { version: V1 });
    await cluster.until('ret', [old!.id], 'published.unused.unavailable');
    await cluster.until('ret', [recent!.id], 'published.used.available');
    const decisions = await cluster.log(from, ['SegmentsMarkedUnused', 'ReplicaAssigned']);
    expect(decisions.map((r) => r.data)).toHaveLength(2);
    expect(decisions.map((r) => r.data)).toEqual(expect.arrayContaining([
      { dataSource: 'ret', segmentId: recent!.id, serverId: 'd1', tier: '_default_tier', reason: 'rule' },
      { dataSource: 'ret', segmentIds: [old!.id], reason: 'rule' },
    ]));
  });

  it('a dropForever set later drops what was loaded: the segments become unused and leave the historicals', async () => {
    const [s] = await cluster.writeAndPublish('later', dayRows('2023-06-01', 2, 1), { version: V1 });
    await cluster.until('later', [s!.id], 'published.used.available');
    await setRules('later', [{ type: 'dropForever' }]);
    await cluster.until('later', [s!.id], 'published.unused.unavailable');
    expect(await cluster.total('later', '2023-06-01/2023-06-02')).toBeNull();
  });

  it('each tier gets the replica count its rule names, and a tier the rules no longer name is emptied', async () => {
    await cluster.startHistorical('hot1', 'hot');
    await cluster.startHistorical('hot2', 'hot');
    await cluster.startHistorical('cold1', 'cold');
    await setRules('tiers', [{ type: 'loadForever', tieredReplicants: { hot: 2, cold: 1 } }]);
    const segs = await cluster.writeAndPublish('tiers', [...dayRows('2024-01-01', 2, 1), ...dayRows('2024-01-02', 2, 1)], { version: V1 });
    await expect.poll(() => serversOf('tiers')).toEqual([['cold1', 'hot1', 'hot2'], ['cold1', 'hot1', 'hot2']]);

    await setRules('tiers', [{ type: 'loadForever', tieredReplicants: { hot: 1 } }]);
    await expect.poll(async () => (await serversOf('tiers')).map((s) => s.length)).toEqual([1, 1]);
    const placed = (await serversOf('tiers')).flat();
    expect(placed.every((s) => s.startsWith('hot')), `on ${placed.join(', ')}`).toBe(true);
    expect(new Set(placed).size, 'the two segments went to different servers of the tier').toBe(2);
    expect(await cluster.total('tiers', '2024-01-01/2024-01-03')).toBe(4);
    await cluster.until('tiers', segs.map((s) => s.id), 'published.used.available');
  });

  it('killing a historical gets its segments re-replicated on the servers left', async () => {
    await cluster.startHistorical('hot3', 'hot');
    await setRules('tiers', [{ type: 'loadForever', tieredReplicants: { hot: 2 } }]);
    await expect.poll(async () => (await serversOf('tiers')).map((s) => s.length)).toEqual([2, 2]);
    const victim = (await serversOf('tiers'))[0]![0]!;
    const from = cluster.state.position + 1;
    await cluster.crashHistorical(victim);
    await expect.poll(async () => (await serversOf('tiers')).every((s) => s.length === 2 && !s.includes(victim)), { timeout: 15_000 }).toBe(true);
    const records = await cluster.log(from, ['ServerLeft', 'ReplicaAssigned']);
    expect(records[0]).toMatchObject({ type: 'ServerLeft', data: { serverId: victim }, meta: { actor: 'coordinator:c' } });
    expect(records.slice(1).map((r) => (r.data as { reason: string }).reason)).toContain('rereplicate');
    expect(await cluster.total('tiers', '2024-01-01/2024-01-03')).toBe(4);
  });
});

describe('the rules API', () => {
  it('stores rules in Druid\'s printed form, with their history, newest first', async () => {
    await setRules('api', [{ type: 'loadByInterval', interval: '2020-01-01/2021-01-01' }], 'first');
    await setRules('api', [{ type: 'loadForever', tieredReplicants: { hot: 1 } }], 'second');
    expect(await request(cluster.clientNc, API.rulesGet, { dataSource: 'api' })).toEqual([{ type: 'loadForever', tieredReplicants: { hot: 1 }, useDefaultTierForNull: true }]);
    expect(await request(cluster.clientNc, API.rulesGet, { dataSource: 'api', full: true })).toEqual([
      { type: 'loadForever', tieredReplicants: { hot: 1 }, useDefaultTierForNull: true },
      { type: 'loadForever', tieredReplicants: { _default_tier: 2 } },
    ]);
    const history = await request<Array<{ comment: string; rules: Array<{ type: string; interval?: string }> }>>(cluster.clientNc, API.rulesHistory, { dataSource: 'api' });
    expect(history.map((h) => h.comment)).toEqual(['second', 'first']);
    expect(history[1]!.rules[0]!.interval).toBe('2020-01-01T00:00:00.000Z/2021-01-01T00:00:00.000Z');
    expect(await request(cluster.clientNc, API.rulesGet, { dataSource: 'nothing-set' })).toEqual([]);
  });

  it('refuses a bad rule list, naming every bad field, and appends nothing', async () => {
    const before = cluster.state.position;
    const e = await rejectionOf(setRules('api', [{ type: 'loadByPeriod', period: 'P1Q' }, { type: 'dropSometimes' }, { type: 'loadForever', tieredReplicants: { hot: -1 } }]));
    expect(e.code).toBe('invalid_spec');
    expect((e.details as Array<{ path: string }>).map((d) => d.path)).toEqual(['rules[0].period', 'rules[1].type', 'rules[2].tieredReplicants.hot']);
    const hidden = await rejectionOf(setRules('api', [{ type: 'dropForever' }, { type: 'loadForever' }]));
    expect(hidden.details).toEqual([{ path: 'rules[1]', reason: expect.stringContaining('can never apply') }]);
    const malformed = await rejectionOf(request(cluster.clientNc, API.rulesSet, { rules: [] }));
    expect(malformed.code).toBe('bad_request');
    expect(malformed.message).toContain('dataSource');
    expect(cluster.state.position).toBe(before);
  });

  it('_default sets the cluster default rules that follow every datasource\'s own', async () => {
    await setRules('_default', [{ type: 'loadForever', tieredReplicants: { cold: 1 } }]);
    expect(await request(cluster.clientNc, API.rulesGet, { dataSource: '_default' })).toEqual([{ type: 'loadForever', tieredReplicants: { cold: 1 }, useDefaultTierForNull: true }]);
    const [s] = await cluster.writeAndPublish('defaulted', dayRows('2024-05-01', 1, 1), { version: V1 });
    await expect.poll(() => serversOf('defaulted')).toEqual([['cold1']]);
    await cluster.until('defaulted', [s!.id], 'published.used.available');
  });
});

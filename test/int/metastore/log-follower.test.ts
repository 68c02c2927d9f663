import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { encode } from '@msgpack/msgpack';
import { Metastore } from '../../../actors/metastore/metastore.ts';
import { request } from '../../../src/bus/client.ts';
import { INTERNAL } from '../../../src/bus/subjects.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { LogFollower } from '../../../src/projections/log-follower.ts';
import { connectAs, ownNatsServer } from '../../support/bus.ts';
import { tempDir } from '../../support/temp-dir.ts';

const nats = ownNatsServer();
const dir = tempDir('follower');
let nc: NatsConnection;
let metastore: Metastore;
let state: ClusterState;

beforeAll(async () => {
  nc = await connectAs('actor', nats.url());
  state = new ClusterState();
  metastore = await Metastore.start({ nc, id: 'm-follow', path: join(dir, 'metadata'), state });
});
afterAll(async () => {
  await metastore.stop();
  await nc.close();
});

const joined = (i: number) => ({ type: 'ServerJoined', data: { serverId: `h${i}`, kind: 'historical', tier: i % 2 ? 'hot' : '_default_tier', capacity: i } });
const append = (events: unknown[]) => request(nc, INTERNAL.metaAppend, { events, meta: { actor: 'test' } });

describe('a follower in another process', () => {
  it('starts from the metastore snapshot, catches up, and follows the live feed to the same state', async () => {
    for (let i = 0; i < 40; i++) await append([joined(i)]);
    const follower = new LogFollower(await connectAs('actor', nats.url()), new ClusterState(), { checkEveryMs: 100 });
    await follower.start();
    const mirror = follower.projection as ClusterState;
    expect(mirror.position).toBe(state.position);
    await Promise.all(Array.from({ length: 60 }, (_, i) => append([joined(100 + i), { type: 'ServerLeft', data: { serverId: `h${100 + i}`, reason: 'test' } }])));
    await expect.poll(() => mirror.position, { timeout: 5000 }).toBe(state.position);
    expect(mirror.save()).toEqual(state.save());
    follower.stop();
  });

  it('applies each record once and in order, whatever repeats or runs ahead on the feed', async () => {
    const conn = await connectAs('actor', nats.url());
    const mirror = new ClusterState();
    const follower = new LogFollower(conn, mirror, { checkEveryMs: 60_000 });
    await follower.start();
    const applied: number[] = [];
    follower.onRecord((r) => applied.push(r.seq));
    const from = state.position;
    const [last] = await request<Array<{ seq: number }>>(nc, 'grove.api.log.read', { from, limit: 1 });
    // A stale repeat and a record from the future (say, from a restarted publisher) on the feed.
    nc.publish('grove.event.server.ServerJoined', encode(last));
    nc.publish('grove.event.server.ServerJoined', encode({ ...last, seq: from + 3, data: { serverId: 'forged', kind: 'historical', tier: 'x', capacity: 1 } }));
    await append([joined(500)]);
    await append([joined(501)]);
    await append([joined(502)]);
    await expect.poll(() => mirror.position, { timeout: 5000 }).toBe(state.position);
    expect(applied).toEqual([from + 1, from + 2, from + 3]);
    expect(mirror.servers.has('forged')).toBe(false);
    expect(mirror.save()).toEqual(state.save());
    follower.stop();
    await conn.close();
  });

  it('applies every record of one append from the live feed, without waiting for its periodic head check', async () => {
    const conn = await connectAs('actor', nats.url());
    const mirror = new ClusterState();
    const follower = new LogFollower(conn, mirror, { checkEveryMs: 60_000 });
    await follower.start();
    await append([joined(600), joined(601), joined(602)]);
    await expect.poll(() => mirror.position, { timeout: 1000, interval: 20 }).toBe(state.position);
    follower.stop();
    await conn.close();
  });
});

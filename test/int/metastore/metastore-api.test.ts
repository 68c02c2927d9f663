import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { decode, encode } from '@msgpack/msgpack';
import { Packr } from 'msgpackr';
import { Metastore, type MetaState } from '../../../actors/metastore/metastore.ts';
import { request } from '../../../src/bus/client.ts';
import { isGroveError } from '../../../src/bus/errors.ts';
import { API, INTERNAL } from '../../../src/bus/subjects.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { connectAs, ownNatsServer, rejectionOf } from '../../support/bus.ts';
import { tempDir } from '../../support/temp-dir.ts';

/** Counts what it admits; refuses nothing. Enough to exercise the bus and the log. */
class CountingState implements MetaState {
  readonly name = 'counting';
  readonly version = 1;
  seq = 0;
  apply(r: LogRecord): void { if (r.seq > this.seq) this.seq = r.seq; }
  admit(records: LogRecord[]): void { for (const r of records) this.apply(r); }
  snapshot(): number { return this.seq; }
  restore(s: number): void { this.seq = s; }
}

const nats = ownNatsServer();
const dir = tempDir('metastore-api');
let actorNc: NatsConnection;
let clientNc: NatsConnection;
let metastore: Metastore;

beforeAll(async () => {
  actorNc = await connectAs('actor', nats.url());
  clientNc = await connectAs('client', nats.url());
  metastore = await Metastore.start({ nc: actorNc, id: 'm-api', path: join(dir, 'metadata'), state: new CountingState() });
});
afterAll(async () => {
  await metastore.stop();
  await clientNc.close();
  await actorNc.close();
});

const server = { type: 'ServerJoined', data: { serverId: 'h1', kind: 'historical', tier: '_default_tier', capacity: 100 } };

describe('the metastore over NATS', () => {
  it('appends through grove.meta.append and serves the records on grove.api.log.read', async () => {
    const before = metastore.log.lastSeq;
    const res = await request<{ firstSeq: number; lastSeq: number }>(actorNc, INTERNAL.metaAppend, { events: [server, { type: 'ServerLeft', data: { serverId: 'h1', reason: 'test' } }], meta: { actor: 'test' } });
    expect(res).toEqual({ firstSeq: before + 1, lastSeq: before + 2 });
    const records = await request<LogRecord[]>(clientNc, API.logRead, { from: before + 1 });
    expect(records.map((r) => r.type)).toEqual(['ServerJoined', 'ServerLeft']);
    expect(records[0]!.meta.actor).toBe('test');
    expect(records[0]!.meta.correlationId).toBe(records[1]!.meta.correlationId);
    const byEntity = await request<LogRecord[]>(clientNc, API.logRead, { aggregate: 'server:h1' });
    expect(byEntity.length).toBeGreaterThanOrEqual(2);
    const byAggregate = await request<LogRecord[]>(clientNc, API.logRead, { aggregate: 'server', type: 'ServerLeft' });
    expect(byAggregate.every((r) => r.type === 'ServerLeft')).toBe(true);
  });

  it('publishes every committed event on grove.event.<aggregate>.<type>', async () => {
    const viewer = await connectAs('viewer', nats.url());
    const sub = viewer.subscribe('grove.event.server.>', { max: 1 });
    await viewer.flush();
    await request(actorNc, INTERNAL.metaAppend, { events: [server], meta: { actor: 'test' } });
    for await (const msg of sub) expect(msg.subject).toBe('grove.event.server.ServerJoined');
    await viewer.close();
  });

  it('answers a JSON request in JSON, as the stock nats CLI sends it', async () => {
    const msg = await clientNc.request(API.logRead, new TextEncoder().encode('{"limit": 1}'), { timeout: 5000 });
    const body = JSON.parse(new TextDecoder().decode(msg.data));
    expect(body.ok).toBe(true);
    expect(body.result).toHaveLength(1);
    expect(msg.headers?.get('Content-Type')).toBe('application/json');
  });

  it('long-polls grove.api.log.tail until the next commit', async () => {
    const from = metastore.log.lastSeq + 1;
    const tail = request<{ records: LogRecord[] }>(clientNc, API.logTail, { from, waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 50));
    await request(actorNc, INTERNAL.metaAppend, { events: [server], meta: { actor: 'test' } });
    const res = await tail;
    expect(res.records.map((r) => r.seq)).toEqual([from]);
  });

  it('lists itself on the NATS services API ($SRV.PING, $SRV.INFO, $SRV.STATS)', async () => {
    const pings = await clientNc.services.client().ping('metastore');
    const ids: string[] = [];
    for await (const p of pings) ids.push(p.metadata?.id ?? '');
    expect(ids).toContain('m-api');
    const infos = await clientNc.services.client().info('metastore');
    for await (const i of infos) if (i.metadata?.id === 'm-api') expect(i.endpoints.map((e) => e.subject)).toContain(INTERNAL.metaAppend);
    const stats = await clientNc.services.client().stats('metastore');
    let seen = false;
    for await (const s of stats) if (s.metadata?.id === 'm-api') seen = (s.endpoints ?? []).some((e) => e.num_requests > 0);
    expect(seen).toBe(true);
  });
});

describe('malformed requests', () => {
  const garbage: Array<[string, Uint8Array]> = [
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256)],
    ['truncated msgpack', encode({ events: [server], meta: { actor: 'x' } }).slice(0, 20)],
    ['broken JSON', new TextEncoder().encode('{"events": [')],
  ];

  it.each(garbage)('%s on every metastore subject get a clear error and change nothing', async (_name, bytes) => {
    const before = metastore.log.lastSeq;
    for (const subject of [INTERNAL.metaAppend, API.logRead, API.logTail]) {
      const msg = await actorNc.request(subject, bytes, { timeout: 5000 });
      const text = new TextDecoder().decode(msg.data);
      const body = text.startsWith('{') ? JSON.parse(text) : (await import('@msgpack/msgpack')).decode(msg.data);
      expect(body.ok, subject).toBe(false);
      expect(body.error.code).toBe('bad_request');
      expect(body.error.message).toMatch(/not valid|malformed/);
    }
    expect(metastore.log.lastSeq).toBe(before);
  });

  it('refuses events of wrong shape, naming each bad field, and appends none of the batch', async () => {
    const before = metastore.log.lastSeq;
    const bad = { events: [server, { type: 'SegmentsPublished', data: { dataSource: 'w', taskId: 't', segments: [{ id: 's' }] } }, { type: 'NoSuchThing', data: {} }], meta: { actor: 'test' } };
    const err = await rejectionOf(request(actorNc, INTERNAL.metaAppend, bad));
    expect(isGroveError(err, 'bad_request')).toBe(true);
    const paths = (err.details as Array<{ path: string }>).map((d) => d.path);
    expect(paths).toContain('events[1].data.segments[0].interval');
    expect(paths).toContain('events[2].type');
    expect(metastore.log.lastSeq).toBe(before);
  });

  it("stores each event's data as its writer encoded it, not encoded again", async () => {
    // msgpackr writes a map's header in 16 bits where @msgpack/msgpack would use one byte.
    const data = new Packr({ useRecords: false }).pack(server.data);
    const body = Uint8Array.of(0x82, ...encode('events'), 0x91, 0x82, ...encode('type'), ...encode(server.type), ...encode('data'), ...data, ...encode('meta'), ...encode({ actor: 'test' }));
    const reply = decode((await actorNc.request(INTERNAL.metaAppend, body, { timeout: 5000 })).data) as { ok: boolean; result: { lastSeq: number } };
    expect(reply.ok).toBe(true);
    const [stored] = [...metastore.log.scanBytes(reply.result.lastSeq, reply.result.lastSeq)];
    expect(Buffer.from(stored!.bytes).indexOf(data)).toBeGreaterThan(0);
    expect(stored!.record.data).toStrictEqual(server.data);
  });

  it('stores the data an event decodes to when its bytes hold two of them (the last one counts, as in JSON)', async () => {
    const first = { ...server.data, serverId: 'first' };
    const last = { ...server.data, serverId: 'last' };
    const event = [0x83, ...encode('type'), ...encode(server.type), ...encode('data'), ...encode(first), ...encode('data'), ...encode(last)];
    const body = Uint8Array.of(0x82, ...encode('events'), 0x91, ...event, ...encode('meta'), ...encode({ actor: 'test' }));
    const reply = decode((await actorNc.request(INTERNAL.metaAppend, body, { timeout: 5000 })).data) as { ok: boolean; result: { lastSeq: number } };
    expect(reply.ok).toBe(true);
    const [record] = await request<LogRecord[]>(clientNc, API.logRead, { from: reply.result.lastSeq, limit: 1 });
    expect(record!.data).toStrictEqual(last);
  });

  it('answers an unknown grove.api subject with not_found', async () => {
    const err = await rejectionOf(request(clientNc, 'grove.api.nothing.here', {}));
    expect(isGroveError(err, 'not_found')).toBe(true);
    expect(err.message).toContain('grove.api.nothing.here');
  });

  it('says which field of a read request is wrong', async () => {
    const err = await rejectionOf(request(clientNc, API.logRead, { from: -1, bogus: true }));
    expect(isGroveError(err, 'bad_request')).toBe(true);
    expect(err.message).toMatch(/from/);
  });

  it('gives a clear timeout error when nobody answers in time, and says when nobody listens', async () => {
    const silent = actorNc.subscribe('grove.test.silent');
    const late = await rejectionOf(request(actorNc, 'grove.test.silent', {}, { timeoutMs: 200 }));
    expect(isGroveError(late, 'timeout')).toBe(true);
    expect(late.message).toBe('no reply on grove.test.silent within 200 ms');
    silent.unsubscribe();
    const noOne = await rejectionOf(request(actorNc, 'grove.test.nobody', {}, { timeoutMs: 2000 }));
    expect(isGroveError(noOne, 'unavailable')).toBe(true);
    expect(noOne.message).toContain('no actor answers on grove.test.nobody');
  });
});

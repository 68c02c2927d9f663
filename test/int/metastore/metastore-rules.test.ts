import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { Metastore } from '../../../actors/metastore/metastore.ts';
import { request } from '../../../src/bus/client.ts';
import { isGroveError } from '../../../src/bus/errors.ts';
import { INTERNAL } from '../../../src/bus/subjects.ts';
import { refoldAndCompare } from '../../../src/log/projection.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { connectAs, ownNatsServer, rejectionOf } from '../../support/bus.ts';
import { tempDir } from '../../support/temp-dir.ts';

const nats = ownNatsServer();
const dir = tempDir('metastore-rules');
let nc: NatsConnection;
let metastore: Metastore;
let state: ClusterState;

beforeAll(async () => {
  nc = await connectAs('actor', nats.url());
  state = new ClusterState();
  metastore = await Metastore.start({ nc, id: 'm-rules', path: join(dir, 'metadata'), state });
});
afterAll(async () => {
  await metastore.stop();
  await nc.close();
});

const append = (events: unknown[], expect?: unknown[]) => request<{ firstSeq: number; lastSeq: number }>(nc, INTERNAL.metaAppend, { events, expect, meta: { actor: 'test' } });
const segment = (id: string, partitionNum = 0) => ({
  id, dataSource: 'wiki', interval: '2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z', version: 'v1', partitionNum,
  shardSpec: { type: 'numbered', partitionNum, partitions: 1 }, dimensions: ['page'], metrics: ['count'], rows: 10, size: 100,
  loadSpec: { type: 'local', path: `wiki/${id}` }, checksum: 'abc',
});
const published = (ids: string[], commit?: unknown) => ({ type: 'SegmentsPublished', data: { dataSource: 'wiki', taskId: 't1', segments: ids.map((id) => segment(id)), ...(commit ? { commit } : {}) } });

describe('the metastore judges every command against the machines and the expectations', () => {
  it('folds a published segment into published.used.unavailable, then available once a replica loads', async () => {
    await append([published(['s1'])]);
    expect(state.stateOf('segment', 's1')).toBe('published.used.unavailable');
    await append([{ type: 'ReplicaLoaded', data: { dataSource: 'wiki', segmentId: 's1', serverId: 'h1' } }]);
    expect(state.stateOf('segment', 's1')).toBe('published.used.available');
    expect(state.stateOf('replica', 's1@h1')).toBe('loaded');
  });

  it('refuses to publish a published segment again, and appends nothing of the batch', async () => {
    const before = metastore.log.lastSeq;
    const err = await rejectionOf(append([published(['s2']), published(['s1'])]));
    expect(isGroveError(err, 'conflict')).toBe(true);
    expect(err.message).toMatch(/event 1 \(SegmentsPublished\) is not legal: segment s1 in state published\.used\.available cannot take SegmentsPublished/);
    expect(metastore.log.lastSeq).toBe(before);
    expect(state.stateOf('segment', 's2')).toBe('absent');
  });

  it('appends only when the expected states hold, and says which expectation failed', async () => {
    const err = await rejectionOf(append([{ type: 'SegmentsMarkedUnused', data: { dataSource: 'wiki', segmentIds: ['s1'], reason: 'manual' } }], [{ type: 'state', kind: 'segment', id: 's1', in: ['published.used.unavailable'] }]));
    expect(isGroveError(err, 'conflict')).toBe(true);
    expect(err.message).toContain('segment s1 is published.used.available, expected published.used.unavailable');
    await append([{ type: 'SegmentsMarkedUnused', data: { dataSource: 'wiki', segmentIds: ['s1'], reason: 'manual' } }], [{ type: 'state', kind: 'segment', id: 's1', in: ['published.used.available'] }]);
    expect(state.stateOf('segment', 's1')).toBe('published.unused.available');
  });

  it('commits stream offsets with segments only when the committed ones are what the writer expected', async () => {
    const commit = { stream: 'events', start: { '0': 0 }, end: { '0': 100 } };
    await append([published(['s3'], commit)], [{ type: 'offsets', dataSource: 'wiki', stream: 'events', equals: null }]);
    expect(state.committedOffsets('wiki', 'events')).toEqual({ '0': 100 });
    const stale = await rejectionOf(append([published(['s4'], { ...commit, end: { '0': 150 } })], [{ type: 'offsets', dataSource: 'wiki', stream: 'events', equals: { '0': 0 } }]));
    expect(isGroveError(stale, 'conflict')).toBe(true);
    expect(stale.message).toContain('committed offsets of wiki/events are {"0":100}');
    expect(state.stateOf('segment', 's4')).toBe('absent');
  });

  it('checks optimistic entity versions in the log', async () => {
    const seq = metastore.log.lastSeqOf('segment:s1');
    const err = await rejectionOf(append([{ type: 'SegmentsMarkedUsed', data: { dataSource: 'wiki', segmentIds: ['s1'], reason: 'manual' } }], [{ type: 'entitySeq', key: 'segment:s1', seq: seq - 1 }]));
    expect(isGroveError(err, 'conflict')).toBe(true);
    await append([{ type: 'SegmentsMarkedUsed', data: { dataSource: 'wiki', segmentIds: ['s1'], reason: 'manual' } }], [{ type: 'entitySeq', key: 'segment:s1', seq }]);
    expect(state.stateOf('segment', 's1')).toBe('published.used.available');
  });

  it('leaves a live state equal to a refold of the log', () => {
    expect(refoldAndCompare(metastore.log, [state], [new ClusterState()], state.position)).toEqual([]);
  });
});

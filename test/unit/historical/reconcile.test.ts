import { describe, expect, it } from 'vitest';
import type { SegmentDescriptor } from '../../../machines/segment/events.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { ownReplicas, reconcile } from '../../../src/historical/reconcile.ts';

const d = (id: string): SegmentDescriptor => ({
  id, dataSource: 'wiki', interval: '2024-01-01/2024-01-02', version: 'v1', partitionNum: 0, shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 },
  dimensions: [], metrics: [], rows: 1, size: 1, loadSpec: { type: 'local', path: id }, checksum: 'c',
});

let seq = 0;
const rec = (type: string, segmentId: string, serverId = 'h1', more: object = {}): LogRecord =>
  ({ seq: ++seq, at: seq, type, data: { dataSource: 'wiki', segmentId, serverId, ...more }, meta: { actor: 't', correlationId: 'c', causationId: null } });

describe('what a historical\'s own facts say of its replicas', () => {
  it('folds them through the replica machine, ignoring other servers\' facts', () => {
    const log = ownReplicas('h1', [
      rec('ReplicaAssigned', 'a', 'h1', { tier: 't', reason: 'rule' }), rec('ReplicaLoadStarted', 'a'), rec('ReplicaLoaded', 'a'),
      rec('ReplicaAssigned', 'b', 'h1', { tier: 't', reason: 'rule' }), rec('ReplicaLoadStarted', 'b'),
      rec('ReplicaAssigned', 'c', 'h1', { tier: 't', reason: 'rule' }), rec('ReplicaLoadFailed', 'c', 'h1', { reason: 'x' }),
      rec('ReplicaLoaded', 'z', 'h2'),
      { seq: ++seq, at: seq, type: 'ServerJoined', data: { serverId: 'h1', kind: 'historical', tier: 't', capacity: 1 }, meta: { actor: 't', correlationId: 'c', causationId: null } },
    ]);
    expect([...log].map(([id, r]) => `${id}:${r.state}`)).toEqual(['a:loaded', 'b:loading', 'c:failed']);
  });
});

describe('a restart reconciles the cache with the log', () => {
  const log = new Map(Object.entries({ kept: 'loaded', lost: 'loaded', half: 'loading', gone: 'dropped', bad: 'failed', leaving: 'dropping', away: 'dropping' })
    .map(([id, state]) => [id, { dataSource: 'wiki', state }]));
  const cached = ['kept', 'half', 'gone', 'bad', 'leaving', 'new'].map(d);
  const r = reconcile('h1', log, cached);

  it('serves without a word what the log already counts as served here', () => {
    expect(r.keep.map((x) => x.id)).toEqual(['kept']);
  });

  it('re-announces what it holds that the log does not count as served here', () => {
    expect(r.announce.map((x) => x.id)).toEqual(['half', 'gone', 'new']);
  });

  it('throws away what failed or was being dropped, and drops what the cache lost', () => {
    expect(r.discard.map((x) => x.id)).toEqual(['bad', 'leaving']);
    expect(r.drops.map((e) => (e.data as { segmentId: string }).segmentId).sort()).toEqual(['away', 'leaving', 'lost']);
  });
});

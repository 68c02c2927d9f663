import { describe, expect, it } from 'vitest';
import type { Served } from '../../../src/broker/broker-timeline.ts';
import { assignServers, segmentsToQuery, type SegmentWork } from '../../../src/broker/fan-out.ts';
import { formatInterval, parseInterval } from '../../../src/time/interval.ts';
import { VersionedTimeline } from '../../../src/timeline/index.ts';

function timeline(...segments: Array<[interval: string, version: string, partitionNum: number, core: number, servers: string[]]>) {
  const t = new VersionedTimeline<Served>();
  for (const [interval, version, partitionNum, core, servers] of segments) {
    t.add({ id: `${interval}_${version}_${partitionNum}`, interval: parseInterval(interval), version, partitionNum, corePartitions: core, payload: { servers } });
  }
  return t;
}

const short = (w: SegmentWork) => `${w.id} @ ${formatInterval(w.clip).replaceAll(':00:00.000Z', '').replaceAll('T00', '')}`;

describe('what a query reads', () => {
  it('every partition of the highest complete version, each clipped to where it is visible', () => {
    const t = timeline(
      ['2024-01-01/2024-01-02', 'v1', 0, 1, ['h1']],
      ['2024-01-01T06:00/2024-01-01T07:00', 'v2', 0, 2, ['h2']],
      ['2024-01-01T06:00/2024-01-01T07:00', 'v2', 1, 2, ['h2']],
      ['2024-01-01T12:00/2024-01-01T13:00', 'v3', 0, 2, ['h2']],
    );
    expect(segmentsToQuery(t, [parseInterval('2024-01-01/2024-01-02')]).map(short)).toEqual([
      '2024-01-01/2024-01-02_v1_0 @ 2024-01-01/2024-01-01T06',
      '2024-01-01T06:00/2024-01-01T07:00_v2_0 @ 2024-01-01T06/2024-01-01T07',
      '2024-01-01T06:00/2024-01-01T07:00_v2_1 @ 2024-01-01T06/2024-01-01T07',
      '2024-01-01/2024-01-02_v1_0 @ 2024-01-01T07/2024-01-02',
    ]);
  });

  it('nothing for a datasource with no timeline', () => {
    expect(segmentsToQuery(undefined, [parseInterval('2024/2025')])).toEqual([]);
  });
});

describe('which server is asked for what', () => {
  const work = (id: string, servers: string[]): SegmentWork => ({ id, clip: parseInterval('2024/2025'), servers });
  const historicalsFirst = (s: string) => (s.startsWith('task') ? 1 : 0);

  it('spreads segments over their replicas', () => {
    const a = assignServers([work('a', ['h1', 'h2']), work('b', ['h1', 'h2']), work('c', ['h1', 'h2']), work('d', ['h1', 'h2'])], () => false, historicalsFirst);
    expect([...a.byServer].map(([s, w]) => [s, w.length])).toEqual([['h1', 2], ['h2', 2]]);
  });

  it('asks historicals before the realtime task that also serves a segment', () => {
    const a = assignServers([work('a', ['task1', 'h1'])], () => false, historicalsFirst);
    expect([...a.byServer.keys()]).toEqual(['h1']);
  });

  it('never asks a server twice for the same work, and strands work with no server left', () => {
    const w = [work('a', ['h1', 'h2']), work('b', ['h1'])];
    const tried = new Set(['a@h1', 'b@h1']);
    const a = assignServers(w, (x, s) => tried.has(`${x.id}@${s}`), historicalsFirst);
    expect([...a.byServer].map(([s, ws]) => [s, ws.map((x) => x.id)])).toEqual([['h2', ['a']]]);
    expect(a.stranded.map((x) => x.id)).toEqual(['b']);
  });
});

describe('the broker\'s timeline follows the cluster state', () => {
  it('a segment whose version overlaps itself is left out, and the fold goes on', async () => {
    const { ClusterState } = await import('../../../src/projections/cluster-state.ts');
    const { BrokerTimelines } = await import('../../../src/broker/broker-timeline.ts');
    const state = new ClusterState();
    const timelines = new BrokerTimelines(state);
    const seg = (interval: string, id: string) => ({
      id, dataSource: 'wiki', interval, version: 'v1', partitionNum: 0, shardSpec: { type: 'numbered' as const, partitionNum: 0, partitions: 1 },
      dimensions: [], metrics: [], rows: 1, size: 1, loadSpec: { type: 'local' as const, path: id }, checksum: 'c',
    });
    let seq = 0;
    const fact = (type: string, data: object) => state.apply({ seq: ++seq, at: seq, type, data, meta: { actor: 't', correlationId: 'c', causationId: null } });
    fact('ServerJoined', { serverId: 'h1', kind: 'historical', tier: 't', capacity: 1 });
    fact('SegmentsPublished', { dataSource: 'wiki', taskId: 't', segments: [seg('2024-01-01/2024-01-02', 'a'), seg('2024-01-01T12:00/2024-01-03', 'b')] });
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      for (const id of ['a', 'b']) fact('ReplicaLoaded', { dataSource: 'wiki', segmentId: id, serverId: 'h1' });
    } finally {
      console.error = original;
    }
    expect(state.position).toBe(4);
    expect(timelines.timelineOf('wiki')!.get('a')).toBeDefined();
    expect(timelines.timelineOf('wiki')!.get('b')).toBeUndefined();
    expect(errors.join('\n')).toContain('segment b is left out of the timeline');
  });
});

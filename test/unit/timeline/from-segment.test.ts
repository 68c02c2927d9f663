import { describe, expect, it } from 'vitest';
import { parseInterval } from '../../../src/time/interval.ts';
import { timelineEntryOf } from '../../../src/timeline/from-segment.ts';
import { VersionedTimeline } from '../../../src/timeline/versioned-timeline.ts';

describe('segments as timeline entries', () => {
  it('takes the interval from its ISO text and the core set size from the shard spec', () => {
    const entry = timelineEntryOf({
      id: 'wiki_2020-01-01T00:00:00.000Z_2020-01-02T00:00:00.000Z_v1_1',
      interval: '2020-01-01T00:00:00.000Z/2020-01-02T00:00:00.000Z',
      version: 'v1',
      partitionNum: 1,
      shardSpec: { type: 'hashed', partitionNum: 1, partitions: 2, partitionDimensions: ['page'], numBuckets: 2, bucketId: 1 },
    }, ['historical-1']);
    expect(entry).toEqual({
      id: 'wiki_2020-01-01T00:00:00.000Z_2020-01-02T00:00:00.000Z_v1_1',
      interval: parseInterval('2020-01-01/2020-01-02'),
      version: 'v1',
      partitionNum: 1,
      corePartitions: 2,
      payload: ['historical-1'],
    });
  });

  it('makes a hashed set of two partitions visible only with both', () => {
    const t = new VersionedTimeline<null>();
    const part = (n: number) => timelineEntryOf({
      id: `s${n}`, interval: '2020-01-01/2020-01-02', version: 'v1', partitionNum: n,
      shardSpec: { type: 'hashed', partitionNum: n, partitions: 2, partitionDimensions: [], numBuckets: 2, bucketId: n },
    }, null);
    t.add(part(0));
    expect(t.lookup(parseInterval('2020-01-01/2020-01-02'))).toEqual([]);
    t.add(part(1));
    expect(t.lookup(parseInterval('2020-01-01/2020-01-02')).map((c) => c.partitions.map((p) => p.id))).toEqual([['s0', 's1']]);
  });
});

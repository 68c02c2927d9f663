import { describe, expect, it } from 'vitest';
import { parseSegmentId, segmentId, SegmentIdError } from '../../../src/segment/id.ts';
import { interval } from '../../../src/time/interval.ts';

const day = interval('2024-03-01', '2024-03-02');

describe('segment ids', () => {
  it('prints Druid ids, with no suffix for partition 0', () => {
    expect(segmentId({ dataSource: 'wiki', interval: day, version: 'v1', partitionNum: 0 })).toBe('wiki_2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z_v1');
    expect(segmentId({ dataSource: 'wiki', interval: day, version: 'v1', partitionNum: 3 })).toBe('wiki_2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z_v1_3');
  });

  it('parses ids back, data sources with underscores included', () => {
    for (const parts of [
      { dataSource: 'web_logs_2020', interval: day, version: '2024-05-06T07:08:09.010Z', partitionNum: 0 },
      { dataSource: 'a', interval: day, version: '2024-05-06T07:08:09.010Z', partitionNum: 12 },
    ]) expect(parseSegmentId(segmentId(parts))).toEqual(parts);
  });

  it('uses a known data source to remove doubt, and refuses what is no id', () => {
    const id = segmentId({ dataSource: 'odd_2024-01-01T00:00:00.000Z', interval: day, version: 'v', partitionNum: 1 });
    expect(parseSegmentId(id, 'odd_2024-01-01T00:00:00.000Z').dataSource).toBe('odd_2024-01-01T00:00:00.000Z');
    expect(() => parseSegmentId('wiki_yesterday_today_v1')).toThrow(SegmentIdError);
    expect(() => parseSegmentId(id, 'other')).toThrow(/does not start with data source "other"/);
  });
});

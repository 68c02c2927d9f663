import { describe, expect, it } from 'vitest';
import { parseInterval } from '../../../src/time/interval.ts';
import { InvalidTimelineEntryError, TimelineConflictError, UnknownSegmentError } from '../../../src/timeline/errors.ts';
import { add, idOf, newTimeline, overshadowed, segment, short, visible, type TestTimeline } from './fixtures.ts';

type Add = [interval: string, version: string, payload: number];

function timelineOf(adds: Add[]): TestTimeline {
  const t = newTimeline();
  for (const [interval, version, payload] of adds) add(t, interval, version, payload);
  return t;
}

// Druid's VersionedIntervalTimelineTest, case by case: the adds (in order) and what a lookup sees.
const overlapCases: Array<{ name: string; adds: Add[]; over: string; expected: string[] }> = [
  {
    name: 'a higher version in the middle splits the lower chunks around it (1|--|--| under 2|--|)',
    adds: [['2011-01-01/2011-01-10', '1', 1], ['2011-01-10/2011-01-20', '1', 2], ['2011-01-05/2011-01-15', '2', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-05 v1 [1]', '2011-01-05/2011-01-15 v2 [3]', '2011-01-15/2011-01-20 v1 [2]'],
  },
  {
    name: 'the order of adds does not matter: the higher version added first still wins',
    adds: [['2011-01-05/2011-01-15', '2', 3], ['2011-01-01/2011-01-10', '1', 1], ['2011-01-10/2011-01-20', '1', 2]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-05 v1 [1]', '2011-01-05/2011-01-15 v2 [3]', '2011-01-15/2011-01-20 v1 [2]'],
  },
  {
    name: 'a later-starting higher version cuts the end of a lower one',
    adds: [['2011-01-01/2011-01-10', '1', 1], ['2011-01-05/2011-01-15', '2', 3]],
    over: '2011-01-01/2011-01-15',
    expected: ['2011-01-01/2011-01-05 v1 [1]', '2011-01-05/2011-01-15 v2 [3]'],
  },
  {
    name: 'an earlier-starting higher version cuts the start of a lower one',
    adds: [['2011-01-05/2011-01-15', '1', 3], ['2011-01-01/2011-01-10', '2', 1]],
    over: '2011-01-01/2011-01-15',
    expected: ['2011-01-01/2011-01-10 v2 [1]', '2011-01-10/2011-01-15 v1 [3]'],
  },
  {
    name: 'a lower version added under a higher one shows only where the higher one is absent',
    adds: [['2011-01-01/2011-01-10', '2', 3], ['2011-01-05/2011-01-15', '1', 1]],
    over: '2011-01-01/2011-01-15',
    expected: ['2011-01-01/2011-01-10 v2 [3]', '2011-01-10/2011-01-15 v1 [1]'],
  },
  {
    name: 'a contained higher version leaves the lower one visible on both sides',
    adds: [['2011-01-01/2011-01-20', '1', 2], ['2011-01-05/2011-01-15', '2', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-05 v1 [2]', '2011-01-05/2011-01-15 v2 [3]', '2011-01-15/2011-01-20 v1 [2]'],
  },
  {
    name: 'a containing lower version added later fills only around the higher one',
    adds: [['2011-01-05/2011-01-15', '2', 3], ['2011-01-01/2011-01-20', '1', 2]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-05 v1 [2]', '2011-01-05/2011-01-15 v2 [3]', '2011-01-15/2011-01-20 v1 [2]'],
  },
  {
    name: 'a higher version aligned with the start of one chunk and inside the next',
    adds: [['2011-01-01/2011-01-10', '1', 1], ['2011-01-10/2011-01-20', '1', 2], ['2011-01-01/2011-01-15', '2', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-15 v2 [3]', '2011-01-15/2011-01-20 v1 [2]'],
  },
  {
    name: 'three layered versions, ascending: each shows where nothing higher covers it',
    adds: [['2011-01-01/2011-01-10', '1', 1], ['2011-01-05/2011-01-20', '2', 2], ['2011-01-03/2011-01-06', '3', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-03 v1 [1]', '2011-01-03/2011-01-06 v3 [3]', '2011-01-06/2011-01-20 v2 [2]'],
  },
  {
    name: 'three layered versions, descending',
    adds: [['2011-01-03/2011-01-06', '3', 3], ['2011-01-05/2011-01-20', '2', 2], ['2011-01-01/2011-01-10', '1', 1]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-03 v1 [1]', '2011-01-03/2011-01-06 v3 [3]', '2011-01-06/2011-01-20 v2 [2]'],
  },
  {
    name: 'nested versions, each inside the last, highest innermost',
    adds: [['2011-01-01/2011-01-20', '1', 1], ['2011-01-02/2011-01-10', '2', 2], ['2011-01-02/2011-01-06', '3', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-02 v1 [1]', '2011-01-02/2011-01-06 v3 [3]', '2011-01-06/2011-01-10 v2 [2]', '2011-01-10/2011-01-20 v1 [1]'],
  },
  {
    name: 'nested versions added innermost first',
    adds: [['2011-01-02/2011-01-06', '3', 3], ['2011-01-02/2011-01-10', '2', 2], ['2011-01-01/2011-01-20', '1', 1]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-02 v1 [1]', '2011-01-02/2011-01-06 v3 [3]', '2011-01-06/2011-01-10 v2 [2]', '2011-01-10/2011-01-20 v1 [1]'],
  },
  {
    name: 'a higher version inside the middle one of three adjacent chunks',
    adds: [['2011-01-01/2011-01-07', '1', 1], ['2011-01-07/2011-01-15', '1', 2], ['2011-01-15/2011-01-20', '1', 3], ['2011-01-10/2011-01-13', '2', 4]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-07 v1 [1]', '2011-01-07/2011-01-10 v1 [2]', '2011-01-10/2011-01-13 v2 [4]', '2011-01-13/2011-01-15 v1 [2]', '2011-01-15/2011-01-20 v1 [3]'],
  },
  {
    name: 'two higher chunks together cover a lower one entirely',
    adds: [['2011-01-01/2011-01-20', '1', 1], ['2011-01-01/2011-01-10', '2', 2], ['2011-01-10/2011-01-20', '2', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-10 v2 [2]', '2011-01-10/2011-01-20 v2 [3]'],
  },
  {
    name: 'higher versions on both ends of a large lower one',
    adds: [['2011-01-01/2011-01-15', '1', 1], ['2011-01-03/2011-01-05', '2', 2], ['2011-01-13/2011-01-20', '2', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-03 v1 [1]', '2011-01-03/2011-01-05 v2 [2]', '2011-01-05/2011-01-13 v1 [1]', '2011-01-13/2011-01-20 v2 [3]'],
  },
  {
    name: 'lower versions under a large higher one show only past its end',
    adds: [['2011-01-01/2011-01-15', '2', 1], ['2011-01-03/2011-01-05', '1', 2], ['2011-01-13/2011-01-20', '1', 3]],
    over: '2011-01-01/2011-01-20',
    expected: ['2011-01-01/2011-01-15 v2 [1]', '2011-01-15/2011-01-20 v1 [3]'],
  },
  {
    name: 'small day-aligned overlays on a large underlying chunk, looked up over eternity',
    adds: [['2011-01-01/2011-01-05', '1', 1], ['2011-01-03/2011-01-04', '2', 2], ['2011-01-04/2011-01-05', '3', 3], ['2011-01-05/2011-01-06', '4', 4]],
    over: '1000/3000',
    expected: ['2011-01-01/2011-01-03 v1 [1]', '2011-01-03/2011-01-04 v2 [2]', '2011-01-04/2011-01-05 v3 [3]', '2011-01-05/2011-01-06 v4 [4]'],
  },
  {
    name: 'an overlap that leaves a lower version with nothing in between (Druid\'s null entries case)',
    adds: [['2011-01-01T12/2011-01-02', '3', 3], ['2011-01-02/3011-01-03', '1', 1], ['2011-01-01/2011-01-02', '2', 2]],
    over: '2011-01-01/3011-01-03',
    expected: ['2011-01-01/2011-01-01T12:00:00.000Z v2 [2]', '2011-01-01T12:00:00.000Z/2011-01-02 v3 [3]', '2011-01-02/3011-01-03 v1 [1]'],
  },
];

describe('lookup: for each stretch of time the highest complete version wins (Druid VersionedIntervalTimelineTest)', () => {
  for (const c of overlapCases) {
    it(c.name, () => {
      expect(visible(timelineOf(c.adds), c.over)).toEqual(c.expected);
    });
  }

  it('clips the first and last chunk to the looked-up interval', () => {
    const t = timelineOf([['2011-04-01/2011-04-03', '1', 2], ['2011-04-03/2011-04-06', '1', 3]]);
    expect(visible(t, '2011-04-02T18/2011-04-04T01')).toEqual([
      '2011-04-02T18:00:00.000Z/2011-04-03 v1 [2]',
      '2011-04-03/2011-04-04T01:00:00.000Z v1 [3]',
    ]);
  });

  it('finds nothing for an empty interval, even inside a chunk or on its boundary', () => {
    const t = timelineOf([['2011-01-01/2011-01-20', '1', 1], ['2011-01-01/2011-01-10', '2', 2], ['2011-01-10/2011-01-20', '2', 3]]);
    for (const empty of ['2011-01-10/2011-01-10', '2011-01-11/2011-01-11', '2011-01-01/2011-01-01', '2011-01-20/2011-01-20']) {
      expect(visible(t, empty), empty).toEqual([]);
    }
  });

  it('finds nothing where no segment is', () => {
    expect(visible(timelineOf([['2011-04-01/2011-04-09', '1', 1]]), '1970/1980')).toEqual([]);
  });

  it('orders a chunk\'s partitions by partition number, however large', () => {
    const t = newTimeline();
    for (const [num, payload] of [[2_147_483_647, 3], [1, 1], [100_000, 2]] as const) add(t, '2011-01-01/2011-01-10', '1', payload, num, 0);
    expect(visible(t, '2011-01-02T02/2011-01-04')).toEqual(['2011-01-02T02:00:00.000Z/2011-01-04 v1 [1,2,3]']);
  });
});

/** Druid's VersionedIntervalTimelineSpecificDataTest fixture. */
function aprilMayOctober(): TestTimeline {
  const t = timelineOf([
    ['2011-04-01/2011-04-03', '1', 2], ['2011-04-03/2011-04-06', '1', 3], ['2011-04-01/2011-04-09', '2', 1],
    ['2011-04-06/2011-04-09', '3', 4], ['2011-04-01/2011-04-02', '3', 5],
    ['2011-05-01/2011-05-02', '1', 6], ['2011-05-01/2011-05-05', '2', 7], ['2011-05-03/2011-05-04', '3', 8], ['2011-05-01/2011-05-10', '4', 9],
    ['2011-10-01/2011-10-02', '1', 1], ['2011-10-03/2011-10-04', '3', 3], ['2011-10-04/2011-10-05', '4', 4], ['2011-10-05/2011-10-06', '5', 5],
  ]);
  add(t, '2011-10-02/2011-10-03', '3', 20, 0, 2);
  add(t, '2011-10-02/2011-10-03', '3', 21, 1, 2);
  return t;
}

describe('removal restores what was underneath (Druid VersionedIntervalTimelineSpecificDataTest)', () => {
  it('shows the April layers as Druid does', () => {
    expect(visible(aprilMayOctober(), '2011-04-01/2011-04-09')).toEqual([
      '2011-04-01/2011-04-02 v3 [5]', '2011-04-02/2011-04-06 v2 [1]', '2011-04-06/2011-04-09 v3 [4]',
    ]);
  });

  it('removing the middle version brings back the version-1 chunks beneath it', () => {
    const t = aprilMayOctober();
    expect(t.remove(idOf('2011-04-01/2011-04-09', '2'))?.payload).toBe(1);
    expect(visible(t, '2011-04-01/2011-04-09')).toEqual([
      '2011-04-01/2011-04-02 v3 [5]', '2011-04-02/2011-04-03 v1 [2]', '2011-04-03/2011-04-06 v1 [3]', '2011-04-06/2011-04-09 v3 [4]',
    ]);
    expect(visible(t, '2011-04-01/2011-04-05')).toEqual([
      '2011-04-01/2011-04-02 v3 [5]', '2011-04-02/2011-04-03 v1 [2]', '2011-04-03/2011-04-05 v1 [3]',
    ]);
  });

  it('removing two layers leaves a hole where nothing remains', () => {
    const t = aprilMayOctober();
    t.remove(idOf('2011-04-01/2011-04-09', '2'));
    t.remove(idOf('2011-04-01/2011-04-03', '1'));
    expect(visible(t, '2011-04-01/2011-04-09')).toEqual([
      '2011-04-01/2011-04-02 v3 [5]', '2011-04-03/2011-04-06 v1 [3]', '2011-04-06/2011-04-09 v3 [4]',
    ]);
  });

  it('shows May through its top version, and its layers once that is removed', () => {
    const t = aprilMayOctober();
    expect(visible(t, '2011-05-01/2011-05-09')).toEqual(['2011-05-01/2011-05-09 v4 [9]']);
    t.remove(idOf('2011-05-01/2011-05-10', '4'));
    expect(visible(t, '2011-05-01/2011-05-09')).toEqual(['2011-05-01/2011-05-03 v2 [7]', '2011-05-03/2011-05-04 v3 [8]', '2011-05-04/2011-05-05 v2 [7]']);
    t.remove(idOf('2011-05-01/2011-05-05', '2'));
    expect(visible(t, '2011-05-01/2011-05-09')).toEqual(['2011-05-01/2011-05-02 v1 [6]', '2011-05-03/2011-05-04 v3 [8]']);
  });

  it('adding, removing and re-adding the same segment toggles it on top', () => {
    const t = aprilMayOctober();
    add(t, '2011-05-01/2011-05-10', '5', 10);
    expect(visible(t, '2011-05-01/2011-05-09')).toEqual(['2011-05-01/2011-05-09 v5 [10]']);
    t.remove(idOf('2011-05-01/2011-05-10', '5'));
    expect(visible(t, '2011-05-01/2011-05-09')).toEqual(['2011-05-01/2011-05-09 v4 [9]']);
    add(t, '2011-05-01/2011-05-10', '5', 10);
    t.remove(idOf('2011-05-01/2011-05-10', '4'));
    expect(visible(t, '2011-05-01/2011-05-09')).toEqual(['2011-05-01/2011-05-09 v5 [10]']);
  });

  it('shows a two-partition version with both partitions', () => {
    expect(visible(aprilMayOctober(), '2011-10-01/2011-10-06')).toEqual([
      '2011-10-01/2011-10-02 v1 [1]', '2011-10-02/2011-10-03 v3 [20,21]', '2011-10-03/2011-10-04 v3 [3]',
      '2011-10-04/2011-10-05 v4 [4]', '2011-10-05/2011-10-06 v5 [5]',
    ]);
  });

  it('removing what it does not hold returns nothing and changes nothing', () => {
    const t = aprilMayOctober();
    const before = t.chunks();
    expect(t.remove('no-such-segment')).toBeUndefined();
    expect(t.chunks()).toEqual(before);
  });

  it('restores a lower chunk whole when the higher one inside it goes (Druid testOverlapAndRemove*)', () => {
    const t = timelineOf([['2011-01-01/2011-01-20', '1', 1], ['2011-01-02/2011-01-03', '2', 2], ['2011-01-10/2011-01-14', '2', 3]]);
    t.remove(idOf('2011-01-02/2011-01-03', '2'));
    t.remove(idOf('2011-01-10/2011-01-14', '2'));
    expect(visible(t, '2011-01-01/2011-01-20')).toEqual(['2011-01-01/2011-01-20 v1 [1]']);
  });

  it('restores only the part of a lower chunk that the removed one covered', () => {
    const t = timelineOf([['2011-01-01/2011-01-20', '1', 1], ['2011-01-10/2011-01-15', '2', 2], ['2011-01-15/2011-01-20', '2', 3]]);
    t.remove(idOf('2011-01-15/2011-01-20', '2'));
    expect(visible(t, '2011-01-01/2011-01-20')).toEqual(['2011-01-01/2011-01-10 v1 [1]', '2011-01-10/2011-01-15 v2 [2]', '2011-01-15/2011-01-20 v1 [1]']);
  });

  it('removing the last of adjacent chunks leaves a hole when nothing lies beneath', () => {
    const t = timelineOf([['2011-01-01/2011-01-05', '1', 1], ['2011-01-05/2011-01-10', '2', 2], ['2011-01-10/2011-01-15', '3', 3], ['2011-01-15/2011-01-20', '4', 4]]);
    t.remove(idOf('2011-01-15/2011-01-20', '4'));
    expect(visible(t, '1970/3000')).toEqual(['2011-01-01/2011-01-05 v1 [1]', '2011-01-05/2011-01-10 v2 [2]', '2011-01-10/2011-01-15 v3 [3]']);
  });
});

describe('completeness: numbered shard spec semantics', () => {
  it('keeps an overwrite invisible until its last core partition arrives, the lower version visible meanwhile', () => {
    const t = aprilMayOctober();
    for (const [num, payload] of [[0, 60], [1, 61]]) {
      add(t, '2011-10-06/2011-10-07', '6', payload, num, 3);
      expect(visible(t, '2011-10-05/2011-10-07')).toEqual(['2011-10-05/2011-10-06 v5 [5]']);
    }
    add(t, '2011-10-06/2011-10-07', '6', 62, 2, 3);
    expect(visible(t, '2011-10-05/2011-10-07')).toEqual(['2011-10-05/2011-10-06 v5 [5]', '2011-10-06/2011-10-07 v6 [60,61,62]']);
  });

  it('lets an incomplete version overshadow nothing, and a complete one overshadow what it covers', () => {
    const t = aprilMayOctober();
    add(t, '2011-10-05/2011-10-07', '6', 60, 0, 3);
    add(t, '2011-10-05/2011-10-07', '6', 61, 1, 3);
    expect(overshadowed(t)).toEqual(['2011-04-01/2011-04-03 v1 2', '2011-04-03/2011-04-06 v1 3', '2011-05-01/2011-05-02 v1 6', '2011-05-01/2011-05-05 v2 7', '2011-05-03/2011-05-04 v3 8']);
    expect(visible(t, '2011-10-05/2011-10-07')).toEqual(['2011-10-05/2011-10-06 v5 [5]']);
    add(t, '2011-10-05/2011-10-07', '6', 62, 2, 3);
    expect(overshadowed(t, '2011-10-01/2011-11-01')).toEqual(['2011-10-05/2011-10-06 v5 5']);
  });

  it('makes a version incomplete again when a core partition is removed, and the lower one visible again', () => {
    const t = aprilMayOctober();
    for (const [num, payload] of [[0, 60], [1, 61], [2, 62]]) add(t, '2011-10-05/2011-10-07', '6', payload, num, 3);
    t.remove(idOf('2011-10-05/2011-10-07', '6', 0));
    expect(visible(t, '2011-10-05/2011-10-07')).toEqual(['2011-10-05/2011-10-06 v5 [5]']);
    expect(overshadowed(t, '2011-10-01/2011-11-01')).toEqual([]);
  });

  it('shows appended partitions at once alongside a complete core set', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', '1', 0, 0, 2);
    add(t, '2020-01-01/2020-01-02', '1', 2, 2, 2);
    expect(visible(t, '2020-01-01/2020-01-02')).toEqual([]);
    add(t, '2020-01-01/2020-01-02', '1', 1, 1, 2);
    add(t, '2020-01-01/2020-01-02', '1', 3, 3, 2);
    expect(visible(t, '2020-01-01/2020-01-02')).toEqual(['2020-01-01/2020-01-02 v1 [0,1,2,3]']);
  });

  it('keeps a version complete when only an appended partition is removed', () => {
    const t = newTimeline();
    for (const num of [0, 1, 2]) add(t, '2020-01-01/2020-01-02', '1', num, num, 2);
    t.remove(idOf('2020-01-01/2020-01-02', '1', 2));
    expect(visible(t, '2020-01-01/2020-01-02')).toEqual(['2020-01-01/2020-01-02 v1 [0,1]']);
  });

  it('makes any partition without a core set (streaming appends, corePartitions 0) visible on its own', () => {
    const t = newTimeline();
    add(t, '2020-01-01T00/2020-01-01T01', '1', 5, 5, 0);
    expect(visible(t, '2020-01-01/2020-01-02')).toEqual(['2020-01-01/2020-01-01T01:00:00.000Z v1 [5]']);
  });

  it('keeps a complete lower version visible under incomplete higher ones, and calls neither overshadowed (Druid #3010)', () => {
    const t = newTimeline();
    add(t, '2011-04-01/2011-04-02', '1', 77, 0, 2);
    add(t, '2011-04-01/2011-04-02', '1', 88, 1, 2);
    add(t, '2011-04-01/2011-04-02', '2', 99, 0, 2);
    add(t, '2011-04-01/2011-04-02', '3', 110, 0, 2);
    expect(visible(t, '2011-04-01/2011-04-02')).toEqual(['2011-04-01/2011-04-02 v1 [77,88]']);
    // Druid's coordinator marks unused only what complete versions overshadow (isOvershadowed).
    expect(overshadowed(t)).toEqual([]);
  });
});

describe('partial overshadowing', () => {
  it('an hour of a higher version hides only that hour of a day segment; the rest of the day stays', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', '1', 1);
    add(t, '2020-01-01T05/2020-01-01T06', '2', 2);
    expect(visible(t, '2020-01-01/2020-01-02')).toEqual([
      '2020-01-01/2020-01-01T05:00:00.000Z v1 [1]',
      '2020-01-01T05:00:00.000Z/2020-01-01T06:00:00.000Z v2 [2]',
      '2020-01-01T06:00:00.000Z/2020-01-02 v1 [1]',
    ]);
    expect(t.isOvershadowed(idOf('2020-01-01/2020-01-02', '1'))).toBe(false);
    const [day] = t.chunks(parseInterval('2020-01-01/2020-01-01T01'));
    expect(day!.visibleOn.map(short)).toEqual(['2020-01-01/2020-01-01T05:00:00.000Z', '2020-01-01T06:00:00.000Z/2020-01-02']);
  });

  it('a day segment becomes overshadowed once higher hours cover all of it', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', '1', 1);
    for (let h = 0; h < 24; h++) {
      expect(t.isOvershadowed(idOf('2020-01-01/2020-01-02', '1')), `after ${h} hours`).toBe(false);
      const hour = (n: number): string => `2020-01-01T00:00Z`.replace('T00', `T${String(n).padStart(2, '0')}`);
      add(t, `${hour(h)}/${h === 23 ? '2020-01-02' : hour(h + 1)}`, '2', 100 + h);
    }
    expect(t.isOvershadowed(idOf('2020-01-01/2020-01-02', '1'))).toBe(true);
    expect(overshadowed(t)).toEqual(['2020-01-01/2020-01-02 v1 1']);
  });
});

describe('overshadowed segments (Druid findFullyOvershadowed and isOvershadowed cases)', () => {
  const cases: Array<{ name: string; adds: Add[]; expected: string[] }> = [
    {
      name: 'a third version containing everything overshadows both lower layers',
      adds: [['2011-01-03/2011-01-06', '1', 1], ['2011-01-09/2011-01-12', '1', 2], ['2011-01-02/2011-01-08', '2', 3], ['2011-01-10/2011-01-16', '2', 4], ['2011-01-01/2011-01-20', '3', 5]],
      expected: ['2011-01-02/2011-01-08 v2 3', '2011-01-03/2011-01-06 v1 1', '2011-01-09/2011-01-12 v1 2', '2011-01-10/2011-01-16 v2 4'],
    },
    {
      name: 'an aligned higher version overshadows the chunks below it on the same interval',
      adds: [['2011-01-01/2011-01-05', '2', 1], ['2011-01-05/2011-01-10', '2', 2], ['2011-01-01/2011-01-10', '1', 3], ['2011-01-01/2011-01-10', '3', 4]],
      expected: ['2011-01-01/2011-01-05 v2 1', '2011-01-01/2011-01-10 v1 3', '2011-01-05/2011-01-10 v2 2'],
    },
    {
      name: 'a segment covered partly by one higher version and partly by another is overshadowed',
      adds: [['2011-01-01/2011-01-05', '2', 1], ['2011-01-10/2011-01-15', '2', 2], ['2011-01-03/2011-01-12', '1', 3], ['2011-01-01/2011-01-10', '3', 4]],
      expected: ['2011-01-01/2011-01-05 v2 1', '2011-01-03/2011-01-12 v1 3'],
    },
    {
      name: 'one higher version over three adjacent lower ones overshadows all three',
      adds: [['2011-04-01/2011-04-03', '1', 2], ['2011-04-03/2011-04-06', '1', 3], ['2011-04-06/2011-04-09', '1', 4], ['2011-04-01/2011-04-09', '2', 1]],
      expected: ['2011-04-01/2011-04-03 v1 2', '2011-04-03/2011-04-06 v1 3', '2011-04-06/2011-04-09 v1 4'],
    },
    {
      name: 'three adjacent higher chunks overshadow the one lower chunk they cover',
      adds: [['2011-04-01/2011-04-09', '1', 1], ['2011-04-01/2011-04-03', '2', 2], ['2011-04-03/2011-04-06', '2', 3], ['2011-04-06/2011-04-09', '2', 4]],
      expected: ['2011-04-01/2011-04-09 v1 1'],
    },
    {
      name: 'a lower chunk with a gap in its higher cover is not overshadowed',
      adds: [['2011-04-01/2011-04-09', '1', 1], ['2011-04-01/2011-04-03', '2', 2], ['2011-04-06/2011-04-09', '2', 4]],
      expected: [],
    },
    {
      name: 'higher versions never overshadow from below: only the version-1 chunk under v4 is',
      adds: [['2011-04-01/2011-04-09', '2', 1], ['2011-04-01/2011-04-03', '3', 2], ['2011-04-03/2011-04-06', '4', 3], ['2011-04-03/2011-04-06', '1', 3]],
      expected: ['2011-04-03/2011-04-06 v1 3'],
    },
    {
      name: 'on one interval every version but the highest is overshadowed',
      adds: [['2011-04-01/2011-04-09', '1', 1], ['2011-04-01/2011-04-09', '9', 2], ['2011-04-01/2011-04-09', '2', 3]],
      expected: ['2011-04-01/2011-04-09 v1 1', '2011-04-01/2011-04-09 v2 3'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(overshadowed(timelineOf(c.adds))).toEqual(c.expected);
    });
  }

  it('answers for a version it does not hold, against non-overlapping chunks (Druid testIsOvershadowedWithNonOverlappingSegmentsInTimeline)', () => {
    const t = timelineOf([['2011-04-05/2011-04-07', '1', 1], ['2011-04-07/2011-04-09', '1', 1], ['2011-04-15/2011-04-17', '1', 1], ['2011-04-17/2011-04-19', '1', 1]]);
    const at = (interval: string, version: string): boolean => t.isOvershadowedAt(parseInterval(interval), version);
    for (const i of ['2011-04-05/2011-04-06', '2011-04-05/2011-04-09', '2011-04-06/2011-04-09', '2011-04-08/2011-04-09', '2011-04-15/2011-04-19']) expect(at(i, '0'), i).toBe(true);
    for (const i of ['2011-04-01/2011-04-03', '2011-04-01/2011-04-06', '2011-04-05/2011-04-10', '2011-04-09/2011-04-15', '2011-04-15/2011-04-20', '2011-04-19/2011-04-20']) expect(at(i, '0'), i).toBe(false);
    for (const v of ['1', '2']) expect(at('2011-04-05/2011-04-09', v), `version ${v}`).toBe(false);
  });

  it('answers against overlapping chunks of different versions (Druid testIsOvershadowedWithOverlappingSegmentsInTimeline)', () => {
    const t = timelineOf([['2011-04-05/2011-04-09', '11', 1], ['2011-04-07/2011-04-11', '12', 1], ['2011-04-15/2011-04-19', '12', 1], ['2011-04-17/2011-04-21', '11', 1]]);
    const at = (interval: string, version: string): boolean => t.isOvershadowedAt(parseInterval(interval), version);
    for (const i of ['2011-04-05/2011-04-11', '2011-04-06/2011-04-10', '2011-04-15/2011-04-21']) expect(at(i, '0'), i).toBe(true);
    for (const i of ['2011-04-05/2011-04-12', '2011-04-06/2011-04-17', '2011-04-12/2011-04-15', '2011-04-21/2011-04-22']) expect(at(i, '0'), i).toBe(false);
    for (const v of ['12', '13']) expect(at('2011-04-05/2011-04-11', v), `version ${v}`).toBe(false);
  });

  it('refuses to answer for a segment id it does not hold', () => {
    expect(() => newTimeline().isOvershadowed('nope')).toThrow(UnknownSegmentError);
  });
});

describe('chunks: every version of every interval, for allocators and the visualizer', () => {
  it('lists each (interval, version) with completeness, visibility and partitions', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', '1', 1);
    add(t, '2020-01-01/2020-01-02', '2', 2, 0, 2);
    add(t, '2020-01-01/2020-01-02', '3', 3);
    const views = t.chunks().map((c) => ({ version: c.version, complete: c.complete, overshadowed: c.overshadowed, visibleOn: c.visibleOn.map(short), parts: c.partitions.map((p) => p.id) }));
    expect(views).toEqual([
      { version: '1', complete: true, overshadowed: true, visibleOn: [], parts: [idOf('2020-01-01/2020-01-02', '1')] },
      { version: '2', complete: false, overshadowed: true, visibleOn: [], parts: [idOf('2020-01-01/2020-01-02', '2')] },
      { version: '3', complete: true, overshadowed: false, visibleOn: ['2020-01-01/2020-01-02'], parts: [idOf('2020-01-01/2020-01-02', '3')] },
    ]);
  });

  it('lists only the chunks overlapping the interval asked about', () => {
    const t = timelineOf([['2020-01-01/2020-01-02', '1', 1], ['2020-01-02/2020-01-03', '1', 2], ['2020-01-03/2020-01-04', '1', 3]]);
    expect(t.chunks(parseInterval('2020-01-02T12/2020-01-03T01')).map((c) => short(c.interval))).toEqual(['2020-01-02/2020-01-03', '2020-01-03/2020-01-04']);
  });
});

describe('payloads', () => {
  it('adding a held id again replaces its payload in place', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', '1', 1);
    add(t, '2020-01-01/2020-01-02', '1', 42);
    expect(t.size).toBe(1);
    expect(visible(t, '2020-01-01/2020-01-02')).toEqual(['2020-01-01/2020-01-02 v1 [42]']);
  });

  it('hands out partition lists that later changes do not alter', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', '1', 1, 0, 0);
    const [before] = t.lookup(parseInterval('2020-01-01/2020-01-02'));
    add(t, '2020-01-01/2020-01-02', '1', 2, 1, 0);
    expect(before!.partitions.map((p) => p.payload)).toEqual([1]);
  });
});

describe('bad input is refused with the segment and the field named, changing nothing', () => {
  it('refuses a second version overlapping itself on a different interval (Druid testOverlapSameVersionThrowException)', () => {
    const t = timelineOf([['2011-01-01/2011-01-10', '1', 1]]);
    expect(() => add(t, '2011-01-05/2011-01-15', '1', 3)).toThrow(TimelineConflictError);
    expect(() => add(t, '2011-01-05/2011-01-15', '1', 3)).toThrow(/version 1 already covers 2011-01-01T00:00:00.000Z\/2011-01-10T00:00:00.000Z/);
    expect(t.size).toBe(1);
    expect(visible(t, '2011-01-01/2011-01-15')).toEqual(['2011-01-01/2011-01-10 v1 [1]']);
  });

  it('refuses another segment in a partition slot already taken, keeping the first (Druid testOverlapSameVersionIsOkay)', () => {
    const t = timelineOf([['2011-01-01/2011-01-10', '1', 1], ['2011-01-01/2011-01-10', '2', 2]]);
    const intruder = { ...segment('2011-01-01/2011-01-10', '2', 3), id: 'another-id' };
    expect(() => t.add(intruder)).toThrow(/partition 0 of .* version 2 partition 0\/1 is already taken/);
    expect(visible(t, '2011-01-01/2011-01-10')).toEqual(['2011-01-01/2011-01-10 v2 [2]']);
  });

  it('refuses a partition whose core set size disagrees with its siblings', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', '1', 0, 0, 3);
    expect(() => add(t, '2020-01-01/2020-01-02', '1', 1, 1, 2)).toThrow(/corePartitions 2, the other partitions .* have 3/);
  });

  it('refuses a held id re-added with other coordinates', () => {
    const t = newTimeline();
    const s = add(t, '2020-01-01/2020-01-02', '1', 0);
    expect(() => t.add({ ...s, version: '2' })).toThrow(/holds this id as .* version 1 partition 0\/1, not .* version 2/);
  });

  it.each([
    ['id', { id: '' }, /id must be a non-empty string/],
    ['an empty interval', { interval: { start: 5, end: 5 } }, /interval 1970-01-01T00:00:00.005Z\/1970-01-01T00:00:00.005Z is empty/],
    ['a fractional instant', { interval: { start: 0.5, end: 5 } }, /interval must have integer/],
    ['version', { version: '' }, /version must be a non-empty string/],
    ['partitionNum', { partitionNum: -1 }, /partitionNum must be an integer >= 0, got -1/],
    ['corePartitions', { corePartitions: 1.5 }, /corePartitions must be an integer >= 0, got 1.5/],
  ])('names %s when it is bad', (_what, change, message) => {
    const t = newTimeline();
    expect(() => t.add({ ...segment('2020-01-01/2020-01-02', '1', 0), ...change })).toThrow(InvalidTimelineEntryError);
    expect(() => t.add({ ...segment('2020-01-01/2020-01-02', '1', 0), ...change })).toThrow(message);
    expect(t.size).toBe(0);
  });
});

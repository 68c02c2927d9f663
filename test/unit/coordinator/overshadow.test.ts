import { describe, expect, it } from 'vitest';
import { overshadowedSegments } from '../../../src/coordinator/overshadow.ts';
import { ETERNITY } from '../../../src/time/interval.ts';
import { add, newTimeline, idOf } from '../timeline/fixtures.ts';

/** `used` holds every used segment; `served` those loaded on a historical (or needing no replica). */
const timelines = () => ({ used: newTimeline(), served: newTimeline() });

describe('overshadowed segments are marked unused once what overshadows them is served', () => {
  it('an older version is overshadowed once a complete newer version over its interval is served', () => {
    const { used, served } = timelines();
    add(used, '2024-01-01/2024-01-02', 'v1', 1);
    add(used, '2024-01-01/2024-01-02', 'v2', 2);
    expect(overshadowedSegments(used, served, ETERNITY), 'v2 is published but not loaded anywhere yet').toEqual([]);
    add(served, '2024-01-01/2024-01-02', 'v2', 2);
    expect(overshadowedSegments(used, served, ETERNITY)).toEqual([idOf('2024-01-01/2024-01-02', 'v1')]);
  });

  it('a newer version whose partitions are not all served overshadows nothing', () => {
    const { used, served } = timelines();
    add(used, '2024-01-01/2024-01-02', 'v1', 1);
    add(used, '2024-01-01/2024-01-02', 'v2', 2, 0, 2);
    add(used, '2024-01-01/2024-01-02', 'v2', 3, 1, 2);
    add(served, '2024-01-01/2024-01-02', 'v2', 2, 0, 2);
    expect(overshadowedSegments(used, served, ETERNITY)).toEqual([]);
    add(served, '2024-01-01/2024-01-02', 'v2', 3, 1, 2);
    expect(overshadowedSegments(used, served, ETERNITY)).toEqual([idOf('2024-01-01/2024-01-02', 'v1')]);
  });

  it('a day segment with one hour overwritten is only partly overshadowed and stays used', () => {
    const { used, served } = timelines();
    add(used, '2024-01-01/2024-01-02', 'v1', 1);
    add(used, '2024-01-01T05:00/2024-01-01T06:00', 'v2', 2);
    add(served, '2024-01-01T05:00/2024-01-01T06:00', 'v2', 2);
    expect(overshadowedSegments(used, served, ETERNITY)).toEqual([]);
  });

  it('hour segments under a served day-granularity overwrite are all overshadowed', () => {
    const { used, served } = timelines();
    for (let h = 0; h < 24; h++) add(used, `2024-01-01T${String(h).padStart(2, '0')}:00/PT1H`, 'v1', h);
    add(used, '2024-01-01/2024-01-02', 'v2', 99);
    add(served, '2024-01-01/2024-01-02', 'v2', 99);
    expect(overshadowedSegments(used, served, ETERNITY)).toHaveLength(24);
  });
});

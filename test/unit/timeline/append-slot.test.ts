import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../../src/time/instant.ts';
import { parseInterval } from '../../../src/time/interval.ts';
import { chunkIntervalAt, findAppendSlot } from '../../../src/timeline/append-slot.ts';
import { add, newTimeline, short } from './fixtures.ts';

const slot = (t: ReturnType<typeof newTimeline>, interval: string) => findAppendSlot(t, parseInterval(interval));

describe('where an appended segment goes (Druid allocation rules)', () => {
  it('reuses an existing chunk\'s interval and version with the next partition number and its core set size', () => {
    const t = newTimeline();
    for (const num of [0, 1, 2]) add(t, '2020-01-01/2020-01-02', 'v1', num, num, 2);
    expect(slot(t, '2020-01-01/2020-01-02')).toEqual({
      kind: 'existing', interval: parseInterval('2020-01-01/2020-01-02'), version: 'v1', corePartitions: 2, nextPartitionNum: 3,
    });
  });

  it('offers a new chunk where nothing visible overlaps', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', 'v1', 0);
    expect(slot(t, '2020-01-02/2020-01-03')).toEqual({ kind: 'empty' });
  });

  it('ignores an incomplete overwrite: appends go to the version queries see', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', 'v1', 0, 0, 0);
    add(t, '2020-01-01/2020-01-02', 'v2', 0, 0, 2);
    expect(slot(t, '2020-01-01/2020-01-02')).toMatchObject({ kind: 'existing', version: 'v1', nextPartitionNum: 1 });
  });

  it('refuses, naming them, when the interval spans several chunks', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', 'v1', 0);
    add(t, '2020-01-02/2020-01-03', 'v2', 0);
    const s = slot(t, '2020-01-01/2020-02-01');
    expect(s.kind).toBe('conflict');
    expect(s.kind === 'conflict' && s.reason).toMatch(/spans 2 visible chunks \(2020-01-01T00:00:00.000Z\/2020-01-02T00:00:00.000Z version v1, .* version v2\)/);
  });

  it('refuses a day whose hour was overwritten by another version (the day shows as three chunks)', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', 'v1', 0);
    add(t, '2020-01-01T05/2020-01-01T06', 'v2', 0);
    expect(slot(t, '2020-01-01/2020-01-02')).toMatchObject({ kind: 'conflict', reason: expect.stringMatching(/spans 3 visible chunks/) });
  });

  it('refuses an interval inside a coarser chunk, whose interval it must match', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', 'v1', 0);
    expect(slot(t, '2020-01-01T05/2020-01-01T06')).toMatchObject({ kind: 'conflict', reason: expect.stringMatching(/overlaps the chunk 2020-01-01T00:00:00.000Z\/2020-01-02T00:00:00.000Z version v1, whose interval differs/) });
  });

  it('finds the chunk already holding a row\'s timestamp, clipped or not', () => {
    const t = newTimeline();
    add(t, '2020-01-01/2020-01-02', 'v1', 0);
    add(t, '2020-01-01T05/2020-01-01T06', 'v2', 0);
    const at = (iso: string) => chunkIntervalAt(t, parseInstant(iso));
    expect(short(at('2020-01-01T03:00Z')!)).toBe('2020-01-01/2020-01-02');
    expect(short(at('2020-01-01T05:30Z')!)).toBe('2020-01-01T05:00:00.000Z/2020-01-01T06:00:00.000Z');
    expect(at('2020-01-02T00:00Z')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { compactTaskJson, pickCompactions } from '../../../src/coordinator/auto-compaction.ts';
import { parseCompactionConfig } from '../../../src/coordinator/compaction-config.ts';
import { isGroveError } from '../../../src/bus/errors.ts';
import { formatInterval, parseInterval } from '../../../src/time/interval.ts';
import { add, newTimeline } from '../timeline/fixtures.ts';

const day = (d: number): string => `2024-01-${String(d).padStart(2, '0')}/P1D`;

/** Days 1..n; day d holds `perDay(d)` appended segments of 10 rows. */
function datasource(n: number, perDay: (d: number) => number) {
  const used = newTimeline();
  for (let d = 1; d <= n; d++) for (let p = 0; p < perDay(d); p++) add(used, day(d), 'v1', p, p, 0);
  return used;
}

const pick = (used: ReturnType<typeof datasource>, config: object, more: { locked?: string[]; slots?: number } = {}) =>
  pickCompactions({
    config: parseCompactionConfig('wiki', config), used, slots: more.slots ?? 10,
    statsOf: () => ({ rows: 10, size: 1000 }),
    lockedIntervals: (more.locked ?? []).map(parseInterval),
  }).map((c) => formatInterval(c.interval).slice(0, 10));

describe('auto-compaction picks the chunks that need it, newest first', () => {
  it('takes chunks of many small appended segments, newest first, leaving the last skipOffsetFromLatest alone', () => {
    const used = datasource(5, () => 4);
    expect(pick(used, {}), 'P1D by default: the newest day is still receiving data').toEqual(['2024-01-04', '2024-01-03', '2024-01-02', '2024-01-01']);
    expect(pick(used, { skipOffsetFromLatest: 'P3D' })).toEqual(['2024-01-02', '2024-01-01']);
  });

  it('leaves chunks whose segments are no more than their rows need', () => {
    const used = datasource(4, (d) => (d === 2 ? 3 : 1));
    expect(pick(used, { skipOffsetFromLatest: 'PT0S' })).toEqual(['2024-01-02']);
    expect(pick(used, { skipOffsetFromLatest: 'PT0S', maxRowsPerSegment: 10 }), '3 segments of 10 rows need 3 segments of 10').toEqual([]);
  });

  it('keeps off intervals other tasks hold locks on, and starts no more than the free slots', () => {
    const used = datasource(5, () => 4);
    expect(pick(used, {}, { locked: ['2024-01-03T12:00Z/2024-01-04T12:00Z'] })).toEqual(['2024-01-02', '2024-01-01']);
    expect(pick(used, {}, { slots: 1 })).toEqual(['2024-01-04']);
  });

  it('with a segment granularity, compacts day segments into the month', () => {
    const used = datasource(3, () => 1);
    add(used, '2024-02-01/P1D', 'v1', 0);
    expect(pick(used, { skipOffsetFromLatest: 'P1D', granularitySpec: { segmentGranularity: 'month' } })).toEqual(['2024-01-01']);
  });

  it('writes the compact task Druid\'s auto-compaction writes', () => {
    const config = parseCompactionConfig('wiki', { taskPriority: 30, maxRowsPerSegment: 1000, taskContext: { x: 1 } });
    const task = compactTaskJson(config, { interval: parseInterval('2024-01-01/2024-01-02'), segmentIds: ['a'], rows: 1, bytes: 1 });
    expect(task).toEqual({
      type: 'compact', dataSource: 'wiki',
      ioConfig: { type: 'compact', inputSpec: { type: 'interval', interval: '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z' } },
      tuningConfig: { partitionsSpec: { type: 'dynamic', maxRowsPerSegment: 1000 } },
      context: { x: 1, priority: 30 },
    });
  });
});

describe('compaction configs', () => {
  it('fill in Druid\'s defaults', () => {
    expect(parseCompactionConfig('wiki', {})).toMatchObject({ dataSource: 'wiki', taskPriority: 25, skipOffsetFromLatest: 'P1D' });
  });

  it('name every bad field', () => {
    try {
      parseCompactionConfig('wiki', { skipOffsetFromLatest: 'soon', taskPriority: 'high', colour: 'red' });
      expect.unreachable();
    } catch (e) {
      expect(isGroveError(e, 'invalid_spec')).toBe(true);
      expect((e as { details: Array<{ path: string }> }).details.map((d) => d.path).sort()).toEqual(['config.colour', 'config.skipOffsetFromLatest', 'config.taskPriority']);
    }
  });
});

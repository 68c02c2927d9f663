import { describe, expect, it } from 'vitest';
import { keysOf } from '../../../src/replay/keys.ts';
import { Replayer } from '../../../src/replay/replayer.ts';
import { MemorySource } from '../../../src/replay/source.ts';
import type { TimelineView } from '../../../src/replay/timeline-view.ts';
import { timelineSvg } from '../../../src/ui/timeline/svg.ts';
import { DAY1, DAY3, DS, SEG, V1, V2, V3, scenarioRecords, seqOf } from '../../golden/scenario.ts';

const records = scenarioRecords();
const viewAt = async (at: number | string): Promise<TimelineView> => (await new Replayer(new MemorySource(records, keysOf)).state('timeline', DS, at)) as TimelineView;
/** The opening tag of the chunk group for (interval, version). */
const chunkTag = (svg: string, interval: string, version: string): string => svg.match(new RegExp(`<g class="[^"]*" data-interval="${interval}" data-version="${version}"[^>]*>`))![0];

describe('the timeline picture', () => {
  it('dashes the missing partition of an incomplete version and keeps the old one visible', async () => {
    const svg = timelineSvg(await viewAt(seqOf(records, (r) => r.type === 'SegmentsPublished' && JSON.stringify(r.data).includes(SEG.day1v2p0))));
    expect(chunkTag(svg, DAY1, V2)).toContain('class="chunk incomplete"');
    expect(svg).toContain('<rect class="cell missing"');
    expect(chunkTag(svg, DAY1, V1)).toContain('class="chunk visible"');
  });

  it('fades an overshadowed, unused version, and marks a realtime segment', async () => {
    const svg = timelineSvg(await viewAt('latest'));
    // One of its two partitions was killed, so it is incomplete too.
    expect(chunkTag(svg, DAY1, V1)).toContain('class="chunk overshadowed unused incomplete"');
    expect(chunkTag(svg, DAY1, V2)).toContain('data-visible="true"');
    expect(svg).toMatch(new RegExp(`<g class="cell realtime used available" data-segment="${SEG.day3rt}"[^>]*data-realtime="true"><rect[^>]*/><text[^>]*>RT</text>`));
    // What queries read, one stretch per day.
    expect(svg.match(/<g class="read"/g)).toHaveLength(3);
    expect(svg).toContain(`class="read" data-interval="${DAY3}" data-version="${V3}"`);
  });

  it('stacks versions newest on top and puts time chunks across', async () => {
    const svg = timelineSvg(await viewAt('latest'));
    const versionRows = [...svg.matchAll(/<text class="version"[^>]*y="([\d.]+)"[^>]*>([^<]+)</g)].map((m) => [m[2], Number(m[1])] as const);
    const rows = versionRows.map(([v]) => v);
    expect(rows).toEqual([...rows].sort().reverse());
    const ticks = [...svg.matchAll(/<text class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['2013-01-01', '2013-01-02', '2013-01-03', '2013-01-04']);
  });

  it('says so when a datasource has no segments yet', async () => {
    expect(timelineSvg(await viewAt(1))).toBe(`<p class="empty">${DS} has no segments as of seq 1.</p>`);
  });
});

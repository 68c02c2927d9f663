import { formatInterval, parseInterval, type Interval } from '../../../src/time/interval.ts';
import { VersionedTimeline, type TimelineEntry } from '../../../src/timeline/versioned-timeline.ts';

/** Druid's test style: segments carry an integer payload and are written as "start/end". */
export type TestTimeline = VersionedTimeline<number>;

export const newTimeline = (): TestTimeline => new VersionedTimeline<number>();

/** `2011-01-01T00:00:00.000Z/2011-01-05T00:00:00.000Z` printed as `2011-01-01/2011-01-05`. */
export const short = (i: Interval): string => formatInterval(i).replaceAll('T00:00:00.000Z', '');

export function segment(interval: string, version: string, payload: number, partitionNum = 0, corePartitions = 1): TimelineEntry<number> {
  const i = parseInterval(interval);
  return { id: `${short(i)}_${version}_${partitionNum}`, interval: i, version, partitionNum, corePartitions, payload };
}

/** Adds a single-partition segment (a complete version on its own), as Druid's tests' `add`. */
export function add(t: TestTimeline, interval: string, version: string, payload: number, partitionNum = 0, corePartitions = 1): TimelineEntry<number> {
  const s = segment(interval, version, payload, partitionNum, corePartitions);
  t.add(s);
  return s;
}

export const idOf = (interval: string, version: string, partitionNum = 0): string => `${short(parseInterval(interval))}_${version}_${partitionNum}`;

/** The lookup as lines `interval version payloads`, e.g. `2011-01-01/2011-01-05 v1 [1]`. */
export function visible(t: TestTimeline, interval: string): string[] {
  return t.lookup(parseInterval(interval)).map((c) => `${short(c.interval)} v${c.version} [${c.partitions.map((p) => p.payload).join(',')}]`);
}

/** The overshadowed segments as `interval version payload`, sorted. */
export function overshadowed(t: TestTimeline, within?: string): string[] {
  return t.findFullyOvershadowed(within === undefined ? undefined : parseInterval(within))
    .map((s) => `${short(s.interval)} v${s.version} ${s.payload}`)
    .sort();
}

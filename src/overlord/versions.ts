import { GroveError } from '../bus/errors.ts';
import { IntervalTreap } from '../timeline/interval-treap.ts';
import { describeInterval } from '../timeline/describe.ts';
import { formatInstant, parseInstant } from '../time/instant.ts';
import type { Interval } from '../time/interval.ts';

/**
 * Every version ever used on each interval of each datasource (by locks and by segments), kept as
 * the highest per exact interval: a new version must beat all of them where it overlaps.
 */
export class VersionHistory {
  private readonly byDataSource = new Map<string, IntervalTreap<string>>();

  record(dataSource: string, interval: Interval, version: string): void {
    if (!(interval.start < interval.end)) return;
    let t = this.byDataSource.get(dataSource);
    if (t === undefined) this.byDataSource.set(dataSource, (t = new IntervalTreap()));
    const known = t.get(interval.start, interval.end);
    if (known !== undefined && known >= version) return;
    if (known !== undefined) t.remove(interval.start, interval.end);
    t.insert(interval.start, interval.end, '', version);
  }

  /** The highest version used on any interval overlapping `interval`, or null. */
  highestOverlapping(dataSource: string, interval: Interval): string | null {
    let best: string | null = null;
    for (const e of this.byDataSource.get(dataSource)?.overlapping(interval.start, interval.end) ?? []) {
      if (best === null || e.value > best) best = e.value;
    }
    return best;
  }
}

/**
 * A new lock's version: the ISO time of acquisition, or, when the clock is behind (it stepped back,
 * or another overlord's clock ran ahead), one millisecond past the highest version used on an
 * overlapping interval. Versions compare as strings, as in Druid. Pure.
 */
export function chooseVersion(history: VersionHistory, dataSource: string, interval: Interval, now: number): string {
  const candidate = formatInstant(now);
  const highest = history.highestOverlapping(dataSource, interval);
  if (highest === null || candidate > highest) return candidate;
  const t = parseInstant(highest);
  const next = Number.isNaN(t) ? null : formatInstant(t + 1);
  if (next === null || next <= highest) {
    throw new GroveError('conflict', `cannot choose a version for ${dataSource} ${describeInterval(interval)} above the version "${highest}" already used there: grove's versions are ISO-8601 times, and no time sorts after "${highest}"`);
  }
  return next;
}

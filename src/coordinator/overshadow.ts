import type { Interval } from '../time/interval.ts';
import type { VersionedTimeline } from '../timeline/index.ts';

/**
 * The used segments overlapping `within` that served segments overshadow (Druid's
 * MarkOvershadowedSegmentsAsUnused): complete higher versions, loaded on historicals or needing no
 * replica, cover the whole of their interval. An overwrite still loading overshadows nothing, so
 * the old version stays used, and queried, until the new one can answer. Pure.
 */
export function overshadowedSegments(used: VersionedTimeline<unknown>, served: VersionedTimeline<unknown>, within: Interval): string[] {
  const ids: string[] = [];
  for (const chunk of used.chunks(within)) {
    if (served.isOvershadowedAt(chunk.interval, chunk.version)) for (const p of chunk.partitions) ids.push(p.id);
  }
  return ids;
}

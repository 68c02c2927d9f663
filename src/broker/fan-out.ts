import type { Interval } from '../time/interval.ts';
import type { VersionedTimeline } from '../timeline/index.ts';
import type { Served } from './broker-timeline.ts';

/** One segment a query reads, clipped to where the timeline shows it, and who can serve it. */
export interface SegmentWork {
  readonly id: string;
  readonly clip: Interval;
  readonly servers: readonly string[];
}

/**
 * What a query reads (Druid's CachingClusteredClient): for each of its intervals, the visible
 * chunks of the timeline, every partition of each, clipped to where it is visible. A segment
 * partly overshadowed by a finer overwrite is read only around the overwrite. Pure.
 */
export function segmentsToQuery(timeline: VersionedTimeline<Served> | undefined, intervals: readonly Interval[]): SegmentWork[] {
  if (timeline === undefined) return [];
  const out: SegmentWork[] = [];
  for (const interval of intervals) {
    for (const chunk of timeline.lookup(interval)) {
      for (const p of chunk.partitions) out.push({ id: p.id, clip: chunk.interval, servers: p.payload.servers });
    }
  }
  return out;
}

export interface Assignment {
  /** The work each server is asked for. */
  byServer: Map<string, SegmentWork[]>;
  /** Work no untried server can take. */
  stranded: SegmentWork[];
}

/**
 * Chooses a server for each piece of work: one not tried for it yet, the most preferred first
 * (historicals before realtime tasks), and among equals the one given least so far, so the load
 * spreads over the replicas. Pure.
 */
export function assignServers(work: readonly SegmentWork[], tried: (w: SegmentWork, serverId: string) => boolean, rank: (serverId: string) => number): Assignment {
  const byServer = new Map<string, SegmentWork[]>();
  const stranded: SegmentWork[] = [];
  for (const w of work) {
    let best: string | null = null;
    for (const s of w.servers) {
      if (tried(w, s)) continue;
      if (best === null || rank(s) < rank(best) || (rank(s) === rank(best) && (byServer.get(s)?.length ?? 0) < (byServer.get(best)?.length ?? 0))) best = s;
    }
    if (best === null) stranded.push(w);
    else {
      const list = byServer.get(best) ?? [];
      list.push(w);
      byServer.set(best, list);
    }
  }
  return { byServer, stranded };
}

import type { ShardSpec } from '../../machines/segment/events.ts';
import type { SegmentContext } from '../../machines/segment/machine.ts';
import { IntervalFormatError, formatInterval, parseInterval, type Interval } from '../time/interval.ts';
import { InvalidTimelineEntryError, TimelineConflictError, VersionedTimeline, timelineEntryOf, type ChunkView } from '../timeline/index.ts';

/** One segment in the picture. */
export interface TimelinePartition {
  id: string;
  partitionNum: number;
  /** The segment machine's state, e.g. `published.used.available`. */
  state: string;
  used: boolean;
  available: boolean;
  /** Built and served by a streaming task, not yet handed off. */
  realtime: boolean;
  servers: string[];
  rows: number | null;
  size: number | null;
}

/** One (interval, version) of a datasource: a box of the picture. */
export interface TimelineChunk {
  interval: string;
  start: number;
  end: number;
  version: string;
  corePartitions: number;
  complete: boolean;
  /** Complete higher versions cover its whole interval. */
  overshadowed: boolean;
  /** Some partition is used (or realtime): it takes part in the timeline. */
  used: boolean;
  /** Where queries read this version. */
  visibleOn: Interval[];
  partitions: TimelinePartition[];
}

export interface TimelineView {
  dataSource: string;
  at: number;
  chunks: TimelineChunk[];
  /** What a query over all time reads: one version per stretch, in time order. */
  visible: Array<{ start: number; end: number; interval: string; version: string }>;
  /** Segments the timeline could not hold (e.g. a version overlapping itself), with why. */
  conflicts: string[];
}

/** A segment as the replay knows it: its machine's state and context. */
export interface SegmentFacts {
  state: string;
  context: SegmentContext;
}

/**
 * Its shard spec: as published, else as allocated; a segment the log knows neither way is taken
 * to have no core set.
 */
function shardSpecOf(c: SegmentContext): ShardSpec {
  return c.descriptor?.shardSpec ?? c.allocation?.shardSpec ?? { type: 'numbered', partitionNum: c.partitionNum, partitions: 0 };
}

const EVERYTHING: Interval = { start: -Infinity, end: Infinity };
const GONE = new Set(['abandoned', 'killed']);

/** In the timeline: published and used, or being built by a streaming task that serves it. */
const takesPart = (s: SegmentFacts): boolean =>
  s.state.startsWith('published.used') || (s.state === 'building' && s.context.realtime && s.context.taskId !== null);

function partitionOf(s: SegmentFacts): TimelinePartition {
  const c = s.context;
  return {
    id: c.id,
    partitionNum: c.partitionNum,
    state: s.state,
    used: takesPart(s),
    available: s.state === 'building' || s.state.endsWith('.available'),
    realtime: s.state === 'building' && c.realtime,
    servers: c.servers,
    rows: c.descriptor?.rows ?? null,
    size: c.descriptor?.size ?? null,
  };
}

const groupKey = (interval: string, version: string): string => `${interval}\u0000${version}`;

/**
 * A datasource's versioned timeline as a picture's data: every (interval, version) with its
 * partitions, which of them queries read, which are overshadowed. Abandoned and killed segments
 * are gone; unused ones stay, marked. Pure.
 */
export function timelineView(dataSource: string, at: number, segments: Iterable<SegmentFacts>): TimelineView {
  const timeline = new VersionedTimeline<TimelinePartition>();
  const conflicts: string[] = [];
  const outside = new Map<string, { interval: Interval; version: string; corePartitions: number; partitions: TimelinePartition[] }>();
  for (const s of segments) {
    if (GONE.has(s.state) || s.context.taskId === null) continue;
    const part = partitionOf(s);
    let interval: Interval;
    try {
      interval = parseInterval(s.context.interval);
      if (part.used) {
        timeline.add(timelineEntryOf({ ...s.context, shardSpec: shardSpecOf(s.context) }, part));
        continue;
      }
    } catch (e) {
      if (!(e instanceof TimelineConflictError || e instanceof InvalidTimelineEntryError || e instanceof IntervalFormatError)) throw e;
      conflicts.push(e.message);
      continue;
    }
    const key = groupKey(formatInterval(interval), s.context.version);
    const group = outside.get(key) ?? { interval, version: s.context.version, corePartitions: shardSpecOf(s.context).partitions, partitions: [] };
    group.partitions.push(part);
    outside.set(key, group);
  }
  const chunks = timeline.chunks().map((c) => chunkOf(c, outside));
  for (const g of outside.values()) {
    chunks.push({
      ...boundsOf(g.interval),
      version: g.version,
      corePartitions: g.corePartitions,
      complete: isComplete(g.corePartitions, g.partitions),
      overshadowed: timeline.isOvershadowedAt(g.interval, g.version),
      used: false,
      visibleOn: [],
      partitions: byNumber(g.partitions),
    });
  }
  chunks.sort((a, b) => a.start - b.start || a.end - b.end || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  const visible = timeline.lookup(EVERYTHING).map((v) => ({ ...boundsOf(v.interval), version: v.version }));
  return { dataSource, at, chunks, visible, conflicts };
}

/** A chunk of the timeline, joined by the partitions of its (interval, version) that are not in it. */
function chunkOf(c: ChunkView<TimelinePartition>, outside: Map<string, { partitions: TimelinePartition[] }>): TimelineChunk {
  const bounds = boundsOf(c.interval);
  const key = groupKey(bounds.interval, c.version);
  const rest = outside.get(key)?.partitions ?? [];
  outside.delete(key);
  return {
    ...bounds,
    version: c.version,
    corePartitions: c.corePartitions,
    complete: c.complete,
    overshadowed: c.overshadowed,
    used: true,
    visibleOn: c.visibleOn.map((i) => ({ start: i.start, end: i.end })),
    partitions: byNumber([...c.partitions.map((p) => p.payload), ...rest]),
  };
}

function boundsOf(i: Interval): { interval: string; start: number; end: number } {
  return { interval: formatInterval(i), start: i.start, end: i.end };
}

const byNumber = (parts: TimelinePartition[]): TimelinePartition[] => parts.sort((a, b) => a.partitionNum - b.partitionNum);

/** Numbered shard spec rules: every core partition present, or any partition when there is no core set. */
function isComplete(core: number, parts: TimelinePartition[]): boolean {
  if (core === 0) return parts.length > 0;
  const present = new Set(parts.filter((p) => p.partitionNum < core).map((p) => p.partitionNum));
  return present.size === core;
}

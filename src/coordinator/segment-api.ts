import type { z } from 'zod';
import { GroveError, notFound } from '../bus/errors.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { ClusterState } from '../projections/cluster-state.ts';
import { stateName, type EntitySnapshot } from '../projections/machine-fold.ts';
import { condense, contains, formatInterval, overlaps, parseInterval, type Interval } from '../time/interval.ts';
import { timelineEntryOf, VersionedTimeline } from '../timeline/index.ts';
import { isUsedState, type CoordinatorView } from './cluster-view.ts';
import type { descriptorsRequest, markRequest, segmentListRequest } from './requests.ts';
import type { SegmentDescriptor } from '../../machines/segment/events.ts';

/** One row of `grove.api.segment.list` (DESIGN.md §5, a fixed contract). */
export interface SegmentRow {
  id: string;
  dataSource: string;
  interval: string;
  version: string;
  partitionNum: number;
  /** The segment machine's state, dotted: `published.used.available`. */
  state: string;
  servers: string[];
  rows: number;
  size: number;
}

/** One row of `grove.api.datasource.list`: its used segments, their rows and the intervals they cover. */
export interface DataSourceRow {
  name: string;
  segments: number;
  rows: number;
  intervals: string[];
}

type Snap = EntitySnapshot<'segment'>;

const matchesState = (state: string, wanted: string): boolean => state === wanted || state.startsWith(`${wanted}.`);

const intervalOf = (s: Snap): Interval | null => (s.context.interval === '' ? null : parseInterval(s.context.interval));

function rowOf(s: Snap): SegmentRow {
  const c = s.context;
  return {
    id: c.id,
    dataSource: c.dataSource,
    interval: c.interval,
    version: c.version,
    partitionNum: c.partitionNum,
    state: stateName(s.value),
    servers: [...c.servers],
    rows: c.descriptor?.rows ?? 0,
    size: c.descriptor?.size ?? 0,
  };
}

type Placed = Pick<SegmentDescriptor, 'interval' | 'version' | 'partitionNum'>;

const byPlace = (x: Placed, y: Placed): number =>
  x.interval < y.interval ? -1 : x.interval > y.interval ? 1 : x.version < y.version ? -1 : x.version > y.version ? 1 : x.partitionNum - y.partitionNum;

/** `grove.api.segment.list`: a datasource's segments in time order, filtered by interval (overlap) and state. Pure. */
export function listSegments(cluster: ClusterState, req: z.output<typeof segmentListRequest>): SegmentRow[] {
  const rows = cluster.segmentsOf(req.dataSource).filter((s) => {
    if (req.state !== undefined && !matchesState(stateName(s.value), req.state)) return false;
    if (req.interval === undefined) return true;
    const i = intervalOf(s);
    return i !== null && overlaps(i, req.interval);
  });
  rows.sort((a, b) => byPlace(a.context, b.context));
  return (req.limit === undefined ? rows : rows.slice(0, req.limit)).map(rowOf);
}

/** `grove.api.datasource.list`: every datasource grove knows, with what its used segments hold. Pure. */
export function listDataSources(cluster: ClusterState): DataSourceRow[] {
  return cluster.dataSources().map((name) => {
    const used = cluster.segmentsOf(name).filter((s) => isUsedState(stateName(s.value)));
    return {
      name,
      segments: used.length,
      rows: used.reduce((n, s) => n + (s.context.descriptor?.rows ?? 0), 0),
      intervals: condense(used.map((s) => intervalOf(s)!)).map(formatInterval),
    };
  });
}

export interface MarkDecision {
  events: NewEvent[];
  result: { numChangedSegments: number };
}

type MarkRequest = z.output<typeof markRequest>;

/**
 * The segments a mark request names: by ids (every one must exist in the datasource), or those
 * lying wholly inside the interval, as Druid's markUsed/markUnused by interval take them.
 */
function selected(cluster: ClusterState, req: MarkRequest): Snap[] {
  if (req.segmentIds !== undefined) {
    const found = req.segmentIds.map((id) => cluster.entity('segment', id));
    const unknown = req.segmentIds.filter((id, i) => found[i] === undefined || found[i]!.context.dataSource !== req.dataSource);
    if (unknown.length > 0) throw notFound(`datasource ${req.dataSource} has no segment ${unknown.join(', ')}`);
    return found as Snap[];
  }
  return cluster.segmentsOf(req.dataSource).filter((s) => {
    const i = intervalOf(s);
    return i !== null && contains(req.interval!, i);
  });
}

/** `grove.api.segment.markUnused`: used segments become unused (reason `manual`). Pure. */
export function decideMarkUnused(cluster: ClusterState, req: MarkRequest): MarkDecision {
  const ids = selected(cluster, req).filter((s) => isUsedState(stateName(s.value))).map((s) => s.context.id);
  return marking(ids, { type: 'SegmentsMarkedUnused', data: { dataSource: req.dataSource, segmentIds: ids, reason: 'manual' } });
}

/**
 * `grove.api.segment.markUsed`: unused segments become used again, except those that used
 * segments (or others marked with them) overshadow — Druid's markAsUsedNonOvershadowedSegments:
 * resurrecting an overwritten version would hide nothing and serve nothing. Pure.
 */
export function decideMarkUsed(cluster: ClusterState, view: CoordinatorView, req: MarkRequest): MarkDecision {
  const candidates = selected(cluster, req).filter((s) => stateName(s.value).startsWith('published.unused.') && s.context.descriptor !== null);
  const used = view.usedTimeline(req.dataSource);
  const together = new VersionedTimeline<null>();
  for (const s of candidates) tryAdd(together, s);
  const ids = candidates
    .filter((s) => {
      const i = parseInterval(s.context.interval);
      return !(used?.isOvershadowedAt(i, s.context.version) ?? false) && !together.isOvershadowedAt(i, s.context.version);
    })
    .map((s) => s.context.id);
  return marking(ids, { type: 'SegmentsMarkedUsed', data: { dataSource: req.dataSource, segmentIds: ids, reason: 'manual' } });
}

function tryAdd(t: VersionedTimeline<null>, s: Snap): void {
  try {
    t.add(timelineEntryOf(s.context.descriptor!, null));
  } catch (e) {
    throw new GroveError('conflict', `segment ${s.context.id} cannot be marked used with the others: ${(e as Error).message}`);
  }
}

function marking(ids: string[], event: NewEvent): MarkDecision {
  return { events: ids.length === 0 ? [] : [event], result: { numChangedSegments: ids.length } };
}

/** A published segment as tasks read it: its descriptor and its state. */
export interface DescribedSegment {
  state: string;
  descriptor: SegmentDescriptor;
}

/**
 * `grove.coordinator.segments` (Druid's RetrieveUsedSegmentsAction / RetrieveUnusedSegmentsAction):
 * the published segments that are used (or unused), overlapping the interval or named by id. Pure.
 */
export function describeSegments(cluster: ClusterState, req: z.output<typeof descriptorsRequest>): DescribedSegment[] {
  const wanted = req.segmentIds === undefined ? null : new Set(req.segmentIds);
  const prefix = req.used ? 'published.used.' : 'published.unused.';
  const out: DescribedSegment[] = [];
  for (const s of cluster.segmentsOf(req.dataSource)) {
    const state = stateName(s.value);
    const d = s.context.descriptor;
    if (d === null || !state.startsWith(prefix) || (wanted !== null && !wanted.has(d.id))) continue;
    if (req.interval !== undefined && !overlaps(parseInterval(d.interval), req.interval)) continue;
    out.push({ state, descriptor: d });
  }
  return out.sort((a, b) => byPlace(a.descriptor, b.descriptor));
}

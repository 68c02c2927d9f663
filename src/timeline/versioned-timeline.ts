import { intersect, subtract, type Interval } from '../time/interval.ts';
import { InvalidTimelineEntryError, TimelineConflictError, UnknownSegmentError } from './errors.ts';
import { IntervalTreap, type TreapEntry } from './interval-treap.ts';
import { PartitionHolder, type TimelineEntry } from './partition-holder.ts';
import { describeInterval } from './describe.ts';

export type { TimelineEntry } from './partition-holder.ts';

/** What a query reads for one stretch of time. */
export interface VisibleChunk<P> {
  /** Where this version is visible, clipped to the looked-up interval. */
  readonly interval: Interval;
  /** The segments' own interval (wider than `interval` when partly overshadowed or clipped). */
  readonly trueInterval: Interval;
  readonly version: string;
  readonly corePartitions: number;
  /** By partition number: the complete core set and any appended partitions. */
  readonly partitions: readonly TimelineEntry<P>[];
}

/** One (interval, version) of the timeline, visible or not: what the visualizer draws. */
export interface ChunkView<P> {
  readonly interval: Interval;
  readonly version: string;
  readonly corePartitions: number;
  readonly complete: boolean;
  /** Complete higher versions cover the whole interval: its segments can be marked unused. */
  readonly overshadowed: boolean;
  /** The stretches where queries read this version; empty when incomplete or overshadowed. */
  readonly visibleOn: readonly Interval[];
  readonly partitions: readonly TimelineEntry<P>[];
}

/** Wider than any segment: the default range of the whole-timeline views. */
const EVERYTHING: Interval = { start: -Infinity, end: Infinity };

type Piece<P> = TreapEntry<PartitionHolder<P>>;

/**
 * Druid's VersionedIntervalTimeline for one datasource, generic over the payload each segment
 * carries. For every instant, lookups see the highest version whose partitions are complete
 * (numbered shard spec rules, see PartitionHolder); an incomplete overwrite leaves the lower
 * version visible until its last core partition arrives, and a finer higher version hides only
 * the part of a coarser chunk it covers. Add, remove and lookup are O(log n + k) in the number
 * of segments n and the chunks k they touch.
 */
export class VersionedTimeline<P> {
  private readonly byId = new Map<string, { entry: TimelineEntry<P>; holder: PartitionHolder<P> }>();
  /** Every (interval, version) with at least one segment, keyed (start, end, version). */
  private readonly holders = new IntervalTreap<PartitionHolder<P>>();
  /**
   * What lookups read: disjoint stretches, each as long as it can be, with the complete holder
   * visible there. Kept up to date on every change, so reads never compute visibility.
   */
  private readonly visible = new IntervalTreap<PartitionHolder<P>>();

  /** The number of segments held. */
  get size(): number {
    return this.byId.size;
  }

  get(id: string): TimelineEntry<P> | undefined {
    return this.byId.get(id)?.entry;
  }

  /**
   * Adds a segment, or replaces the payload of one already held under the same id (which must
   * then have the same interval, version and partition).
   */
  add(entry: TimelineEntry<P>): void {
    validateEntry(entry);
    const known = this.byId.get(entry.id);
    if (known !== undefined) {
      checkSameCoordinates(known.entry, entry);
      known.holder.put(entry);
      known.entry = entry;
      return;
    }
    const holder = this.holderFor(entry);
    const wasComplete = holder.complete;
    holder.put(entry);
    this.byId.set(entry.id, { entry, holder });
    if (!wasComplete && holder.complete) this.reveal(holder);
  }

  /** Removes a segment; returns it, or undefined when the timeline did not hold it. */
  remove(id: string): TimelineEntry<P> | undefined {
    const known = this.byId.get(id);
    if (known === undefined) return undefined;
    const { entry, holder } = known;
    const wasComplete = holder.complete;
    holder.delete(entry);
    this.byId.delete(id);
    if (holder.isEmpty) this.holders.remove(holder.interval.start, holder.interval.end, holder.version);
    if (wasComplete && !holder.complete) this.repaint(holder.interval);
    return entry;
  }

  /** The visible chunks over `interval`, in time order; nothing for an empty interval. */
  lookup(interval: Interval): VisibleChunk<P>[] {
    return this.visible.overlapping(interval.start, interval.end).map((p) => ({
      interval: { start: Math.max(p.start, interval.start), end: Math.min(p.end, interval.end) },
      trueInterval: p.value.interval,
      version: p.value.version,
      corePartitions: p.value.corePartitions,
      partitions: p.value.partitions.slice(),
    }));
  }

  /** True when complete higher versions cover the whole interval of segment `id`. */
  isOvershadowed(id: string): boolean {
    const known = this.byId.get(id);
    if (known === undefined) throw new UnknownSegmentError(id);
    return this.isOvershadowedAt(known.holder.interval, known.holder.version);
  }

  /** Would a segment of `version` on `interval` be overshadowed? (It need not be held.) */
  isOvershadowedAt(interval: Interval, version: string): boolean {
    return coveredByHigher(interval, version, this.visible.overlapping(interval.start, interval.end));
  }

  /**
   * The segments overlapping `within` that are overshadowed. After adding segments on an
   * interval, only segments overlapping it can have become overshadowed, so the coordinator
   * asks about that interval rather than about the whole datasource.
   */
  findFullyOvershadowed(within: Interval = EVERYTHING): TimelineEntry<P>[] {
    const out: TimelineEntry<P>[] = [];
    for (const { value: h } of this.holders.overlapping(within.start, within.end)) {
      if (this.isOvershadowedAt(h.interval, h.version)) out.push(...h.partitions);
    }
    return out;
  }

  /** Every (interval, version) overlapping `within`, by interval then version. */
  chunks(within: Interval = EVERYTHING): ChunkView<P>[] {
    return this.holders.overlapping(within.start, within.end).map(({ value: h }) => this.viewOf(h));
  }

  private viewOf(h: PartitionHolder<P>): ChunkView<P> {
    const pieces = this.visible.overlapping(h.interval.start, h.interval.end);
    return {
      interval: h.interval,
      version: h.version,
      corePartitions: h.corePartitions,
      complete: h.complete,
      overshadowed: coveredByHigher(h.interval, h.version, pieces),
      visibleOn: pieces.filter((p) => p.value === h).map((p) => ({ start: p.start, end: p.end })),
      partitions: h.partitions.slice(),
    };
  }

  /** The holder `entry` joins, created if new; throws, changing nothing, when it cannot join. */
  private holderFor(entry: TimelineEntry<P>): PartitionHolder<P> {
    const { interval, version } = entry;
    const existing = this.holders.get(interval.start, interval.end, version);
    if (existing !== undefined) {
      checkFits(existing, entry);
      return existing;
    }
    const clash = this.holders.overlapping(interval.start, interval.end).find((e) => e.value.version === version);
    if (clash !== undefined) {
      throw new TimelineConflictError(entry.id, clash.value.partitions[0]!.id,
        `version ${version} already covers ${describeInterval(clash.value.interval)}, which overlaps ${describeInterval(interval)}; a version must not overlap itself`);
    }
    const holder = new PartitionHolder<P>(interval, version, entry.corePartitions);
    this.holders.insert(interval.start, interval.end, version, holder);
    return holder;
  }

  /** `h` just became complete: it shows wherever nothing higher is visible on its interval. */
  private reveal(h: PartitionHolder<P>): void {
    this.rewrite(h.interval, (run) => overlay(h.interval, run, h));
  }

  /** A holder on `range` stopped being complete or went away: the complete ones left decide. */
  private repaint(range: Interval): void {
    const complete = this.holders.overlapping(range.start, range.end).map((e) => e.value).filter((h) => h.complete);
    this.rewrite(range, () => paint(range, complete));
  }

  /**
   * Replaces what is visible on `range` with `inside(run)`, where the run is the pieces overlapping
   * or touching `range`: those are cut at its edges and joined with the new spans showing the
   * same holder, so that every piece stays as long as it can be. Outside `range` nothing changes.
   */
  private rewrite(range: Interval, inside: (run: readonly Piece<P>[]) => Span<P>[]): void {
    // Instants are integer ms: widening by 1 takes in the pieces that end or start at the edges.
    const run = this.visible.overlapping(range.start - 1, range.end + 1);
    const first = run[0];
    const last = run[run.length - 1];
    const spans: Span<P>[] = [];
    if (first !== undefined && first.start < range.start) spans.push({ start: first.start, end: Math.min(first.end, range.start), value: first.value });
    spans.push(...inside(run));
    if (last !== undefined && last.end > range.end) spans.push({ start: Math.max(last.start, range.end), end: last.end, value: last.value });
    if (first !== undefined && last !== undefined) this.visible.removeBetween(first, last);
    for (const s of joinAdjacent(spans)) this.visible.insert(s.start, s.end, '', s.value);
  }
}

interface Span<P> {
  start: number;
  end: number;
  value: PartitionHolder<P>;
}

/** What `range` shows once `h` is complete: `h`, except where the run shows a higher version. */
function overlay<P>(range: Interval, run: readonly Piece<P>[], h: PartitionHolder<P>): Span<P>[] {
  const out: Span<P>[] = [];
  let cursor = range.start;
  for (const p of run) {
    const start = Math.max(p.start, range.start);
    const end = Math.min(p.end, range.end);
    if (start >= end) continue;
    if (start > cursor) out.push({ start: cursor, end: start, value: h });
    out.push({ start, end, value: p.value.version > h.version ? p.value : h });
    cursor = end;
  }
  if (cursor < range.end) out.push({ start: cursor, end: range.end, value: h });
  return out;
}

/** Spans in time order, with neighbours showing the same holder joined into one. */
function joinAdjacent<P>(spans: Span<P>[]): Span<P>[] {
  const out: Span<P>[] = [];
  for (const s of spans) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.value === s.value && prev.end === s.start) prev.end = s.end;
    else out.push({ ...s });
  }
  return out;
}

/**
 * Assigns each instant of `range` to the highest version among `holders` covering it: holders
 * from the highest version down take what is still uncovered.
 */
function paint<P>(range: Interval, holders: PartitionHolder<P>[]): Span<P>[] {
  holders.sort((a, b) => (a.version === b.version ? 0 : a.version < b.version ? 1 : -1));
  const pieces: Span<P>[] = [];
  let uncovered: Interval[] = [range];
  for (const h of holders) {
    if (uncovered.length === 0) break;
    const still: Interval[] = [];
    for (const gap of uncovered) {
      const taken = intersect(gap, h.interval);
      if (taken === null) {
        still.push(gap);
        continue;
      }
      pieces.push({ ...taken, value: h });
      still.push(...subtract(gap, h.interval));
    }
    uncovered = still;
  }
  return pieces.sort((a, b) => a.start - b.start);
}

/** True when `pieces` (visible, in time order) cover all of `interval` with versions above `version`. */
function coveredByHigher<P>(interval: Interval, version: string, pieces: readonly Piece<P>[]): boolean {
  if (interval.end <= interval.start) return false;
  let reached = interval.start;
  for (const p of pieces) {
    if (p.start > reached || p.value.version <= version) return false;
    reached = p.end;
  }
  return reached >= interval.end;
}

function validateEntry(e: TimelineEntry<unknown>): void {
  const problem = problemOf(e);
  if (problem !== null) throw new InvalidTimelineEntryError(String(e.id), problem[0], problem[1]);
}

function problemOf(e: TimelineEntry<unknown>): [field: string, reason: string] | null {
  if (typeof e.id !== 'string' || e.id === '') return ['id', 'must be a non-empty string'];
  const i = e.interval as Partial<Interval> | undefined;
  if (!Number.isSafeInteger(i?.start) || !Number.isSafeInteger(i?.end)) return ['interval', 'must have integer epoch-millisecond start and end'];
  if (e.interval.end <= e.interval.start) return ['interval', `${describeInterval(e.interval)} is empty: its end must come after its start`];
  if (typeof e.version !== 'string' || e.version === '') return ['version', 'must be a non-empty string'];
  if (!Number.isSafeInteger(e.partitionNum) || e.partitionNum < 0) return ['partitionNum', `must be an integer >= 0, got ${e.partitionNum}`];
  if (!Number.isSafeInteger(e.corePartitions) || e.corePartitions < 0) return ['corePartitions', `must be an integer >= 0, got ${e.corePartitions}`];
  return null;
}

function checkSameCoordinates<P>(held: TimelineEntry<P>, entry: TimelineEntry<P>): void {
  const same = held.interval.start === entry.interval.start && held.interval.end === entry.interval.end
    && held.version === entry.version && held.partitionNum === entry.partitionNum && held.corePartitions === entry.corePartitions;
  if (!same) {
    throw new TimelineConflictError(entry.id, held.id,
      `the timeline holds this id as ${coordinates(held)}, not ${coordinates(entry)}`);
  }
}

/** Checks that `entry` can join the existing holder of its interval and version. */
function checkFits<P>(holder: PartitionHolder<P>, entry: TimelineEntry<P>): void {
  const taken = holder.partition(entry.partitionNum);
  if (taken !== undefined) {
    throw new TimelineConflictError(entry.id, taken.id, `partition ${entry.partitionNum} of ${coordinates(entry)} is already taken`);
  }
  if (holder.corePartitions !== entry.corePartitions) {
    throw new TimelineConflictError(entry.id, holder.partitions[0]!.id,
      `it has corePartitions ${entry.corePartitions}, the other partitions of version ${entry.version} on ${describeInterval(entry.interval)} have ${holder.corePartitions}`);
  }
}

function coordinates(e: TimelineEntry<unknown>): string {
  return `${describeInterval(e.interval)} version ${e.version} partition ${e.partitionNum}/${e.corePartitions}`;
}

import { parseGranularity } from '../time/granularity.ts';
import { ETERNITY, formatInterval, overlaps, type Interval } from '../time/interval.ts';
import { addPeriod, parsePeriod } from '../time/period.ts';
import type { VersionedTimeline } from '../timeline/index.ts';
import { maxRowsPerSegmentOf, type CompactionConfig } from './compaction-config.ts';

/** A time chunk worth compacting: the segments a query reads there now. */
export interface CompactionCandidate {
  interval: Interval;
  segmentIds: string[];
  rows: number;
  bytes: number;
}

export interface AutoCompactionInput {
  config: CompactionConfig;
  /** The datasource's used segments. */
  used: VersionedTimeline<unknown>;
  statsOf(segmentId: string): { rows: number; size: number };
  /** Intervals some task holds or waits for a lock on: compaction keeps off them. */
  lockedIntervals: readonly Interval[];
  /** How many compaction tasks may start now. */
  slots: number;
}

/**
 * Druid's NewestSegmentFirstIterator, simply: the chunks of the datasource from the newest back,
 * leaving out the last `skipOffsetFromLatest` before the end of the newest segment (data still
 * arriving) and locked intervals, taking those whose segments are more than their rows need (many
 * small appended segments) or not yet at the configured segment granularity. Pure.
 */
export function pickCompactions(input: AutoCompactionInput): CompactionCandidate[] {
  const { config, used } = input;
  if (input.slots <= 0) return [];
  const visible = used.lookup(ETERNITY);
  if (visible.length === 0) return [];
  const latest = Math.max(...visible.map((c) => c.trueInterval.end));
  const searchEnd = addPeriod(latest, parsePeriod(config.skipOffsetFromLatest), 'UTC', -1);
  const granularity = config.granularitySpec?.segmentGranularity ?? null;
  const chunks = unitsOf(visible.map((c) => c.trueInterval), granularity).filter((u) => u.end <= searchEnd).reverse();
  const out: CompactionCandidate[] = [];
  for (const unit of chunks) {
    if (out.length >= input.slots) break;
    if (input.lockedIntervals.some((l) => overlaps(l, unit))) continue;
    const candidate = candidateOf(input, unit);
    if (candidate.bytes > config.inputSegmentSizeBytes) continue;
    if (needsCompaction(input, candidate, unit, granularity !== null)) out.push(candidate);
  }
  return out;
}

/** The intervals to compact one at a time, in time order: configured buckets, or the segments' own chunks where they overlap. */
function unitsOf(intervals: Interval[], granularity: unknown): Interval[] {
  if (granularity !== null) {
    const g = parseGranularity(granularity);
    const buckets = new Map<number, Interval>();
    for (const i of intervals) for (let t = g.bucketStart(i.start); t < i.end; t = g.next(t)) buckets.set(t, g.bucket(t));
    return [...buckets.values()].sort((a, b) => a.start - b.start);
  }
  const sorted = [...intervals].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    // Chunks that only touch stay apart: each is compacted on its own.
    if (last !== undefined && i.start < last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, i.end) };
    else out.push(i);
  }
  return out;
}

function candidateOf(input: AutoCompactionInput, unit: Interval): CompactionCandidate {
  const ids = new Set<string>();
  for (const c of input.used.lookup(unit)) for (const p of c.partitions) ids.add(p.id);
  let rows = 0;
  let bytes = 0;
  for (const id of ids) {
    const s = input.statsOf(id);
    rows += s.rows;
    bytes += s.size;
  }
  return { interval: unit, segmentIds: [...ids], rows, bytes };
}

function needsCompaction(input: AutoCompactionInput, c: CompactionCandidate, unit: Interval, regranulate: boolean): boolean {
  if (c.segmentIds.length === 0) return false;
  const enough = Math.max(1, Math.ceil(c.rows / maxRowsPerSegmentOf(input.config)));
  if (c.segmentIds.length > enough) return true;
  return regranulate && input.used.lookup(unit).some((v) => v.trueInterval.start !== unit.start || v.trueInterval.end !== unit.end);
}

/** The `compact` task the coordinator submits for a candidate, as Druid's auto-compaction writes it. */
export function compactTaskJson(config: CompactionConfig, c: CompactionCandidate): Record<string, unknown> {
  const maxRows = maxRowsPerSegmentOf(config);
  const tuningConfig = { ...config.tuningConfig, partitionsSpec: config.tuningConfig?.partitionsSpec ?? { type: 'dynamic', maxRowsPerSegment: maxRows } };
  return {
    type: 'compact',
    dataSource: config.dataSource,
    ioConfig: { type: 'compact', inputSpec: { type: 'interval', interval: formatInterval(c.interval) } },
    ...(config.granularitySpec ? { granularitySpec: config.granularitySpec } : {}),
    tuningConfig,
    context: { ...config.taskContext, priority: config.taskPriority },
  };
}

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { SegmentDescriptor } from '../../machines/segment/events.ts';
import type { SegmentReader } from '../segment/reader.ts';
import type { GranularitySpec } from '../time/granularity.ts';
import { parseGranularity, SEGMENT_GRANULARITY_ORDER } from '../time/granularity.ts';
import { parseInterval, type Interval } from '../time/interval.ts';
import { timelineEntryOf, VersionedTimeline } from '../timeline/index.ts';

/** What a compaction cannot do with the segments it was given: names the segment or column. */
export class CompactionInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompactionInputError';
  }
}

/** A segment to read, and the part of it a query would read (a partly overshadowed segment is read only there). */
export interface CompactionSlice {
  descriptor: SegmentDescriptor;
  clip: Interval;
}

/**
 * The segments a query over `interval` reads now: the visible chunks of the used segments' timeline,
 * each partition clipped to where it is visible. Compacting exactly these keeps every query's answer.
 * Pure.
 */
export function visibleSlices(used: readonly SegmentDescriptor[], interval: Interval): CompactionSlice[] {
  const timeline = new VersionedTimeline<SegmentDescriptor>();
  for (const d of used) timeline.add(timelineEntryOf(d, d));
  return timeline.lookup(interval).flatMap((chunk) => chunk.partitions.map((p) => ({ descriptor: p.payload, clip: chunk.interval })));
}

/** Metric aggregators whose combining form is the same aggregator over the stored column. */
const SELF_COMBINING = new Set(['longSum', 'doubleSum', 'floatSum', 'longMin', 'longMax', 'doubleMin', 'doubleMax', 'floatMin', 'floatMax']);

/**
 * The metricsSpec that rolls the segments' stored metrics up again (Druid's combining aggregator
 * factories): a count becomes a longSum of the count column, sums, mins and maxes aggregate their
 * own column. Every segment must agree on each metric. Pure.
 */
export function combiningMetrics(readers: readonly SegmentReader[]): Array<Record<string, unknown>> {
  const byName = new Map<string, { type: string; from: string }>();
  for (const r of readers) {
    for (const m of r.header.metrics) {
      const type = m.aggregator.type;
      const seen = byName.get(m.name);
      if (seen !== undefined && seen.type !== type) {
        throw new CompactionInputError(`metric "${m.name}" is a ${seen.type} in segment ${seen.from} but a ${type} in segment ${r.id}: compact them apart, or name a metricsSpec`);
      }
      if (type !== 'count' && !SELF_COMBINING.has(type)) throw new CompactionInputError(`metric "${m.name}" of segment ${r.id} is a ${type}, which compaction cannot combine yet`);
      byName.set(m.name, { type, from: r.id });
    }
  }
  return [...byName].map(([name, { type }]) => ({ type: type === 'count' ? 'longSum' : type, name, fieldName: name }));
}

/** The dimensions of all the segments, in the order they first appear, with their types. Pure. */
export function dimensionsOf(readers: readonly SegmentReader[]): Array<{ type: string; name: string }> {
  const out = new Map<string, string>();
  for (const r of readers) {
    for (const d of r.header.dimensions) {
      const seen = out.get(d.name);
      if (seen !== undefined && seen !== d.type) throw new CompactionInputError(`dimension "${d.name}" is a ${seen} in one segment and a ${d.type} in segment ${r.id}`);
      out.set(d.name, d.type);
    }
  }
  return [...out].map(([name, type]) => ({ type, name }));
}

/**
 * The segment granularity the segments already have: the coarsest standard one whose buckets are
 * exactly their intervals. Throws when they have none in common (the task must then name one).
 */
export function segmentGranularityOf(descriptors: readonly SegmentDescriptor[]): GranularitySpec {
  const intervals = descriptors.map((d) => parseInterval(d.interval));
  for (const name of SEGMENT_GRANULARITY_ORDER) {
    const g = parseGranularity(name);
    if (intervals.every((i) => g.bucketStart(i.start) === i.start && g.next(i.start) === i.end)) return name;
  }
  throw new CompactionInputError('the segments do not share a segment granularity: give granularitySpec.segmentGranularity');
}

/** The one value every segment has for `pick`, or what `override` says; throws naming `what` otherwise. */
export function sharedSetting<T>(readers: readonly SegmentReader[], pick: (r: SegmentReader) => T, what: string, override: T | null): T {
  if (override !== null) return override;
  const values = [...new Set(readers.map((r) => JSON.stringify(pick(r))))];
  if (values.length !== 1) throw new CompactionInputError(`the segments differ in ${what} (${values.join(', ')}): give it in granularitySpec`);
  return pick(readers[0]!);
}

/**
 * Writes every row the slices show as a JSON line (`__time` in epoch ms, then the dimensions and
 * stored metrics), the input of the re-ingestion. Returns the number of rows written.
 */
export async function writeRows(slices: ReadonlyArray<{ reader: SegmentReader; clip: Interval }>, file: string): Promise<number> {
  const out = createWriteStream(file);
  let rows = 0;
  for (const { reader, clip } of slices) {
    const columns = [...reader.dimensions, ...reader.metrics];
    for (let r = 0; r < reader.rows; r++) {
      const t = reader.time[r]!;
      if (t < clip.start || t >= clip.end) continue;
      const row: Record<string, unknown> = { __time: t };
      for (const c of columns) {
        if (c.kind === 'string') row[c.name] = c.dictionary[c.ids[r]!] ?? null;
        else row[c.name] = Number.isNaN(c.values[r]!) ? null : c.values[r];
      }
      if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
      rows++;
    }
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

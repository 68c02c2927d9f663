import type { SegmentReader } from '../segment/reader.ts';
import type { DataSourceMetadataQuery, TimeBoundaryQuery } from '../spec/query.ts';
import type { Interval } from '../time/interval.ts';
import { compileFilter } from './filter-match.ts';
import { bindFilter, selectRows } from './segment-filter.ts';
import { rowRanges } from './time-ranges.ts';
import { isoTime } from './values.ts';

/** timeBoundary and dataSourceMetadata: the earliest and latest row times. */

export interface TimeBoundsPartial {
  queryType: 'timeBoundary' | 'dataSourceMetadata';
  min: number | null;
  max: number | null;
}

/** The first and last selected row of the query's ranges; rows are sorted, so no scan without a filter. */
export function timeBoundaryOnSegment(query: TimeBoundaryQuery, segment: SegmentReader, clip?: Interval): TimeBoundsPartial {
  const matcher = bindFilter(query.filter === null ? null : compileFilter(query.filter), segment);
  let min: number | null = null;
  let max: number | null = null;
  for (const { lo, hi } of rowRanges(segment, query.intervals, clip)) {
    if (hi <= lo) continue;
    const sel = selectRows(matcher, lo, hi);
    const first = sel === null ? lo : sel[0];
    const last = sel === null ? hi - 1 : sel[sel.length - 1];
    if (first === undefined || last === undefined) continue;
    min = min === null ? segment.time[first]! : Math.min(min, segment.time[first]!);
    max = max === null ? segment.time[last]! : Math.max(max, segment.time[last]!);
  }
  return { queryType: 'timeBoundary', min, max };
}

/** dataSourceMetadata reads the latest event time of every segment it is given. */
export function dataSourceMetadataOnSegment(_query: DataSourceMetadataQuery, segment: SegmentReader): TimeBoundsPartial {
  const max = segment.rows > 0 ? segment.time[segment.rows - 1]! : null;
  return { queryType: 'dataSourceMetadata', min: segment.rows > 0 ? segment.time[0]! : null, max };
}

export function mergeTimeBounds(queryType: TimeBoundsPartial['queryType'], partials: readonly TimeBoundsPartial[]): TimeBoundsPartial {
  const pick = (values: Array<number | null>, f: (...n: number[]) => number) => {
    const present = values.filter((v): v is number => v !== null);
    return present.length === 0 ? null : f(...present);
  };
  return { queryType, min: pick(partials.map((p) => p.min), Math.min), max: pick(partials.map((p) => p.max), Math.max) };
}

export function finalizeTimeBoundary(query: TimeBoundaryQuery, merged: TimeBoundsPartial): unknown[] {
  if (merged.min === null || merged.max === null) return [];
  if (query.bound === 'minTime') return [{ timestamp: isoTime(merged.min), result: { minTime: isoTime(merged.min) } }];
  if (query.bound === 'maxTime') return [{ timestamp: isoTime(merged.max), result: { maxTime: isoTime(merged.max) } }];
  return [{ timestamp: isoTime(merged.min), result: { minTime: isoTime(merged.min), maxTime: isoTime(merged.max) } }];
}

export function finalizeDataSourceMetadata(merged: TimeBoundsPartial): unknown[] {
  return merged.max === null ? [] : [{ timestamp: isoTime(merged.max), result: { maxIngestedEventTime: isoTime(merged.max) } }];
}

import { decode, encode, ExtensionCodec } from '@msgpack/msgpack';
import type { SegmentReader } from '../segment/reader.ts';
import type { Query } from '../spec/query.ts';
import type { Interval } from '../time/interval.ts';
import { finalizeGroupBy } from './groupby.ts';
import { groupedOnSegment, mergeGrouped, type GroupedPartial } from './grouped.ts';
import { finalizeScan, mergeScan, scanOnSegment, type ScanPartial } from './scan.ts';
import { finalizeSegmentMetadata, mergeSegmentMetadata, segmentMetadataOnSegment, type SegmentMetadataPartial } from './segment-metadata.ts';
import {
  dataSourceMetadataOnSegment, finalizeDataSourceMetadata, finalizeTimeBoundary, mergeTimeBounds, timeBoundaryOnSegment, type TimeBoundsPartial,
} from './time-boundary.ts';
import { finalizeTimeseries, mergeTimeseries, timeseriesOnSegment, type TimeseriesPartial } from './timeseries.ts';
import { finalizeTopN } from './topn.ts';

/**
 * The query engine's three steps, shaped for a cluster: each historical runs a query on each of
 * its segments (`runOnSegment`), partial results merge in any grouping (`mergePartials`: per
 * node, then at the broker), and the broker turns the merged partial into Druid's result JSON
 * (`finalize`). Partials travel with `encodePartial` / `decodePartial` (msgpack).
 */

export type Partial = TimeseriesPartial | GroupedPartial | ScanPartial | TimeBoundsPartial | SegmentMetadataPartial;

/**
 * Runs a parsed query over one segment. `clip` limits the segment to the part of its interval the
 * timeline says is visible (a partially overshadowed segment).
 */
export function runOnSegment(query: Query, segment: SegmentReader, clip?: Interval): Partial {
  switch (query.queryType) {
    case 'timeseries': return timeseriesOnSegment(query, segment, clip);
    case 'topN':
    case 'groupBy': return groupedOnSegment(query, segment, clip);
    case 'scan': return scanOnSegment(query, segment, clip);
    case 'timeBoundary': return timeBoundaryOnSegment(query, segment, clip);
    case 'segmentMetadata': return segmentMetadataOnSegment(query, segment);
    case 'dataSourceMetadata': return dataSourceMetadataOnSegment(query, segment);
  }
}

/** Merges partial results of the same query; associative, so they may merge in any grouping. */
export function mergePartials(query: Query, partials: readonly Partial[]): Partial {
  switch (query.queryType) {
    case 'timeseries': return mergeTimeseries(query, partials as TimeseriesPartial[]);
    case 'topN':
    case 'groupBy': return mergeGrouped(query, partials as GroupedPartial[]);
    case 'scan': return mergeScan(query, partials as ScanPartial[]);
    case 'timeBoundary':
    case 'dataSourceMetadata': return mergeTimeBounds(query.queryType, partials as TimeBoundsPartial[]);
    case 'segmentMetadata': return mergeSegmentMetadata(partials as SegmentMetadataPartial[]);
  }
}

/** Druid's result JSON for the query from its merged partial result. */
export function finalize(query: Query, merged: Partial): unknown[] {
  switch (query.queryType) {
    case 'timeseries': return finalizeTimeseries(query, merged as TimeseriesPartial);
    case 'topN': return finalizeTopN(query, merged as GroupedPartial);
    case 'groupBy': return finalizeGroupBy(query, merged as GroupedPartial);
    case 'scan': return finalizeScan(query, merged as ScanPartial);
    case 'timeBoundary': return finalizeTimeBoundary(query, merged as TimeBoundsPartial);
    case 'dataSourceMetadata': return finalizeDataSourceMetadata(merged as TimeBoundsPartial);
    case 'segmentMetadata': return finalizeSegmentMetadata(query, merged as SegmentMetadataPartial);
  }
}

/** A segment and the part of its interval a query may read. */
export interface SegmentSlice {
  segment: SegmentReader;
  clip?: Interval;
}

/** Runs a query over local segments start to finish (one node, tests, tools). */
export function runQuery(query: Query, slices: readonly SegmentSlice[]): unknown[] {
  return finalize(query, mergePartials(query, slices.map((s) => runOnSegment(query, s.segment, s.clip))));
}

/** Typed arrays (group states, key ids) travel as their raw bytes rather than as lists of numbers. */
const codec = new ExtensionCodec();
const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
/**
 * A fresh, aligned copy. Not `b.slice()`: bytes received from a socket are a Node Buffer, whose
 * `slice` is a view into the socket's (shared, unaligned) memory rather than a copy.
 */
const copyOf = (b: Uint8Array): ArrayBuffer => {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy.buffer;
};
codec.register({ type: 1, encode: (v: unknown) => (v instanceof Float64Array ? bytesOf(v) : null), decode: (b: Uint8Array) => new Float64Array(copyOf(b)) });
codec.register({ type: 2, encode: (v: unknown) => (v instanceof Int32Array ? bytesOf(v) : null), decode: (b: Uint8Array) => new Int32Array(copyOf(b)) });

export function encodePartial(p: Partial): Uint8Array {
  return encode(p, { extensionCodec: codec });
}

export function decodePartial(bytes: Uint8Array): Partial {
  return decode(bytes, { extensionCodec: codec }) as Partial;
}

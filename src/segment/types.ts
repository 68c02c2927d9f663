import type { ShardSpec } from '../../machines/segment/events.ts';
import type { GranularitySpec } from '../time/granularity.ts';
import type { Interval } from '../time/interval.ts';

/**
 * The contract between ingestion (which produces rolled-up, sorted rows) and the segment file
 * (which stores them, DESIGN.md §6). The writer and reader live beside this file.
 */

export type DimensionType = 'string' | 'long' | 'float' | 'double';

export interface DimensionSchema {
  name: string;
  type: DimensionType;
}

/** A metric column and the Druid aggregator (metricsSpec entry) that produced it at ingestion. */
export interface MetricSchema {
  name: string;
  /** The metricsSpec entry as given, e.g. `{ type: 'longSum', name: 'bytes', fieldName: 'bytes' }`. */
  aggregator: { type: string; name: string; [k: string]: unknown };
}

export interface SegmentMeta {
  dataSource: string;
  interval: Interval;
  version: string;
  partitionNum: number;
  shardSpec: ShardSpec;
  queryGranularity: GranularitySpec;
  rollup: boolean;
}

/**
 * A string column already dictionary-encoded by its producer: row r holds `dictionary[ids[r]]`.
 * The dictionary need not be sorted nor minimal (the writer sorts it and drops unused values), but
 * its values must be distinct.
 */
export interface EncodedStringValues {
  dictionary: ReadonlyArray<string | null>;
  ids: Int32Array | Uint32Array | Uint16Array | Uint8Array;
}

/**
 * A column of dimension values, one per row: strings (null for missing), numbers (NaN for null),
 * or strings as dictionary ids.
 */
export type DimensionValues = ReadonlyArray<string | null> | Float64Array | EncodedStringValues;

/**
 * One segment's rows, columnar, sorted by `__time` then by the dimensions in schema order.
 * `metricTimes[i]` is set for first/last aggregators: the time of each row's chosen value.
 */
export interface SegmentColumnsInput {
  rowCount: number;
  time: Float64Array;
  dimensions: DimensionSchema[];
  dimensionValues: DimensionValues[];
  metrics: MetricSchema[];
  metricValues: Float64Array[];
  metricTimes: Array<Float64Array | null>;
}

/** What writing a segment file reports, for the SegmentDescriptor. */
export interface WrittenSegment {
  rows: number;
  size: number;
  checksum: string;
}

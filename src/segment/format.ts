import type { ShardSpec } from '../../machines/segment/events.ts';
import type { GranularitySpec } from '../time/granularity.ts';
import type { DimensionType, MetricSchema } from './types.ts';

/**
 * The segment file layout (DESIGN.md §6). All integers little-endian.
 *
 *   offset 0   prelude, 64 bytes:
 *              0  magic "GROVESEG"            8 bytes
 *              8  format version (u32)        = FORMAT_VERSION
 *             12  header length H (u32)
 *             16  body length B (u64)
 *             24  SHA-256 of header ‖ body    32 bytes
 *             56  reserved, zero              8 bytes
 *   offset 64  header: msgpack of SegmentHeader, H bytes, zero-padded to a multiple of 8
 *   then       body: the column blobs, each starting on an 8-byte boundary (so the reader can
 *              view them as typed arrays in place); blob offsets in the header are body-relative.
 *
 * Column blobs:
 *   __time            Float64Array of epoch ms (exact: every instant JavaScript can print is < 2^53)
 *   string dimension  dictionary: Uint32Array of cardinality+1 UTF-8 byte offsets, then the UTF-8
 *                     bytes of the values sorted in Java's String order (UTF-16 code units), null
 *                     first as id 0 when present; ids: one per row, Uint8/16/32 by cardinality
 *   numeric column    long, double: Float64Array; float: Float32Array. NaN is null. Longs as
 *                     doubles are exact to 2^53; larger longs round (JavaScript has no faster exact type).
 *   first/last metric also a Float64Array with the time of each row's value
 *
 * Rows are sorted by __time, then by the dimensions in schema order (null first).
 */

export const MAGIC = 'GROVESEG';
export const FORMAT_VERSION = 1;
export const PRELUDE_BYTES = 64;
export const ALIGN = 8;
/** The file name a segment has in deep storage and in a historical's cache. */
export const SEGMENT_FILE_NAME = 'index.grove';

export const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** Where a blob sits in the body, in bytes. */
export interface BlobRef {
  offset: number;
  length: number;
}

export interface StringColumnHeader {
  name: string;
  type: 'string';
  cardinality: number;
  hasNulls: boolean;
  /** Bytes per row id: 1, 2 or 4. */
  idWidth: 1 | 2 | 4;
  ids: BlobRef;
  dictionaryOffsets: BlobRef;
  dictionaryBytes: BlobRef;
}

export interface NumericColumnHeader {
  name: string;
  type: Exclude<DimensionType, 'string'>;
  hasNulls: boolean;
  values: BlobRef;
}

export type DimensionColumnHeader = StringColumnHeader | NumericColumnHeader;

export interface MetricColumnHeader extends NumericColumnHeader {
  aggregator: MetricSchema['aggregator'];
  /** For first/last metrics: the time of each row's value. */
  times: BlobRef | null;
}

export interface SegmentHeader {
  dataSource: string;
  /** `start/end`, ISO-8601. */
  interval: string;
  version: string;
  partitionNum: number;
  shardSpec: ShardSpec;
  queryGranularity: GranularitySpec;
  rollup: boolean;
  rows: number;
  /** First and last `__time` (null when there are no rows). */
  minTime: number | null;
  maxTime: number | null;
  time: BlobRef;
  dimensions: DimensionColumnHeader[];
  metrics: MetricColumnHeader[];
}

/** A segment file that cannot be written or read: names the file and what is wrong. */
export class SegmentFileError extends Error {
  constructor(readonly file: string, readonly problem: string, options?: { cause?: unknown }) {
    super(`segment file ${file}: ${problem}`, options);
    this.name = 'SegmentFileError';
  }
}

export const isSegmentFileError = (e: unknown): e is SegmentFileError => e instanceof SegmentFileError;

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { decode } from '@msgpack/msgpack';
import type { NumericType } from '../query/java-number.ts';
import { parseInterval, type Interval } from '../time/interval.ts';
import { decodeDictionary, type IdArray } from './dictionary.ts';
import {
  align, ALIGN, FORMAT_VERSION, MAGIC, PRELUDE_BYTES, SegmentFileError,
  type BlobRef, type MetricColumnHeader, type NumericColumnHeader, type SegmentHeader, type StringColumnHeader,
} from './format.ts';
import { segmentId } from './id.ts';

/** A dictionary-encoded string dimension, viewed in place over the file's bytes. */
export interface StringColumn {
  readonly kind: 'string';
  readonly role: 'dimension';
  readonly name: string;
  readonly cardinality: number;
  readonly hasNulls: boolean;
  /** One dictionary id per row. */
  readonly ids: IdArray;
  /** Sorted values (null first when present); decoded on first use. */
  readonly dictionary: ReadonlyArray<string | null>;
  /** Bytes the column takes in the file. */
  readonly size: number;
}

/** `__time`, a numeric dimension or a metric, viewed in place over the file's bytes. */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly role: 'time' | 'dimension' | 'metric';
  readonly name: string;
  readonly type: NumericType;
  readonly hasNulls: boolean;
  /** One value per row; NaN is null. */
  readonly values: Float64Array | Float32Array;
  /** First/last metrics: the time of each row's value. */
  readonly times: Float64Array | null;
  /** Metrics: the ingestion aggregator that produced the column. */
  readonly aggregator: MetricColumnHeader['aggregator'] | null;
  readonly size: number;
}

export type SegmentColumn = StringColumn | NumericColumn;

/** An open segment: its header and its columns as typed arrays over one buffer (no row copies). */
export interface SegmentReader {
  readonly file: string;
  readonly header: SegmentHeader;
  /** Druid's segment id. */
  readonly id: string;
  readonly interval: Interval;
  readonly rows: number;
  /** File size in bytes. */
  readonly size: number;
  /** Hex SHA-256, as WrittenSegment and the SegmentDescriptor carry it. */
  readonly checksum: string;
  readonly time: Float64Array;
  readonly dimensions: readonly SegmentColumn[];
  readonly metrics: readonly NumericColumn[];
  /** A column by name (`__time` included), or undefined when the segment lacks it. */
  column(name: string): SegmentColumn | undefined;
}

export interface OpenOptions {
  /** The checksum the SegmentDescriptor recorded; a different file fails to open. */
  expectedChecksum?: string;
}

/** Opens a segment file, checking its structure and checksum; throws SegmentFileError naming the file. */
export function openSegment(path: string, options: OpenOptions = {}): SegmentReader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SegmentFileError(path, `cannot be opened (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  try {
    const size = fstatSync(fd).size;
    // A fresh ArrayBuffer starts aligned, so every 8-aligned blob can be viewed as a typed array.
    const bytes = new Uint8Array(new ArrayBuffer(size));
    for (let at = 0; at < size;) {
      const n = readSync(fd, bytes, at, size - at, at);
      if (n === 0) throw new SegmentFileError(path, `shrank while being read (${at} of ${size} bytes)`);
      at += n;
    }
    return readSegment(bytes, path, options);
  } finally {
    closeSync(fd);
  }
}

/** Opens a segment held in memory (e.g. received over the network). */
export function openSegmentBytes(bytes: Uint8Array, name = '(in memory)', options: OpenOptions = {}): SegmentReader {
  const aligned = bytes.byteOffset % ALIGN === 0 ? bytes : bytes.slice();
  return readSegment(aligned, name, options);
}

function readSegment(bytes: Uint8Array, file: string, options: OpenOptions): SegmentReader {
  const fail = (problem: string): never => {
    throw new SegmentFileError(file, problem);
  };
  const { header, bodyStart, checksum } = checkFile(bytes, fail);
  if (options.expectedChecksum !== undefined && options.expectedChecksum !== checksum) {
    fail(`checksum ${checksum} differs from the expected ${options.expectedChecksum}`);
  }
  const bodyLength = bytes.length - bodyStart;
  const view = <T>(ref: BlobRef, what: string, Kind: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T => {
    if (ref.offset % ALIGN !== 0 || ref.offset + ref.length > bodyLength || ref.length % Kind.BYTES_PER_ELEMENT !== 0) {
      fail(`the header places ${what} outside the body`);
    }
    return new Kind(bytes.buffer as ArrayBuffer, bytes.byteOffset + bodyStart + ref.offset, ref.length / Kind.BYTES_PER_ELEMENT);
  };
  const rowsOf = (n: number, what: string): void => {
    if (n !== header.rows) fail(`${what} has ${n} values for ${header.rows} rows`);
  };
  const time = view(header.time, '__time', Float64Array);
  rowsOf(time.length, '__time');
  const timeColumn: NumericColumn = { kind: 'numeric', role: 'time', name: '__time', type: 'long', hasNulls: false, values: time, times: null, aggregator: null, size: header.time.length };
  const numeric = (h: NumericColumnHeader | MetricColumnHeader, role: 'dimension' | 'metric'): NumericColumn => {
    const values = h.type === 'float' ? view(h.values, h.name, Float32Array) : view(h.values, h.name, Float64Array);
    rowsOf(values.length, `column "${h.name}"`);
    const times = 'times' in h && h.times !== null ? view(h.times, `the times of "${h.name}"`, Float64Array) : null;
    return {
      kind: 'numeric', role, name: h.name, type: h.type, hasNulls: h.hasNulls, values, times,
      aggregator: 'aggregator' in h ? h.aggregator : null, size: h.values.length + (times?.byteLength ?? 0),
    };
  };
  const string = (h: StringColumnHeader): StringColumn => {
    const ids: IdArray = h.idWidth === 1 ? view(h.ids, h.name, Uint8Array) : h.idWidth === 2 ? view(h.ids, h.name, Uint16Array) : view(h.ids, h.name, Uint32Array);
    rowsOf(ids.length, `column "${h.name}"`);
    const offsets = view(h.dictionaryOffsets, `the dictionary of "${h.name}"`, Uint32Array);
    const dictBytes = view(h.dictionaryBytes, `the dictionary of "${h.name}"`, Uint8Array);
    if (offsets.length !== h.cardinality - (h.hasNulls ? 1 : 0) + 1) fail(`the dictionary of "${h.name}" does not hold ${h.cardinality} values`);
    let dictionary: Array<string | null> | undefined;
    return {
      kind: 'string', role: 'dimension', name: h.name, cardinality: h.cardinality, hasNulls: h.hasNulls, ids,
      get dictionary() {
        dictionary ??= decodeDictionary(offsets, dictBytes, h.hasNulls);
        return dictionary;
      },
      size: h.ids.length + h.dictionaryOffsets.length + h.dictionaryBytes.length,
    };
  };
  const dimensions = header.dimensions.map((h) => (h.type === 'string' ? string(h) : numeric(h, 'dimension')));
  const metrics = header.metrics.map((h) => numeric(h, 'metric'));
  const byName = new Map<string, SegmentColumn>([['__time', timeColumn], ...[...dimensions, ...metrics].map((c) => [c.name, c] as const)]);
  let interval: Interval;
  try {
    interval = parseInterval(header.interval);
  } catch {
    return fail(`the header's interval "${header.interval}" is not an interval`);
  }
  return {
    file, header, interval, time, dimensions, metrics, checksum,
    id: segmentId({ dataSource: header.dataSource, interval, version: header.version, partitionNum: header.partitionNum }),
    rows: header.rows,
    size: bytes.length,
    column: (name) => byName.get(name),
  };
}

/** Checks prelude, length and checksum, then decodes the header. */
function checkFile(bytes: Uint8Array, fail: (p: string) => never): { header: SegmentHeader; bodyStart: number; checksum: string } {
  if (bytes.length < PRELUDE_BYTES) fail(`is truncated: ${bytes.length} bytes, shorter than the ${PRELUDE_BYTES}-byte prelude`);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) fail('is not a grove segment file (bad magic)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, PRELUDE_BYTES);
  const version = dv.getUint32(8, true);
  if (version !== FORMAT_VERSION) fail(`has format version ${version}; this reader knows version ${FORMAT_VERSION}`);
  const headerLength = dv.getUint32(12, true);
  const bodyLength = Number(dv.getBigUint64(16, true));
  const bodyStart = PRELUDE_BYTES + align(headerLength);
  const expected = bodyStart + bodyLength;
  if (bytes.length < expected) fail(`is truncated: ${bytes.length} bytes of ${expected}`);
  if (bytes.length > expected) fail(`has ${bytes.length - expected} bytes after its end (${expected} bytes expected)`);
  const stored = Buffer.from(bytes.buffer, bytes.byteOffset + 24, 32).toString('hex');
  const computed = createHash('sha256').update(bytes.subarray(PRELUDE_BYTES)).digest('hex');
  if (stored !== computed) fail(`is corrupt: checksum ${computed} does not match the recorded ${stored}`);
  let header: SegmentHeader;
  try {
    header = decode(bytes.subarray(PRELUDE_BYTES, PRELUDE_BYTES + headerLength)) as SegmentHeader;
  } catch (e) {
    return fail(`has an unreadable header (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || !Array.isArray(header.dimensions) || !Array.isArray(header.metrics)) fail('has a header without columns');
  return { header, bodyStart, checksum: stored };
}

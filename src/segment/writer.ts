import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encode } from '@msgpack/msgpack';
import { aggregatorKind, parseAggregator, type AggregatorKind } from '../spec/aggregator.ts';
import { isSpecValidationError } from '../spec/validation.ts';
import { formatInstant } from '../time/instant.ts';
import { formatInterval } from '../time/interval.ts';
import { dictionaryBlobs, encodeStrings, idWidth, reencodeStrings, type EncodedStrings, type IdArray } from './dictionary.ts';
import {
  align, FORMAT_VERSION, MAGIC, PRELUDE_BYTES, SegmentFileError,
  type BlobRef, type DimensionColumnHeader, type MetricColumnHeader, type SegmentHeader,
} from './format.ts';
import type { DimensionSchema, DimensionValues, EncodedStringValues, SegmentColumnsInput, SegmentMeta, WrittenSegment } from './types.ts';

/** A segment laid out in memory: the file is the concatenation of `chunks`. */
export interface EncodedSegment {
  header: SegmentHeader;
  chunks: Uint8Array[];
  size: number;
  /** Hex SHA-256 of everything after the prelude. */
  checksum: string;
}

/** Appends blobs to the body, each on an 8-byte boundary. */
class Body {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  add(view: ArrayBufferView): BlobRef {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const ref = { offset: this.length, length: bytes.length };
    this.chunks.push(bytes);
    this.length += bytes.length;
    const pad = align(this.length) - this.length;
    if (pad > 0) {
      this.chunks.push(new Uint8Array(pad));
      this.length += pad;
    }
    return ref;
  }
}

/** A dimension column ready to compare rows by (ids for strings, values for numbers). */
type SortKey = IdArray | Float64Array;

/** Lays out a segment file in memory, checking its input; throws SegmentFileError naming `file`. */
export function encodeSegment(meta: SegmentMeta, cols: SegmentColumnsInput, file = '(in memory)'): EncodedSegment {
  const fail = (problem: string): never => {
    throw new SegmentFileError(file, problem);
  };
  checkShape(cols, fail);
  checkTimes(meta, cols, fail);
  const body = new Body();
  const time = body.add(cols.time);
  const sortKeys: SortKey[] = [];
  const dimensions = cols.dimensions.map((d, i) => encodeDimension(d, cols.dimensionValues[i]!, cols.rowCount, body, sortKeys, fail));
  checkOrder(cols, sortKeys, fail);
  const metrics = cols.metrics.map((_, i) => encodeMetric(cols, i, body, fail));
  const header: SegmentHeader = {
    dataSource: meta.dataSource,
    interval: formatInterval(meta.interval),
    version: meta.version,
    partitionNum: meta.partitionNum,
    shardSpec: meta.shardSpec,
    queryGranularity: meta.queryGranularity,
    rollup: meta.rollup,
    rows: cols.rowCount,
    minTime: cols.rowCount > 0 ? cols.time[0]! : null,
    maxTime: cols.rowCount > 0 ? cols.time[cols.rowCount - 1]! : null,
    time,
    dimensions,
    metrics,
  };
  const headerBytes = encode(header);
  const prelude = new Uint8Array(PRELUDE_BYTES);
  const view = new DataView(prelude.buffer);
  prelude.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  view.setBigUint64(16, BigInt(body.length), true);
  const headerPad = new Uint8Array(align(headerBytes.length) - headerBytes.length);
  const hash = createHash('sha256').update(headerBytes).update(headerPad);
  for (const c of body.chunks) hash.update(c);
  const digest = hash.digest();
  prelude.set(digest, 24);
  const chunks = [prelude, headerBytes, headerPad, ...body.chunks];
  return { header, chunks, size: PRELUDE_BYTES + headerBytes.length + headerPad.length + body.length, checksum: digest.toString('hex') };
}

/**
 * Writes one segment file (DESIGN.md §6) from ingestion's sorted columns. Writes a temporary file
 * and renames it, so a reader never sees half a file. Throws SegmentFileError naming the file and
 * the problem when the input is inconsistent or out of order.
 */
export async function writeSegmentFile(path: string, meta: SegmentMeta, cols: SegmentColumnsInput): Promise<WrittenSegment> {
  const encoded = encodeSegment(meta, cols, path);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writev(encoded.chunks);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return { rows: cols.rowCount, size: encoded.size, checksum: encoded.checksum };
}

function checkShape(cols: SegmentColumnsInput, fail: (p: string) => never): void {
  const n = cols.rowCount;
  if (!Number.isInteger(n) || n < 0) fail(`rowCount ${n} is not a row count`);
  if (cols.time.length !== n) fail(`__time has ${cols.time.length} values for ${n} rows`);
  if (cols.dimensionValues.length !== cols.dimensions.length) fail(`${cols.dimensions.length} dimensions but ${cols.dimensionValues.length} dimension columns`);
  if (cols.metricValues.length !== cols.metrics.length || cols.metricTimes.length !== cols.metrics.length) {
    fail(`${cols.metrics.length} metrics but ${cols.metricValues.length} metric columns and ${cols.metricTimes.length} metric time columns`);
  }
  const seen = new Set<string>(['__time']);
  for (const name of [...cols.dimensions.map((d) => d.name), ...cols.metrics.map((m) => m.name)]) {
    if (name === '') fail('a column has an empty name');
    if (seen.has(name)) fail(`column "${name}" appears twice (or is named __time)`);
    seen.add(name);
  }
  cols.metricValues.forEach((v, i) => v.length !== n && fail(`metric "${cols.metrics[i]!.name}" has ${v.length} values for ${n} rows`));
}

function checkTimes(meta: SegmentMeta, cols: SegmentColumnsInput, fail: (p: string) => never): void {
  const { start, end } = meta.interval;
  const t = cols.time;
  for (let r = 0; r < cols.rowCount; r++) {
    const v = t[r]!;
    if (!Number.isInteger(v)) fail(`row ${r}: __time ${v} is not a whole number of milliseconds`);
    if (v < start || v >= end) fail(`row ${r}: __time ${formatInstant(v)} is outside the segment interval ${formatInterval(meta.interval)}`);
    if (r > 0 && v < t[r - 1]!) fail(`rows ${r - 1} and ${r} are not sorted by __time`);
  }
}

/** A string column's sorted dictionary and ids, from plain strings or the producer's own encoding. */
function stringColumn(name: string, values: Exclude<DimensionValues, Float64Array>, rows: number, fail: (p: string) => never): EncodedStrings {
  if (isEncoded(values)) {
    if (values.ids.length !== rows) return fail(`dimension "${name}" has ${values.ids.length} ids for ${rows} rows`);
    if (values.dictionary.some((v) => v !== null && typeof v !== 'string')) fail(`dimension "${name}": its dictionary holds a value that is neither a string nor null`);
    try {
      return reencodeStrings(values.dictionary, values.ids, rows);
    } catch (e) {
      return fail(`dimension "${name}": ${(e as Error).message}`);
    }
  }
  if (values.length !== rows) return fail(`dimension "${name}" has ${values.length} values for ${rows} rows`);
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (v !== null && typeof v !== 'string') fail(`dimension "${name}" row ${r}: ${JSON.stringify(v)} is neither a string nor null`);
  }
  return encodeStrings(values);
}

const isEncoded = (v: DimensionValues): v is EncodedStringValues => !Array.isArray(v) && !(v instanceof Float64Array);

function encodeDimension(
  d: DimensionSchema, values: SegmentColumnsInput['dimensionValues'][number], rows: number, body: Body, sortKeys: SortKey[], fail: (p: string) => never,
): DimensionColumnHeader {
  if (d.type === 'string') {
    if (values instanceof Float64Array) return fail(`dimension "${d.name}" is a string dimension but its values are numbers`);
    const { dictionary, ids, hasNulls } = stringColumn(d.name, values, rows, fail);
    const { offsets, bytes } = dictionaryBlobs(dictionary);
    sortKeys.push(ids);
    return {
      name: d.name, type: 'string', cardinality: dictionary.length, hasNulls, idWidth: idWidth(ids),
      ids: body.add(ids), dictionaryOffsets: body.add(offsets), dictionaryBytes: body.add(bytes),
    };
  }
  if (!(values instanceof Float64Array)) return fail(`dimension "${d.name}" is a ${d.type} dimension but its values are not a Float64Array`);
  if (values.length !== rows) return fail(`dimension "${d.name}" has ${values.length} values for ${rows} rows`);
  if (d.type === 'long') checkLongs(values, `dimension "${d.name}"`, fail);
  sortKeys.push(values);
  return { name: d.name, type: d.type, hasNulls: hasNaN(values), values: body.add(d.type === 'float' ? Float32Array.from(values) : values) };
}

function encodeMetric(cols: SegmentColumnsInput, i: number, body: Body, fail: (p: string) => never): MetricColumnHeader {
  const m = cols.metrics[i]!;
  const kind = metricKind(m.aggregator, m.name, fail);
  const values = cols.metricValues[i]!;
  const times = cols.metricTimes[i] ?? null;
  const keepsTime = kind.combine === 'first' || kind.combine === 'last';
  if (keepsTime && times === null) fail(`metric "${m.name}" (${m.aggregator.type}) needs the time of each value in metricTimes`);
  if (times !== null && times.length !== cols.rowCount) fail(`metric "${m.name}" has ${times.length} times for ${cols.rowCount} rows`);
  if (kind.type === 'long') checkLongs(values, `metric "${m.name}"`, fail);
  return {
    name: m.name,
    type: kind.type,
    aggregator: m.aggregator,
    hasNulls: hasNaN(values),
    values: body.add(kind.type === 'float' ? Float32Array.from(values) : values),
    times: keepsTime && times !== null ? body.add(times) : null,
  };
}

function metricKind(aggregator: unknown, name: string, fail: (p: string) => never): AggregatorKind {
  try {
    return aggregatorKind(parseAggregator(aggregator, `metric "${name}"`, 'invalid_spec'));
  } catch (e) {
    if (isSpecValidationError(e)) return fail(e.message);
    throw e;
  }
}

function hasNaN(values: Float64Array): boolean {
  for (let r = 0; r < values.length; r++) if (values[r] !== values[r]) return true;
  return false;
}

function checkLongs(values: Float64Array, what: string, fail: (p: string) => never): void {
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!;
    if (v === v && !Number.isInteger(v)) fail(`${what} row ${r}: ${v} is not a long`);
  }
}

/** Rows with equal times must be ordered by their dimensions, in schema order, null first. */
function checkOrder(cols: SegmentColumnsInput, keys: SortKey[], fail: (p: string) => never): void {
  const t = cols.time;
  for (let r = 1; r < cols.rowCount; r++) {
    if (t[r] !== t[r - 1]) continue;
    for (let k = 0; k < keys.length; k++) {
      const c = compareKey(keys[k]![r - 1]!, keys[k]![r]!);
      if (c < 0) break;
      if (c > 0) fail(`rows ${r - 1} and ${r} have the same __time but are not sorted by dimension "${cols.dimensions[k]!.name}"`);
    }
  }
}

/** Ids compare as numbers; numeric values too, with NaN (null) first. */
function compareKey(a: number, b: number): number {
  if (a === b) return 0;
  if (a !== a) return b !== b ? 0 : -1;
  if (b !== b) return 1;
  return a < b ? -1 : 1;
}

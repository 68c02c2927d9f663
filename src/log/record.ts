import { Encoder } from '@msgpack/msgpack';
import { readMsgpack } from '../msgpack/reader.ts';

/** Who wrote an event and why: the command's correlation and the event that caused it. */
export interface RecordMeta {
  actor: string;
  correlationId: string;
  causationId: string | null;
}

/** One entry of the log, as stored (msgpack) and as served. */
export interface LogRecord<T extends string = string, D = unknown> {
  seq: number;
  /** Epoch ms at which it was appended; never decreases along the log. */
  at: number;
  type: T;
  data: D;
  meta: RecordMeta;
}

const encoder = new Encoder({ ignoreUndefined: true });

/**
 * The record's bytes in a Buffer of their own. Copied out of the encoder's buffer into Node's
 * shared pool: the encoder's own copy is a new ArrayBuffer per record, slower to make and to
 * collect than a pooled slice (a record is a few hundred bytes).
 */
export function encodeRecord(r: LogRecord): Buffer {
  const bytes = encoder.encodeSharedRef(r);
  const own = Buffer.allocUnsafe(bytes.byteLength);
  own.set(bytes);
  return own;
}

/** The fields a record is encoded around (`encodeRecordAround`), in a record's key order. */
const DATA_KEY = encoder.encode('data');
const META_KEY = encoder.encode('meta');

/** Bytes to give `encodeRecordAround` as a batch's meta. */
export function encodeMeta(meta: RecordMeta): Uint8Array {
  return encoder.encode(meta);
}

/**
 * The same bytes as `encodeRecord` would give for a record whose data and meta are `data` and
 * `meta` decoded, with those two spliced in as they are: an event's data as its writer encoded it
 * (with @msgpack/msgpack, on the bus) and a batch's meta encoded once are not encoded again. (Up to
 * the choices an encoder makes between equivalent forms: they decode to the same record.)
 */
export function encodeRecordAround(r: LogRecord, data: Uint8Array, meta: Uint8Array): Buffer {
  const head = encoder.encodeSharedRef({ seq: r.seq, at: r.at, type: r.type });
  const own = Buffer.allocUnsafe(head.byteLength + DATA_KEY.byteLength + data.byteLength + META_KEY.byteLength + meta.byteLength);
  own.set(head, 0);
  let at = head.byteLength;
  own.set(DATA_KEY, at);
  own.set(data, (at += DATA_KEY.byteLength));
  own.set(META_KEY, (at += data.byteLength));
  own.set(meta, at + META_KEY.byteLength);
  // A fixmap of the head's three fields becomes one of five.
  own[0] = 0x85;
  return own;
}

/** `end`: where the record ends in `bytes` (LMDB hands over its read buffer and the value's size). */
export function decodeRecord(bytes: Uint8Array, end?: number): LogRecord {
  return readMsgpack(bytes, end) as LogRecord;
}

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

/** `end`: where the record ends in `bytes` (LMDB hands over its read buffer and the value's size). */
export function decodeRecord(bytes: Uint8Array, end?: number): LogRecord {
  return readMsgpack(bytes, end) as LogRecord;
}

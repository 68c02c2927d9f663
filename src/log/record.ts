import { Decoder, Encoder } from '@msgpack/msgpack';

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
const decoder = new Decoder();

export function encodeRecord(r: LogRecord): Uint8Array {
  return encoder.encode(r);
}

export function decodeRecord(bytes: Uint8Array): LogRecord {
  return decoder.decode(bytes) as LogRecord;
}

import { ErrorCode as NatsErrorCode, type NatsConnection, type NatsError } from 'nats';
import { readMsgpack } from '../msgpack/reader.ts';
import { encodeBody } from './codec.ts';
import { GroveError, type Envelope } from './errors.ts';

export interface RequestOptions {
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Turns NATS failures into GroveErrors that say what happened in grove's words. */
function busError(e: unknown, subject: string, timeoutMs: number): GroveError {
  const code = (e as NatsError)?.code;
  if (code === NatsErrorCode.NoResponders) return new GroveError('unavailable', `no actor answers on ${subject}: is grove running, and is that a grove subject?`, undefined, { cause: e });
  if (code === NatsErrorCode.Timeout) return new GroveError('timeout', `no reply on ${subject} within ${timeoutMs} ms`, undefined, { cause: e });
  if (code === NatsErrorCode.PermissionsViolation) return new GroveError('bad_request', `not permitted to request ${subject} as this user`, undefined, { cause: e });
  return new GroveError('unavailable', `request on ${subject} failed: ${(e as Error)?.message ?? String(e)}`, undefined, { cause: e });
}

/** Request/reply with msgpack bodies and grove's envelope: returns `result` or throws its error. */
export async function request<T = unknown>(nc: NatsConnection, subject: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
  return requestEncoded(nc, subject, encodeBody(body, 'msgpack'), opts);
}

/** `request` with a body already encoded as msgpack. */
export async function requestEncoded<T = unknown>(nc: NatsConnection, subject: string, body: Uint8Array, opts: RequestOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let data: Uint8Array;
  try {
    const msg = await nc.request(subject, body, { timeout: timeoutMs });
    data = msg.data;
  } catch (e) {
    throw busError(e, subject, timeoutMs);
  }
  const envelope = readMsgpack(data) as Envelope<T>;
  if (envelope.ok) return envelope.result;
  throw new GroveError(envelope.error.code, envelope.error.message, envelope.error.details);
}

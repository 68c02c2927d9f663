import { Encoder } from '@msgpack/msgpack';
import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { readMsgpack } from '../msgpack/reader.ts';
import { badRequest } from './errors.ts';

export type BodyFormat = 'msgpack' | 'json';

export const CONTENT_TYPE = 'Content-Type';
export const JSON_TYPE = 'application/json';

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();
/** One encoder for every body: `encode` hands out an exact-size copy, and its buffer, grown once, is reused. */
const encoder = new Encoder({ ignoreUndefined: true });

/** A JSON body begins (after blanks) with `{`, `[` or `"`; msgpack maps and arrays never do. */
function looksLikeJson(data: Uint8Array): boolean {
  for (const b of data) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b || b === 0x5b || b === 0x22;
  }
  return false;
}

export function formatOf(data: Uint8Array, hdrs?: MsgHdrs): BodyFormat {
  if (hdrs?.get(CONTENT_TYPE).startsWith(JSON_TYPE)) return 'json';
  return data.length === 0 || looksLikeJson(data) ? 'json' : 'msgpack';
}

/** Decodes a request body; an empty body is `{}`. Throws `bad_request` saying what is wrong. */
export function decodeBody(data: Uint8Array, format: BodyFormat): unknown {
  if (data.length === 0) return {};
  if (format === 'json') {
    try {
      return JSON.parse(textDecoder.decode(data));
    } catch (e) {
      throw badRequest(`body is not valid JSON: ${(e as Error).message}`);
    }
  }
  try {
    return readMsgpack(data);
  } catch (e) {
    throw badRequest(`body is not valid msgpack (nor JSON): ${(e as Error).message}`);
  }
}

export function encodeBody(value: unknown, format: BodyFormat): Uint8Array {
  return format === 'json' ? textEncoder.encode(JSON.stringify(value)) : encoder.encode(value);
}

export function jsonHeaders(): MsgHdrs {
  const h = natsHeaders();
  h.set(CONTENT_TYPE, JSON_TYPE);
  return h;
}

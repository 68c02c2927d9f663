import { createHash } from 'node:crypto';
import type { MsgHdrs } from 'nats';
import { badRequest } from '../bus/errors.ts';

/** The header a producer names a one-row push with (JetStream's own de-duplication header). */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** A row as pushed, with the id JetStream de-duplicates it by. */
export interface PushedRow {
  json: string;
  msgId: string;
}

const decoder = new TextDecoder();
const isRow = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a push body: a JSON array of row objects, newline-delimited JSON objects, or
 * `{ "rows": [...], "ids": [...] }` (the producer's id of each row). A row without an id of its
 * producer is named by a hash of its JSON, so the same row pushed twice is the same message; a
 * one-row body may carry its id in the `Nats-Msg-Id` header. Throws `bad_request` naming the
 * first bad row.
 */
export function readPushBody(data: Uint8Array, headers?: MsgHdrs): PushedRow[] {
  const text = decoder.decode(data).trim();
  if (text === '') throw badRequest('an empty push: send a JSON array of rows, or one JSON object per line');
  const { rows, ids } = parse(text);
  const headerId = headers?.get(MSG_ID_HEADER) || undefined;
  if (headerId !== undefined && rows.length !== 1) throw badRequest(`a ${MSG_ID_HEADER} header names one row, but the body has ${rows.length}: give each row's id in "ids"`);
  return rows.map((row, i) => {
    if (!isRow(row)) throw badRequest(`row ${i} is not a JSON object`, [{ path: `rows[${i}]`, reason: 'expected an object' }]);
    const json = JSON.stringify(row);
    const given = headerId ?? ids?.[i];
    if (given !== undefined && (typeof given !== 'string' || given === '')) throw badRequest(`ids[${i}] is not a non-empty string`, [{ path: `ids[${i}]`, reason: 'expected a non-empty string' }]);
    return { json, msgId: given ?? rowHash(json) };
  });
}

function parse(text: string): { rows: unknown[]; ids?: unknown[] } {
  try {
    const whole = JSON.parse(text) as unknown;
    if (Array.isArray(whole)) return { rows: whole };
    if (isRow(whole) && Array.isArray(whole.rows)) {
      if (whole.ids !== undefined && (!Array.isArray(whole.ids) || whole.ids.length !== whole.rows.length)) throw badRequest('"ids" must list one id per row', [{ path: 'ids', reason: `expected ${whole.rows.length} ids` }]);
      return { rows: whole.rows, ids: whole.ids as unknown[] | undefined };
    }
    return { rows: [whole] };
  } catch (e) {
    if ((e as { code?: string }).code === 'bad_request') throw e;
  }
  return {
    rows: text.split('\n').map((line, i) => {
      try {
        return line.trim() === '' ? undefined : JSON.parse(line);
      } catch (e) {
        throw badRequest(`line ${i + 1} is not JSON: ${(e as Error).message}`, [{ path: `line ${i + 1}`, reason: 'not JSON' }]);
      }
    }).filter((r) => r !== undefined),
  };
}

/** A row's content id: the same row (same JSON) pushed again is a duplicate. */
export const rowHash = (json: string): string => createHash('sha256').update(json).digest('base64url');

/** The partition a row goes to: spread by its id, so a duplicate lands where the original did. */
export function partitionOf(msgId: string, partitions: number): number {
  return createHash('sha1').update(msgId).digest().readUInt32BE(0) % partitions;
}

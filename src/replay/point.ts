import { badRequest } from '../bus/errors.ts';
import { parseInstant } from '../time/instant.ts';
import type { RecordSource } from './source.ts';

/** A point in history: a sequence number, an ISO-8601 time, or `latest`. */
export type At = number | string;

/**
 * The seq a point names: the seq itself, or the last record appended at or before the time.
 * `floor` is the earliest point the source can replay to (a slice starts after its base).
 * Bad input gets a `bad_request` that says what is accepted.
 */
export function resolvePoint(source: RecordSource, at: unknown, floor = 0): number {
  const last = source.lastSeq;
  if (at === undefined || at === null || at === 'latest') return Math.max(last, floor);
  const seq = typeof at === 'number' ? at : typeof at === 'string' && /^\d+$/.test(at) ? Number(at) : null;
  if (seq !== null) {
    if (!Number.isSafeInteger(seq) || seq < 0) throw badRequest(`"at" must be a sequence number >= 0, an ISO time or "latest", got ${JSON.stringify(at)}`);
    if (seq > last) throw badRequest(`seq ${seq} is past the end of the log (last seq ${last})`);
    if (seq < floor) throw badRequest(`seq ${seq} is before this slice begins (it replays from seq ${floor})`);
    return seq;
  }
  const time = typeof at === 'string' ? parseInstant(at) : NaN;
  if (Number.isNaN(time)) throw badRequest(`"at" must be a sequence number, an ISO-8601 time (e.g. 2024-05-01T12:00:00Z) or "latest", got ${JSON.stringify(at)}`);
  return seqAtTime(source, time, floor);
}

/** The last seq appended at or before `time` (records' times never decrease along the log). */
function seqAtTime(source: RecordSource, time: number, floor: number): number {
  let lo = floor;
  let hi = source.lastSeq;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    const r = firstFrom(source, mid);
    if (r !== undefined && r.at <= time) lo = r.seq;
    else hi = mid - 1;
  }
  return lo;
}

function firstFrom(source: RecordSource, seq: number) {
  for (const r of source.scan({ from: seq })) return r;
  return undefined;
}


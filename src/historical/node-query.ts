import { badRequest } from '../bus/errors.ts';
import { encodePartial, mergePartials, runOnSegment, type Partial as QueryPartial } from '../query/engine.ts';
import type { SegmentReader } from '../segment/reader.ts';
import type { Query } from '../spec/query.ts';
import { QUERY_TYPES } from '../spec/query.ts';
import { parseInterval, type Interval } from '../time/interval.ts';

/**
 * `grove.node.<id>.query`: a query the broker already parsed, and the segments to run it on, each
 * with the part of its interval the broker's timeline reads there (a partly overshadowed segment
 * is read only where it is visible).
 */
export interface NodeQueryRequest {
  query: Query;
  segments: Array<{ id: string; interval: string }>;
}

export interface NodeQueryReply {
  /** The partials of every served segment merged (msgpack, `decodePartial`), or null if none was served. */
  partial: Uint8Array | null;
  /** Segments this node does not serve: the broker asks another replica. */
  missing: string[];
}

/** Runs a node query over the segments `readerOf` finds; names the ones it does not. */
export function queryOnSegments(req: NodeQueryRequest, readerOf: (id: string) => SegmentReader | undefined, subject: string): NodeQueryReply {
  const { query, segments } = checked(req, subject);
  const partials: QueryPartial[] = [];
  const missing: string[] = [];
  for (const s of segments) {
    const reader = readerOf(s.id);
    if (reader === undefined) missing.push(s.id);
    else partials.push(runOnSegment(query, reader, s.clip));
  }
  return { partial: partials.length === 0 ? null : encodePartial(mergePartials(query, partials)), missing };
}

function checked(req: NodeQueryRequest, subject: string): { query: Query; segments: Array<{ id: string; clip: Interval }> } {
  const q = (req as Partial<NodeQueryRequest> | null)?.query as { queryType?: unknown } | undefined;
  if (q === undefined || !QUERY_TYPES.includes(q.queryType as (typeof QUERY_TYPES)[number])) throw badRequest(`malformed ${subject} request: query: expected a parsed native query`);
  if (!Array.isArray(req.segments)) throw badRequest(`malformed ${subject} request: segments: expected a list of { id, interval }`);
  const segments = req.segments.map((s, i) => {
    if (typeof s?.id !== 'string' || typeof s.interval !== 'string') throw badRequest(`malformed ${subject} request: segments[${i}]: expected { id, interval }`);
    try {
      return { id: s.id, clip: parseInterval(s.interval) };
    } catch (e) {
      throw badRequest(`malformed ${subject} request: segments[${i}].interval: ${(e as Error).message}`);
    }
  });
  return { query: req.query, segments };
}

import { z } from 'zod';
import { badRequest } from '../../src/bus/errors.ts';
import { AGGREGATE_OF, isEventType, type Aggregate } from '../../src/events/catalog.ts';
import type { EventLog, ReadFilter } from '../../src/log/event-log.ts';
import type { LogRecord } from '../../src/log/record.ts';
import { formatPath } from '../../src/spec/validation.ts';

/** Replies must fit in one NATS message: pages are bounded. */
export const MAX_PAGE = 5000;
const DEFAULT_PAGE = 1000;
const MAX_WAIT_MS = 30_000;

const seq = z.number().int().nonnegative();
const readRequest = z.object({
  from: seq.optional(),
  to: seq.optional(),
  type: z.string().optional(),
  /** An entity key (`segment:<id>`, `datasource:<name>`) or an aggregate name (`lock`). */
  aggregate: z.string().optional(),
  limit: z.number().int().positive().optional(),
}).strict();

const tailRequest = z.object({
  from: seq,
  limit: z.number().int().positive().optional(),
  waitMs: z.number().int().nonnegative().max(MAX_WAIT_MS).optional(),
}).strict();

export function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (!r.success) throw badRequest(`malformed ${what} request: ${r.error.issues.map((i) => `${formatPath(i.path) || '(body)'}: ${i.message}`).join('; ')}`, r.error.issues.map((i) => ({ path: formatPath(i.path), reason: i.message })));
  return r.data;
}

const AGGREGATES = new Set<string>(Object.values(AGGREGATE_OF));

/** `grove.api.log.read`: records by range, type and aggregate, oldest first. */
export function readLog(log: EventLog, body: unknown): LogRecord[] {
  const req = parse(readRequest, body, 'log.read');
  if (req.type !== undefined && !isEventType(req.type)) throw badRequest(`unknown event type "${req.type}"`);
  const limit = Math.min(req.limit ?? DEFAULT_PAGE, MAX_PAGE);
  const filter: ReadFilter = { from: req.from, to: req.to, type: req.type, limit };
  if (req.aggregate === undefined) return log.read(filter);
  if (req.aggregate.includes(':')) return log.read({ ...filter, entity: req.aggregate });
  if (!AGGREGATES.has(req.aggregate)) throw badRequest(`unknown aggregate "${req.aggregate}" (expected one of ${[...AGGREGATES].join(', ')}, or an entity key like segment:<id>)`);
  return readAggregate(log, req.aggregate as Aggregate, filter, limit);
}

function readAggregate(log: EventLog, aggregate: Aggregate, filter: ReadFilter, limit: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (const r of log.scan({ ...filter, limit: undefined })) {
    if (out.length >= limit) break;
    if (AGGREGATE_OF[r.type as keyof typeof AGGREGATE_OF] === aggregate) out.push(r);
  }
  return out;
}

/**
 * `grove.api.log.tail`: the records from `from` on; when there are none yet, waits up to `waitMs`
 * for the next commit (a long poll), so a client can follow the log with plain requests.
 */
export async function tailLog(log: EventLog, body: unknown): Promise<{ records: LogRecord[]; lastSeq: number }> {
  const req = parse(tailRequest, body, 'log.tail');
  const limit = Math.min(req.limit ?? DEFAULT_PAGE, MAX_PAGE);
  if (log.lastSeq < req.from && (req.waitMs ?? 0) > 0) await nextCommit(log, req.from, req.waitMs!);
  return { records: log.read({ from: req.from, limit }), lastSeq: log.lastSeq };
}

function nextCommit(log: EventLog, from: number, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = log.subscribe(from, () => done());
    const timer = setTimeout(() => done(), waitMs);
    function done(): void {
      clearTimeout(timer);
      queueMicrotask(stop);
      resolve();
    }
  });
}

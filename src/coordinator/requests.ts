import { z } from 'zod';
import { badRequest, GroveError } from '../bus/errors.ts';
import { formatPath, isSpecValidationError } from '../spec/validation.ts';
import { intervalText } from '../spec/query-fields.ts';

/** The request bodies of the coordinator's subjects, each checked whole: every bad field is named. */

export const nonEmpty = z.string({ error: (i) => (i.input === undefined ? 'required' : 'expected a string') }).min(1, 'must not be empty');

/** An ISO-8601 interval (`start/end`, `start/period`, `period/end`), parsed. */
const isoInterval = intervalText();

export const segmentListRequest = z.object({
  dataSource: nonEmpty,
  interval: isoInterval.optional(),
  /** A dotted state of the segment machine, or the start of one (`published.used`). */
  state: nonEmpty.optional(),
  limit: z.number().int().positive().optional(),
}).strict();

/** Druid's markUsed / markUnused payloads: an interval or a list of segment ids, not both. */
export const markRequest = z.object({
  dataSource: nonEmpty,
  interval: isoInterval.optional(),
  segmentIds: z.array(nonEmpty, { error: 'expected a list of segment ids' }).min(1, 'must list at least one segment').optional(),
}).strict().superRefine((r, ctx) => {
  if ((r.interval === undefined) === (r.segmentIds === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['interval'], message: 'give either "interval" or "segmentIds" (exactly one of them)' });
  }
});

export const dataSourceRef = z.object({ dataSource: nonEmpty }).strict();

/** `grove.coordinator.segments`: a datasource's used (or unused) published segments in an interval, or by id. */
export const descriptorsRequest = z.object({
  dataSource: nonEmpty,
  interval: isoInterval.optional(),
  segmentIds: z.array(nonEmpty).min(1).optional(),
  used: z.boolean(),
}).strict();

export function parseRequest<S extends z.ZodType>(schema: S, body: unknown, subject: string): z.output<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: formatPath(i.path) || '(body)', reason: i.message }));
  throw badRequest(`malformed ${subject} request: ${details.map((d) => `${d.path}: ${d.reason}`).join('; ')}`, details);
}

/** A spec or query error as the API reports it: its code (`invalid_spec`, `invalid_query`) and every bad field. */
export function asGroveError(e: unknown): unknown {
  return isSpecValidationError(e) ? new GroveError(e.code, e.message, e.details) : e;
}

import { z } from 'zod';
import { badRequest } from '../bus/errors.ts';
import { commitSchema, segmentDescriptorSchema, taskReportSchema } from '../events/schemas.ts';
import { formatPath } from '../spec/validation.ts';
import { parseGranularity, type GranularitySpec } from '../time/granularity.ts';
import { parseInstant } from '../time/instant.ts';
import { parseInterval, type Interval } from '../time/interval.ts';
import type { AllocateRequest } from './allocation.ts';
import { DEFAULT_LOCK_TIMEOUT_MS, type LockRequest } from './lockbox.ts';
import { TASK_STATES } from './overlord-state.ts';
import type { PublishRequest } from './publish.ts';
import type { TaskUpdate } from './task-update.ts';

/** The request bodies of the overlord's subjects, each checked whole: every bad field is named. */

const id = z.string({ error: (i) => (i.input === undefined ? 'required' : 'expected a string') }).min(1, 'must not be empty');
const lockType = z.enum(['EXCLUSIVE', 'SHARED', 'APPEND', 'REPLACE'], { error: 'expected EXCLUSIVE, SHARED, APPEND or REPLACE' });
/** A wait longer than a day is a mistake, not a plan. */
const MAX_LOCK_WAIT_MS = 86_400_000;

const interval = z.string({ error: 'expected an ISO-8601 interval "start/end"' }).transform((text, ctx): Interval => {
  try {
    const i = parseInterval(text);
    if (i.end > i.start) return i;
    ctx.addIssue({ code: 'custom', message: `"${text}" is empty: its end must come after its start` });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
  return z.NEVER;
});

const instant = z.union([z.number(), z.string()], { error: 'expected an ISO-8601 time or epoch milliseconds' }).transform((v, ctx): number => {
  const t = typeof v === 'number' ? v : parseInstant(v);
  if (Number.isFinite(t) && Number.isInteger(t)) return t;
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not an ISO-8601 time or integer epoch milliseconds` });
  return z.NEVER;
});

const granularity = z.unknown().transform((v, ctx): GranularitySpec => {
  if (v === undefined) {
    ctx.addIssue({ code: 'custom', message: 'required' });
    return z.NEVER;
  }
  try {
    const g = parseGranularity(v);
    if (g.kind !== 'none') return v as GranularitySpec;
    ctx.addIssue({ code: 'custom', message: '"none" is a query granularity, not a segment granularity' });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
  return z.NEVER;
});

export const taskRef = z.object({ taskId: id }).strict();

export const taskListRequest = z.object({
  dataSource: id.optional(),
  state: z.enum(TASK_STATES, { error: `expected one of ${TASK_STATES.join(', ')}` }).optional(),
  limit: z.number().int().positive().max(10_000).optional(),
}).strict();

export const lockAcquireRequest = z.object({
  taskId: id,
  interval,
  lockType,
  timeoutMs: z.number().int().nonnegative().max(MAX_LOCK_WAIT_MS).default(DEFAULT_LOCK_TIMEOUT_MS),
}).strict() satisfies z.ZodType<LockRequest, unknown>;

export const lockReleaseRequest = z.object({ taskId: id, lockId: id.optional() }).strict();

export const allocateRequest = z.object({
  taskId: id,
  dataSource: id,
  timestamp: instant,
  segmentGranularity: granularity,
  sequenceName: z.string({ error: 'expected a string' }),
  previousSegmentId: id.nullable().default(null),
  lockType: lockType.default('EXCLUSIVE'),
}).strict() satisfies z.ZodType<AllocateRequest, unknown>;

export const publishRequest = z.object({
  taskId: id,
  segments: z.array(segmentDescriptorSchema, { error: 'expected an array of segment descriptors' }),
  commit: commitSchema.optional(),
  dropExisting: z.boolean({ error: 'expected true or false' }).optional(),
}).strict().refine((r) => r.segments.length > 0 || r.commit !== undefined, {
  path: ['segments'], message: 'at least one segment is required, unless commit is given',
}) satisfies z.ZodType<PublishRequest, unknown>;

export const taskUpdateRequest = z.object({
  taskId: id,
  type: z.enum(['started', 'publishing', 'awaitingHandoff', 'succeeded', 'failed'], { error: 'expected started, publishing, awaitingHandoff, succeeded or failed' }),
  report: taskReportSchema.optional(),
  error: z.string().optional(),
  code: z.string().optional(),
  segmentIds: z.array(id).optional(),
  handoffTimeoutMs: z.number().int().nonnegative().optional(),
}).strict() satisfies z.ZodType<TaskUpdate, unknown>;

/** Parses a request body or throws `bad_request` naming every bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown, subject: string): z.output<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: formatPath(i.path) || '(body)', reason: i.message }));
  throw badRequest(`malformed ${subject} request: ${details.map((d) => `${d.path}: ${d.reason}`).join('; ')}`, details);
}

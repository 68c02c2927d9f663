import { z } from 'zod';
import { GroveError } from '../bus/errors.ts';
import { arrayElements, asciiKey, holdsExtension, valueOfKey } from '../msgpack/spans.ts';
import { compileSchema } from '../spec/compiled-schema.ts';
import { formatPath } from '../spec/validation.ts';
import { isEventType, type NewEvent } from './catalog.ts';
import { expectationSchema, type Expectation } from './expectations.ts';
import { eventDataIssues } from './event-data-check.ts';

/** The metastore's one command: append these events, if these expectations hold. */
export interface AppendCommand {
  events: NewEvent[];
  expect: Expectation[];
  meta: { actor: string; correlationId: string; causationId: string | null };
}

/** An append command's envelope; each event's data has its own schema (schemas.ts). */
export const appendEnvelopeSchema = z.object({
  events: z.array(z.object({ type: z.string(), data: z.unknown() })).min(1, 'at least one event is required'),
  expect: z.array(expectationSchema).optional(),
  meta: z.object({ actor: z.string().min(1), correlationId: z.string().min(1).optional(), causationId: z.string().nullable().optional() }),
});

const envelopeIsValid = compileSchema(appendEnvelopeSchema);

/** The command's envelope, as it came when the compiled schema accepts it; otherwise as zod parses it, or zod's error. */
function parseEnvelope(body: unknown): z.output<typeof appendEnvelopeSchema> {
  if (envelopeIsValid(body)) return body as z.output<typeof appendEnvelopeSchema>;
  const parsed = appendEnvelopeSchema.safeParse(body);
  if (!parsed.success) throw new GroveError('bad_request', 'malformed append command', parsed.error.issues.map((i) => ({ path: formatPath(i.path), reason: i.message })));
  return parsed.data;
}

/** Validates an append request: every bad event or field is named (`events[2].data.interval`). */
export function parseAppendCommand(body: unknown, newId: () => string): AppendCommand {
  const command = parseEnvelope(body);
  const details: Array<{ path: string; reason: string }> = [];
  command.events.forEach((e, i) => {
    if (!isEventType(e.type)) {
      details.push({ path: `events[${i}].type`, reason: `unknown event type "${e.type}"` });
      return;
    }
    for (const issue of eventDataIssues(e.type, e.data)) details.push({ path: formatPath(issue.path, `events[${i}].data`), reason: issue.message });
  });
  if (details.length > 0) throw new GroveError('bad_request', `malformed events: ${details.map((d) => `${d.path}: ${d.reason}`).join('; ')}`, details);
  const { meta } = command;
  return {
    events: command.events as NewEvent[],
    expect: command.expect ?? [],
    meta: { actor: meta.actor, correlationId: meta.correlationId ?? newId(), causationId: meta.causationId ?? null },
  };
}

const EVENTS = asciiKey('events');
const DATA = asciiKey('data');

/**
 * Each event's data in a msgpack append command, as its bytes (null where they cannot be told
 * apart for sure); null if the command's events cannot, or if it holds an extension anywhere (the
 * data's bytes might not decode alone to what the whole did). Call it on a body that decoded
 * without error, whose events are the command's.
 */
export function encodedEventData(body: Uint8Array): Array<Uint8Array | null> | null {
  if (holdsExtension(body)) return null;
  const events = valueOfKey(body, 0, EVENTS);
  const elements = events === null ? null : arrayElements(body, events[0]);
  return (
    elements?.map(([at]) => {
      const data = valueOfKey(body, at, DATA);
      return data === null ? null : body.subarray(data[0], data[1]);
    }) ?? null
  );
}

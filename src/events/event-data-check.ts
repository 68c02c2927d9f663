import type { z } from 'zod';
import { compileSchema } from '../spec/compiled-schema.ts';
import type { EventType } from './catalog.ts';
import { EVENT_DATA_REFINEMENTS, EVENT_DATA_SCHEMAS } from './schemas.ts';

const FAST = Object.fromEntries(
  Object.entries(EVENT_DATA_SCHEMAS).map(([type, schema]) => [type, compileSchema(schema, EVENT_DATA_REFINEMENTS[type as EventType])]),
) as { readonly [T in EventType]: (data: unknown) => boolean };

/**
 * What is wrong with an event's data for its type (no issues: nothing). Checked first by the
 * schema compiled by Ajv (compiled-schema.ts): zod's parsed copies of a hundred events a command
 * were the metastore's largest allocation and a twentieth of its time.
 */
export function eventDataIssues(type: EventType, data: unknown): z.core.$ZodIssue[] {
  if (FAST[type](data)) return [];
  const checked = EVENT_DATA_SCHEMAS[type].safeParse(data);
  return checked.success ? [] : checked.error.issues;
}

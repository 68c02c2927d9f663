import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type EventType } from '../../../src/events/catalog.ts';
import { eventDataIssues } from '../../../src/events/event-data-check.ts';
import { EVENT_DATA_SCHEMAS } from '../../../src/events/schemas.ts';
import { jsonSchemaOf } from '../../../src/spec/compiled-schema.ts';
import { dataFor, type Schema } from '../../support/json-schema-arbitrary.ts';

const zodAccepts = (type: EventType, data: unknown): boolean => EVENT_DATA_SCHEMAS[type].safeParse(data).success;
const schemaOf = (type: EventType): Schema => jsonSchemaOf(EVENT_DATA_SCHEMAS[type]) as Schema;

describe("an event's data check", () => {
  it.each(EVENT_TYPES)('accepts exactly what the zod schema accepts: %s', (type) => {
    fc.assert(
      fc.property(dataFor(schemaOf(type), true), (data) => {
        expect(eventDataIssues(type, data).length === 0).toBe(zodAccepts(type, data));
      }),
      { numRuns: 300 },
    );
  });

  it.each(EVENT_TYPES)('takes valid data without asking zod: %s', (type) => {
    const schema = EVENT_DATA_SCHEMAS[type];
    const safeParse = schema.safeParse.bind(schema);
    let asked = 0;
    schema.safeParse = ((data: unknown) => (asked++, safeParse(data))) as typeof schema.safeParse;
    try {
      fc.assert(
        fc.property(dataFor(schemaOf(type), false).filter((data) => zodAccepts(type, data)), (data) => {
          asked = 0;
          expect(eventDataIssues(type, data)).toEqual([]);
          expect(asked).toBe(0);
        }),
        { numRuns: 100 },
      );
    } finally {
      schema.safeParse = safeParse;
    }
  });

  it('refuses a publish of no segments that commits no offsets, as zod says, though JSON Schema cannot say it', () => {
    const issues = eventDataIssues('SegmentsPublished', { dataSource: 'w', taskId: 't', segments: [] });
    expect(issues.map((i) => i.message)).toEqual(['at least one segment is required, unless the publish commits stream offsets']);
    expect(eventDataIssues('SegmentsPublished', { dataSource: 'w', taskId: 't', segments: [], commit: { stream: 's', start: {}, end: { 0: 5 } } })).toEqual([]);
  });
});

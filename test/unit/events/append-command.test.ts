import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendEnvelopeSchema, parseAppendCommand } from '../../../src/events/append-command.ts';
import { isGroveError } from '../../../src/bus/errors.ts';
import { jsonSchemaOf } from '../../../src/spec/compiled-schema.ts';
import { dataFor, type Schema } from '../../support/json-schema-arbitrary.ts';

const envelope = jsonSchemaOf(appendEnvelopeSchema) as Schema;
/** Whether the command is refused for its envelope (rather than for an event's data or type). */
const envelopeRefused = (body: unknown): boolean => {
  try {
    parseAppendCommand(body, () => 'id');
    return false;
  } catch (e) {
    if (isGroveError(e) && e.message === 'malformed append command') return true;
    if (isGroveError(e) && e.message.startsWith('malformed events')) return false;
    throw e;
  }
};

describe('an append command', () => {
  it('has its envelope refused exactly when zod refuses it', () => {
    fc.assert(
      fc.property(dataFor(envelope, true), (body) => {
        expect(envelopeRefused(body)).toBe(!appendEnvelopeSchema.safeParse(body).success);
      }),
      { numRuns: 2000 },
    );
  });

  it('names what is wrong with its envelope, as zod says it', () => {
    const refused = () => parseAppendCommand({ events: [], meta: { actor: '' } }, () => 'id');
    expect(refused).toThrow('malformed append command');
    try {
      refused();
    } catch (e) {
      expect((e as { details: unknown }).details).toEqual([
        { path: 'events', reason: 'at least one event is required' },
        { path: 'meta.actor', reason: 'Too small: expected string to have >=1 characters' },
      ]);
    }
  });
});

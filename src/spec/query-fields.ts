import { z } from 'zod';
import { parseInterval, type Interval } from '../time/interval.ts';

/**
 * zod building blocks shared by the query-spec schemas (filters, aggregators, queries), so every
 * bad field gets the same kind of reason: `required` when missing, `expected …` when mistyped.
 */

const describe = (input: unknown): string => (input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input);

function typed(expected: string) {
  return (iss: { input?: unknown }): string =>
    iss.input === undefined ? 'required' : `expected ${expected}, got ${describe(iss.input)}`;
}

export const requiredString = () => z.string({ error: typed('a string') });
export const nonEmptyString = () => requiredString().min(1, { error: 'must not be empty' });
export const requiredNumber = () => z.number({ error: typed('a number') });
export const requiredBoolean = () => z.boolean({ error: typed('true or false') });
export const optionalBoolean = (fallback: boolean) => requiredBoolean().optional().default(fallback);
export const nonNegativeInt = () => requiredNumber().int({ error: 'must be an integer' }).nonnegative({ error: 'must not be negative' });

/** Druid reads these as strings, and coerces JSON numbers to them (`"value": 5` means `"5"`). */
export const nullableStringish = () =>
  z.union([z.string(), z.number(), z.null()], { error: typed('a string or null') }).transform((v) => (v === null ? null : String(v)));

/** An object whose `type` picks one of `options`: a missing or unknown type gets one clear reason. */
export function typeError(what: string, options: readonly string[]) {
  return (iss: { code?: string; input?: unknown }): string => {
    if (iss.input === undefined) return 'required';
    if (iss.code === 'invalid_union') {
      const type = (iss.input as { type?: unknown } | null)?.type;
      if (type === undefined) return `"type" is required (one of ${options.join(', ')})`;
      return `unknown ${what} type ${JSON.stringify(type)} (expected one of ${options.join(', ')})`;
    }
    return `expected ${what} object, got ${describe(iss.input)}`;
  };
}

/** Druid's interval text (`start/end`, `start/period`, `period/end`), parsed. */
export const intervalText = () =>
  requiredString().transform((text, ctx): Interval => {
    try {
      return parseInterval(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message, input: text });
      return z.NEVER;
    }
  });

/**
 * Compiles a Java-style regular expression. Unicode mode first (closer to Java's code-point
 * semantics); Java also accepts escapes unicode-mode JavaScript rejects (`\-` outside a class), so
 * those fall back to the plain mode. Throws when neither compiles.
 */
export function compileRegex(text: string): RegExp {
  try {
    return new RegExp(text, 'u');
  } catch {
    return new RegExp(text);
  }
}

/** A regular expression's text, checked to compile. */
export const regexText = () =>
  requiredString().superRefine((text, ctx) => {
    try {
      compileRegex(text);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(e as Error).message}`, input: text });
    }
  });

import { z } from 'zod';
import type { Interval } from '../time/interval.ts';
import { parseWith, type SpecKind } from './validation.ts';
import {
  intervalText, nonEmptyString, nullableStringish, optionalBoolean, regexText, requiredString, typeError,
} from './query-fields.ts';
import { STRING_ORDERINGS, type StringOrdering } from './sorting-orders.ts';

/**
 * Druid's native filter JSON (docs/querying/filters.md), parsed into plain data: a parsed filter
 * is still JSON/msgpack-serialisable, so a broker can forward it to historicals. Matching lives in
 * `src/query/filter-match.ts`; `rowFilter` (re-exported here) evaluates a filter on one input row.
 */

export type MatchValueType = 'STRING' | 'LONG' | 'DOUBLE' | 'FLOAT';

export interface SelectorFilter { type: 'selector'; dimension: string; value: string | null }
export interface EqualsFilter { type: 'equals'; column: string; matchValueType: MatchValueType; matchValue: string | number }
export interface NullFilter { type: 'null'; column: string }
export interface InFilter { type: 'in'; dimension: string; values: Array<string | null> }
export interface BoundFilter {
  type: 'bound'; dimension: string; lower: string | null; upper: string | null;
  lowerStrict: boolean; upperStrict: boolean; ordering: StringOrdering;
}
export interface RangeFilter {
  type: 'range'; column: string; matchValueType: MatchValueType; lower: string | number | null; upper: string | number | null;
  lowerOpen: boolean; upperOpen: boolean;
}
export interface LikeFilter { type: 'like'; dimension: string; pattern: string; escape: string | null }
export interface RegexFilter { type: 'regex'; dimension: string; pattern: string }
export interface IntervalFilter { type: 'interval'; dimension: string; intervals: Interval[] }
export interface AndFilter { type: 'and'; fields: Filter[] }
export interface OrFilter { type: 'or'; fields: Filter[] }
export interface NotFilter { type: 'not'; field: Filter }
export interface ConstantFilter { type: 'true' | 'false' }

export type Filter =
  | SelectorFilter | EqualsFilter | NullFilter | InFilter | BoundFilter | RangeFilter | LikeFilter | RegexFilter
  | IntervalFilter | AndFilter | OrFilter | NotFilter | ConstantFilter;

export const FILTER_TYPES = [
  'selector', 'equals', 'equality', 'null', 'in', 'bound', 'range', 'like', 'regex', 'interval', 'and', 'or', 'not', 'true', 'false',
] as const;

const MATCH_VALUE_TYPES = ['STRING', 'LONG', 'DOUBLE', 'FLOAT'] as const;

/** Extraction functions are not supported: refusing them beats silently matching something else. */
const noExtractionFn = z.unknown().refine((v) => v === undefined || v === null, { error: 'extractionFn is not supported' }).optional();

const matchValueType = () =>
  z.string({ error: (iss) => (iss.input === undefined ? 'required' : 'expected a type name') })
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(MATCH_VALUE_TYPES, { error: (iss) => `unsupported matchValueType ${JSON.stringify(iss.input)} (expected one of ${MATCH_VALUE_TYPES.join(', ')})` }));

const scalar = () => z.union([z.string(), z.number()], { error: (iss) => (iss.input === undefined ? 'required' : 'expected a string or a number') });
const optionalScalar = () => z.union([z.string(), z.number(), z.null()], { error: 'expected a string, a number or null' }).optional().transform((v) => v ?? null);

/** Checks a typed match value fits its type (`"abc"` is no LONG). */
function checkTypedValue(type: MatchValueType, value: unknown, ctx: z.RefinementCtx, path: string): void {
  if (type === 'STRING' || value === null || value === undefined) return;
  const n = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && (value.trim() === '' || Number.isNaN(n))) {
    ctx.addIssue({ code: 'custom', path: [path], message: `${JSON.stringify(value)} is not a ${type} value`, input: value });
  }
}

const selectorSchema = z.object({
  type: z.literal('selector'),
  dimension: nonEmptyString(),
  value: nullableStringish().optional().transform((v) => v ?? null),
  extractionFn: noExtractionFn,
}).transform(({ dimension, value }): SelectorFilter => ({ type: 'selector', dimension, value }));

const equalsSchema = z.object({
  type: z.enum(['equals', 'equality']),
  column: nonEmptyString(),
  matchValueType: matchValueType(),
  matchValue: scalar(),
}).superRefine((f, ctx) => checkTypedValue(f.matchValueType, f.matchValue, ctx, 'matchValue'))
  .transform(({ column, matchValueType, matchValue }): EqualsFilter => ({ type: 'equals', column, matchValueType, matchValue }));

const nullSchema = z.object({ type: z.literal('null'), column: nonEmptyString() })
  .transform(({ column }): NullFilter => ({ type: 'null', column }));

const inSchema = z.object({
  type: z.literal('in'),
  dimension: nonEmptyString(),
  values: z.array(z.union([z.string(), z.number(), z.null()], { error: 'expected a string, a number or null' }).transform((v) => (v === null ? null : String(v))), {
    error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of values'),
  }),
  extractionFn: noExtractionFn,
}).transform(({ dimension, values }): InFilter => ({ type: 'in', dimension, values }));

const boundSchema = z.object({
  type: z.literal('bound'),
  dimension: nonEmptyString(),
  lower: nullableStringish().optional().transform((v) => v ?? null),
  upper: nullableStringish().optional().transform((v) => v ?? null),
  lowerStrict: optionalBoolean(false),
  upperStrict: optionalBoolean(false),
  ordering: z.union([z.enum(STRING_ORDERINGS as [StringOrdering, ...StringOrdering[]]), z.object({ type: z.enum(STRING_ORDERINGS as [StringOrdering, ...StringOrdering[]]) })], {
    error: `expected one of ${STRING_ORDERINGS.join(', ')}`,
  }).optional(),
  /** The pre-0.9 spelling of `ordering: "alphanumeric"`. */
  alphaNumeric: optionalBoolean(false),
  extractionFn: noExtractionFn,
}).superRefine((f, ctx) => {
  if (f.lower === null && f.upper === null) ctx.addIssue({ code: 'custom', path: ['lower'], message: 'lower and upper can not both be missing', input: f });
}).transform((f): BoundFilter => ({
  type: 'bound', dimension: f.dimension, lower: f.lower, upper: f.upper, lowerStrict: f.lowerStrict, upperStrict: f.upperStrict,
  ordering: f.ordering === undefined ? (f.alphaNumeric ? 'alphanumeric' : 'lexicographic') : typeof f.ordering === 'string' ? f.ordering : f.ordering.type,
}));

const rangeSchema = z.object({
  type: z.literal('range'),
  column: nonEmptyString(),
  matchValueType: matchValueType(),
  lower: optionalScalar(),
  upper: optionalScalar(),
  lowerOpen: optionalBoolean(false),
  upperOpen: optionalBoolean(false),
}).superRefine((f, ctx) => {
  if (f.lower === null && f.upper === null) ctx.addIssue({ code: 'custom', path: ['lower'], message: 'lower and upper can not both be missing', input: f });
  checkTypedValue(f.matchValueType, f.lower, ctx, 'lower');
  checkTypedValue(f.matchValueType, f.upper, ctx, 'upper');
}).transform((f): RangeFilter => ({
  type: 'range', column: f.column, matchValueType: f.matchValueType, lower: f.lower, upper: f.upper, lowerOpen: f.lowerOpen, upperOpen: f.upperOpen,
}));

const likeSchema = z.object({
  type: z.literal('like'),
  dimension: nonEmptyString(),
  pattern: requiredString(),
  escape: z.string({ error: 'expected a one-character string' }).length(1, { error: 'must be exactly one character' }).nullable().optional(),
  extractionFn: noExtractionFn,
}).transform(({ dimension, pattern, escape }): LikeFilter => ({ type: 'like', dimension, pattern, escape: escape ?? null }));

const regexSchema = z.object({
  type: z.literal('regex'),
  dimension: nonEmptyString(),
  pattern: regexText(),
  extractionFn: noExtractionFn,
}).transform(({ dimension, pattern }): RegexFilter => ({ type: 'regex', dimension, pattern }));

const intervalSchema = z.object({
  type: z.literal('interval'),
  dimension: nonEmptyString(),
  intervals: z.array(intervalText(), { error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of intervals') }),
  extractionFn: noExtractionFn,
}).transform(({ dimension, intervals }): IntervalFilter => ({ type: 'interval', dimension, intervals }));

const fieldList = () =>
  z.array(filterSchema, { error: (iss) => (iss.input === undefined ? 'required' : 'expected an array of filters') })
    .min(1, { error: 'needs at least one filter' });

const andSchema = z.object({ type: z.literal('and'), get fields() { return fieldList(); } }).transform(({ fields }): AndFilter => ({ type: 'and', fields }));
const orSchema = z.object({ type: z.literal('or'), get fields() { return fieldList(); } }).transform(({ fields }): OrFilter => ({ type: 'or', fields }));
const notSchema = z.object({ type: z.literal('not'), get field() { return filterSchema; } }).transform(({ field }): NotFilter => ({ type: 'not', field }));
const trueSchema = z.object({ type: z.literal('true') }).transform((): ConstantFilter => ({ type: 'true' }));
const falseSchema = z.object({ type: z.literal('false') }).transform((): ConstantFilter => ({ type: 'false' }));

/** The filter schema, to embed in other specs' schemas (ingestion's transformSpec, queries). */
export const filterSchema: z.ZodType<Filter, unknown> = z.lazy(() =>
  z.discriminatedUnion('type', [
    selectorSchema, equalsSchema, nullSchema, inSchema, boundSchema, rangeSchema, likeSchema, regexSchema, intervalSchema,
    andSchema, orSchema, notSchema, trueSchema, falseSchema,
  ], { error: typeError('filter', FILTER_TYPES) }),
);

/**
 * Parses a filter, throwing a SpecValidationError naming every bad field, each path prefixed with
 * `path` (e.g. `filter` or `spec.dataSchema.transformSpec.filter`).
 */
export function parseFilter(json: unknown, path = 'filter', code: SpecKind = 'invalid_query'): Filter {
  return parseWith(filterSchema, json, code, path);
}

export { rowFilter } from '../query/filter-match.ts';

/** Every column a filter reads, e.g. to know which columns a query must load. */
export function filterColumns(filter: Filter, into: Set<string> = new Set()): Set<string> {
  switch (filter.type) {
    case 'and':
    case 'or':
      for (const f of filter.fields) filterColumns(f, into);
      break;
    case 'not':
      filterColumns(filter.field, into);
      break;
    case 'true':
    case 'false':
      break;
    case 'equals':
    case 'null':
    case 'range':
      into.add(filter.column);
      break;
    default:
      into.add(filter.dimension);
  }
  return into;
}

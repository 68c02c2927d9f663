import { z } from 'zod';
import { rowFilter } from '../query/filter-match.ts';
import { toLong, type NumericType } from '../query/java-number.ts';
import { filterSchema, type Filter } from './filter.ts';
import { nonEmptyString, typeError } from './query-fields.ts';
import { parseWith, type SpecKind } from './validation.ts';

/**
 * Druid's aggregator JSON (docs/querying/aggregations.md), used by ingestion's metricsSpec and by
 * queries, with the combine semantics both share. Druid's SQL-compatible null handling: an
 * aggregate over no non-null values is null (count is 0), first/last return the value of the
 * earliest/latest row even when that value is null.
 *
 * Values travel as numbers with NaN standing for null. Longs are JavaScript doubles: exact up to
 * 2^53 (about 9e15), which a sum can exceed only with absurd data; beyond it sums round.
 */

export type CombineKind = 'count' | 'sum' | 'min' | 'max' | 'first' | 'last';

const NUMERIC_AGGREGATORS = {
  longSum: ['sum', 'long'], doubleSum: ['sum', 'double'], floatSum: ['sum', 'float'],
  longMin: ['min', 'long'], doubleMin: ['min', 'double'], floatMin: ['min', 'float'],
  longMax: ['max', 'long'], doubleMax: ['max', 'double'], floatMax: ['max', 'float'],
} as const satisfies Record<string, readonly [CombineKind, NumericType]>;

const FIRST_LAST_AGGREGATORS = {
  longFirst: ['first', 'long'], doubleFirst: ['first', 'double'], floatFirst: ['first', 'float'],
  longLast: ['last', 'long'], doubleLast: ['last', 'double'], floatLast: ['last', 'float'],
} as const satisfies Record<string, readonly [CombineKind, NumericType]>;

export type NumericAggregatorType = keyof typeof NUMERIC_AGGREGATORS;
export type FirstLastAggregatorType = keyof typeof FIRST_LAST_AGGREGATORS;

export interface CountAggregator { type: 'count'; name: string }
export interface NumericAggregator { type: NumericAggregatorType; name: string; fieldName: string }
export interface FirstLastAggregator { type: FirstLastAggregatorType; name: string; fieldName: string; timeColumn: string }
export interface FilteredAggregator { type: 'filtered'; name: string; filter: Filter; aggregator: AggregatorSpec }

export type AggregatorSpec = CountAggregator | NumericAggregator | FirstLastAggregator | FilteredAggregator;

export const AGGREGATOR_TYPES = ['count', ...Object.keys(NUMERIC_AGGREGATORS), ...Object.keys(FIRST_LAST_AGGREGATORS), 'filtered'];

const optionalFieldName = () =>
  z.string({ error: 'expected a column name' }).min(1, { error: 'must not be empty' }).optional();

/** `fieldName` is required; Druid's `expression` alternative is refused by name rather than ignored. */
function requireFieldName(a: { expression?: unknown; fieldName?: string }, ctx: z.RefinementCtx): void {
  if (a.fieldName !== undefined) return;
  const message = a.expression === undefined || a.expression === null ? 'required' : 'required (expression is not supported)';
  ctx.addIssue({ code: 'custom', path: ['fieldName'], message, input: undefined });
}

const countSchema = z.object({ type: z.literal('count'), name: nonEmptyString() })
  .transform(({ name }): CountAggregator => ({ type: 'count', name }));

const numericSchema = z.object({
  type: z.enum(Object.keys(NUMERIC_AGGREGATORS) as [NumericAggregatorType, ...NumericAggregatorType[]]),
  name: nonEmptyString(),
  fieldName: optionalFieldName(),
  expression: z.unknown().optional(),
}).superRefine(requireFieldName).transform(({ type, name, fieldName }): NumericAggregator => ({ type, name, fieldName: fieldName! }));

const firstLastSchema = z.object({
  type: z.enum(Object.keys(FIRST_LAST_AGGREGATORS) as [FirstLastAggregatorType, ...FirstLastAggregatorType[]]),
  name: nonEmptyString(),
  fieldName: optionalFieldName(),
  timeColumn: z.string({ error: 'expected a column name' }).min(1, { error: 'must not be empty' }).optional(),
}).superRefine(requireFieldName)
  .transform(({ type, name, fieldName, timeColumn }): FirstLastAggregator => ({ type, name, fieldName: fieldName!, timeColumn: timeColumn ?? '__time' }));

const filteredSchema = z.object({
  type: z.literal('filtered'),
  name: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }).optional(),
  get filter() { return filterSchema; },
  get aggregator() { return aggregatorSchema; },
}).transform(({ name, filter, aggregator }): FilteredAggregator => ({ type: 'filtered', name: name ?? aggregator.name, filter, aggregator }));

/** The aggregator schema, to embed in other specs' schemas (metricsSpec, queries). */
export const aggregatorSchema: z.ZodType<AggregatorSpec, unknown> = z.lazy(() =>
  z.discriminatedUnion('type', [countSchema, numericSchema, firstLastSchema, filteredSchema], { error: typeError('aggregator', AGGREGATOR_TYPES) }),
);

/** Parses one aggregator; every bad field is named with `path` in front (e.g. `aggregations[1]`). */
export function parseAggregator(json: unknown, path = 'aggregator', code: SpecKind = 'invalid_query'): AggregatorSpec {
  return parseWith(aggregatorSchema, json, code, path);
}

/** What an aggregator does, whatever wraps it: how values combine and of which type they are. */
export interface AggregatorKind {
  combine: CombineKind;
  type: NumericType;
}

export function aggregatorKind(spec: AggregatorSpec): AggregatorKind {
  switch (spec.type) {
    case 'count': return { combine: 'count', type: 'long' };
    case 'filtered': return aggregatorKind(spec.aggregator);
    default: {
      const [combine, type] = spec.type in NUMERIC_AGGREGATORS ? NUMERIC_AGGREGATORS[spec.type as NumericAggregatorType] : FIRST_LAST_AGGREGATORS[spec.type as FirstLastAggregatorType];
      return { combine, type };
    }
  }
}

/** The innermost aggregator, under any `filtered` wrappers. */
export function innerAggregator(spec: AggregatorSpec): Exclude<AggregatorSpec, FilteredAggregator> {
  return spec.type === 'filtered' ? innerAggregator(spec.aggregator) : spec;
}

/**
 * The aggregator that re-aggregates a stored metric column at query time (Druid's combining
 * factory): a `count` column is summed, every other aggregator reads its own column.
 */
export function combiningAggregator(spec: AggregatorSpec): AggregatorSpec {
  const inner = innerAggregator(spec);
  const name = spec.name;
  switch (inner.type) {
    case 'count': return { type: 'longSum', name, fieldName: name };
    default:
      if (inner.type in FIRST_LAST_AGGREGATORS) return { type: inner.type as FirstLastAggregatorType, name, fieldName: name, timeColumn: '__time' };
      return { type: inner.type as NumericAggregatorType, name, fieldName: name };
  }
}

/** A running aggregate: its value (NaN is null) and, for first/last, the time of that value. */
export interface Accumulator {
  value: number;
  time: number;
}

export function emptyAccumulator(kind: AggregatorKind): Accumulator {
  return {
    value: kind.combine === 'count' ? 0 : NaN,
    time: kind.combine === 'first' ? Infinity : kind.combine === 'last' ? -Infinity : 0,
  };
}

/** The bounds of a Java long, as doubles (Long.MAX_VALUE rounds up to 2^63). */
const LONG_LIMIT = 2 ** 63;

/**
 * Stores a number the way a column of `type` holds it: longs truncate and, as Java's (long) cast
 * does, saturate at the long range (so 1e400, read as Infinity, is Long.MAX_VALUE); floats round
 * to 32 bits.
 */
export function toType(v: number, type: NumericType): number {
  if (type === 'long') return Math.min(LONG_LIMIT, Math.max(-LONG_LIMIT, toLong(v)));
  return type === 'float' ? Math.fround(v) : v;
}

/**
 * Folds a value (with its time) into an accumulator. For `count` the value is a count to add, so
 * this is also how partial aggregates merge. Ties keep the earlier row for first and take the
 * later for last, as Druid's aggregators do when scanning rows in time order.
 */
export function fold(kind: AggregatorKind, acc: Accumulator, value: number, time: number): void {
  switch (kind.combine) {
    case 'count':
    case 'sum':
      if (value === value) acc.value = acc.value === acc.value ? add(acc.value, value, kind.type) : value;
      return;
    case 'min':
      if (value === value && !(acc.value <= value)) acc.value = value;
      return;
    case 'max':
      if (value === value && !(acc.value >= value)) acc.value = value;
      return;
    case 'first':
      if (time < acc.time) { acc.time = time; acc.value = value; }
      return;
    case 'last':
      if (time >= acc.time) { acc.time = time; acc.value = value; }
      return;
  }
}

const add = (a: number, b: number, type: NumericType): number => (type === 'float' ? Math.fround(a + b) : a + b);

/** Merges `other` into `acc` (two partial aggregates of the same aggregator). */
export function combine(kind: AggregatorKind, acc: Accumulator, other: Accumulator): void {
  fold(kind, acc, other.value, other.time);
}

export class MetricValueError extends Error {
  constructor(readonly field: string, readonly value: unknown) {
    super(`unable to parse value ${JSON.stringify(value)} of field "${field}" as a number`);
    this.name = 'MetricValueError';
  }
}

/**
 * An input row's field as a number of `type` (null when missing or empty). Text must be a number;
 * anything else throws a MetricValueError, which ingestion counts as a parse error.
 */
export function readNumber(row: Readonly<Record<string, unknown>>, field: string, type: NumericType): number | null {
  return numberOf(row[field], field, type);
}

/** `raw`, the value of input field `field`, as readNumber reads it. */
export function numberOf(raw: unknown, field: string, type: NumericType): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'bigint') n = Number(raw);
  else if (typeof raw === 'string' && raw.trim() !== '' && !Number.isNaN(Number(raw))) n = Number(raw);
  else throw new MetricValueError(field, raw);
  return Number.isNaN(n) ? null : toType(n, type);
}

/**
 * Aggregates input rows into one metric value, as ingestion's rollup does. Stored as a column of
 * `type`; first/last also store the time of their value (`keepsTime`).
 */
export interface RowAggregator {
  readonly name: string;
  readonly kind: AggregatorKind;
  readonly type: NumericType;
  readonly keepsTime: boolean;
  init(): Accumulator;
  /** Folds one input row whose timestamp is `time`. */
  add(acc: Accumulator, row: Readonly<Record<string, unknown>>, time: number): void;
  /** Merges another accumulator of the same aggregator (e.g. two spilled partial rollups). */
  combine(acc: Accumulator, other: Accumulator): void;
}

export function rowAggregator(spec: AggregatorSpec): RowAggregator {
  const kind = aggregatorKind(spec);
  const inner = innerAggregator(spec);
  const matches = spec.type === 'filtered' ? filteredRows(spec) : () => true;
  const read = inner.type === 'count'
    ? () => 1
    : (row: Readonly<Record<string, unknown>>) => readNumber(row, inner.fieldName, kind.type) ?? NaN;
  const timeOf = 'timeColumn' in inner && inner.timeColumn !== '__time'
    ? (row: Readonly<Record<string, unknown>>, time: number) => readNumber(row, inner.timeColumn, 'long') ?? time
    : (_row: Readonly<Record<string, unknown>>, time: number) => time;
  return {
    name: spec.name,
    kind,
    type: kind.type,
    keepsTime: kind.combine === 'first' || kind.combine === 'last',
    init: () => emptyAccumulator(kind),
    add(acc, row, time) {
      if (matches(row)) fold(kind, acc, read(row), timeOf(row, time));
    },
    combine: (acc, other) => combine(kind, acc, other),
  };
}

/** A chain of `filtered` wrappers matches a row when every one of their filters does. */
function filteredRows(spec: FilteredAggregator): (row: Readonly<Record<string, unknown>>) => boolean {
  const here = rowFilter(spec.filter);
  if (spec.aggregator.type !== 'filtered') return here;
  const below = filteredRows(spec.aggregator);
  return (row) => here(row) && below(row);
}

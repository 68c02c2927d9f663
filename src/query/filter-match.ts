import type { Filter, MatchValueType } from '../spec/filter.ts';
import { compileRegex } from '../spec/query-fields.ts';
import { compareLexicographic, parseDecimal, STRING_COMPARATORS } from '../spec/sorting-orders.ts';
import { javaString, type NumericType } from './java-number.ts';

/**
 * Filter matching with Druid's SQL-compatible three-valued logic: a leaf filter on a null value is
 * either TRUE (the `null` filter, a selector for null, `in` listing null, a bound without a lower
 * end) or UNKNOWN, and UNKNOWN never matches, not even under `not`. As in Druid, every node is
 * asked "do you match, counting UNKNOWN as a match?" and `not` flips that question for its child.
 */

/** A leaf filter's test of one column's values. */
export interface ValuePredicate {
  readonly column: string;
  /** Whether null matches; when false, null is UNKNOWN. */
  readonly matchesNull: boolean;
  /** Tests a non-null string value. */
  string(s: string): boolean;
  /** Tests a non-null number read from a column of type `type`. */
  number(n: number, type: NumericType): boolean;
}

export type FilterTree =
  | { kind: 'leaf'; predicate: ValuePredicate }
  | { kind: 'and' | 'or'; children: FilterTree[] }
  | { kind: 'not'; child: FilterTree }
  | { kind: 'const'; value: boolean };

const NEVER = (): boolean => false;

/** Whether a number equals a target given as text or number, compared the way a `type` column is. */
function numberEquals(target: number | null): (n: number, type: NumericType) => boolean {
  if (target === null) return NEVER;
  const asFloat = Math.fround(target);
  const integral = Number.isInteger(target);
  return (n, type) => (type === 'long' ? integral && n === target : type === 'float' ? n === asFloat : n === target);
}

const toTarget = (v: string | number): number | null => (typeof v === 'number' ? v : parseDecimal(v.trim()));
const lowerType = (t: MatchValueType): NumericType => (t === 'LONG' ? 'long' : t === 'FLOAT' ? 'float' : 'double');

function selector(column: string, value: string | null): ValuePredicate {
  if (value === null) return { column, matchesNull: true, string: NEVER, number: NEVER };
  return { column, matchesNull: false, string: (s) => s === value, number: numberEquals(toTarget(value)) };
}

function equals(column: string, type: MatchValueType, value: string | number): ValuePredicate {
  // A typed match value meets a string column as its Java text (LONG 5 is "5", DOUBLE 5 is "5.0").
  const text = type === 'STRING' ? String(value) : javaString(Number(value), lowerType(type));
  return { column, matchesNull: false, string: (s) => s === text, number: numberEquals(toTarget(value)) };
}

function inValues(column: string, values: ReadonlyArray<string | null>): ValuePredicate {
  const strings = new Set(values.filter((v): v is string => v !== null));
  const tests = [...strings].map((v) => numberEquals(toTarget(v)));
  return {
    column,
    matchesNull: values.includes(null),
    string: (s) => strings.has(s),
    number: (n, type) => tests.some((t) => t(n, type)),
  };
}

/** `lower <(=) x <(=) upper` given a comparison `cmp(x, bound)`; a null bound is no bound. */
function within<B>(lower: B | null, upper: B | null, lowerOpen: boolean, upperOpen: boolean, cmp: (x: B, bound: B) => number) {
  return (x: B): boolean => {
    if (lower !== null) {
      const c = cmp(x, lower);
      if (lowerOpen ? c <= 0 : c < 0) return false;
    }
    if (upper !== null) {
      const c = cmp(x, upper);
      if (upperOpen ? c >= 0 : c > 0) return false;
    }
    return true;
  };
}

const compareNumbers = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

function bound(f: Extract<Filter, { type: 'bound' }>): ValuePredicate {
  const cmp = STRING_COMPARATORS[f.ordering];
  const onString = within(f.lower, f.upper, f.lowerStrict, f.upperStrict, (x: string, b: string) => cmp(x, b));
  let onNumber: (n: number, type: NumericType) => boolean = (n, type) => onString(javaString(n, type));
  if (f.ordering === 'numeric') {
    // Druid's numeric order puts unparseable text before every number.
    const lower = f.lower === null ? null : parseDecimal(f.lower) ?? -Infinity;
    const upper = f.upper === null ? null : parseDecimal(f.upper) ?? -Infinity;
    const inRange = within(lower, upper, f.lowerStrict, f.upperStrict, compareNumbers);
    onNumber = (n) => inRange(n);
  }
  return { column: f.dimension, matchesNull: f.lower === null, string: onString, number: onNumber };
}

function range(f: Extract<Filter, { type: 'range' }>): ValuePredicate {
  if (f.matchValueType === 'STRING') {
    const onString = within(f.lower === null ? null : String(f.lower), f.upper === null ? null : String(f.upper), f.lowerOpen, f.upperOpen, compareLexicographic);
    return { column: f.column, matchesNull: false, string: onString, number: (n, type) => onString(javaString(n, type)) };
  }
  const num = (v: string | number | null): number | null => (v === null ? null : toTarget(v));
  const inRange = within(num(f.lower), num(f.upper), f.lowerOpen, f.upperOpen, compareNumbers);
  return {
    column: f.column,
    matchesNull: false,
    string: (s) => {
      const n = parseDecimal(s.trim());
      return n !== null && inRange(n);
    },
    number: (n) => inRange(n),
  };
}

/** SQL LIKE as an anchored regular expression: `%` any run, `_` one character, `escape` quotes. */
export function likeRegex(pattern: string, escape: string | null): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === escape && i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
    else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += escapeRegex(c);
  }
  return new RegExp(`^${out}$`, 'su');
}

const escapeRegex = (c: string): string => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

function textPredicate(column: string, test: (s: string) => boolean): ValuePredicate {
  return { column, matchesNull: false, string: test, number: (n, type) => test(javaString(n, type)) };
}

function intervals(f: Extract<Filter, { type: 'interval' }>): ValuePredicate {
  const inAny = (t: number): boolean => f.intervals.some((i) => i.start <= t && t < i.end);
  return {
    column: f.dimension,
    matchesNull: false,
    string: (s) => /^[+-]?\d+$/.test(s.trim()) && inAny(Number(s)),
    number: inAny,
  };
}

/** The leaf's predicate on its column's values. */
export function valuePredicate(f: Exclude<Filter, { type: 'and' | 'or' | 'not' | 'true' | 'false' }>): ValuePredicate {
  switch (f.type) {
    case 'selector': return selector(f.dimension, f.value);
    case 'equals': return equals(f.column, f.matchValueType, f.matchValue);
    case 'null': return { column: f.column, matchesNull: true, string: NEVER, number: NEVER };
    case 'in': return inValues(f.dimension, f.values);
    case 'bound': return bound(f);
    case 'range': return range(f);
    case 'like': {
      const re = likeRegex(f.pattern, f.escape);
      return textPredicate(f.dimension, (s) => re.test(s));
    }
    case 'regex': {
      const re = compileRegex(f.pattern);
      return textPredicate(f.dimension, (s) => re.test(s));
    }
    case 'interval': return intervals(f);
  }
}

/** Compiles a parsed filter into predicates (regexes compiled once). */
export function compileFilter(f: Filter): FilterTree {
  switch (f.type) {
    case 'and':
    case 'or':
      return { kind: f.type, children: f.fields.map(compileFilter) };
    case 'not':
      return { kind: 'not', child: compileFilter(f.field) };
    case 'true':
    case 'false':
      return { kind: 'const', value: f.type === 'true' };
    default:
      return { kind: 'leaf', predicate: valuePredicate(f) };
  }
}

/** Tests one JavaScript value, as found in an input row; arrays are multi-values (any element). */
export function matchesValue(p: ValuePredicate, v: unknown, includeUnknown: boolean, type?: NumericType): boolean {
  if (v === null || v === undefined) return p.matchesNull || includeUnknown;
  switch (typeof v) {
    case 'string': return p.string(v);
    case 'number': return Number.isNaN(v) ? p.matchesNull || includeUnknown : p.number(v, type ?? (Number.isInteger(v) ? 'long' : 'double'));
    case 'bigint': return p.number(Number(v), 'long');
    case 'boolean': return p.string(String(v));
    default:
      if (Array.isArray(v)) return v.length === 0 ? p.matchesNull || includeUnknown : v.some((e) => matchesValue(p, e, includeUnknown, type));
      if (v instanceof Date) return p.number(v.getTime(), 'long');
      return p.string(JSON.stringify(v));
  }
}

function rowMatches(t: FilterTree, row: Readonly<Record<string, unknown>>, includeUnknown: boolean, types: ColumnTypes): boolean {
  switch (t.kind) {
    case 'leaf': return matchesValue(t.predicate, row[t.predicate.column], includeUnknown, types[t.predicate.column]);
    case 'and': return t.children.every((c) => rowMatches(c, row, includeUnknown, types));
    case 'or': return t.children.some((c) => rowMatches(c, row, includeUnknown, types));
    case 'not': return !rowMatches(t.child, row, !includeUnknown, types);
    case 'const': return t.value;
  }
}

/**
 * Numeric columns whose type is known: a number in them is read as that type (a double 3 is
 * "3.0" to a like or regex), not guessed from its value (an integer reads as a long).
 */
export type ColumnTypes = Readonly<Record<string, NumericType>>;

/**
 * A row-wise evaluator of a parsed filter, for input rows (ingestion's transformSpec filter). A
 * missing field is null; an array is a multi-value (matches when any value does). A filter on
 * `__time` reads the row's `__time` field, so put the parsed timestamp there first.
 */
export function rowFilter(filter: Filter, types: ColumnTypes = {}): (row: Readonly<Record<string, unknown>>) => boolean {
  const tree = compileFilter(filter);
  return (row) => rowMatches(tree, row, false, types);
}

import type { PostAggregatorSpec } from '../spec/post-aggregator.ts';
import { toLong } from './java-number.ts';

/**
 * Post-aggregators over one result row (Druid's SQL-compatible null handling: arithmetic with a
 * null operand is null). `row` holds finalized values, `raw` the intermediate ones that
 * `fieldAccess` returns; each post-aggregator's output is added to both, in order, so later ones
 * can read earlier ones.
 */
export function applyPostAggregators(specs: readonly PostAggregatorSpec[], row: Record<string, unknown>, raw: Record<string, unknown>): void {
  for (const spec of specs) {
    const v = evaluate(spec, row, raw);
    row[spec.name!] = v;
    raw[spec.name!] = v;
  }
}

const asNumber = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function evaluate(spec: PostAggregatorSpec, row: Record<string, unknown>, raw: Record<string, unknown>): unknown {
  switch (spec.type) {
    case 'constant': return spec.value;
    case 'fieldAccess': return raw[spec.fieldName] ?? null;
    case 'finalizingFieldAccess': return row[spec.fieldName] ?? null;
    case 'arithmetic': {
      const values = spec.fields.map((f) => asNumber(evaluate(f, row, raw)));
      if (values.some((v) => v === null)) return null;
      return (values as number[]).reduce((a, b) => arithmetic(spec.fn, a, b));
    }
    default: {
      // greatest/least skip nulls; with none left the result is null
      const values = spec.fields.map((f) => asNumber(evaluate(f, row, raw))).filter((v): v is number => v !== null);
      if (values.length === 0) return null;
      const v = spec.type.endsWith('Greatest') ? Math.max(...values) : Math.min(...values);
      return spec.type.startsWith('long') ? toLong(v) : v;
    }
  }
}

function arithmetic(fn: string, a: number, b: number): number {
  switch (fn) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    // Druid's "/" gives 0 for a zero divisor; "quotient" is plain floating-point division.
    case '/': return b === 0 ? 0 : a / b;
    case 'quotient': return a / b;
    default: return a ** b;
  }
}

/**
 * Orders metric values for sorting: null first, then numbers, NaN last (Java's Double order).
 * `numericFirst` (arithmetic post-aggregators' option) puts finite numbers before NaN and infinities.
 */
export function compareMetricValues(a: unknown, b: unknown, numericFirst = false): number {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  if (numericFirst) {
    const fx = Number.isFinite(x);
    const fy = Number.isFinite(y);
    if (fx !== fy) return fx ? -1 : 1;
    if (!fx) return (x !== x ? 0 : 1) - (y !== y ? 0 : 1);
  }
  if (x !== x || y !== y) return x !== x ? (y !== y ? 0 : 1) : -1;
  return x < y ? -1 : x > y ? 1 : 0;
}

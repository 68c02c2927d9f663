import type { AggregatorKind } from '../spec/aggregator.ts';
import { formatInstant } from '../time/instant.ts';
import { shortestFloat, type NumericType } from './java-number.ts';
import { stateValue } from './kernels.ts';

/** How aggregated numbers leave the engine: as Druid writes them in JSON. */

/** A column value as Druid prints it: null for NaN, floats with their shortest digits. */
export function jsonNumber(v: number, type: NumericType): number | null {
  if (v !== v) return null;
  return type === 'float' ? shortestFloat(v) : v;
}

/** The finalized value of an aggregator's state. */
export function finalValue(kind: AggregatorKind, acc: number, aux: number): number | null {
  return jsonNumber(stateValue(kind.combine, acc, aux), kind.type);
}

/**
 * The intermediate value, which `fieldAccess` returns: first/last keep their time, as Druid's
 * SerializablePair `{ lhs: time, rhs: value }`; every other aggregator's is its final value.
 */
export function intermediateValue(kind: AggregatorKind, acc: number, aux: number): unknown {
  if (kind.combine === 'first' || kind.combine === 'last') {
    return Number.isFinite(aux) ? { lhs: aux, rhs: jsonNumber(acc, kind.type) } : null;
  }
  return finalValue(kind, acc, aux);
}

let lastTime = NaN;
let lastText = '';

/** ISO text of an instant; results repeat the same timestamp for many rows, so the last is kept. */
export function isoTime(t: number): string {
  if (t !== lastTime) {
    lastText = formatInstant(t);
    lastTime = t;
  }
  return lastText;
}

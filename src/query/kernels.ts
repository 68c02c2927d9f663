import type { CombineKind } from '../spec/aggregator.ts';

/**
 * Aggregation loops over typed arrays. Each (aggregator kind × input shape) gets its own small
 * loop, generated from one template and compiled once: a loop that calls a per-kind function per
 * row would be megamorphic in V8 and several times slower, and writing every variant by hand
 * would be dozens of near-identical loops.
 *
 * State per group g, in two Float64Arrays: `acc[g]`, the running value, and `aux[g]`, which is
 * the count of non-null values for sum/min/max (so an all-null group is null, not 0) and the
 * time of the value for first/last. `count` uses `acc` only.
 */

export interface KernelShape {
  combine: CombineKind;
  /** Loop over a selection vector of rows instead of a contiguous row range. */
  selected: boolean;
  /** Each row's group comes from `groups[row]`; otherwise every row goes to group `g0`. */
  grouped: boolean;
  /** How a row's value is read: `vals[r]`, through dictionary ids `vals[ids[r]]`, or always null. */
  source: 'direct' | 'lookup' | 'missing';
  /** Conversion from the column's type to the aggregator's: truncate to long, round to float. */
  convert: 'none' | 'long' | 'float';
  /** The column holds nulls (NaN), so values must be checked. */
  nullable: boolean;
  /** A float aggregator: sums round to 32 bits at every step, as Druid's floatSum does. */
  float32: boolean;
  /** A long aggregator: its sums are exact whatever the order of additions. */
  exact: boolean;
}

/**
 * `lo`, `hi`: a row range, or with a selection the index range into `sel`. `times` holds each
 * row's time for first/last.
 */
export type Kernel = (
  lo: number, hi: number, sel: Int32Array | null, groups: ArrayLike<number> | null, g0: number,
  vals: ArrayLike<number> | null, ids: ArrayLike<number> | null, times: ArrayLike<number> | null,
  acc: Float64Array, aux: Float64Array,
) => void;

const cache = new Map<string, Kernel>();

export function kernel(shape: KernelShape): Kernel {
  const key = JSON.stringify(shape);
  let k = cache.get(key);
  if (k === undefined) {
    k = new Function('lo', 'hi', 'sel', 'groups', 'g0', 'vals', 'ids', 'times', 'acc', 'aux', source(shape)) as Kernel;
    cache.set(key, k);
  }
  return k;
}

/** Initial `acc` and `aux` of an empty group. */
export function emptyState(combine: CombineKind): [acc: number, aux: number] {
  switch (combine) {
    case 'count':
    case 'sum': return [0, 0];
    case 'min': return [Infinity, 0];
    case 'max': return [-Infinity, 0];
    case 'first': return [NaN, Infinity];
    case 'last': return [NaN, -Infinity];
  }
}

/** The aggregated value of a state: NaN (null) for a group that saw no value. */
export function stateValue(combine: CombineKind, acc: number, aux: number): number {
  switch (combine) {
    case 'count': return acc;
    case 'first':
    case 'last': return Number.isFinite(aux) ? acc : NaN;
    default: return aux > 0 ? acc : NaN;
  }
}

/** Merges state j of (acc2, aux2) into state i of (acc, aux): how partial results combine. */
export function mergeState(combine: CombineKind, float: boolean, acc: Float64Array | number[], aux: Float64Array | number[], i: number, acc2: ArrayLike<number>, aux2: ArrayLike<number>, j: number): void {
  mergeStates(combine, float, acc, aux, [i], [acc2[j]!], [aux2[j]!], 1);
}

/** Merges states 0..n-1 of (acc2, aux2) into states targets[0..n-1] of (acc, aux). */
export function mergeStates(
  combine: CombineKind, float: boolean, acc: Float64Array | number[], aux: Float64Array | number[],
  targets: ArrayLike<number>, acc2: ArrayLike<number>, aux2: ArrayLike<number>, n: number,
): void {
  switch (combine) {
    case 'count':
      for (let j = 0; j < n; j++) acc[targets[j]!] += acc2[j]!;
      return;
    case 'sum':
      for (let j = 0; j < n; j++) {
        const i = targets[j]!;
        acc[i] = float ? Math.fround(acc[i]! + acc2[j]!) : acc[i]! + acc2[j]!;
        aux[i] += aux2[j]!;
      }
      return;
    case 'min':
    case 'max':
      for (let j = 0; j < n; j++) {
        const i = targets[j]!;
        const a = acc2[j]!;
        if (combine === 'min' ? a < acc[i]! : a > acc[i]!) acc[i] = a;
        aux[i] += aux2[j]!;
      }
      return;
    case 'first':
    case 'last':
      for (let j = 0; j < n; j++) {
        const i = targets[j]!;
        const x = aux2[j]!;
        if (combine === 'first' ? x < aux[i]! : x >= aux[i]! && Number.isFinite(x)) {
          acc[i] = acc2[j]!;
          aux[i] = x;
        }
      }
  }
}

/** The loop's JavaScript text. `A` and `X` stand for the group's acc and aux cells. */
function source(s: KernelShape): string {
  const value = s.source === 'missing' ? 'NaN' : s.source === 'lookup' ? 'vals[ids[r]]' : 'vals[r]';
  const v = s.convert === 'long' ? `(Math.trunc(${value}) + 0)` : s.convert === 'float' ? `Math.fround(${value})` : value;
  // Scalar loops keep the state in locals (registers) and count non-null rows after the loop.
  const countAfter = !s.grouped && !s.nullable && (s.combine === 'sum' || s.combine === 'min' || s.combine === 'max');
  const tally = countAfter ? '' : 'X++;';
  const body = {
    count: 'A++;',
    sum: s.nullable ? `const v = ${v}; if (v === v) { A ${addTo(s)} ${tally} }` : `A ${addTo(s, v)} ${tally}`,
    min: s.nullable ? `const v = ${v}; if (v === v) { if (v < A) A = v; ${tally} }` : `const v = ${v}; if (v < A) A = v; ${tally}`,
    max: s.nullable ? `const v = ${v}; if (v === v) { if (v > A) A = v; ${tally} }` : `const v = ${v}; if (v > A) A = v; ${tally}`,
    first: `const t = times[r]; if (t < X) { X = t; A = ${v}; }`,
    last: `const t = times[r]; if (t >= X) { X = t; A = ${v}; }`,
  }[s.combine];
  // A scalar count needs no loop: it is the number of rows (or selected rows) in the range.
  if (s.combine === 'count' && !s.grouped) return 'if (hi > lo) acc[g0] += hi - lo;';
  if (s.combine === 'sum' && s.exact && !s.grouped && !s.nullable) return unrolledSum(s, v);
  const row = s.selected ? 'const r = sel[i];' : 'const r = i;';
  if (s.grouped) {
    const cell = body.replaceAll('A', 'acc[g]').replaceAll('X', 'aux[g]');
    return `for (let i = lo; i < hi; i++) { ${row} const g = groups[r]; ${cell} }`;
  }
  return [
    'let a = acc[g0]; let x = aux[g0];',
    `for (let i = lo; i < hi; i++) { ${row} ${body.replaceAll('A', 'a').replaceAll('X', 'x')} }`,
    countAfter ? 'x += hi > lo ? hi - lo : 0;' : '',
    'acc[g0] = a; aux[g0] = x;',
  ].join('\n');
}

/**
 * A scalar sum of longs over four accumulators: one accumulator waits on every addition before
 * the next (a floating-point add's latency), four keep the adder busy. Long sums are exact
 * integers, so the order of additions does not change them.
 */
function unrolledSum(s: KernelShape, v: string): string {
  const at = (k: number) => `{ const r = ${s.selected ? `sel[i + ${k}]` : `i + ${k}`}; a${k} += ${v}; }`;
  return [
    'let a0 = acc[g0]; let a1 = 0; let a2 = 0; let a3 = 0; let i = lo;',
    `for (; i + 4 <= hi; i += 4) { ${[0, 1, 2, 3].map(at).join(' ')} }`,
    `for (; i < hi; i++) ${at(0)}`,
    'acc[g0] = a0 + a1 + a2 + a3; if (hi > lo) aux[g0] += hi - lo;',
  ].join('\n');
}

function addTo(s: KernelShape, v = 'v'): string {
  return s.float32 ? `= Math.fround(A + ${v});` : `+= ${v};`;
}

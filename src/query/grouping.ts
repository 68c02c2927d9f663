import type { SegmentReader } from '../segment/reader.ts';
import type { DimensionSpec } from '../spec/dimension-spec.ts';
import { parseDecimal } from '../spec/sorting-orders.ts';
import { javaString, toLong } from './java-number.ts';
import { NumberIndex } from './number-index.ts';
import { scratchInt32 } from './scratch.ts';
import type { RowRange } from './time-ranges.ts';

/**
 * Turns each row's dimension values (and time bucket) into a small integer group, so that
 * aggregation is a typed-array loop `acc[groups[row]] += value`. String dimensions group by their
 * dictionary ids; numeric ones (and casts) get a per-segment dictionary of their values.
 */

export type Scalar = string | number | null;

/** One grouping dimension in a segment: an id per row and the output value of each id. */
export interface KeyColumn {
  ids: ArrayLike<number>;
  values: Scalar[];
}

export function keyColumn(segment: SegmentReader, spec: DimensionSpec, ranges: readonly RowRange[]): KeyColumn {
  const column = segment.column(spec.dimension);
  if (column === undefined) return { ids: new Uint8Array(segment.rows), values: [null] };
  if (column.kind === 'string') {
    if (spec.outputType === null || spec.outputType === 'STRING') return { ids: column.ids, values: [...column.dictionary] };
    const type = spec.outputType;
    const cast = column.dictionary.map((v) => castText(v, type));
    return redictionary(segment.rows, ranges, (r) => cast[column.ids[r]!]!);
  }
  const { values, type } = column;
  const out = spec.outputType ?? (type === 'long' ? 'LONG' : type === 'float' ? 'FLOAT' : 'DOUBLE');
  return redictionary(segment.rows, ranges, (r) => {
    const v = values[r]!;
    if (v !== v) return null;
    return out === 'STRING' ? javaString(v, type) : castNumber(v, out);
  });
}

function castText(v: string | null, type: 'LONG' | 'FLOAT' | 'DOUBLE'): Scalar {
  const n = v === null ? null : parseDecimal(v.trim());
  return n === null ? null : castNumber(n, type);
}

const castNumber = (n: number, type: 'LONG' | 'FLOAT' | 'DOUBLE'): number => (type === 'LONG' ? toLong(n) : type === 'FLOAT' ? Math.fround(n) : n);

/** Ids for the rows of `ranges` by their (computed) value, in first-seen order. */
function redictionary(rows: number, ranges: readonly RowRange[], valueOf: (r: number) => Scalar): KeyColumn {
  const ids = new Int32Array(rows);
  const idOf = new Map<Scalar, number>();
  const values: Scalar[] = [];
  for (const { lo, hi } of ranges) {
    for (let r = lo; r < hi; r++) {
      const v = valueOf(r);
      let id = idOf.get(v);
      if (id === undefined) {
        id = values.length;
        idOf.set(v, id);
        values.push(v);
      }
      ids[r] = id;
    }
  }
  return { ids, values };
}

/** Which group each row is in, and what a group is: its bucket and dimension values. */
export interface Grouping {
  /** Group of each row, indexed by row number. */
  groups: ArrayLike<number>;
  /** Groups are 0 .. size-1 (some may have no rows). */
  size: number;
  bucketOf(g: number): number;
  /** The id (in `columns[d].values`) of group g's value of dimension d. */
  idOf(g: number, d: number): number;
}

/** A bucket's rows: [lo, hi), of which only `rows` (when not null) are selected. */
export interface GroupedSpan {
  bucket: number;
  lo: number;
  hi: number;
  rows: Int32Array | null;
}

/** Above this many (bucket × value combinations) a lookup table would waste memory; a Map takes over. */
const DIRECT_GROUPS = 1 << 16;
const TABLE_GROUPS = 1 << 24;

export function groupRows(rows: number, columns: readonly KeyColumn[], bucketCount: number, spans: readonly GroupedSpan[]): Grouping {
  const cards = columns.map((c) => c.values.length);
  const strides = cards.map((_, d) => cards.slice(d + 1).reduce((a, b) => a * b, 1));
  const perBucket = cards.reduce((a, b) => a * b, 1);
  const combos = perBucket * bucketCount;
  const bucketOf = (composite: number): number => Math.floor(composite / perBucket);
  const idOf = (composite: number, d: number): number => Math.floor(composite / strides[d]!) % cards[d]!;
  if (columns.length === 1 && bucketCount === 1) {
    // The common topN case: the dictionary ids are the groups already.
    return { groups: columns[0]!.ids, size: cards[0]!, bucketOf: () => 0, idOf: (g) => g };
  }
  if (!Number.isSafeInteger(combos)) throw new Error(`too many combinations of dimension values to group (${combos})`);
  // Each row's combination as one number: bucket, then each dimension's id.
  const composite = combos <= 0x7fffffff ? scratchInt32('groups', rows) : new Float64Array(rows);
  const ids = columns.map((c) => c.ids);
  const selected = spans.map((s) => ({ bucket: s.bucket, rows: s.rows ?? rowRange(s.lo, s.hi) }));
  for (const s of selected) compose(composite, s.rows, s.bucket * perBucket, ids, strides);
  if (combos <= DIRECT_GROUPS) return { groups: composite, size: combos, bucketOf, idOf };
  const seen = combos <= TABLE_GROUPS ? numberByTable(composite, selected, combos) : numberByHash(composite, selected);
  return { groups: composite, size: seen.length, bucketOf: (g) => bucketOf(seen[g]!), idOf: (g, d) => idOf(seen[g]!, d) };
}

function rowRange(lo: number, hi: number): Int32Array {
  const rows = new Int32Array(hi - lo);
  for (let i = 0; i < rows.length; i++) rows[i] = lo + i;
  return rows;
}

function compose(out: Int32Array | Float64Array, rows: Int32Array, base: number, ids: ArrayLike<number>[], strides: number[]): void {
  if (ids.length === 2) {
    // The usual two-dimension groupBy, without the inner loop.
    const [x, y] = ids as [ArrayLike<number>, ArrayLike<number>];
    const sx = strides[0]!;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out[r] = base + x[r]! * sx + y[r]!;
    }
    return;
  }
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    let c = base;
    for (let d = 0; d < ids.length; d++) c += ids[d]![r]! * strides[d]!;
    out[r] = c;
  }
}

/**
 * Renumbers the combinations that occur as 0, 1, 2, ... (first seen first), in place; returns the
 * combination of each group. A direct lookup table when the combinations are few enough...
 */
function numberByTable(composite: Int32Array | Float64Array, spans: ReadonlyArray<{ rows: Int32Array }>, combos: number): number[] {
  const seen: number[] = [];
  const table = new Int32Array(combos).fill(-1);
  for (const { rows } of spans) {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const c = composite[r]!;
      let g = table[c]!;
      if (g < 0) g = table[c] = seen.push(c) - 1;
      composite[r] = g;
    }
  }
  return seen;
}

/** ... else a hash index. */
function numberByHash(composite: Int32Array | Float64Array, spans: ReadonlyArray<{ rows: Int32Array }>): number[] {
  const seen: number[] = [];
  const index = new NumberIndex();
  for (const { rows } of spans) {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const c = composite[r]!;
      const g = index.slotOf(c);
      if (g === seen.length) seen.push(c);
      composite[r] = g;
    }
  }
  return seen;
}

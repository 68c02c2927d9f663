import type { SegmentReader } from '../segment/reader.ts';
import type { DimensionSpec } from '../spec/dimension-spec.ts';
import { parseDecimal } from '../spec/sorting-orders.ts';
import { javaString } from './java-number.ts';
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

const castNumber = (n: number, type: 'LONG' | 'FLOAT' | 'DOUBLE'): number => (type === 'LONG' ? Math.trunc(n) : type === 'FLOAT' ? Math.fround(n) : n);

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
  const composite = compositeFn(columns, strides, perBucket);
  if (combos <= DIRECT_GROUPS) {
    const groups = new Int32Array(rows);
    forEachSpanRow(spans, (r, b) => { groups[r] = composite(r, b); });
    return { groups, size: combos, bucketOf, idOf };
  }
  return compactGroups(rows, spans, composite, combos, bucketOf, idOf);
}

function compositeFn(columns: readonly KeyColumn[], strides: number[], perBucket: number): (r: number, bucket: number) => number {
  if (columns.length === 2) {
    const [a, b] = [columns[0]!.ids, columns[1]!.ids];
    const sa = strides[0]!;
    return (r, bucket) => bucket * perBucket + a[r]! * sa + b[r]!;
  }
  const ids = columns.map((c) => c.ids);
  return (r, bucket) => {
    let k = bucket * perBucket;
    for (let d = 0; d < ids.length; d++) k += ids[d]![r]! * strides[d]!;
    return k;
  };
}

/** Numbers the combinations that occur, 0, 1, 2, ... in first-seen order. */
function compactGroups(
  rows: number, spans: readonly GroupedSpan[], composite: (r: number, b: number) => number, combos: number,
  bucketOf: (composite: number) => number, idOf: (composite: number, d: number) => number,
): Grouping {
  const groups = new Int32Array(rows);
  const seen: number[] = [];
  if (combos <= TABLE_GROUPS) {
    const table = new Int32Array(combos).fill(-1);
    forEachSpanRow(spans, (r, b) => {
      const c = composite(r, b);
      let g = table[c]!;
      if (g < 0) {
        g = table[c] = seen.length;
        seen.push(c);
      }
      groups[r] = g;
    });
  } else {
    const map = new Map<number, number>();
    forEachSpanRow(spans, (r, b) => {
      const c = composite(r, b);
      let g = map.get(c);
      if (g === undefined) {
        g = seen.length;
        map.set(c, g);
        seen.push(c);
      }
      groups[r] = g;
    });
  }
  return { groups, size: seen.length, bucketOf: (g) => bucketOf(seen[g]!), idOf: (g, d) => idOf(seen[g]!, d) };
}

function forEachSpanRow(spans: readonly GroupedSpan[], visit: (r: number, bucket: number) => void): void {
  for (const s of spans) {
    if (s.rows === null) for (let r = s.lo; r < s.hi; r++) visit(r, s.bucket);
    else for (let i = 0; i < s.rows.length; i++) visit(s.rows[i]!, s.bucket);
  }
}

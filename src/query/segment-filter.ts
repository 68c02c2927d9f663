import type { NumericColumn, SegmentReader, StringColumn } from '../segment/reader.ts';
import type { FilterTree, ValuePredicate } from './filter-match.ts';
import { scratchInt32, scratchUint8 } from './scratch.ts';

/**
 * A filter bound to one segment. A leaf on a string dimension is evaluated once per dictionary
 * entry, then rows only look their id up; a leaf on a numeric column tests each row's value; a
 * leaf on a column the segment lacks is constant (every value is null). Three-valued logic as in
 * filter-match.ts: `includeUnknown` travels down and flips under `not`.
 */

/** Writes, for rows [lo, hi), out[r - lo] = 1 when row r matches, else 0. */
export type MaskFn = (lo: number, hi: number, out: Uint8Array) => void;

/** Lists rows [lo, hi) that match, ascending. */
export type SelectFn = (lo: number, hi: number) => Int32Array;

/** A mask matcher may list its rows directly (one pass, no mask) when that is cheaper. */
export type SegmentMatcher = { kind: 'all' } | { kind: 'none' } | { kind: 'mask'; fill: MaskFn; select?: SelectFn };

const ALL: SegmentMatcher = { kind: 'all' };
const NONE: SegmentMatcher = { kind: 'none' };
const constant = (v: boolean): SegmentMatcher => (v ? ALL : NONE);

export function bindFilter(tree: FilterTree | null, segment: SegmentReader): SegmentMatcher {
  return tree === null ? ALL : bind(tree, segment, false);
}

function bind(t: FilterTree, segment: SegmentReader, includeUnknown: boolean): SegmentMatcher {
  switch (t.kind) {
    case 'const': return constant(t.value);
    case 'leaf': return bindLeaf(t.predicate, segment, includeUnknown);
    case 'not': return negate(bind(t.child, segment, !includeUnknown));
    case 'and': return combine(t.children.map((c) => bind(c, segment, includeUnknown)), true);
    case 'or': return combine(t.children.map((c) => bind(c, segment, includeUnknown)), false);
  }
}

function bindLeaf(p: ValuePredicate, segment: SegmentReader, includeUnknown: boolean): SegmentMatcher {
  const nullMatches = p.matchesNull || includeUnknown;
  const column = segment.column(p.column);
  if (column === undefined) return constant(nullMatches);
  return column.kind === 'string' ? stringLeaf(p, column, nullMatches) : numericLeaf(p, column, nullMatches);
}

function stringLeaf(p: ValuePredicate, column: StringColumn, nullMatches: boolean): SegmentMatcher {
  const dictionary = column.dictionary;
  const matching = new Uint8Array(dictionary.length);
  let count = 0;
  for (let id = 0; id < dictionary.length; id++) {
    const v = dictionary[id]!;
    if (v === null ? nullMatches : p.string(v)) {
      matching[id] = 1;
      count++;
    }
  }
  if (count === dictionary.length) return ALL;
  if (count === 0) return NONE;
  const ids = column.ids;
  return {
    kind: 'mask',
    fill(lo, hi, out) {
      for (let r = lo; r < hi; r++) out[r - lo] = matching[ids[r]!]!;
    },
    select(lo, hi) {
      const rows = scratchInt32('select', hi - lo + 1);
      let n = 0;
      for (let r = lo; r < hi; r++) {
        rows[n] = r;
        n += matching[ids[r]!]!;
      }
      return rows.slice(0, n);
    },
  };
}

function numericLeaf(p: ValuePredicate, column: NumericColumn, nullMatches: boolean): SegmentMatcher {
  const { values, type } = column;
  const onNull = nullMatches ? 1 : 0;
  return {
    kind: 'mask',
    fill(lo, hi, out) {
      for (let r = lo; r < hi; r++) {
        const v = values[r]!;
        out[r - lo] = v === v ? (p.number(v, type) ? 1 : 0) : onNull;
      }
    },
  };
}

function negate(m: SegmentMatcher): SegmentMatcher {
  if (m.kind !== 'mask') return m.kind === 'all' ? NONE : ALL;
  return {
    kind: 'mask',
    fill(lo, hi, out) {
      m.fill(lo, hi, out);
      for (let i = 0; i < hi - lo; i++) out[i] ^= 1;
    },
  };
}

/** `and` (every) or `or` (some) of matchers, folding constants away. */
function combine(children: SegmentMatcher[], every: boolean): SegmentMatcher {
  const absorbing = every ? 'none' : 'all';
  if (children.some((c) => c.kind === absorbing)) return every ? NONE : ALL;
  const masks = children.filter((c): c is Extract<SegmentMatcher, { kind: 'mask' }> => c.kind === 'mask');
  if (masks.length === 0) return every ? ALL : NONE;
  if (masks.length === 1) return masks[0]!;
  return {
    kind: 'mask',
    fill(lo, hi, out) {
      masks[0]!.fill(lo, hi, out);
      const other = new Uint8Array(hi - lo);
      for (let k = 1; k < masks.length; k++) {
        masks[k]!.fill(lo, hi, other);
        if (every) for (let i = 0; i < other.length; i++) out[i] &= other[i]!;
        else for (let i = 0; i < other.length; i++) out[i] |= other[i]!;
      }
    },
  };
}

/** The rows of [lo, hi) a matcher selects, ascending; null when it selects all of them. */
export function selectRows(m: SegmentMatcher, lo: number, hi: number): Int32Array | null {
  if (m.kind === 'all') return null;
  if (m.kind === 'none' || hi <= lo) return new Int32Array(0);
  if (m.select !== undefined) return m.select(lo, hi);
  const mask = scratchUint8('selectRows', hi - lo);
  m.fill(lo, hi, mask);
  return maskToRows(mask, lo);
}

/** Row numbers of the set entries of a mask whose first entry is row `lo`. */
export function maskToRows(mask: Uint8Array, lo: number): Int32Array {
  // Branch-free: every row is written, and the count moves on only past matching ones.
  const rows = scratchInt32('select', mask.length + 1);
  let n = 0;
  for (let i = 0; i < mask.length; i++) {
    rows[n] = lo + i;
    n += mask[i]!;
  }
  return rows.slice(0, n);
}

/** The rows of both selections (null meaning every row of [lo, hi)). */
export function intersectRows(a: Int32Array | null, b: Int32Array | null): Int32Array | null {
  if (a === null) return b;
  if (b === null) return a;
  const out = new Int32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else { out[n++] = a[i]!; i++; j++; }
  }
  return out.subarray(0, n);
}

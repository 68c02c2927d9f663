/**
 * Druid's string comparators ("sorting orders"), used by the bound filter, topN's dimension metric
 * spec and groupBy's limitSpec. Every comparator puts null first, as Druid's do.
 */

export type StringOrdering = 'lexicographic' | 'alphanumeric' | 'numeric' | 'strlen' | 'version';
export const STRING_ORDERINGS: readonly StringOrdering[] = ['lexicographic', 'alphanumeric', 'numeric', 'strlen', 'version'];

export type StringComparator = (a: string | null, b: string | null) => number;

/** Java's `String.compareTo`: UTF-16 code units, which is also JavaScript's `<` on strings. */
export function compareLexicographic(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Java's `new BigDecimal(text)` accepts exactly this; anything else is "unparseable" (null-like). */
export function parseDecimal(text: string): number | null {
  return DECIMAL.test(text) ? Number(text) : null;
}

/** Exact comparison of two integer strings, beyond 2^53 too (Druid compares longs exactly). */
function compareIntegerText(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function compareNumeric(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (INTEGER.test(a) && INTEGER.test(b)) return compareIntegerText(a, b);
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : 0;
  if (x === null && y === null) return compareLexicographic(a, b);
  return x === null ? -1 : 1;
}

export function compareStrlen(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a.length - b.length || compareLexicographic(a, b);
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/** Natural order ("file2" < "file12"), after github.com/amjjd/java-alphanum as Druid uses it. */
export function compareAlphanumeric(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (a === '' || b === '') return a === '' ? -1 : 1;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const da = isDigit(a[i]!);
    const db = isDigit(b[j]!);
    if (da !== db) return da ? -1 : 1;
    const ei = runEnd(a, i, da);
    const ej = runEnd(b, j, db);
    const r = da ? compareDigitRuns(a.slice(i, ei), b.slice(j, ej)) : compareCaseInsensitive(a.slice(i, ei), b.slice(j, ej));
    if (r !== 0) return r;
    i = ei;
    j = ej;
  }
  return a.length - b.length;
}

function runEnd(s: string, from: number, digits: boolean): number {
  let k = from + 1;
  while (k < s.length && isDigit(s[k]!) === digits) k++;
  return k;
}

function compareDigitRuns(x: string, y: string): number {
  const tx = x.replace(/^0+/, '');
  const ty = y.replace(/^0+/, '');
  if (tx.length !== ty.length) return tx.length - ty.length;
  if (tx !== ty) return tx < ty ? -1 : 1;
  // Equal values: the one with more leading zeroes sorts after, as java-alphanum does.
  return x.length - y.length;
}

function compareCaseInsensitive(x: string, y: string): number {
  const n = Math.min(x.length, y.length);
  for (let k = 0; k < n; k++) {
    const cx = x[k]!.toUpperCase().toLowerCase();
    const cy = y[k]!.toUpperCase().toLowerCase();
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
  return x.length - y.length;
}

/** Qualifiers of Maven's ComparableVersion, in order; unknown ones sort after these, by text. */
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const QUALIFIER_ALIASES: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone', cr: 'rc', ga: '', final: '', release: '' };

type VersionItem = number | string;

function versionItems(text: string): VersionItem[] {
  const items: VersionItem[] = [];
  for (const m of text.toLowerCase().matchAll(/\d+|[a-z]+/g)) items.push(/^\d/.test(m[0]) ? Number(m[0]) : QUALIFIER_ALIASES[m[0]] ?? m[0]);
  while (items.length > 0 && (items[items.length - 1] === 0 || items[items.length - 1] === '')) items.pop();
  return items;
}

function compareVersionItem(x: VersionItem | undefined, y: VersionItem | undefined): number {
  if (x === y) return 0;
  // A missing item compares as 0 against numbers and as a release against qualifiers.
  const a = x ?? (typeof y === 'number' ? 0 : '');
  const b = y ?? (typeof x === 'number' ? 0 : '');
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return 1; // numbers sort after qualifiers
  if (typeof b === 'number') return -1;
  const qa = QUALIFIERS.indexOf(a);
  const qb = QUALIFIERS.indexOf(b);
  if (qa >= 0 && qb >= 0) return qa - qb;
  if (qa >= 0 || qb >= 0) return qa >= 0 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Versions in the spirit of Maven's ComparableVersion ("1.10" > "1.9", "1.0-SNAPSHOT" < "1.0"). */
export function compareVersion(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const xa = versionItems(a);
  const xb = versionItems(b);
  for (let k = 0; k < Math.max(xa.length, xb.length); k++) {
    const r = compareVersionItem(xa[k], xb[k]);
    if (r !== 0) return r;
  }
  return 0;
}

export const STRING_COMPARATORS: Readonly<Record<StringOrdering, StringComparator>> = {
  lexicographic: compareLexicographic,
  alphanumeric: compareAlphanumeric,
  numeric: compareNumeric,
  strlen: compareStrlen,
  version: compareVersion,
};

/**
 * Numbers as Druid (Java) prints them. Where a numeric column meets a string predicate (like,
 * regex, a lexicographic bound) Druid compares the value's Java string: a double 5 is "5.0",
 * 1e7 is "1.0E7". And a float result is written with the fewest digits that identify the float.
 */

export type NumericType = 'long' | 'float' | 'double';

/** Java's (long) cast of a finite double: it truncates, and a long has no negative zero (-0.5 is 0). */
export const toLong = (n: number): number => Math.trunc(n) + 0;

/** The shortest decimal that reads back as the same 32-bit float (Java's `Float.toString` digits). */
export function shortestFloat(f: number): number {
  if (!Number.isFinite(f) || f === 0 || Number.isInteger(f)) return f;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

function javaFloating(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(n);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** `Long.toString`, `Float.toString` or `Double.toString` of a column value. */
export function javaString(n: number, type: NumericType): string {
  switch (type) {
    case 'long':
      return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
    case 'float':
      return javaFloating(shortestFloat(n));
    case 'double':
      return javaFloating(n);
  }
}

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

/** Powers of ten a double holds exactly. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Significant digits whose integer a double holds exactly (below 2^53). */
const EXACT_DIGITS = 15;

/**
 * The value of the decimal text `bytes[start, end)` when it is plain (`-?\d*(\.\d*)?`, at least one
 * digit, at most 15), NaN otherwise — for the caller to read the text the general way. Plain text
 * needs no general parser: an integer below 2^53 divided by an exact power of ten is correctly
 * rounded (Clinger's fast path), so it equals what Number() makes of the text.
 */
export function plainDecimal(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  let dot = false;
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c === DOT && !dot) {
      dot = true;
      continue;
    }
    const d = c - ZERO;
    if (d < 0 || d > 9) return NaN;
    mantissa = mantissa * 10 + d;
    digits++;
    if (dot) fraction++;
  }
  if (digits === 0 || digits > EXACT_DIGITS) return NaN;
  const value = fraction === 0 ? mantissa : mantissa / EXACT_POWERS_OF_TEN[fraction]!;
  return negative ? -value : value;
}

import { finishHash } from './row-table.ts';
import { equalBytes, FNV_PRIME, HASH_SEED } from './byte-keys.ts';
import { FALSE, NULL, NUMBER, TEXT, TRUE, type ValueSpans } from './value-spans.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= ZERO && c <= NINE;
const isWhitespace = (c: number | undefined): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/**
 * Finds the wanted fields' values in a line holding one flat JSON object, straight from its bytes:
 * a row of bulk data costs one pass over it instead of JSON.parse building an object of strings.
 * It takes only what it can read exactly as JSON.parse would — string values without escapes,
 * numbers, true, false, null, each key once or the last one winning — and says no to anything
 * else (a nested value, an escape, bad syntax), which the general parser then reads (and reports,
 * if it is not JSON).
 */
export class JsonSpanScanner {
  /** Each wanted field by name, for a key not where the last line had it. */
  private readonly fieldOf: Map<string, number>;
  /** hashBytes of the string hashedStringEnd last passed over. */
  private hash = 0;
  /**
   * The keys of the last line, in order, with their fields. Bulk data repeats one layout line
   * after line, so a key is first compared with the one in its place last time, which verifies it
   * without hashing it.
   */
  private readonly layout: Array<{ name: Buffer; field: number }> = [];
  /** Where the key key() last read ends (its closing quote). */
  private keyEnd = 0;

  /** `hashed[field]`: whether spans need the hash of the field's text (dictionary lookups do). */
  constructor(fields: readonly string[], private readonly hashed: readonly boolean[]) {
    this.fieldOf = new Map(fields.map((name, field) => [name, field]));
  }

  /** Fills `spans` from the line `bytes[start, end)`; false when the line is not for this scanner. */
  scan(b: Buffer, start: number, end: number, spans: ValueSpans): boolean {
    spans.clear();
    let i = skipWhitespace(b, start, end);
    if (i >= end || b[i] !== OPEN_BRACE) return false;
    i = skipWhitespace(b, i + 1, end);
    if (i < end && b[i] === CLOSE_BRACE) return skipWhitespace(b, i + 1, end) === end;
    for (let k = 0; ; k++) {
      if (i >= end || b[i] !== QUOTE) return false;
      const field = this.key(b, i + 1, end, k);
      if (field < -1) return false;
      i = skipWhitespace(b, this.keyEnd + 1, end);
      if (i >= end || b[i] !== COLON) return false;
      i = skipWhitespace(b, i + 1, end);
      i = this.value(b, i, end, field, spans);
      if (i < 0) return false;
      i = skipWhitespace(b, i, end);
      if (i >= end) return false;
      if (b[i] === CLOSE_BRACE) return skipWhitespace(b, i + 1, end) === end;
      if (b[i] !== COMMA) return false;
      i = skipWhitespace(b, i + 1, end);
    }
  }

  /** The field of the `k`-th key, whose text starts at `i`: -1 when unwanted, -2 when not a plain string. */
  private key(b: Buffer, i: number, end: number, k: number): number {
    const expected = this.layout[k];
    if (expected !== undefined) {
      const after = i + expected.name.length;
      if (after < end && b[after] === QUOTE && equalBytes(expected.name, 0, expected.name.length, b, i, after)) {
        this.keyEnd = after;
        return expected.field;
      }
    }
    const keyEnd = stringEnd(b, i, end);
    if (keyEnd < 0) return -2;
    const field = this.fieldOf.get(b.toString('utf8', i, keyEnd)) ?? -1;
    this.layout[k] = { name: Buffer.from(b.subarray(i, keyEnd)), field };
    this.keyEnd = keyEnd;
    return field;
  }

  /** Reads the value at `i` into `spans` (when `field` is wanted); where it ends, or -1. */
  private value(b: Uint8Array, i: number, end: number, field: number, spans: ValueSpans): number {
    if (i >= end) return -1;
    const c = b[i]!;
    let kind: number;
    let valueEnd: number;
    let next: number;
    if (c === QUOTE) {
      valueEnd = field >= 0 && this.hashed[field] ? this.hashedStringEnd(b, i + 1, end) : stringEnd(b, i + 1, end);
      if (valueEnd < 0) return -1;
      kind = TEXT;
      next = valueEnd + 1;
      i++;
    } else if (c === MINUS || isDigit(c)) {
      valueEnd = next = numberEnd(b, i, end);
      if (valueEnd < 0) return -1;
      kind = NUMBER;
    } else {
      kind = literalAt(b, i, end);
      if (kind < 0) return -1;
      valueEnd = next = i + (kind === FALSE ? 5 : 4);
    }
    if (field >= 0) spans.set(field, kind, i, valueEnd, this.hash);
    return next;
  }

  /**
   * Where the string whose text starts at `i` closes (its quote), hashing the text on the way;
   * -1 for an escape, a control character or no end.
   */
  private hashedStringEnd(b: Uint8Array, i: number, end: number): number {
    let h = HASH_SEED;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c === QUOTE) {
        this.hash = finishHash(h);
        return i;
      }
      if (c === BACKSLASH || c < 0x20) return -1;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    return -1;
  }
}

/** Where the string whose text starts at `i` closes (its quote), or -1 for an escape, a control character or no end. */
function stringEnd(b: Uint8Array, i: number, end: number): number {
  for (; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

function skipWhitespace(b: Uint8Array, i: number, end: number): number {
  // Bulk data rarely has any: one comparison says so.
  while (i < end && b[i]! <= 0x20 && isWhitespace(b[i])) i++;
  return i;
}

/** Where the JSON number at `i` ends, or -1 when it is not one (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`). */
function numberEnd(b: Uint8Array, i: number, end: number): number {
  if (b[i] === MINUS) i++;
  if (i >= end || !isDigit(b[i])) return -1;
  if (b[i] === ZERO) i++;
  else while (i < end && isDigit(b[i])) i++;
  if (i < end && b[i] === DOT) {
    i++;
    if (i >= end || !isDigit(b[i])) return -1;
    while (i < end && isDigit(b[i])) i++;
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < end && (b[i] === PLUS || b[i] === MINUS)) i++;
    if (i >= end || !isDigit(b[i])) return -1;
    while (i < end && isDigit(b[i])) i++;
  }
  return i;
}

const LITERALS: ReadonlyArray<[number, Buffer]> = [[NULL, Buffer.from('null')], [TRUE, Buffer.from('true')], [FALSE, Buffer.from('false')]];

/** NULL, TRUE or FALSE for the literal at `i`, or -1. */
function literalAt(b: Uint8Array, i: number, end: number): number {
  for (const [kind, text] of LITERALS) {
    if (i + text.length <= end && equalBytes(text, 0, text.length, b, i, i + text.length)) return kind;
  }
  return -1;
}

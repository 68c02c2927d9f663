import { DateTime } from 'luxon';
import { MAX_INSTANT, MIN_INSTANT, parseInstant } from '../time/instant.ts';

/**
 * Druid's timestampSpec formats. A parser returns epoch milliseconds, or NaN when the value is not
 * a timestamp in that format (the caller counts the row unparseable).
 */
export type TimestampParser = (value: unknown) => number;

/** The formats Druid names; anything else is a Joda-time pattern. */
export const NAMED_TIMESTAMP_FORMATS = ['iso', 'auto', 'millis', 'posix', 'micro', 'nano', 'ruby'] as const;

export class TimestampFormatError extends Error {
  constructor(readonly format: string, reason: string) {
    super(`invalid timestamp format "${format}": ${reason}`);
    this.name = 'TimestampFormatError';
  }
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Builds the parser for `format`; throws TimestampFormatError for a pattern that cannot be used. */
export function timestampParser(format: string): TimestampParser {
  const parse = formatParser(format);
  // A number can be a "timestamp" far beyond what a Date (or Druid's Joda) can hold: refuse those.
  return (v) => {
    const t = parse(v);
    return t >= MIN_INSTANT && t <= MAX_INSTANT ? t : NaN;
  };
}

function formatParser(format: string): TimestampParser {
  switch (format.toLowerCase()) {
    case 'iso':
      return (v) => (typeof v === 'string' ? isoInstant(v) : typeof v === 'number' ? parseInstant(String(v)) : NaN);
    case 'auto':
      return autoParser;
    case 'millis':
      return integerScaled(1n, 1);
    case 'posix':
    {
      // Druid reads posix seconds as a long, dropping any fraction, then scales to millis.
      const seconds = integerScaled(1n, 1);
      return (v) => seconds(v) * 1000;
    }
    case 'micro':
      return integerScaled(1000n, 1000);
    case 'nano':
      return integerScaled(1_000_000n, 1_000_000);
    case 'ruby':
      return (v) => {
        const s = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v) ? Number(v) : NaN;
        return Math.trunc(s * 1000);
      };
    default:
      return jodaParser(format);
  }
}

/** `auto`: numbers and digit strings are millis, anything else ISO-8601 (Druid's TimestampParser). */
function autoParser(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : NaN;
  if (typeof v !== 'string' || v === '') return NaN;
  if (INTEGER.test(v)) return Number(v);
  return isoInstant(v);
}

const digit = (b: Uint8Array, i: number): number => b[i]! - 48;
const twoDigits = (b: Uint8Array, i: number): number => digit(b, i) * 10 + digit(b, i + 1);
const isDigitAt = (b: Uint8Array, i: number): boolean => {
  const c = b[i]!;
  return c >= 48 && c <= 57;
};

/** Whether `YYYY-MM-DDTHH:MM:SS[.sss]Z` (length `n`, from `s`) has digits where the digits go. */
function digitsInPlace(b: Uint8Array, s: number, n: number): boolean {
  return isDigitAt(b, s) && isDigitAt(b, s + 1) && isDigitAt(b, s + 2) && isDigitAt(b, s + 3) && isDigitAt(b, s + 5) && isDigitAt(b, s + 6)
    && isDigitAt(b, s + 8) && isDigitAt(b, s + 9) && isDigitAt(b, s + 11) && isDigitAt(b, s + 12) && isDigitAt(b, s + 14) && isDigitAt(b, s + 15)
    && isDigitAt(b, s + 17) && isDigitAt(b, s + 18) && (n === 20 || (isDigitAt(b, s + 20) && isDigitAt(b, s + 21) && isDigitAt(b, s + 22)));
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). A day past
 * the month's end rolls into the next month, as Date.UTC does.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

const ascii = (b: Uint8Array, i: number, c: string): boolean => b[i] === c.charCodeAt(0);

/**
 * Nearly every timestamp in bulk data is `YYYY-MM-DDTHH:MM:SS[.sss]Z`: the text `b[s, e)` in that
 * form is read by position with integer arithmetic (the general parser costs more than the rest
 * of a row); anything else is NaN, for the general parser. Byte scanners call it on input bytes.
 */
export function utcInstantAt(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if ((n === 20 || n === 24) && ascii(b, e - 1, 'Z') && ascii(b, s + 10, 'T') && ascii(b, s + 4, '-') && ascii(b, s + 7, '-')
    && ascii(b, s + 13, ':') && ascii(b, s + 16, ':') && (n === 20 || ascii(b, s + 19, '.')) && digitsInPlace(b, s, n)) {
    const year = twoDigits(b, s) * 100 + twoDigits(b, s + 2);
    const month = twoDigits(b, s + 5);
    const day = twoDigits(b, s + 8);
    const hour = twoDigits(b, s + 11);
    const minute = twoDigits(b, s + 14);
    const second = twoDigits(b, s + 17);
    const ms = n === 24 ? digit(b, s + 20) * 100 + twoDigits(b, s + 21) : 0;
    // Out-of-range fields (and years before 100, which the general parser reads its own way) go to it.
    if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59 && year >= 100) {
      return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
    }
  }
  return NaN;
}

const scratch = new Uint8Array(24);

/** ISO-8601 text to millis: utcInstantAt's common form by position, the general parser for the rest. */
function isoInstant(s: string): number {
  if (s.length === 20 || s.length === 24) {
    let i = 0;
    // Only ASCII text can be the common form; a wider character must not pass for one of its bytes.
    for (let c = s.charCodeAt(0); i < s.length && c < 128; c = s.charCodeAt(++i)) scratch[i] = c;
    const t = i === s.length ? utcInstantAt(scratch, 0, s.length) : NaN;
    if (t === t) return t;
  }
  return parseInstant(s);
}

/**
 * For formats whose common text is utcInstantAt's (iso, auto), that reader, to use on bytes
 * before decoding them for the format's parser; null for the other formats.
 */
export function bytesInstantReader(format: string): typeof utcInstantAt | null {
  const name = format.toLowerCase();
  return name === 'iso' || name === 'auto' ? utcInstantAt : null;
}

/**
 * Integer epoch values in a unit `divisor` times finer than millis, truncated toward zero as
 * Java's TimeUnit does. Digit strings go through BigInt so 19-digit nanos keep their precision.
 */
function integerScaled(divisor: bigint, numericDivisor: number): TimestampParser {
  return (v) => {
    if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(Math.trunc(v) / numericDivisor) : NaN;
    if (typeof v !== 'string' || !INTEGER.test(v)) return NaN;
    if (divisor === 1n && v.length < 16) return Number(v);
    return Number(BigInt(v) / divisor);
  };
}

/** A Joda-time pattern (`yyyy-MM-dd HH:mm:ss`, `dd/MMM/yyyy:HH:mm:ss Z`, ...), UTC unless it carries a zone. */
function jodaParser(pattern: string): TimestampParser {
  const parser = DateTime.buildFormatParser(jodaToLuxon(pattern), { locale: 'en-US' });
  // Log files repeat the same second many times over: remember the last text parsed.
  let lastText = '';
  let lastValue = NaN;
  return (v) => {
    const text = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
    if (text === null) return NaN;
    if (text === lastText) return lastValue;
    const dt = DateTime.fromFormatParser(text, parser, { zone: 'utc' });
    lastText = text;
    lastValue = dt.isValid ? dt.toMillis() : NaN;
    return lastValue;
  };
}

/** Joda pattern letters and the luxon token for each run length (index = run length - 1, last repeats). */
const JODA_TO_LUXON: Readonly<Record<string, readonly string[]>> = {
  y: ['y', 'yy', 'yyy', 'yyyy'],
  Y: ['y', 'yy', 'yyy', 'yyyy'],
  x: ['kkkk'],
  M: ['M', 'MM', 'MMM', 'MMMM'],
  d: ['d', 'dd'],
  D: ['o', 'o', 'ooo'],
  H: ['H', 'HH'],
  h: ['h', 'hh'],
  m: ['m', 'mm'],
  s: ['s', 'ss'],
  S: ['u'],
  a: ['a'],
  E: ['EEE', 'EEE', 'EEE', 'EEEE'],
  e: ['E'],
  w: ['W', 'WW'],
  G: ['G'],
  // Joda: Z = -0800, ZZ = -08:00, ZZZ = a zone id such as America/Los_Angeles.
  Z: ['ZZZ', 'ZZ', 'z'],
};

/** Translates a Joda-time pattern to luxon's format tokens (both descend from the same LDML letters). */
export function jodaToLuxon(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close === -1) throw new TimestampFormatError(pattern, `unterminated quote at position ${i}`);
      // luxon has no escape for a quote character itself, so Joda's '' cannot be carried over.
      if (close === i + 1 || pattern[close + 1] === "'") throw new TimestampFormatError(pattern, `a literal quote ('') at position ${i} is not supported`);
      out += pattern.slice(i, close + 1);
      i = close + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      out += c;
      i++;
      continue;
    }
    let run = 1;
    while (pattern[i + run] === c) run++;
    const tokens = JODA_TO_LUXON[c];
    if (tokens === undefined) throw new TimestampFormatError(pattern, `pattern letter "${c}" is not supported (expected one of ${Object.keys(JODA_TO_LUXON).join('')})`);
    out += tokens[Math.min(run, tokens.length) - 1];
    i += run;
  }
  return out;
}

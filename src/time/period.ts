import { DateTime, Duration } from 'luxon';

/** An ISO-8601 period such as `P1D`, `PT15M`, `P1M`, `P1Y2M`, `P1W`. */
export interface Period {
  readonly text: string;
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly millis: number;
}

export class PeriodFormatError extends Error {
  constructor(readonly text: string) {
    super(`invalid ISO-8601 period "${text}" (expected e.g. P1D, PT1H, P1M, PT15M)`);
    this.name = 'PeriodFormatError';
  }
}

const PERIOD = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,3}))?S)?)?$/;

export function parsePeriod(text: string): Period {
  const m = typeof text === 'string' ? PERIOD.exec(text) : null;
  if (m === null || text === 'P' || text.endsWith('T')) throw new PeriodFormatError(String(text));
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]));
  const millis = m[8] === undefined ? 0 : Number(m[8].padEnd(3, '0'));
  return { text, years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7), millis };
}

/** The period's length in ms when it has one (no years, months, and in UTC no DST): else null. */
export function fixedPeriodMs(p: Period): number | null {
  if (p.years !== 0 || p.months !== 0) return null;
  return (((p.weeks * 7 + p.days) * 24 + p.hours) * 60 + p.minutes) * 60_000 + p.seconds * 1000 + p.millis;
}

export function isZeroPeriod(p: Period): boolean {
  return fixedPeriodMs(p) === 0;
}

function toLuxon(p: Period, sign: number): Duration {
  return Duration.fromObject({
    years: sign * p.years, months: sign * p.months, weeks: sign * p.weeks, days: sign * p.days,
    hours: sign * p.hours, minutes: sign * p.minutes, seconds: sign * p.seconds, milliseconds: sign * p.millis,
  });
}

/** `t + times × period`, calendar-aware in `timeZone` (months have their lengths, days their DST). */
export function addPeriod(t: number, p: Period, timeZone: string, times: number): number {
  const fixed = fixedPeriodMs(p);
  if (fixed !== null && (timeZone === 'UTC' || (p.days === 0 && p.weeks === 0))) return t + fixed * times;
  return DateTime.fromMillis(t, { zone: timeZone }).plus(toLuxon(p, times)).toMillis();
}

/** Parses an ISO-8601 duration given as a period or as milliseconds, returning ms. */
export function parseDurationMs(value: string | number): number {
  if (typeof value === 'number') return value;
  const p = parsePeriod(value);
  const ms = fixedPeriodMs(p);
  if (ms === null) throw new PeriodFormatError(value);
  return ms;
}

export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

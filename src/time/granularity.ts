import { DateTime, type DateTimeUnit } from 'luxon';
import { MAX_INSTANT, MIN_INSTANT, parseInstant } from './instant.ts';
import type { Interval } from './interval.ts';
import { fixedPeriodMs, isValidTimeZone, parsePeriod, parseDurationMs, type Period } from './period.ts';

/** Druid's granularity JSON: a simple name, or a `period` / `duration` object. */
export type GranularitySpec =
  | string
  | { type: 'all' | 'none' }
  | { type: 'period'; period: string; timeZone?: string; origin?: string }
  | { type: 'duration'; duration: number | string; origin?: string };

/** Buckets time. Pure; the same spec always buckets the same way. */
export interface Granularity {
  /** Canonical JSON, as Druid would print it back. */
  readonly spec: GranularitySpec;
  readonly kind: 'all' | 'none' | 'period' | 'duration';
  /** Start of the bucket holding `t`. */
  bucketStart(t: number): number;
  /** Start of the bucket after the one starting at `start`. */
  next(start: number): number;
  bucket(t: number): Interval;
  /** The buckets overlapping `within`, in order (`all` gives `within` itself). */
  buckets(within: Interval): Interval[];
}

export class GranularityFormatError extends Error {
  constructor(readonly spec: unknown, reason: string) {
    super(`invalid granularity ${JSON.stringify(spec)}: ${reason}`);
    this.name = 'GranularityFormatError';
  }
}

/** Druid's simple granularity names and the period each stands for. */
export const SIMPLE_GRANULARITIES: Readonly<Record<string, string>> = {
  second: 'PT1S', minute: 'PT1M', five_minute: 'PT5M', ten_minute: 'PT10M', fifteen_minute: 'PT15M',
  thirty_minute: 'PT30M', hour: 'PT1H', six_hour: 'PT6H', eight_hour: 'PT8H', day: 'P1D', week: 'P1W',
  month: 'P1M', quarter: 'P3M', year: 'P1Y',
};

/** Segment granularities from coarse to fine: allocation falls back along this list. */
export const SEGMENT_GRANULARITY_ORDER = ['year', 'quarter', 'month', 'week', 'day', 'six_hour', 'hour', 'thirty_minute', 'fifteen_minute', 'ten_minute', 'five_minute', 'minute', 'second'] as const;

const granularityCache = new Map<string, Granularity>();

export function parseGranularity(spec: unknown): Granularity {
  const key = JSON.stringify(spec);
  let g = granularityCache.get(key);
  if (g === undefined) {
    g = build(spec);
    granularityCache.set(key, g);
  }
  return g;
}

function build(spec: unknown): Granularity {
  if (typeof spec === 'string') return fromName(spec, spec);
  if (spec === null || typeof spec !== 'object') throw new GranularityFormatError(spec, 'expected a name or an object with "type"');
  const o = spec as Record<string, unknown>;
  switch (o.type) {
    case 'all':
    case 'none':
      return fromName(o.type, spec);
    case 'period': {
      if (typeof o.period !== 'string') throw new GranularityFormatError(spec, '"period" must be an ISO-8601 period string');
      const zone = o.timeZone === undefined ? 'UTC' : o.timeZone;
      if (typeof zone !== 'string' || !isValidTimeZone(zone)) throw new GranularityFormatError(spec, `unknown timeZone ${JSON.stringify(o.timeZone)}`);
      const origin = parseOrigin(spec, o.origin);
      const canonical = { type: 'period' as const, period: o.period, ...(o.timeZone !== undefined ? { timeZone: zone } : {}), ...(o.origin !== undefined ? { origin: o.origin as string } : {}) };
      return periodGranularity(canonical, periodOrThrow(spec, o.period), zone, origin);
    }
    case 'duration': {
      let ms: number;
      try {
        ms = parseDurationMs(o.duration as string | number);
      } catch {
        throw new GranularityFormatError(spec, '"duration" must be milliseconds or a fixed ISO-8601 period');
      }
      if (!(ms > 0)) throw new GranularityFormatError(spec, '"duration" must be positive');
      const origin = parseOrigin(spec, o.origin) ?? 0;
      return fixedGranularity({ type: 'duration', duration: ms, ...(o.origin !== undefined ? { origin: o.origin as string } : {}) }, 'duration', ms, origin);
    }
    default:
      throw new GranularityFormatError(spec, `unknown type ${JSON.stringify(o.type)} (expected all, none, period or duration)`);
  }
}

function periodOrThrow(spec: unknown, text: string): Period {
  try {
    const p = parsePeriod(text);
    if (fixedPeriodMs(p) === 0) throw new GranularityFormatError(spec, 'period must not be zero');
    return p;
  } catch (e) {
    if (e instanceof GranularityFormatError) throw e;
    throw new GranularityFormatError(spec, `"${text}" is not an ISO-8601 period`);
  }
}

function parseOrigin(spec: unknown, origin: unknown): number | null {
  if (origin === undefined || origin === null) return null;
  const t = typeof origin === 'string' ? parseInstant(origin) : typeof origin === 'number' ? origin : NaN;
  if (Number.isNaN(t)) throw new GranularityFormatError(spec, `origin ${JSON.stringify(origin)} is not an ISO-8601 instant`);
  return t;
}

function fromName(name: string, spec: unknown): Granularity {
  const lower = name.toLowerCase();
  if (lower === 'all') return allGranularity;
  if (lower === 'none') return noneGranularity;
  const period = SIMPLE_GRANULARITIES[lower];
  if (period === undefined) throw new GranularityFormatError(spec, `unknown granularity "${name}" (expected all, none, ${Object.keys(SIMPLE_GRANULARITIES).join(', ')})`);
  const g = periodGranularity({ type: 'period', period }, parsePeriod(period), 'UTC', null);
  return { ...g, spec: lower };
}

function withBuckets(g: Omit<Granularity, 'buckets' | 'bucket'>): Granularity {
  return {
    ...g,
    bucket(t) {
      const start = g.bucketStart(t);
      return { start, end: g.next(start) };
    },
    buckets(within) {
      const out: Interval[] = [];
      if (within.end <= within.start) return out;
      for (let s = g.bucketStart(within.start); s < within.end; s = g.next(s)) out.push({ start: s, end: g.next(s) });
      return out;
    },
  };
}

const allGranularity: Granularity = {
  spec: 'all',
  kind: 'all',
  bucketStart: () => MIN_INSTANT,
  next: () => MAX_INSTANT,
  bucket: () => ({ start: MIN_INSTANT, end: MAX_INSTANT }),
  buckets: (within) => (within.end > within.start ? [within] : []),
};

const noneGranularity = withBuckets({ spec: 'none', kind: 'none', bucketStart: (t) => t, next: (s) => s + 1 });

const floorDiv = (a: number, b: number): number => Math.floor(a / b);

function fixedGranularity(spec: GranularitySpec, kind: 'period' | 'duration', ms: number, origin: number): Granularity {
  return withBuckets({
    spec,
    kind,
    bucketStart: (t) => floorDiv(t - origin, ms) * ms + origin,
    next: (s) => s + ms,
  });
}

/** Monday 1970-01-05: ISO weeks start on Mondays. */
const FIRST_MONDAY = 4 * 86_400_000;

function periodGranularity(spec: GranularitySpec, p: Period, zone: string, origin: number | null): Granularity {
  const fixed = fixedPeriodMs(p);
  if (fixed !== null && zone === 'UTC') {
    const defaultOrigin = p.weeks > 0 && fixed % (7 * 86_400_000) === 0 ? FIRST_MONDAY : 0;
    return fixedGranularity(spec, 'period', fixed, origin ?? defaultOrigin);
  }
  const single = singleUnit(p);
  if (single === null) {
    if (fixed === null) throw new GranularityFormatError(spec, `period ${p.text} mixes calendar and clock fields`);
    return fixedGranularity(spec, 'period', fixed, origin ?? 0);
  }
  return calendarGranularity(spec, single.unit, single.count, zone, origin);
}

function singleUnit(p: Period): { unit: DateTimeUnit; count: number } | null {
  const fields: Array<[DateTimeUnit, number]> = [
    ['year', p.years], ['month', p.months], ['week', p.weeks], ['day', p.days],
    ['hour', p.hours], ['minute', p.minutes], ['second', p.seconds], ['millisecond', p.millis],
  ];
  const set = fields.filter(([, n]) => n !== 0);
  return set.length === 1 ? { unit: set[0]![0], count: set[0]![1] } : null;
}

const PLURAL: Record<string, string> = { year: 'years', month: 'months', week: 'weeks', day: 'days', hour: 'hours', minute: 'minutes', second: 'seconds', millisecond: 'milliseconds' };

/**
 * Calendar periods (months, years, or anything in a time zone): buckets follow local wall-clock
 * time, aligned to the origin, or without one to the local epoch (Monday for weeks), as Druid does.
 */
function calendarGranularity(spec: GranularitySpec, unit: DateTimeUnit, count: number, zone: string, origin: number | null): Granularity {
  if (zone === 'UTC' && origin === null && (unit === 'month' || unit === 'year')) return utcMonthGranularity(spec, unit === 'year' ? count * 12 : count);
  const plural = PLURAL[unit]!;
  const anchor = origin !== null
    ? DateTime.fromMillis(origin, { zone })
    : DateTime.fromObject(unit === 'week' ? { year: 1970, month: 1, day: 5 } : { year: 1970, month: 1, day: 1 }, { zone });
  const at = (n: number): number => anchor.plus({ [plural]: n }).toMillis();
  const index = (t: number): number => {
    let n = Math.floor(DateTime.fromMillis(t, { zone }).diff(anchor, plural as DateTimeUnit).get(plural as never) as number);
    n -= ((n % count) + count) % count;
    // The diff can land a bucket off around DST and month ends: step to the bucket holding t.
    while (at(n) > t) n -= count;
    while (at(n + count) <= t) n += count;
    return n;
  };
  return withBuckets({ spec, kind: 'period', bucketStart: (t) => at(index(t)), next: (s) => at(index(s) + count) });
}

/** Months and years in UTC by plain arithmetic: ingestion buckets every row, so this path is hot. */
function utcMonthGranularity(spec: GranularitySpec, months: number): Granularity {
  const at = (m: number): number => Date.UTC(1970 + Math.floor(m / 12), ((m % 12) + 12) % 12, 1);
  const index = (t: number): number => {
    const d = new Date(t);
    const m = (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
    return m - (((m % months) + months) % months);
  };
  return withBuckets({ spec, kind: 'period', bucketStart: (t) => at(index(t)), next: (s) => at(index(s) + months) });
}

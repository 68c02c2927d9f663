import { MAX_INSTANT, MIN_INSTANT, formatInstant, parseInstant } from './instant.ts';
import { parsePeriod, addPeriod } from './period.ts';

/** A half-open interval [start, end) of epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** Druid's ETERNITY, bounded by what a JavaScript Date can print. */
export const ETERNITY: Interval = { start: MIN_INSTANT, end: MAX_INSTANT };

export class IntervalFormatError extends Error {
  constructor(readonly text: string, reason: string) {
    super(`invalid interval "${text}": ${reason}`);
    this.name = 'IntervalFormatError';
  }
}

/** Parses Druid's interval text: `start/end`, `start/period` or `period/end`. */
export function parseInterval(text: string): Interval {
  if (typeof text !== 'string') throw new IntervalFormatError(String(text), 'expected a string "start/end"');
  const parts = text.split('/');
  if (parts.length !== 2) throw new IntervalFormatError(text, 'expected "start/end", "start/period" or "period/end"');
  const [a, b] = parts as [string, string];
  let start: number;
  let end: number;
  if (a.startsWith('P')) {
    end = instantOrThrow(text, b);
    start = addPeriod(end, parsePeriod(a), 'UTC', -1);
  } else if (b.startsWith('P')) {
    start = instantOrThrow(text, a);
    end = addPeriod(start, parsePeriod(b), 'UTC', 1);
  } else {
    start = instantOrThrow(text, a);
    end = instantOrThrow(text, b);
  }
  if (end < start) throw new IntervalFormatError(text, 'end is before start');
  return { start, end };
}

function instantOrThrow(text: string, part: string): number {
  const t = parseInstant(part);
  if (Number.isNaN(t)) throw new IntervalFormatError(text, `"${part}" is not an ISO-8601 instant`);
  return t;
}

export function formatInterval(i: Interval): string {
  return `${formatInstant(i.start)}/${formatInstant(i.end)}`;
}

export function interval(start: number | string, end: number | string): Interval {
  const s = typeof start === 'number' ? start : parseInstant(start);
  const e = typeof end === 'number' ? end : parseInstant(end);
  return { start: s, end: e };
}

export const overlaps = (a: Interval, b: Interval): boolean => a.start < b.end && b.start < a.end;
export const contains = (outer: Interval, inner: Interval): boolean =>
  outer.start <= inner.start && inner.end <= outer.end;
export const containsInstant = (i: Interval, t: number): boolean => i.start <= t && t < i.end;
export const sameInterval = (a: Interval, b: Interval): boolean => a.start === b.start && a.end === b.end;
export const isEmpty = (i: Interval): boolean => i.end <= i.start;
export const durationMs = (i: Interval): number => i.end - i.start;

export function intersect(a: Interval, b: Interval): Interval | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start < end ? { start, end } : null;
}

/** What remains of `a` after removing `b`: zero, one or two intervals, in time order. */
export function subtract(a: Interval, b: Interval): Interval[] {
  if (!overlaps(a, b)) return [a];
  const out: Interval[] = [];
  if (a.start < b.start) out.push({ start: a.start, end: b.start });
  if (b.end < a.end) out.push({ start: b.end, end: a.end });
  return out;
}

/** Sorts and merges overlapping or abutting intervals (Druid's JodaUtils.condenseIntervals). */
export function condense(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((x, y) => x.start - y.start || x.end - y.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.start <= last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, i.end) };
    else out.push(i);
  }
  return out;
}

export const compareIntervals = (a: Interval, b: Interval): number => a.start - b.start || a.end - b.end;

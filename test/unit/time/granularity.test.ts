import { describe, expect, it } from 'vitest';
import { formatInstant, parseInstant } from '../../../src/time/instant.ts';
import { formatInterval, parseInterval, subtract, condense } from '../../../src/time/interval.ts';
import { parseGranularity, GranularityFormatError } from '../../../src/time/granularity.ts';

const t = parseInstant;
const iso = formatInstant;

describe('instants and intervals', () => {
  it('parses ISO instants with and without zones, and bare dates as UTC midnight', () => {
    expect(iso(t('2013-01-01'))).toBe('2013-01-01T00:00:00.000Z');
    expect(iso(t('2013-01-01T01:02:03.456Z'))).toBe('2013-01-01T01:02:03.456Z');
    expect(iso(t('2013-01-01T01:00:00+02:00'))).toBe('2012-12-31T23:00:00.000Z');
    expect(Number.isNaN(t('yesterday'))).toBe(true);
    expect(Number.isNaN(t('2013-13-01'))).toBe(true);
  });

  it('parses Druid interval forms start/end, start/period and period/end', () => {
    expect(formatInterval(parseInterval('2013-01-01/2013-01-02'))).toBe('2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z');
    expect(formatInterval(parseInterval('2013-01-01/P1M'))).toBe('2013-01-01T00:00:00.000Z/2013-02-01T00:00:00.000Z');
    expect(formatInterval(parseInterval('PT1H/2013-01-01T05:00Z'))).toBe('2013-01-01T04:00:00.000Z/2013-01-01T05:00:00.000Z');
    expect(formatInterval(parseInterval('1000/3000'))).toBe('1000-01-01T00:00:00.000Z/3000-01-01T00:00:00.000Z');
    expect(() => parseInterval('2013-01-02/2013-01-01')).toThrow(/end is before start/);
    expect(() => parseInterval('2013-01-01')).toThrow(/expected "start\/end"/);
  });

  it('subtracts and condenses intervals', () => {
    const day = parseInterval('2013-01-01/2013-01-02');
    const hour = parseInterval('2013-01-01T05:00Z/2013-01-01T06:00Z');
    expect(subtract(day, hour).map(formatInterval)).toEqual([
      '2013-01-01T00:00:00.000Z/2013-01-01T05:00:00.000Z',
      '2013-01-01T06:00:00.000Z/2013-01-02T00:00:00.000Z',
    ]);
    expect(condense([hour, day]).map(formatInterval)).toEqual([formatInterval(day)]);
  });
});

describe('granularities', () => {
  it('floors by simple names in UTC', () => {
    const x = t('2013-08-31T17:43:21.123Z');
    const floor = (g: string): string => iso(parseGranularity(g).bucketStart(x));
    expect(floor('second')).toBe('2013-08-31T17:43:21.000Z');
    expect(floor('minute')).toBe('2013-08-31T17:43:00.000Z');
    expect(floor('fifteen_minute')).toBe('2013-08-31T17:30:00.000Z');
    expect(floor('HOUR')).toBe('2013-08-31T17:00:00.000Z');
    expect(floor('six_hour')).toBe('2013-08-31T12:00:00.000Z');
    expect(floor('day')).toBe('2013-08-31T00:00:00.000Z');
    expect(floor('week')).toBe('2013-08-26T00:00:00.000Z'); // a Monday
    expect(floor('month')).toBe('2013-08-01T00:00:00.000Z');
    expect(floor('quarter')).toBe('2013-07-01T00:00:00.000Z');
    expect(floor('year')).toBe('2013-01-01T00:00:00.000Z');
    expect(floor('none')).toBe('2013-08-31T17:43:21.123Z');
  });

  it('steps to the next bucket across month lengths', () => {
    const month = parseGranularity('month');
    expect(iso(month.next(t('2013-01-01')))).toBe('2013-02-01T00:00:00.000Z');
    expect(iso(month.next(t('2013-12-01')))).toBe('2014-01-01T00:00:00.000Z');
    expect(month.buckets(parseInterval('2013-01-15/2013-03-02')).map(formatInterval)).toEqual([
      '2013-01-01T00:00:00.000Z/2013-02-01T00:00:00.000Z',
      '2013-02-01T00:00:00.000Z/2013-03-01T00:00:00.000Z',
      '2013-03-01T00:00:00.000Z/2013-04-01T00:00:00.000Z',
    ]);
  });

  it('buckets a period granularity in a time zone by local midnight (Druid docs example)', () => {
    const g = parseGranularity({ type: 'period', period: 'P1D', timeZone: 'America/Los_Angeles' });
    expect(iso(g.bucketStart(t('2013-08-31T01:02:33Z')))).toBe('2013-08-30T07:00:00.000Z');
    expect(iso(g.bucketStart(t('2013-09-01T08:00:00Z')))).toBe('2013-09-01T07:00:00.000Z');
    // DST ends on 2013-11-03: that local day lasts 25 hours.
    const dstDay = g.bucket(t('2013-11-03T12:00:00Z'));
    expect(dstDay.end - dstDay.start).toBe(25 * 3_600_000);
  });

  it('aligns multi-unit periods and durations to their origin', () => {
    const twoDays = parseGranularity({ type: 'period', period: 'P2D', origin: '2013-08-01T00:00:00Z' });
    expect(iso(twoDays.bucketStart(t('2013-08-04T10:00Z')))).toBe('2013-08-03T00:00:00.000Z');
    const dur = parseGranularity({ type: 'duration', duration: 7_200_000, origin: '2012-01-01T00:30:00Z' });
    expect(iso(dur.bucketStart(t('2013-08-31T01:02:33Z')))).toBe('2013-08-31T00:30:00.000Z');
    const twoMonths = parseGranularity({ type: 'period', period: 'P2M', timeZone: 'Europe/Berlin' });
    expect(iso(twoMonths.bucketStart(t('2013-04-15T00:00Z')))).toBe('2013-02-28T23:00:00.000Z');
  });

  it('puts every instant in exactly one bucket, which holds it', () => {
    const specs = ['minute', 'hour', 'day', 'week', 'month', 'year', { type: 'period', period: 'P1D', timeZone: 'Asia/Kolkata' }, { type: 'period', period: 'PT6H', timeZone: 'America/New_York' }];
    for (const spec of specs) {
      const g = parseGranularity(spec);
      for (let x = t('2012-12-25'); x < t('2013-04-10'); x += 7_919_777) {
        const b = g.bucket(x);
        expect(b.start <= x && x < b.end, `${JSON.stringify(spec)} at ${iso(x)}`).toBe(true);
        expect(g.bucketStart(b.start)).toBe(b.start);
      }
    }
  });

  it('refuses unknown names, periods and zones with the reason', () => {
    expect(() => parseGranularity('fortnight')).toThrow(GranularityFormatError);
    expect(() => parseGranularity({ type: 'period', period: 'P1X' })).toThrow(/not an ISO-8601 period/);
    expect(() => parseGranularity({ type: 'period', period: 'P1D', timeZone: 'Mars/Olympus' })).toThrow(/unknown timeZone/);
    expect(() => parseGranularity({ type: 'duration', duration: -5 })).toThrow(/positive/);
  });
});

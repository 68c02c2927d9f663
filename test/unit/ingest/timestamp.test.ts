import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jodaToLuxon, timestampParser, TimestampFormatError } from '../../../src/ingest/timestamp.ts';
import { formatInstant, parseInstant } from '../../../src/time/instant.ts';

const parsed = (format: string, value: unknown): string | null => {
  const t = timestampParser(format)(value);
  return Number.isNaN(t) ? null : formatInstant(t);
};

describe('timestampSpec formats', () => {
  it('iso reads ISO-8601 text with or without a zone (UTC when absent) and refuses numbers', () => {
    expect(parsed('iso', '2018-01-01T01:01:35Z')).toBe('2018-01-01T01:01:35.000Z');
    expect(parsed('iso', '2018-01-01T01:01:35.123+02:00')).toBe('2017-12-31T23:01:35.123Z');
    expect(parsed('iso', '2018-01-01')).toBe('2018-01-01T00:00:00.000Z');
    expect(parsed('iso', 1514768495000)).toBeNull();
    expect(parsed('iso', 'soon')).toBeNull();
  });

  it('iso reads every canonical UTC timestamp, with or without millis, as the general ISO parser does (property)', () => {
    const iso = timestampParser('iso');
    fc.assert(fc.property(fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.boolean(), (date, withMillis) => {
      const text = withMillis ? date.toISOString() : `${date.toISOString().slice(0, 19)}Z`;
      expect(iso(text)).toBe(parseInstant(text));
    }), { numRuns: 2000 });
  });

  it('auto reads numbers and digit strings as millis and anything else as ISO-8601', () => {
    expect(parsed('auto', 1514768495000)).toBe('2018-01-01T01:01:35.000Z');
    expect(parsed('auto', '1514768495000')).toBe('2018-01-01T01:01:35.000Z');
    expect(parsed('auto', '2018-01-01 01:01:35')).toBe('2018-01-01T01:01:35.000Z');
    expect(parsed('auto', '')).toBeNull();
  });

  it('millis, posix, micro and nano read integers in their unit, truncating like Java', () => {
    expect(parsed('millis', '1514768495123')).toBe('2018-01-01T01:01:35.123Z');
    expect(parsed('posix', 1514768495)).toBe('2018-01-01T01:01:35.000Z');
    expect(parsed('posix', '1514768495')).toBe('2018-01-01T01:01:35.000Z');
    expect(parsed('micro', '1514768495123456')).toBe('2018-01-01T01:01:35.123Z');
    expect(parsed('nano', '1514768495123456789')).toBe('2018-01-01T01:01:35.123Z');
    expect(parsed('millis', '2018-01-01')).toBeNull();
    expect(parsed('posix', '1.5')).toBeNull();
  });

  it('ruby reads seconds with a fraction', () => {
    expect(parsed('ruby', 1514768495.25)).toBe('2018-01-01T01:01:35.250Z');
    expect(parsed('ruby', '1514768495.25')).toBe('2018-01-01T01:01:35.250Z');
  });

  it('refuses numbers beyond what a date can hold', () => {
    expect(parsed('millis', 9e18)).toBeNull();
    expect(parsed('posix', '99999999999999')).toBeNull();
  });

  it.each([
    ['yyyy-MM-dd HH:mm:ss', '2018-01-01 01:01:35', '2018-01-01T01:01:35.000Z'],
    ['dd/MMM/yyyy:HH:mm:ss Z', '01/Jan/2018:03:01:35 +0200', '2018-01-01T01:01:35.000Z'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSZZ", '2018-01-01T01:01:35.123-01:00', '2018-01-01T02:01:35.123Z'],
    ['EEE, dd MMM yyyy HH:mm:ss Z', 'Mon, 01 Jan 2018 01:01:35 +0000', '2018-01-01T01:01:35.000Z'],
    ['MM/dd/yyyy hh:mm:ss a', '01/01/2018 01:01:35 PM', '2018-01-01T13:01:35.000Z'],
    ['yyyyMMddHHmmss', '20180101010135', '2018-01-01T01:01:35.000Z'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSSSS", '2018-01-01T01:01:35.123456', '2018-01-01T01:01:35.123Z'],
    ['yyyy-MM-dd HH:mm:ss ZZZ', '2018-01-01 01:01:35 America/New_York', '2018-01-01T06:01:35.000Z'],
  ])('the Joda pattern %s reads %s', (pattern, text, expected) => {
    expect(parsed(pattern, text)).toBe(expected);
  });

  it('a Joda pattern refuses text in another shape', () => {
    expect(parsed('yyyy-MM-dd HH:mm:ss', '2018-01-01T01:01:35Z')).toBeNull();
  });

  it('a pattern with a letter Joda has but grove cannot parse is refused up front, naming the letter', () => {
    expect(() => timestampParser('yyyy-QQ')).toThrow(TimestampFormatError);
    expect(() => timestampParser('yyyy-QQ')).toThrow(/pattern letter "Q"/);
    expect(jodaToLuxon("yyyy-MM-dd'T'HH:mm")).toBe("yyyy-MM-dd'T'HH:mm");
  });
});

/** Instants are epoch milliseconds (UTC). Druid prints them as ISO-8601 with milliseconds and `Z`. */

export const MIN_INSTANT = -8.64e15;
export const MAX_INSTANT = 8.64e15;

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO-8601 instant ("2020-01-01", "2020-01-01T10:00", "2020-01-01T10:00:00.123Z",
 * "2020-01-01T10:00:00+02:00"). A missing zone means UTC, as in Druid. Returns NaN when the text
 * is not an instant.
 */
export function parseInstant(text: string): number {
  const m = ISO_UTC.exec(text);
  if (m === null) return text === '' ? NaN : parseYearOnly(text);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
  if (Number.isNaN(utc) || !validFields(Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0))) return NaN;
  return utc - zoneOffsetMs(zone);
}

function parseYearOnly(text: string): number {
  // Druid accepts bare years ("1000/3000") and year-months in intervals.
  const m = /^([+-]?\d{4,6})(?:-(\d{2}))?$/.exec(text);
  if (m === null) return NaN;
  return Date.UTC(Number(m[1]), m[2] === undefined ? 0 : Number(m[2]) - 1, 1);
}

function validFields(mo: number, d: number, h: number, mi: number, s: number): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 24 && mi <= 59 && s <= 60;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 3_600_000 + Number(digits.slice(2, 4)) * 60_000);
}

/** Druid's printed form: `2020-01-01T00:00:00.000Z`. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

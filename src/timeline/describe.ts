import { MAX_INSTANT, MIN_INSTANT } from '../time/instant.ts';
import { formatInterval, type Interval } from '../time/interval.ts';

/** An interval for an error message: ISO text when printable, raw epoch ms otherwise. */
export function describeInterval(i: Interval): string {
  const printable = (t: number): boolean => Number.isFinite(t) && t >= MIN_INSTANT && t <= MAX_INSTANT;
  return printable(i.start) && printable(i.end) ? formatInterval(i) : `[${i.start}, ${i.end})`;
}

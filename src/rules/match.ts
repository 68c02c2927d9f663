import type { Rule } from '../spec/rules.ts';
import { MAX_INSTANT, MIN_INSTANT } from '../time/instant.ts';
import { parseInterval, type Interval } from '../time/interval.ts';
import { addPeriod, parsePeriod, type Period } from '../time/period.ts';

/**
 * When a rule applies to a segment, exactly as Druid's rule classes decide it (`appliesTo`), with
 * Joda's interval semantics. Period rules measure back from `now`, which the caller passes in.
 */

/** Joda's Interval.overlaps. */
const overlaps = (a: Interval, b: Interval): boolean => a.start < b.end && b.start < a.end;

/** Joda's Interval.contains(Interval): an empty `outer` contains nothing. */
export const contains = (outer: Interval, inner: Interval): boolean =>
  outer.start <= inner.start && inner.start < outer.end && inner.end <= outer.end;

export interface RuleMatcher {
  readonly rule: Rule;
  appliesTo(segment: Interval, now: number): boolean;
  /**
   * The stretch of time the rule can match at `now` (Druid's eligible interval): a segment the
   * rule applies to overlaps it. Moving with `now` for period rules, fixed otherwise.
   */
  eligible(now: number): Interval;
  /** How the eligible interval behaves as time passes. */
  readonly window: RuleWindow;
  /** Whether a segment must overlap the eligible interval, or lie within it, to match. */
  readonly mode: 'overlap' | 'within';
}

/** `forever`: all time; `fixed`: an interval; `recent`: [now - period, now or forever); `older`: up to now - period. */
export type RuleWindow = 'forever' | 'fixed' | 'recent' | 'older';

export function matcherFor(rule: Rule): RuleMatcher {
  switch (rule.type) {
    case 'loadForever':
    case 'dropForever':
    case 'broadcastForever':
      return { rule, window: 'forever', mode: 'overlap', appliesTo: () => true, eligible: () => ({ start: MIN_INSTANT, end: MAX_INSTANT }) };
    case 'loadByInterval':
    case 'broadcastByInterval':
      return fixed(rule, rule.interval, 'overlap');
    case 'dropByInterval':
      return fixed(rule, rule.interval, 'within');
    case 'loadByPeriod':
    case 'broadcastByPeriod':
      // PeriodLoadRule / Rules.eligibleForLoad: overlaps [now - period, now), or with the future, ends after its start.
      return recent(rule, rule.period, rule.includeFuture, 'overlap');
    case 'dropByPeriod':
      // PeriodDropRule: lies within [now - period, now), or with the future, starts at or after its start.
      return recent(rule, rule.period, rule.includeFuture, 'within');
    case 'dropBeforeByPeriod': {
      // PeriodDropBeforeRule: ends at or before now - period.
      const ago = periodAgo(parsePeriod(rule.period));
      return { rule, window: 'older', mode: 'within', appliesTo: (s, now) => s.end <= ago(now), eligible: (now) => ({ start: MIN_INSTANT, end: ago(now) }) };
    }
  }
}

const MODES = { overlap: overlaps, within: contains } as const;

function fixed(rule: Rule, text: string, mode: keyof typeof MODES): RuleMatcher {
  const i = parseInterval(text);
  const test = MODES[mode];
  return { rule, window: 'fixed', mode, appliesTo: (s) => test(i, s), eligible: () => i };
}

/**
 * A window reaching back `period` from now, to now or, with the future, for ever: Druid's period
 * rules test the segment against [now - period, now), and with the future they drop that end,
 * which for a segment (never empty) is the same as testing against [now - period, for ever).
 */
function recent(rule: Rule, period: string, includeFuture: boolean, mode: keyof typeof MODES): RuleMatcher {
  const ago = periodAgo(parsePeriod(period));
  const test = MODES[mode];
  const windowAt = (now: number): Interval => ({ start: ago(now), end: includeFuture ? MAX_INSTANT : now });
  return { rule, window: 'recent', mode, appliesTo: (s, now) => test(windowAt(now), s), eligible: windowAt };
}

/**
 * `now - period` in UTC, calendar-aware (a month back from March 31 is February's last day).
 * The coordinator asks with one `now` for every segment of a pass, so the last answer is kept.
 */
function periodAgo(p: Period): (now: number) => number {
  let lastNow = NaN;
  let lastAgo = NaN;
  return (now) => {
    if (now !== lastNow) {
      const t = addPeriod(now, p, 'UTC', -1);
      lastAgo = Number.isFinite(t) ? Math.max(t, MIN_INSTANT) : MIN_INSTANT;
      lastNow = now;
    }
    return lastAgo;
  };
}

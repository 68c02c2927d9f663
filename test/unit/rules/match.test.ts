import { describe, expect, it } from 'vitest';
import { matcherFor } from '../../../src/rules/match.ts';
import { parseRule } from '../../../src/spec/rules.ts';
import { parseInstant } from '../../../src/time/instant.ts';
import { parseInterval, type Interval } from '../../../src/time/interval.ts';
import { addPeriod, parsePeriod } from '../../../src/time/period.ts';

/** Druid's rule tests, case by case (PeriodLoadRuleTest, PeriodDropRuleTest, PeriodDropBeforeRuleTest). */

const NOW = parseInstant('2012-12-31T01:00:00Z');
/** `now` moved by a period: `at('-P1W')` is a week before now. */
const at = (shift: string): number => (shift === '0' ? NOW : addPeriod(NOW, parsePeriod(shift.replace(/^[+-]/, '')), 'UTC', shift.startsWith('-') ? -1 : 1));
const between = (from: string, to: string): Interval => ({ start: at(from), end: at(to) });

const applies = (rule: object, segment: Interval, now = NOW): boolean => matcherFor(parseRule(rule)).appliesTo(segment, now);

describe('loadByPeriod (Druid PeriodLoadRuleTest)', () => {
  const lastMonth = { type: 'loadByPeriod', period: 'P1M', includeFuture: false };

  it('applies to everything within a period longer than history', () => {
    const now = parseInstant('2013-01-01');
    const rule = { type: 'loadByPeriod', period: 'P5000Y', includeFuture: false };
    for (const i of ['2012-01-01/2012-12-31', '1000-01-01/2012-12-31', '0500-01-01/2100-12-31']) expect(applies(rule, parseInterval(i), now), i).toBe(true);
  });

  it('applies to segments overlapping the last month, not to later ones', () => {
    expect(applies(lastMonth, between('-P1W', '0'))).toBe(true);
    expect(applies(lastMonth, between('-P1D', '+P1D'))).toBe(true);
    expect(applies(lastMonth, between('+P1D', '+P2D'))).toBe(false);
  });

  it('applies to segments only partly inside the period, at either end', () => {
    expect(applies(lastMonth, between('-P1W', '+P1W'))).toBe(true);
    const monthAgo = addPeriod(NOW, parsePeriod('P1M'), 'UTC', -1);
    const week = 7 * 86_400_000;
    expect(applies(lastMonth, { start: monthAgo - week, end: monthAgo + week })).toBe(true);
  });

  it('applies to future segments only with includeFuture', () => {
    const future = between('+P1D', '+P2D');
    expect(applies({ type: 'loadByPeriod', period: 'P2D', includeFuture: true }, future)).toBe(true);
    expect(applies({ type: 'loadByPeriod', period: 'P2D', includeFuture: false }, future)).toBe(false);
    expect(applies({ type: 'loadByPeriod', period: 'P2D' }, future), 'includeFuture defaults to true').toBe(true);
  });

  it('does not apply to a segment ending exactly where the period starts', () => {
    expect(applies({ type: 'loadByPeriod', period: 'P1D' }, between('-P2D', '-P1D'))).toBe(false);
  });
});

describe('dropByPeriod (Druid PeriodDropRuleTest)', () => {
  const lastMonth = { type: 'dropByPeriod', period: 'P1M', includeFuture: false };

  it('applies to everything within a period longer than history', () => {
    const rule = { type: 'dropByPeriod', period: 'P5000Y', includeFuture: false };
    expect(applies(rule, between('-P2D', '-P1D'))).toBe(true);
    expect(applies(rule, between('-P100Y', '-P1D'))).toBe(true);
  });

  it('applies only to segments lying wholly within the last month', () => {
    expect(applies(lastMonth, between('-P1W', '-P1D'))).toBe(true);
    expect(applies(lastMonth, between('-P1D', '0'))).toBe(true);
    expect(applies(lastMonth, between('-P1Y', '-P1D'))).toBe(false);
    expect(applies(lastMonth, between('-P2M', '-P1D'))).toBe(false);
  });

  it('applies to future segments only with includeFuture, which Druid defaults to true', () => {
    const future = between('+P1D', '+P2D');
    expect(applies({ type: 'dropByPeriod', period: 'P2D', includeFuture: true }, future)).toBe(true);
    expect(applies({ type: 'dropByPeriod', period: 'P2D', includeFuture: false }, future)).toBe(false);
    expect(applies({ type: 'dropByPeriod', period: 'P2D' }, future)).toBe(true);
  });
});

describe('dropBeforeByPeriod (Druid PeriodDropBeforeRuleTest)', () => {
  const rule = { type: 'dropBeforeByPeriod', period: 'P1D' };

  it('applies to segments ending at or before now minus the period', () => {
    expect(applies(rule, between('-P3D', '-P2D'))).toBe(true);
    expect(applies(rule, between('-P2D', '-P1D'))).toBe(true);
    expect(applies(rule, between('-P1D', '0'))).toBe(false);
    expect(applies(rule, between('0', '+P1D'))).toBe(false);
  });
});

describe('interval and forever rules', () => {
  const year2012 = '2012-01-01/2013-01-01';

  it('loadByInterval and broadcastByInterval apply to segments overlapping the interval', () => {
    for (const type of ['loadByInterval', 'broadcastByInterval']) {
      expect(applies({ type, interval: year2012 }, parseInterval('2012-12-31/2013-01-02')), type).toBe(true);
      expect(applies({ type, interval: year2012 }, parseInterval('2013-01-01/2013-01-02')), type).toBe(false);
    }
  });

  it('dropByInterval applies only to segments lying within the interval', () => {
    expect(applies({ type: 'dropByInterval', interval: year2012 }, parseInterval('2012-03-01/2012-04-01'))).toBe(true);
    expect(applies({ type: 'dropByInterval', interval: year2012 }, parseInterval('2012-12-31/2013-01-02'))).toBe(false);
  });

  it('forever rules apply to any segment, at any time', () => {
    for (const type of ['loadForever', 'dropForever', 'broadcastForever']) {
      expect(applies({ type }, parseInterval('0001-01-01/9999-01-01'), 0), type).toBe(true);
    }
  });

  it('measures calendar periods back in calendar time: a month before March 31 is February\'s last day', () => {
    const now = parseInstant('2021-03-31T00:00Z');
    const rule = { type: 'dropBeforeByPeriod', period: 'P1M' };
    expect(applies(rule, parseInterval('2021-02-27/2021-02-28'), now)).toBe(true);
    expect(applies(rule, parseInterval('2021-02-28/2021-03-01'), now)).toBe(false);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuleChain, evaluateRules } from '../../../src/rules/evaluate.ts';
import { DEFAULT_RULES, parseRules } from '../../../src/spec/rules.ts';
import { parseInstant } from '../../../src/time/instant.ts';
import { parseInterval, type Interval } from '../../../src/time/interval.ts';

const DAY = 86_400_000;
const NOW = parseInstant('2024-06-15T12:00Z');
/** The day segment `n` days back from today (0 = today, -1 = tomorrow). */
const dayAgo = (n: number): Interval => {
  const today = Math.floor(NOW / DAY) * DAY;
  return { start: today - n * DAY, end: today - (n - 1) * DAY };
};

describe('retention rules decide each segment: the first rule that applies wins', () => {
  it('loadByPeriod P1M then dropForever keeps only the last month loaded (the seed\'s retention rules)', () => {
    const chain = new RuleChain(parseRules([{ type: 'loadByPeriod', period: 'P1M' }, { type: 'dropForever' }]));
    const actions = Array.from({ length: 90 }, (_, n) => chain.decide(dayAgo(n), NOW).action);
    // A month back from June 15 is May 15: days 0..31 back overlap it (day 31 is May 15 itself).
    expect(actions.slice(0, 32)).toEqual(Array(32).fill('load'));
    expect(actions.slice(32)).toEqual(Array(58).fill('drop'));
    expect(chain.decide(dayAgo(-3), NOW).action, 'future data is kept: includeFuture defaults to true').toBe('load');
    expect(chain.decide(dayAgo(5), NOW)).toMatchObject({ action: 'load', tieredReplicants: { _default_tier: 2 } });
  });

  it('sends recent data to the hot tier, older data to the cold tier, and drops the rest', () => {
    const rules = parseRules([
      { type: 'loadByPeriod', period: 'P7D', tieredReplicants: { hot: 2 } },
      { type: 'loadByPeriod', period: 'P30D', tieredReplicants: { cold: 1 } },
      { type: 'dropForever' },
    ]);
    expect(evaluateRules(dayAgo(3), NOW, rules)).toMatchObject({ action: 'load', tieredReplicants: { hot: 2 } });
    expect(evaluateRules(dayAgo(20), NOW, rules)).toMatchObject({ action: 'load', tieredReplicants: { cold: 1 } });
    expect(evaluateRules(dayAgo(60), NOW, rules)).toMatchObject({ action: 'drop' });
  });

  it('names the rule that decided, by place and JSON, so that the decision can be explained', () => {
    const rules = parseRules([{ type: 'dropByInterval', interval: '2020-01-01/2021-01-01' }, { type: 'loadByPeriod', period: 'P1Y', tieredReplicants: { hot: 1 } }]);
    expect(evaluateRules(dayAgo(10), NOW, rules).matched).toEqual({ source: 'dataSource', index: 1, path: 'rules[1]', rule: rules[1] });
    expect(evaluateRules(parseInterval('2020-03-01/2020-03-02'), NOW, rules)).toMatchObject({ action: 'drop', matched: { path: 'rules[0]' } });
  });

  it('falls through to the cluster default, Druid\'s loadForever with two replicas on the default tier', () => {
    const decision = evaluateRules(parseInterval('2001-01-01/2001-01-02'), NOW, parseRules([{ type: 'loadByPeriod', period: 'P1M' }]));
    expect(decision).toEqual({ action: 'load', tieredReplicants: { _default_tier: 2 }, matched: { source: 'default', index: 0, path: 'defaultRules[0]', rule: DEFAULT_RULES[0] } });
  });

  it('follows configured default rules when the datasource has none', () => {
    const defaults = parseRules([{ type: 'dropBeforeByPeriod', period: 'P1Y' }, { type: 'loadForever', tieredReplicants: { cold: 1 } }]);
    expect(evaluateRules(dayAgo(400), NOW, [], defaults)).toMatchObject({ action: 'drop', matched: { source: 'default', index: 0 } });
    expect(evaluateRules(dayAgo(40), NOW, [], defaults)).toMatchObject({ action: 'load', tieredReplicants: { cold: 1 } });
  });

  it('broadcasts what a broadcast rule matches', () => {
    expect(evaluateRules(dayAgo(1), NOW, parseRules([{ type: 'broadcastForever' }]))).toMatchObject({ action: 'broadcast', matched: { path: 'rules[0]' } });
  });

  it('keeps a segment used but on no tier when its load rule names none (deep storage only)', () => {
    const rules = parseRules([{ type: 'loadByInterval', interval: '2016-06-27/2016-06-28', tieredReplicants: {}, useDefaultTierForNull: false }]);
    expect(evaluateRules(parseInterval('2016-06-27/2016-06-28'), NOW, rules)).toMatchObject({ action: 'load', tieredReplicants: {} });
  });

  it('decides nothing when no rule applies, as Druid leaves such a segment alone', () => {
    expect(evaluateRules(dayAgo(100), NOW, parseRules([{ type: 'loadByPeriod', period: 'P1M' }]), [])).toEqual({ action: 'none', matched: null });
  });

  it('decides again as time passes: a segment loaded today is dropped once it is older than the period', () => {
    const chain = new RuleChain(parseRules([{ type: 'loadByPeriod', period: 'P7D' }, { type: 'dropForever' }]));
    const segment = dayAgo(1);
    expect(chain.decide(segment, NOW).action).toBe('load');
    expect(chain.decide(segment, NOW + 7 * DAY).action).toBe('drop');
  });

  it('treats dropBeforeByPeriod + loadForever like loadByPeriod (with the future) + dropForever, as Druid\'s documentation says', () => {
    const dropBefore = new RuleChain(parseRules([{ type: 'dropBeforeByPeriod', period: 'P3M' }, { type: 'loadForever' }]));
    const loadPeriod = new RuleChain(parseRules([{ type: 'loadByPeriod', period: 'P3M', includeFuture: true }, { type: 'dropForever' }]));
    const span = 2 * 365 * DAY;
    fc.assert(fc.property(fc.integer({ min: -span, max: span }), fc.integer({ min: 1, max: 40 * DAY }), fc.integer({ min: -span, max: span }), (start, length, shift) => {
      const segment = { start: NOW + start, end: NOW + start + length };
      expect(dropBefore.decide(segment, NOW + shift).action).toBe(loadPeriod.decide(segment, NOW + shift).action);
    }));
  });
});

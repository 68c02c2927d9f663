import { describe, expect, it } from 'vitest';
import { assertNoHiddenRules, findHiddenRules } from '../../../src/rules/hidden.ts';
import { parseRule, type Rule } from '../../../src/spec/rules.ts';
import { SpecValidationError } from '../../../src/spec/validation.ts';
import { parseInstant } from '../../../src/time/instant.ts';

/** Druid's RulesTest: which rule lists have a rule that can never apply, and which pair shows it. */

const NOW = parseInstant('2026-01-15T00:00Z');
const rule = (json: object): Rule => parseRule(json);
const LOAD_PT1H = rule({ type: 'loadByPeriod', period: 'PT1H', includeFuture: true });
const LOAD_PT1H_NO_FUTURE = rule({ type: 'loadByPeriod', period: 'PT1H', includeFuture: false });
const LOAD_P3M = rule({ type: 'loadByPeriod', period: 'P3M', includeFuture: true });
const LOAD_2020_2023 = rule({ type: 'loadByInterval', interval: '2020/2023' });
const LOAD_2021_2022 = rule({ type: 'loadByInterval', interval: '2021/2022' });
const LOAD_1980_2050 = rule({ type: 'loadByInterval', interval: '1980/2050' });
const LOAD_FOREVER = rule({ type: 'loadForever' });
const DROP_BEFORE_P3M = rule({ type: 'dropBeforeByPeriod', period: 'P3M' });
const DROP_BEFORE_P6M = rule({ type: 'dropBeforeByPeriod', period: 'P6M' });
const DROP_P1M = rule({ type: 'dropByPeriod', period: 'P1M', includeFuture: true });
const DROP_P2M = rule({ type: 'dropByPeriod', period: 'P2M', includeFuture: true });
const DROP_2000_2020 = rule({ type: 'dropByInterval', interval: '2000/2020' });
const DROP_2010_2020 = rule({ type: 'dropByInterval', interval: '2010/2020' });
const DROP_FOREVER = rule({ type: 'dropForever' });
const BROADCAST_PT1H = rule({ type: 'broadcastByPeriod', period: 'PT1H', includeFuture: true });
const BROADCAST_PT1H_NO_FUTURE = rule({ type: 'broadcastByPeriod', period: 'PT1H', includeFuture: false });
const BROADCAST_PT2H = rule({ type: 'broadcastByPeriod', period: 'PT2H', includeFuture: true });
const BROADCAST_2000_2050 = rule({ type: 'broadcastByInterval', interval: '2000/2050' });
const BROADCAST_2010_2020 = rule({ type: 'broadcastByInterval', interval: '2010/2020' });
const BROADCAST_FOREVER = rule({ type: 'broadcastForever' });

/** The first hidden rule as `rules[j] behind rules[i]`, or null. */
function firstHidden(rules: Rule[]): string | null {
  const [first] = findHiddenRules(rules, NOW);
  if (first === undefined) return null;
  const behind = /can never apply: (rules\[\d+\])/.exec(first.reason)![1];
  return `${first.path} behind ${behind}`;
}

describe('rules that can never apply are refused (Druid RulesTest)', () => {
  it.each([
    ['anything after a forever rule', [LOAD_PT1H, LOAD_2021_2022, LOAD_FOREVER, LOAD_P3M], 'rules[3] behind rules[2]'],
    ['a period without the future after the same period with it', [LOAD_PT1H, LOAD_P3M, LOAD_PT1H_NO_FUTURE, LOAD_1980_2050], 'rules[2] behind rules[0]'],
    ['the same rule twice', [LOAD_PT1H, LOAD_P3M, LOAD_2020_2023, LOAD_P3M], 'rules[3] behind rules[1]'],
    ['an interval inside an earlier interval', [LOAD_2020_2023, LOAD_2021_2022, LOAD_P3M, LOAD_FOREVER], 'rules[1] behind rules[0]'],
    ['a shorter recent period after a longer one', [LOAD_P3M, LOAD_2021_2022, LOAD_PT1H, LOAD_2020_2023], 'rules[2] behind rules[0]'],
    ['a later interval after a forever rule', [LOAD_P3M, LOAD_2021_2022, LOAD_FOREVER, LOAD_2020_2023], 'rules[3] behind rules[2]'],
    ['dropping before a longer period after dropping before a shorter one', [DROP_BEFORE_P3M, DROP_P1M, DROP_BEFORE_P6M, DROP_FOREVER], 'rules[2] behind rules[0]'],
    ['dropping a shorter recent period after a longer one', [DROP_P2M, DROP_P1M, DROP_FOREVER], 'rules[1] behind rules[0]'],
    ['dropping an interval within an earlier dropped one', [DROP_2000_2020, DROP_P1M, DROP_P2M, DROP_2010_2020], 'rules[3] behind rules[0]'],
    ['a drop after dropForever', [DROP_P1M, DROP_FOREVER, DROP_P2M], 'rules[2] behind rules[1]'],
    ['broadcasting an interval within an earlier broadcast one', [BROADCAST_2000_2050, BROADCAST_PT1H, BROADCAST_2010_2020, BROADCAST_FOREVER], 'rules[2] behind rules[0]'],
    ['broadcasting a shorter period after a longer one', [BROADCAST_PT2H, BROADCAST_2000_2050, BROADCAST_PT1H, BROADCAST_FOREVER], 'rules[2] behind rules[0]'],
    ['broadcasting a period without the future after it with the future', [BROADCAST_PT1H, BROADCAST_PT1H_NO_FUTURE, BROADCAST_FOREVER], 'rules[1] behind rules[0]'],
    ['an interval after broadcastForever', [BROADCAST_PT1H, BROADCAST_PT2H, BROADCAST_2010_2020, BROADCAST_FOREVER, BROADCAST_2000_2050], 'rules[4] behind rules[3]'],
    ['dropForever after loadForever', [LOAD_PT1H, LOAD_1980_2050, LOAD_P3M, LOAD_FOREVER, DROP_FOREVER], 'rules[4] behind rules[3]'],
  ])('refuses %s', (_name, rules, expected) => {
    expect(firstHidden(rules)).toBe(expected);
  });

  it.each([
    ['no rules', []],
    ['loadForever alone', [LOAD_FOREVER]],
    ['widening periods', [LOAD_PT1H_NO_FUTURE, LOAD_PT1H, LOAD_P3M, LOAD_FOREVER]],
    ['drops that each take something new', [DROP_2010_2020, DROP_2000_2020, DROP_P1M, DROP_P2M, DROP_BEFORE_P3M, DROP_FOREVER]],
    ['broadcasts that each take something new', [BROADCAST_PT1H, BROADCAST_PT2H, BROADCAST_2010_2020, BROADCAST_2000_2050, BROADCAST_FOREVER]],
    ['an interval after drop-before rules that did not always cover it', [DROP_BEFORE_P6M, DROP_P1M, DROP_BEFORE_P3M, LOAD_2020_2023, DROP_FOREVER]],
    ['rules of every kind, each reachable', [DROP_2000_2020, LOAD_PT1H, BROADCAST_2000_2050, LOAD_1980_2050, LOAD_P3M, LOAD_FOREVER]],
  ])('accepts %s', (_name, rules) => {
    expect(findHiddenRules(rules, NOW)).toEqual([]);
  });

  it('accepts a load rule behind a drop rule on the same interval: segments crossing its edge overlap it without lying within it', () => {
    expect(findHiddenRules([DROP_2000_2020, rule({ type: 'loadByInterval', interval: '2000/2020' })], NOW)).toEqual([]);
  });

  it('refuses with every hidden rule named and the rule hiding it described', () => {
    expect(() => assertNoHiddenRules([LOAD_FOREVER, DROP_P1M, DROP_FOREVER], NOW)).toThrow(SpecValidationError);
    expect(findHiddenRules([LOAD_FOREVER, DROP_P1M, DROP_FOREVER], NOW)).toEqual([
      { path: 'rules[1]', reason: 'can never apply: rules[0] (loadForever {"_default_tier":2}) comes first and takes every segment this rule could match' },
      { path: 'rules[2]', reason: 'can never apply: rules[0] (loadForever {"_default_tier":2}) comes first and takes every segment this rule could match' },
    ]);
  });
});

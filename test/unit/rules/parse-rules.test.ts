import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleJson } from '../../../src/events/cluster-events.ts';
import { DEFAULT_RULES, parseRule, parseRules, type Rule } from '../../../src/spec/rules.ts';
import { SpecValidationError, type FieldIssue } from '../../../src/spec/validation.ts';

function issuesOf(input: unknown): FieldIssue[] {
  try {
    parseRules(input);
  } catch (e) {
    if (e instanceof SpecValidationError) return e.details;
    throw e;
  }
  throw new Error('expected the rules to be refused');
}

describe('parsing Druid retention rules', () => {
  it('accepts every rule of Druid\'s documentation and prints it back with Druid\'s defaults', () => {
    const rules = parseRules([
      { type: 'loadForever', tieredReplicants: { hot: 1, _default_tier: 1 } },
      { type: 'loadByInterval', interval: '2012-01-01/2013-01-01', tieredReplicants: { hot: 1 } },
      { type: 'loadByPeriod', period: 'P1M', includeFuture: true, tieredReplicants: { hot: 1, _default_tier: 1 } },
      { type: 'dropForever' },
      { type: 'dropByInterval', interval: '2012-01-01/2013-01-01' },
      { type: 'dropByPeriod', period: 'P1M' },
      { type: 'dropBeforeByPeriod', period: 'P1M' },
      { type: 'broadcastForever' },
      { type: 'broadcastByInterval', interval: '2012-01-01/2013-01-01', colocatedDataSources: ['target_source1'] },
      { type: 'broadcastByPeriod', period: 'P1M' },
    ]);
    expect(rules).toEqual([
      { type: 'loadForever', tieredReplicants: { hot: 1, _default_tier: 1 }, useDefaultTierForNull: true },
      { type: 'loadByInterval', interval: '2012-01-01T00:00:00.000Z/2013-01-01T00:00:00.000Z', tieredReplicants: { hot: 1 }, useDefaultTierForNull: true },
      { type: 'loadByPeriod', period: 'P1M', includeFuture: true, tieredReplicants: { hot: 1, _default_tier: 1 }, useDefaultTierForNull: true },
      { type: 'dropForever' },
      { type: 'dropByInterval', interval: '2012-01-01T00:00:00.000Z/2013-01-01T00:00:00.000Z' },
      { type: 'dropByPeriod', period: 'P1M', includeFuture: true },
      { type: 'dropBeforeByPeriod', period: 'P1M' },
      { type: 'broadcastForever' },
      { type: 'broadcastByInterval', interval: '2012-01-01T00:00:00.000Z/2013-01-01T00:00:00.000Z', colocatedDataSources: ['target_source1'] },
      { type: 'broadcastByPeriod', period: 'P1M', includeFuture: true },
    ]);
  });

  it('gives a load rule without tieredReplicants two replicas on the default tier (Druid testMappingNull)', () => {
    expect(parseRule({ type: 'loadByPeriod', period: 'P1D' })).toEqual({
      type: 'loadByPeriod', period: 'P1D', includeFuture: true, tieredReplicants: { _default_tier: 2 }, useDefaultTierForNull: true,
    });
    expect(parseRule({ type: 'loadForever', tieredReplicants: null })).toMatchObject({ tieredReplicants: { _default_tier: 2 } });
  });

  it('gives no tiers at all when useDefaultTierForNull is false, as a string too (Druid testUseDefaultTierAsFalseShouldCreateEmptyMap)', () => {
    expect(parseRule({ type: 'loadByPeriod', period: 'P1D', useDefaultTierForNull: 'false' })).toMatchObject({ tieredReplicants: {}, useDefaultTierForNull: false });
    expect(parseRule({ type: 'loadForever', useDefaultTierForNull: 'true' })).toMatchObject({ tieredReplicants: { _default_tier: 2 } });
    expect(parseRule({ type: 'loadByInterval', interval: '2016-06-27/2016-06-28', tieredReplicants: {}, useDefaultTierForNull: false })).toMatchObject({ tieredReplicants: {} });
  });

  it('refuses an empty tier map unless useDefaultTierForNull is false', () => {
    expect(issuesOf([{ type: 'loadForever', tieredReplicants: {} }])).toEqual([
      { path: 'rules[0].tieredReplicants', reason: expect.stringMatching(/^must name at least one tier, unless "useDefaultTierForNull" is false/) },
    ]);
  });

  it('names every bad field of every rule in one error, with Druid-style paths', () => {
    const issues = issuesOf([
      { type: 'loadByPeriod', period: 'one month', tieredReplicants: { hot: -1, cold: null, warm: 1.5 } },
      { type: 'dropByPeriod' },
      { type: 'loadByInterval', interval: '2013-01-01/2012-01-01', includeFuture: true },
      { type: 'keepForever' },
      'dropForever',
      { type: 'dropByPeriod', period: 'P1M', includeFuture: 'sometimes' },
      { tieredReplicants: { hot: 1 } },
    ]);
    expect(issues).toEqual([
      { path: 'rules[0].period', reason: '"one month" is not an ISO-8601 period (such as "P1M" or "PT6H")' },
      { path: 'rules[0].tieredReplicants.hot', reason: 'must be at least 0 replicas, got -1' },
      { path: 'rules[0].tieredReplicants.cold', reason: 'must be a number of replicas, got null' },
      { path: 'rules[0].tieredReplicants.warm', reason: 'must be a whole number of replicas, got 1.5' },
      { path: 'rules[1].period', reason: 'is required: an ISO-8601 period such as "P1M" or "PT6H"' },
      { path: 'rules[2].interval', reason: 'invalid interval "2013-01-01/2012-01-01": end is before start' },
      { path: 'rules[2].includeFuture', reason: expect.stringMatching(/^is not a field of a loadByInterval rule \(its fields: type, interval, tieredReplicants, useDefaultTierForNull\)$/) },
      { path: 'rules[3].type', reason: expect.stringMatching(/^"keepForever" is not a rule type \(expected one of loadForever, loadByInterval, .*broadcastByPeriod\)$/) },
      { path: 'rules[4]', reason: 'must be a rule object with a "type"' },
      { path: 'rules[5].includeFuture', reason: 'must be true or false, got "sometimes"' },
      { path: 'rules[6].type', reason: expect.stringMatching(/^is required \(expected one of/) },
    ]);
  });

  it('says what it expected when the rules are not a list', () => {
    expect(issuesOf({ type: 'dropForever' })).toEqual([{ path: 'rules', reason: 'must be a list of rules' }]);
  });

  it('accepts an empty list: the datasource then follows the cluster defaults', () => {
    expect(parseRules([])).toEqual([]);
  });

  it('prints rules that parse to themselves and fit the event log\'s rule JSON', () => {
    const printed: RuleJson[] = parseRules([{ type: 'loadByPeriod', period: 'P7D', tieredReplicants: { hot: 2 } }, { type: 'dropForever' }]);
    expect(parseRules(JSON.parse(JSON.stringify(printed)))).toEqual(printed);
    const defaults: readonly RuleJson[] = DEFAULT_RULES;
    expect(parseRules([...defaults])).toEqual(DEFAULT_RULES);
  });

  it('parses its own printed form back to the same rules, whatever valid rule it was given', () => {
    const tiers = fc.option(fc.dictionary(fc.constantFrom('hot', 'cold', '_default_tier'), fc.nat(5), { minKeys: 1 }), { nil: undefined });
    const ruleArb = fc.oneof(
      fc.record({ type: fc.constant('loadByPeriod'), period: fc.constantFrom('P1D', 'PT6H', 'P1M', 'P1Y2M'), includeFuture: fc.option(fc.boolean(), { nil: undefined }), tieredReplicants: tiers }, { requiredKeys: ['type', 'period'] }),
      fc.record({ type: fc.constant('loadByInterval'), interval: fc.constantFrom('2012/2013', '2012-01-01T10:00Z/P1D'), tieredReplicants: tiers }, { requiredKeys: ['type', 'interval'] }),
      fc.record({ type: fc.constantFrom('dropByPeriod', 'broadcastByPeriod'), period: fc.constantFrom('P1D', 'P3M'), includeFuture: fc.boolean() }, { requiredKeys: ['type', 'period'] }),
      fc.record({ type: fc.constantFrom('dropForever', 'broadcastForever', 'loadForever') }),
    );
    fc.assert(fc.property(fc.array(ruleArb, { maxLength: 6 }), (input) => {
      const once: Rule[] = parseRules(input);
      expect(parseRules(JSON.parse(JSON.stringify(once)))).toEqual(once);
    }));
  });
});

import { DEFAULT_RULES, type Rule, type TieredReplicants } from '../spec/rules.ts';
import type { Interval } from '../time/interval.ts';
import { matcherFor, type RuleMatcher } from './match.ts';

/** Which rule decided, so that a decision can be explained and shown. */
export interface MatchedRule {
  /** The datasource's own rules, or the cluster default rules that follow them. */
  readonly source: 'dataSource' | 'default';
  readonly index: number;
  /** Where the rule sits, e.g. `rules[1]` or `defaultRules[0]`. */
  readonly path: string;
  readonly rule: Rule;
}

/**
 * What the coordinator should do with a segment. `load` with no tiers keeps the segment used but
 * on no historical (deep storage only). `none`: no rule matched, which Druid reports and leaves
 * the segment as it is.
 */
export type RuleDecision =
  | { readonly action: 'load'; readonly tieredReplicants: TieredReplicants; readonly matched: MatchedRule }
  | { readonly action: 'drop'; readonly matched: MatchedRule }
  | { readonly action: 'broadcast'; readonly matched: MatchedRule }
  | { readonly action: 'none'; readonly matched: null };

const NO_MATCH: RuleDecision = { action: 'none', matched: null };

/**
 * A datasource's rules followed by the cluster default rules, ready to decide segment after
 * segment: the first rule that applies wins. Pure: `now` comes in with each question.
 */
export class RuleChain {
  private readonly steps: ReadonlyArray<{ matcher: RuleMatcher; decision: RuleDecision }>;

  constructor(dataSourceRules: readonly Rule[], defaultRules: readonly Rule[] = DEFAULT_RULES) {
    const step = (source: MatchedRule['source'], prefix: string) => (rule: Rule, index: number) => ({
      matcher: matcherFor(rule),
      decision: decisionFor({ source, index, path: `${prefix}[${index}]`, rule }),
    });
    this.steps = [...dataSourceRules.map(step('dataSource', 'rules')), ...defaultRules.map(step('default', 'defaultRules'))];
  }

  /** The decision for a segment on `interval`; decisions are shared, immutable objects. */
  decide(interval: Interval, now: number): RuleDecision {
    for (const { matcher, decision } of this.steps) {
      if (matcher.appliesTo(interval, now)) return decision;
    }
    return NO_MATCH;
  }
}

/** One decision without keeping a chain: for a single segment, or a test. */
export function evaluateRules(interval: Interval, now: number, dataSourceRules: readonly Rule[], defaultRules: readonly Rule[] = DEFAULT_RULES): RuleDecision {
  return new RuleChain(dataSourceRules, defaultRules).decide(interval, now);
}

function decisionFor(matched: MatchedRule): RuleDecision {
  const { rule } = matched;
  switch (rule.type) {
    case 'loadForever':
    case 'loadByInterval':
    case 'loadByPeriod':
      return Object.freeze({ action: 'load', tieredReplicants: Object.freeze({ ...rule.tieredReplicants }), matched });
    case 'broadcastForever':
    case 'broadcastByInterval':
    case 'broadcastByPeriod':
      return Object.freeze({ action: 'broadcast', matched });
    case 'dropForever':
    case 'dropByInterval':
    case 'dropByPeriod':
    case 'dropBeforeByPeriod':
      return Object.freeze({ action: 'drop', matched });
  }
}

import type { ClusterState } from '../projections/cluster-state.ts';
import { RuleChain } from '../rules/evaluate.ts';
import { matcherFor } from '../rules/match.ts';
import { parseRules } from '../spec/rules.ts';

/** The cluster default rules' key in RulesSet, as Druid names it. */
export const DEFAULT_RULES_KEY = '_default';

/**
 * Each datasource's rule chain (its rules, then the cluster default), built once per RulesSet
 * rather than per segment. Rules in the log were validated when they were set. Pure.
 */
export class RuleChains {
  private readonly chains = new Map<string, { chain: RuleChain; timed: boolean }>();

  constructor(private readonly cluster: ClusterState) {}

  /** Forgets a datasource's chain (every chain when the default rules change). */
  invalidate(dataSource: string): void {
    if (dataSource === DEFAULT_RULES_KEY) this.chains.clear();
    else this.chains.delete(dataSource);
  }

  chainOf(dataSource: string): RuleChain {
    return this.entry(dataSource).chain;
  }

  /** Whether the passing of time alone can change a decision (period rules). */
  isTimed(dataSource: string): boolean {
    return this.entry(dataSource).timed;
  }

  private entry(dataSource: string): { chain: RuleChain; timed: boolean } {
    let e = this.chains.get(dataSource);
    if (e === undefined) {
      const own = parseRules(this.cluster.rulesOf(dataSource));
      const defaults = parseRules(this.cluster.defaultRules());
      const timed = [...own, ...defaults].some((r) => { const w = matcherFor(r).window; return w === 'recent' || w === 'older'; });
      this.chains.set(dataSource, (e = { chain: new RuleChain(own, defaults), timed }));
    }
    return e;
  }
}

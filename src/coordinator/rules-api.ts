import { z } from 'zod';
import type { RuleJson } from '../events/cluster-events.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { ClusterState, RuleChange } from '../projections/cluster-state.ts';
import { assertNoHiddenRules } from '../rules/hidden.ts';
import { parseRules } from '../spec/rules.ts';
import { DEFAULT_RULES_KEY } from './rule-chains.ts';
import { asGroveError, nonEmpty } from './requests.ts';

/** Druid's rules API: `_default` names the cluster default rules. */

export const rulesGetRequest = z.object({
  dataSource: nonEmpty,
  /** Druid's `?full`: the datasource's rules followed by the cluster default rules. */
  full: z.boolean().optional(),
}).strict();

export const rulesSetRequest = z.object({
  dataSource: nonEmpty,
  rules: z.unknown(),
  /** Druid's audit comment (X-Druid-Comment). */
  comment: z.string().optional(),
}).strict();

export const rulesHistoryRequest = z.object({
  dataSource: nonEmpty,
  count: z.number().int().positive().optional(),
}).strict();

/** `grove.api.rules.get`: the rules in force, as Druid prints them. Pure. */
export function getRules(cluster: ClusterState, req: z.output<typeof rulesGetRequest>): RuleJson[] {
  if (req.dataSource === DEFAULT_RULES_KEY) return cluster.defaultRules();
  const own = cluster.rulesOf(req.dataSource);
  return req.full ? [...own, ...cluster.defaultRules()] : own;
}

/**
 * `grove.api.rules.set`: validates Druid's rule JSON (every bad field named, rules that could never
 * apply refused as Druid refuses them) and decides the RulesSet fact, in Druid's printed form. Pure.
 */
export function decideRulesSet(req: z.output<typeof rulesSetRequest>, now: number): NewEvent {
  try {
    const rules = parseRules(req.rules);
    assertNoHiddenRules(rules, now);
    return { type: 'RulesSet', data: { dataSource: req.dataSource, rules: rules as unknown as RuleJson[], ...(req.comment ? { comment: req.comment } : {}) } };
  } catch (e) {
    throw asGroveError(e);
  }
}

export interface RulesHistoryEntry extends RuleChange {
  dataSource: string;
}

/** `grove.api.rules.history`: the datasource's rule changes, newest first (Druid's audit history). Pure. */
export function rulesHistory(cluster: ClusterState, req: z.output<typeof rulesHistoryRequest>): RulesHistoryEntry[] {
  const entries = cluster.rulesHistory(req.dataSource).map((c) => ({ dataSource: req.dataSource, ...c })).reverse();
  return req.count === undefined ? entries : entries.slice(0, req.count);
}

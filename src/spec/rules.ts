import { z } from 'zod';
import { formatInterval, parseInterval } from '../time/interval.ts';
import { parsePeriod } from '../time/period.ts';
import { formatPath, SpecValidationError, type FieldIssue } from './validation.ts';

/**
 * Druid's retention rules, parsed and validated: the JSON a Druid user posts to
 * /druid/coordinator/v1/rules/{dataSource} is accepted as it is, and comes back in Druid's
 * printed form (defaults filled in, intervals in full ISO-8601).
 */

export const DEFAULT_TIER = '_default_tier';
export const DEFAULT_NUM_REPLICANTS = 2;

/** Replicas per tier. */
export type TieredReplicants = Readonly<Record<string, number>>;

export type LoadForeverRule = { readonly type: 'loadForever'; readonly tieredReplicants: TieredReplicants; readonly useDefaultTierForNull: boolean };
export type LoadByIntervalRule = { readonly type: 'loadByInterval'; readonly interval: string; readonly tieredReplicants: TieredReplicants; readonly useDefaultTierForNull: boolean };
export type LoadByPeriodRule = {
  readonly type: 'loadByPeriod';
  readonly period: string;
  readonly includeFuture: boolean;
  readonly tieredReplicants: TieredReplicants;
  readonly useDefaultTierForNull: boolean;
};
export type DropForeverRule = { readonly type: 'dropForever' };
export type DropByIntervalRule = { readonly type: 'dropByInterval'; readonly interval: string };
export type DropByPeriodRule = { readonly type: 'dropByPeriod'; readonly period: string; readonly includeFuture: boolean };
export type DropBeforeByPeriodRule = { readonly type: 'dropBeforeByPeriod'; readonly period: string };
/** `colocatedDataSources` is kept for old Druid files; newer Druid broadcasts to every server, as grove does. */
export type BroadcastForeverRule = { readonly type: 'broadcastForever'; readonly colocatedDataSources?: readonly string[] };
export type BroadcastByIntervalRule = { readonly type: 'broadcastByInterval'; readonly interval: string; readonly colocatedDataSources?: readonly string[] };
export type BroadcastByPeriodRule = { readonly type: 'broadcastByPeriod'; readonly period: string; readonly includeFuture: boolean; readonly colocatedDataSources?: readonly string[] };

export type LoadRule = LoadForeverRule | LoadByIntervalRule | LoadByPeriodRule;
export type DropRule = DropForeverRule | DropByIntervalRule | DropByPeriodRule | DropBeforeByPeriodRule;
export type BroadcastRule = BroadcastForeverRule | BroadcastByIntervalRule | BroadcastByPeriodRule;
export type Rule = LoadRule | DropRule | BroadcastRule;
export type RuleType = Rule['type'];

/** The cluster default when none is configured: Druid's `loadForever` with two replicas on the default tier. */
export const DEFAULT_RULES: readonly Rule[] = [
  { type: 'loadForever', tieredReplicants: { [DEFAULT_TIER]: DEFAULT_NUM_REPLICANTS }, useDefaultTierForNull: true },
];

const required = (what: string) => (issue: { input: unknown }): string =>
  issue.input === undefined ? `is required: ${what}` : `must be ${what}, got ${JSON.stringify(issue.input)}`;

const period = z.string({ error: required('an ISO-8601 period such as "P1M" or "PT6H"') }).refine(isPeriod, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an ISO-8601 period (such as "P1M" or "PT6H")`,
});

/** Druid prints intervals in full, so grove does too. */
const interval = z.string({ error: required('an ISO-8601 interval such as "2012-01-01/2013-01-01"') }).transform((text, ctx) => {
  try {
    return formatInterval(parseInterval(text));
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** Jackson, which reads Druid's rules, takes "true" and "false" for booleans. */
const flag = (byDefault: boolean) => z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: (issue) => `must be true or false, got ${JSON.stringify(issue.input)}` })
  .transform((v) => v === true || v === 'true')
  .optional()
  .transform((v) => v ?? byDefault);

const replicants = z.number({ error: (issue) => `must be a number of replicas, got ${JSON.stringify(issue.input)}` })
  .int({ error: (issue) => `must be a whole number of replicas, got ${JSON.stringify(issue.input)}` })
  .min(0, { error: (issue) => `must be at least 0 replicas, got ${JSON.stringify(issue.input)}` });

const tieredReplicants = z.record(z.string(), replicants, { error: 'must be an object of tier names to replica counts, such as {"hot": 2}' })
  .nullable()
  .optional();

const colocatedDataSources = z.array(z.string(), { error: 'must be a list of datasource names' }).nullable().optional();

const shapes = {
  loadForever: z.strictObject({ type: z.literal('loadForever'), tieredReplicants, useDefaultTierForNull: flag(true) }),
  loadByInterval: z.strictObject({ type: z.literal('loadByInterval'), interval, tieredReplicants, useDefaultTierForNull: flag(true) }),
  loadByPeriod: z.strictObject({ type: z.literal('loadByPeriod'), period, includeFuture: flag(true), tieredReplicants, useDefaultTierForNull: flag(true) }),
  dropForever: z.strictObject({ type: z.literal('dropForever') }),
  dropByInterval: z.strictObject({ type: z.literal('dropByInterval'), interval }),
  // Druid's PeriodDropRule.DEFAULT_INCLUDE_FUTURE is true, as its documentation says.
  dropByPeriod: z.strictObject({ type: z.literal('dropByPeriod'), period, includeFuture: flag(true) }),
  dropBeforeByPeriod: z.strictObject({ type: z.literal('dropBeforeByPeriod'), period }),
  broadcastForever: z.strictObject({ type: z.literal('broadcastForever'), colocatedDataSources }),
  broadcastByInterval: z.strictObject({ type: z.literal('broadcastByInterval'), interval, colocatedDataSources }),
  broadcastByPeriod: z.strictObject({ type: z.literal('broadcastByPeriod'), period, includeFuture: flag(true), colocatedDataSources }),
} as const;

export const RULE_TYPES = Object.keys(shapes) as RuleType[];

const isRuleType = (t: unknown): t is RuleType => typeof t === 'string' && Object.hasOwn(shapes, t);

function isPeriod(text: string): boolean {
  try {
    parsePeriod(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a rule list; throws a SpecValidationError naming every bad field (`rules[1].period`).
 * An empty list is valid: the datasource then follows the cluster default rules.
 */
export function parseRules(input: unknown, path = 'rules'): Rule[] {
  if (!Array.isArray(input)) throw new SpecValidationError('invalid_spec', [{ path, reason: 'must be a list of rules' }], 'rules');
  const issues: FieldIssue[] = [];
  const rules = input.map((item, i) => checkRule(item, `${path}[${i}]`, issues));
  if (issues.length > 0) throw new SpecValidationError('invalid_spec', issues, 'rules');
  return rules as Rule[];
}

/** Parses one rule; `path` names it in errors. */
export function parseRule(input: unknown, path = 'rule'): Rule {
  const issues: FieldIssue[] = [];
  const rule = checkRule(input, path, issues);
  if (rule === null) throw new SpecValidationError('invalid_spec', issues, 'rule');
  return rule;
}

/** The rule, or null with its problems added to `issues`. */
function checkRule(input: unknown, path: string, issues: FieldIssue[]): Rule | null {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    issues.push({ path, reason: 'must be a rule object with a "type"' });
    return null;
  }
  const type = (input as { type?: unknown }).type;
  if (!isRuleType(type)) {
    const reason = type === undefined ? 'is required' : `${JSON.stringify(type)} is not a rule type`;
    issues.push({ path: `${path}.type`, reason: `${reason} (expected one of ${RULE_TYPES.join(', ')})` });
    return null;
  }
  const result = shapes[type].safeParse(input);
  if (!result.success) {
    issues.push(...result.error.issues.flatMap((issue) => issueAt(path, type, issue)));
    return null;
  }
  return finish(result.data, path, issues);
}

function issueAt(path: string, type: RuleType, issue: z.core.$ZodIssue): FieldIssue[] {
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(shapes[type].shape).join(', ');
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key], path), reason: `is not a field of a ${type} rule (its fields: ${known})` }));
  }
  return [{ path: formatPath(issue.path, path), reason: issue.message }];
}

type Parsed = z.output<(typeof shapes)[RuleType]>;

/** Fills in Druid's defaults and checks what only the whole rule can tell. */
function finish(parsed: Parsed, path: string, issues: FieldIssue[]): Rule | null {
  // Jackson reads a null field as an absent one.
  const present = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined && v !== null)) as Parsed;
  if (!('useDefaultTierForNull' in present)) return present as Rule;
  // LoadRule.createTieredReplicants: no map means the default tier, unless told otherwise.
  const byDefault = present.useDefaultTierForNull ? { [DEFAULT_TIER]: DEFAULT_NUM_REPLICANTS } : {};
  const tiers = present.tieredReplicants ?? byDefault;
  if (Object.keys(tiers).length === 0 && present.useDefaultTierForNull) {
    issues.push({ path: `${path}.tieredReplicants`, reason: 'must name at least one tier, unless "useDefaultTierForNull" is false (which keeps the segments in deep storage only)' });
    return null;
  }
  return { ...present, tieredReplicants: tiers } as Rule;
}

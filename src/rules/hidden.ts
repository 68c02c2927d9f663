import type { Rule } from '../spec/rules.ts';
import { SpecValidationError, type FieldIssue } from '../spec/validation.ts';
import { describeRule } from './describe.ts';
import { contains, matcherFor, type RuleMatcher } from './match.ts';

/**
 * The rules of a list that can never apply, because an earlier rule takes every segment they
 * could match at any time. Druid refuses such lists when they are set (Rules.validateRules);
 * grove does too, but tells apart what Druid's eligible-interval check lumps together: a drop
 * rule taking the segments *within* an interval does not hide a load rule taking those that
 * merely *overlap* it. Calendar periods are compared at `now` (a month is not always 30 days).
 */
export function findHiddenRules(rules: readonly Rule[], now: number, path = 'rules'): FieldIssue[] {
  const matchers = rules.map(matcherFor);
  const issues: FieldIssue[] = [];
  matchers.forEach((later, j) => {
    const i = matchers.findIndex((earlier, k) => k < j && hides(earlier, later, now));
    if (i >= 0) {
      issues.push({ path: `${path}[${j}]`, reason: `can never apply: ${path}[${i}] (${describeRule(rules[i]!)}) comes first and takes every segment this rule could match` });
    }
  });
  return issues;
}

/** Throws a SpecValidationError naming each rule that can never apply; for `rules.set`. */
export function assertNoHiddenRules(rules: readonly Rule[], now: number, path = 'rules'): void {
  const issues = findHiddenRules(rules, now, path);
  if (issues.length > 0) throw new SpecValidationError('invalid_spec', issues, 'rules');
}

function hides(earlier: RuleMatcher, later: RuleMatcher, now: number): boolean {
  if (earlier.window === 'forever') return true;
  // A fixed interval and a window moving with time part ways sooner or later.
  if (earlier.window !== later.window) return false;
  // Long segments overlap a window without lying within it.
  if (earlier.mode === 'within' && later.mode === 'overlap') return false;
  return contains(earlier.eligible(now), later.eligible(now));
}

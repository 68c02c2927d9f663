import type { Rule } from '../spec/rules.ts';

/** A rule in a few words, for explanations: `loadByPeriod P1M +future {"hot":2}`. */
export function describeRule(rule: Rule): string {
  const parts: string[] = [rule.type];
  if ('period' in rule) parts.push(rule.period);
  if ('interval' in rule) parts.push(rule.interval);
  if ('includeFuture' in rule) parts.push(rule.includeFuture ? '+future' : 'no future');
  if ('tieredReplicants' in rule) parts.push(JSON.stringify(rule.tieredReplicants));
  return parts.join(' ');
}

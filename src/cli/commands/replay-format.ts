import type { StateDiff } from '../../replay/diff.ts';
import type { HistoryStep } from '../../replay/entity.ts';
import type { EntityState, Explanation, LocksView, PointInfo, RulesView, StateView } from '../../replay/replayer.ts';
import type { TimelineView } from '../../replay/timeline-view.ts';
import type { Verification } from '../../replay/verify.ts';
import { describeDivergence } from '../../replay/errors.ts';

/** Human text of what `grove replay` answers; `--json` prints the objects themselves. */

const iso = (ms: number | null): string => (ms === null ? 'the beginning' : new Date(ms).toISOString());
const asOf = (p: PointInfo): string => `as of seq ${p.at} (${iso(p.time)})`;
const short = (v: unknown, max = 100): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

function table(rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function entityText(s: EntityState): string[] {
  const context = Object.entries((s.context ?? {}) as Record<string, unknown>).filter(([k, v]) => k !== 'id' && v !== null && !(Array.isArray(v) && v.length === 0));
  return [`${s.kind} ${s.id} ${asOf(s)}: ${s.state}`, ...table(context.map(([k, v]) => [`  ${k}`, short(v)]))];
}

function timelineText(v: TimelineView & PointInfo): string[] {
  const status = (c: TimelineView['chunks'][number]): string =>
    [!c.used ? 'unused' : '', c.overshadowed ? 'overshadowed' : '', !c.complete ? `incomplete (${c.partitions.filter((p) => p.partitionNum < c.corePartitions).length}/${c.corePartitions} core)` : '', c.visibleOn.length > 0 ? 'visible' : ''].filter(Boolean).join(', ');
  const part = (p: TimelineView['chunks'][number]['partitions'][number]): string =>
    `${p.partitionNum}:${p.state}${p.realtime ? ' (realtime)' : ''}${p.servers.length > 0 ? ` [${p.servers.join(',')}]` : ''}`;
  return [
    `timeline of ${v.dataSource} ${asOf(v)}: ${v.chunks.length} (interval, version) chunks`,
    ...table(v.chunks.map((c) => [`  ${c.interval}`, c.version, status(c) || '-', c.partitions.map(part).join(' ')])),
    'queries read:',
    ...(v.visible.length === 0 ? ['  nothing'] : v.visible.map((s) => `  ${s.interval}  version ${s.version}`)),
    ...v.conflicts.map((c) => `conflict: ${c}`),
  ];
}

function locksText(v: LocksView): string[] {
  if (v.locks.length === 0) return [`no locks on ${v.dataSource} ${asOf(v)}`];
  return [`locks on ${v.dataSource} ${asOf(v)}`, ...table([['  lock', 'state', 'task', 'interval', 'type', 'priority', 'version'], ...v.locks.map((l) => [`  ${l.id}`, l.state, l.taskId, l.interval, l.lockType, String(l.priority), l.version ?? '-'])])];
}

function rulesText(v: RulesView): string[] {
  return [
    `rules of ${v.dataSource} ${asOf(v)}`,
    ...(v.rules.length === 0 ? ['  (none of its own)'] : v.rules.map((r, i) => `  rules[${i}] ${JSON.stringify(r)}`)),
    'then the cluster default rules:',
    ...v.defaultRules.map((r, i) => `  defaultRules[${i}] ${JSON.stringify(r)}`),
    ...(v.history.length > 0 ? ['history:', ...v.history.map((h) => `  seq ${h.seq} (${iso(h.at)}): ${h.rules.length} rule(s)${h.comment ? ` — ${h.comment}` : ''}`)] : []),
  ];
}

export function stateText(v: StateView): string {
  const lines = 'chunks' in v ? timelineText(v) : 'locks' in v ? locksText(v) : 'defaultRules' in v ? rulesText(v) : entityText(v);
  return lines.join('\n');
}

/** Why a step went where it went: the guard (and those refused before it), or the rule. */
function decidedBy(s: HistoryStep): string {
  const parts: string[] = [];
  if (s.effect === 'related') parts.push('another machine\'s fact');
  if (s.transition !== null) {
    const t = s.transition;
    if (t.refused.length > 0) parts.push(`${t.refused.join(', ')} false`);
    parts.push(t.guard === null ? (t.refused.length > 0 ? 'so the unguarded branch' : 'no guard') : `guard ${t.guard}`);
    if (t.actions.length > 0) parts.push(`actions ${t.actions.join(', ')}`);
  }
  if (s.rule !== undefined) parts.push(`rule ${s.rule}`);
  return parts.join('; ');
}

export function explanationText(e: Explanation): string {
  if (e.steps.length === 0) return `${e.kind} ${e.id}: no event names it ${asOf(e)}`;
  const rows = e.steps.map((s) => [`  ${s.seq}`, iso(s.at), s.type, s.effect === 'related' ? s.after : `${s.before} -> ${s.after}`, decidedBy(s)]);
  return [`${e.kind} ${e.id} ${asOf(e)}: ${e.state}`, ...table([['  seq', 'time', 'event', 'state', 'decided by'], ...rows])].join('\n');
}

export function diffText(d: StateDiff): string {
  const lines = [`from seq ${d.from} to seq ${d.to}${d.dataSource ? ` in ${d.dataSource}` : ''}:`];
  const kinds = [...new Set(d.entities.map((e) => e.kind))];
  for (const kind of kinds) {
    lines.push(`${kind}s:`);
    lines.push(...table(d.entities.filter((e) => e.kind === kind).map((e) => [`  ${e.id}`, `${e.before} -> ${e.after}`, e.fields.length > 0 ? `(${e.fields.join(', ')})` : ''])));
  }
  if (d.versions.length > 0) lines.push('versions:', ...table(d.versions.map((v) => [`  ${v.dataSource}`, v.interval, v.version, `${v.before} -> ${v.after}`])));
  for (const r of d.rules) lines.push(`rules of ${r.dataSource}: ${JSON.stringify(r.before)} -> ${JSON.stringify(r.after)}`);
  if (lines.length === 1) lines.push('  nothing changed');
  return lines.join('\n');
}

export function verificationText(v: Verification): string {
  if (v.divergences.length === 0) return `verified: refolding seq 1..${v.position} gives exactly the live projections (${v.entities} entities)`;
  return [`DIVERGENCE: refolding seq 1..${v.position} differs from the live projections in ${v.divergences.length} place(s):`, ...v.divergences.map((d) => describeDivergence(d, { expected: 'live', actual: 'refolded' }))].join('\n');
}

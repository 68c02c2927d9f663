import type { RowStats } from '../../../machines/task/events.ts';
import type { ErrorBody } from '../../bus/errors.ts';
import { isGroveError } from '../../bus/errors.ts';
import type { TaskStatus } from '../../overlord/task-view.ts';

/** How `grove ingest` and `grove task` print tasks. */

export const TERMINAL_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'canceled']);

/** Druid's row stats, in Druid's words: `processed 9, processedWithError 0, unparseable 0, thrownAway 0`. */
export function formatRowStats(s: RowStats): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return `processed ${n(s.processed)}, processedWithError ${n(s.processedWithError)}, unparseable ${n(s.unparseable)}, thrownAway ${n(s.thrownAway)}`;
}

/** Several lines: the task, its state, its error and row stats when it has them. */
export function formatStatus(t: TaskStatus): string {
  const lines = [
    `task       ${t.taskId}`,
    `type       ${t.type}`,
    `dataSource ${t.dataSource}`,
    `state      ${t.state}${t.indexerId ? ` (on indexer ${t.indexerId})` : ''}`,
    `created    ${t.createdTime}`,
  ];
  if (t.error) lines.push(`error      ${t.errorCode ? `[${t.errorCode}] ` : ''}${t.error}`);
  if (t.rowStats) lines.push(`rows       ${formatRowStats(t.rowStats)}`);
  return lines.join('\n');
}

/** One line per task, newest first, as a table. */
export function formatTaskTable(tasks: readonly TaskStatus[]): string {
  if (tasks.length === 0) return 'no tasks';
  const rows = tasks.map((t) => [t.taskId, t.type, t.dataSource, t.state, t.createdTime, t.error ?? '']);
  const header = ['TASK', 'TYPE', 'DATASOURCE', 'STATE', 'CREATED', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * A refused request as a person reads it: the message, then each bad field of an invalid spec on
 * its own line (`spec.dataSchema.granularitySpec.segmentGranularity: ...`).
 */
export function explainRefusal(e: unknown): string {
  if (!isGroveError(e)) return (e as Error)?.message ?? String(e);
  const details = (e.toBody() as ErrorBody).details;
  if (e.code === 'invalid_spec' && Array.isArray(details) && details.length > 0) {
    return ['the task was refused (invalid_spec):', ...details.map((d: { path?: string; reason?: string }) => `  ${d.path || '(root)'}: ${d.reason}`)].join('\n');
  }
  return `${e.message} (${e.code})`;
}

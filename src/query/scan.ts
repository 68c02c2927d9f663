import type { SegmentReader } from '../segment/reader.ts';
import type { ScanQuery } from '../spec/query.ts';
import type { Interval } from '../time/interval.ts';
import { compileFilter } from './filter-match.ts';
import { bindFilter, selectRows } from './segment-filter.ts';
import { rowRanges } from './time-ranges.ts';
import { jsonNumber } from './values.ts';

/**
 * scan: raw rows. A segment returns at most offset+limit rows (the first ones in the query's
 * order); partial results are runs of consecutive rows from one segment, kept in time order when
 * the query has one, so merging is a k-way merge cut at offset+limit.
 */

export interface ScanRun {
  segmentId: string;
  columns: string[];
  rows: unknown[][];
  times: number[];
}

export interface ScanPartial {
  queryType: 'scan';
  runs: ScanRun[];
}

const wanted = (q: ScanQuery): number => (q.limit === null ? Infinity : q.offset + q.limit);

export function scanOnSegment(query: ScanQuery, segment: SegmentReader, clip?: Interval): ScanPartial {
  const columns = query.columns.length > 0 ? query.columns : ['__time', ...segment.dimensions.map((c) => c.name), ...segment.metrics.map((c) => c.name)];
  const matcher = bindFilter(query.filter === null ? null : compileFilter(query.filter), segment);
  let picked: number[] = [];
  for (const { lo, hi } of rowRanges(segment, query.intervals, clip)) {
    const sel = selectRows(matcher, lo, hi);
    if (sel === null) for (let r = lo; r < hi; r++) picked.push(r);
    else for (const r of sel) picked.push(r);
  }
  const need = wanted(query);
  picked = query.order === 'descending' ? picked.slice(Math.max(0, picked.length - need)).reverse() : picked.slice(0, need);
  const readers = columns.map((c) => valueReader(segment, c));
  return {
    queryType: 'scan',
    runs: picked.length === 0 ? [] : [{
      segmentId: segment.id,
      columns,
      rows: picked.map((r) => readers.map((read) => read(r))),
      times: picked.map((r) => segment.time[r]!),
    }],
  };
}

/** How scan prints a column's value: first/last metrics as Druid's `{ lhs: time, rhs: value }` pair. */
function valueReader(segment: SegmentReader, name: string): (r: number) => unknown {
  const c = segment.column(name);
  if (c === undefined) return () => null;
  if (c.kind === 'string') {
    const dictionary = c.dictionary;
    return (r) => dictionary[c.ids[r]!];
  }
  if (c.role === 'time') return (r) => c.values[r];
  if (c.times !== null) return (r) => ({ lhs: c.times![r], rhs: jsonNumber(c.values[r]!, c.type) });
  return (r) => jsonNumber(c.values[r]!, c.type);
}

interface Tagged { run: ScanRun; i: number }

export function mergeScan(query: ScanQuery, partials: readonly ScanPartial[]): ScanPartial {
  const need = wanted(query);
  const sequences = partials.map((p) => p.runs.flatMap((run) => run.rows.map((_, i): Tagged => ({ run, i }))));
  const merged = query.order === 'none' ? sequences.flat().slice(0, need) : mergeByTime(sequences, query.order === 'descending', need);
  return { queryType: 'scan', runs: toRuns(merged) };
}

/**
 * A k-way merge of time-ordered sequences, stopping after `need` rows. Ties go to the earlier
 * sequence when ascending and to the later one when descending, so a descending scan is exactly
 * the reverse of an ascending one.
 */
function mergeByTime(sequences: Tagged[][], descending: boolean, need: number): Tagged[] {
  const out: Tagged[] = [];
  const at = sequences.map(() => 0);
  const timeOf = (t: Tagged) => t.run.times[t.i]!;
  while (out.length < need) {
    let best = -1;
    for (let s = 0; s < sequences.length; s++) {
      const next = sequences[s]![at[s]!];
      if (next === undefined) continue;
      const current = best < 0 ? undefined : sequences[best]![at[best]!]!;
      if (current === undefined || (descending ? timeOf(next) >= timeOf(current) : timeOf(next) < timeOf(current))) best = s;
    }
    if (best < 0) break;
    out.push(sequences[best]![at[best]!++]!);
  }
  return out;
}

/** Regroups rows into runs of consecutive rows of the same segment. */
function toRuns(rows: readonly Tagged[]): ScanRun[] {
  const runs: ScanRun[] = [];
  let last: { source: ScanRun; run: ScanRun } | undefined;
  for (const { run, i } of rows) {
    if (last === undefined || last.source !== run) {
      last = { source: run, run: { segmentId: run.segmentId, columns: run.columns, rows: [], times: [] } };
      runs.push(last.run);
    }
    last.run.rows.push(run.rows[i]!);
    last.run.times.push(run.times[i]!);
  }
  return runs;
}

export function finalizeScan(query: ScanQuery, merged: ScanPartial): unknown[] {
  const out: unknown[] = [];
  let skip = query.offset;
  let left = query.limit ?? Infinity;
  for (const run of merged.runs) {
    const from = Math.min(skip, run.rows.length);
    skip -= from;
    const rows = run.rows.slice(from, from + Math.min(left, run.rows.length - from));
    left -= rows.length;
    for (let b = 0; b < rows.length; b += query.batchSize) {
      const batch = rows.slice(b, b + query.batchSize);
      out.push({
        segmentId: run.segmentId,
        columns: run.columns,
        events: query.resultFormat === 'compactedList' ? batch : batch.map((values) => Object.fromEntries(run.columns.map((c, k) => [c, values[k]]))),
      });
    }
  }
  return out;
}

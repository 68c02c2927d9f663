import type { NumericColumn, SegmentReader, StringColumn } from '../segment/reader.ts';
import { aggregatorKind, innerAggregator, type AggregatorKind, type AggregatorSpec } from '../spec/aggregator.ts';
import type { Filter } from '../spec/filter.ts';
import { parseDecimal } from '../spec/sorting-orders.ts';
import { compileFilter } from './filter-match.ts';
import { toLong } from './java-number.ts';
import { emptyState, kernel, type Kernel, type KernelShape } from './kernels.ts';
import { bindFilter, intersectRows, selectRows, type SegmentMatcher } from './segment-filter.ts';
import { lowerBound, type RowRange } from './time-ranges.ts';

/**
 * Query aggregators bound to one segment's columns, and their state for G groups. A filtered
 * aggregator carries its own filter: it aggregates the rows both the query's filter and its own
 * select. An implicit `count` of the query's selected rows rides along (index `kinds.length - 1`):
 * it tells which groups and buckets saw rows.
 */

export interface BoundAggregator {
  kind: AggregatorKind;
  /** The filter of a `filtered` aggregator (all of its wrappers'), or null. */
  filter: SegmentMatcher | null;
  /** null: the aggregator can never see a value here (a sum over a missing column). */
  kernel: (selected: boolean, grouped: boolean) => Kernel | null;
  vals: ArrayLike<number> | null;
  ids: ArrayLike<number> | null;
  times: ArrayLike<number> | null;
  /** Its aux counts every row the query selects (an unfiltered sum/min/max of a column without nulls). */
  countsRows: boolean;
  /** A row count another aggregator already tallies (its acc or aux): no loop runs for this one. */
  derivedFrom: { index: number; field: 'acc' | 'aux' } | null;
}

export const ROW_COUNT: AggregatorKind = { combine: 'count', type: 'long' };

/** Binds the query's aggregators (plus the row count) to a segment. */
export function bindAggregators(specs: readonly AggregatorSpec[], segment: SegmentReader): BoundAggregator[] {
  const bound = [...specs.map((s) => bindAggregator(s, segment)), bindCount(ROW_COUNT, null)];
  // Every unfiltered count (the implicit one included) equals the number of selected rows: one
  // tally serves them all, preferably one a sum already keeps.
  const isCount = (b: BoundAggregator) => b.kind.combine === 'count' && b.filter === null;
  const tally = bound.findIndex((b) => b.countsRows);
  const source = tally >= 0 ? { index: tally, field: 'aux' as const } : { index: bound.findIndex(isCount), field: 'acc' as const };
  return bound.map((b, i) => (isCount(b) && i !== source.index ? { ...b, derivedFrom: source } : b));
}

function filtersOf(spec: AggregatorSpec): Filter[] {
  return spec.type === 'filtered' ? [spec.filter, ...filtersOf(spec.aggregator)] : [];
}

function bindAggregator(spec: AggregatorSpec, segment: SegmentReader): BoundAggregator {
  const kind = aggregatorKind(spec);
  const filters = filtersOf(spec);
  const filter = filters.length === 0 ? null : bindFilter(compileFilter(filters.length === 1 ? filters[0]! : { type: 'and', fields: filters }), segment);
  const inner = innerAggregator(spec);
  if (inner.type === 'count') return bindCount(kind, filter);
  const column = segment.column(inner.fieldName);
  const firstLast = kind.combine === 'first' || kind.combine === 'last';
  const times = !firstLast ? null : column?.kind === 'numeric' && column.times !== null ? column.times : timeColumn(segment, 'timeColumn' in inner ? inner.timeColumn : '__time');
  const base = { combine: kind.combine, float32: kind.type === 'float', exact: kind.type === 'long' };
  if (column === undefined) {
    const shape: Omit<KernelShape, 'selected' | 'grouped'> = { ...base, source: 'missing', convert: 'none', nullable: true };
    return { kind, filter, vals: null, ids: null, times, kernel: firstLast ? shaped(shape) : () => null, countsRows: false, derivedFrom: null };
  }
  if (column.kind === 'string') {
    const lookup = numericDictionary(column, kind.type);
    const shape = { ...base, source: 'lookup' as const, convert: 'none' as const, nullable: lookup.some((v) => v !== v) };
    return { kind, filter, vals: lookup, ids: column.ids, times, kernel: shaped(shape), countsRows: countsRows(kind, filter, shape.nullable), derivedFrom: null };
  }
  const shape = { ...base, source: 'direct' as const, convert: conversion(column, kind), nullable: column.hasNulls };
  return { kind, filter, vals: column.values, ids: null, times, kernel: shaped(shape), countsRows: countsRows(kind, filter, shape.nullable), derivedFrom: null };
}

const countsRows = (kind: AggregatorKind, filter: SegmentMatcher | null, nullable: boolean): boolean =>
  filter === null && !nullable && (kind.combine === 'sum' || kind.combine === 'min' || kind.combine === 'max');

function bindCount(kind: AggregatorKind, filter: SegmentMatcher | null): BoundAggregator {
  const shape = { combine: 'count' as const, source: 'missing' as const, convert: 'none' as const, nullable: false, float32: false, exact: true };
  return { kind, filter, vals: null, ids: null, times: null, kernel: shaped(shape), countsRows: false, derivedFrom: null };
}

const shaped = (shape: Omit<KernelShape, 'selected' | 'grouped'>) => (selected: boolean, grouped: boolean): Kernel => kernel({ ...shape, selected, grouped });

/** Druid reads a long aggregator's input as a long (truncating) and a float one as a float. */
function conversion(column: NumericColumn, kind: AggregatorKind): KernelShape['convert'] {
  if (kind.type === 'long' && column.type !== 'long') return 'long';
  if (kind.type === 'float' && column.type !== 'float') return 'float';
  return 'none';
}

/** A string column aggregated as numbers: each dictionary value parsed once (unparseable: null). */
function numericDictionary(column: StringColumn, type: AggregatorKind['type']): Float64Array {
  return Float64Array.from(column.dictionary, (v) => {
    const n = v === null ? null : parseDecimal(v.trim());
    return n === null ? NaN : type === 'long' ? toLong(n) : type === 'float' ? Math.fround(n) : n;
  });
}

/** First/last read a row's time from `timeColumn` (a long column), or `__time` when it is missing. */
function timeColumn(segment: SegmentReader, name: string): ArrayLike<number> {
  const c = segment.column(name);
  return c?.kind === 'numeric' ? c.values : segment.time;
}

/** Aggregator states for G groups. */
export class States {
  readonly acc: Float64Array[];
  readonly aux: Float64Array[];

  constructor(readonly kinds: readonly AggregatorKind[], readonly size: number) {
    this.acc = kinds.map((k) => new Float64Array(size).fill(emptyState(k.combine)[0]));
    this.aux = kinds.map((k) => new Float64Array(size).fill(emptyState(k.combine)[1]));
  }

  /** The number of rows group g saw (the implicit count); call `finish` first. */
  rows(g: number): number {
    return this.acc[this.kinds.length - 1]![g]!;
  }

  /** Fills in the row counts that were left to another aggregator's tally. */
  finish(aggregators: readonly BoundAggregator[]): void {
    aggregators.forEach((a, i) => {
      if (a.derivedFrom !== null) this.acc[i]!.set((a.derivedFrom.field === 'acc' ? this.acc : this.aux)[a.derivedFrom.index]!);
    });
  }
}

/** One row range with the rows the query selects in it, and the rows each aggregator selects. */
export interface SelectedRange {
  range: RowRange;
  /** null: every row of the range. */
  rows: Int32Array | null;
  perAggregator: Array<Int32Array | null>;
}

export function selectRange(range: RowRange, query: SegmentMatcher, aggregators: readonly BoundAggregator[]): SelectedRange {
  const rows = selectRows(query, range.lo, range.hi);
  return {
    range,
    rows,
    perAggregator: aggregators.map((a) => (a.filter === null ? rows : intersectRows(rows, selectRows(a.filter, range.lo, range.hi)))),
  };
}

/** How many of the selected rows fall in [lo, hi). */
export function selectedIn(rows: Int32Array | null, lo: number, hi: number): number {
  return rows === null ? hi - lo : lowerBound(rows, hi) - lowerBound(rows, lo);
}

/**
 * Aggregates rows [lo, hi) of a selected range: into group `g0`, or with `groups` into each row's
 * group `groups[row]`.
 */
export function aggregateRows(
  aggregators: readonly BoundAggregator[], states: States, s: SelectedRange, lo: number, hi: number, groups: ArrayLike<number> | null, g0 = 0,
): void {
  aggregators.forEach((a, i) => {
    if (a.derivedFrom !== null) return;
    const sel = s.perAggregator[i]!;
    const k = a.kernel(sel !== null, groups !== null);
    if (k === null) return;
    if (sel === null) k(lo, hi, null, groups, g0, a.vals, a.ids, a.times, states.acc[i]!, states.aux[i]!);
    else k(lowerBound(sel, lo), lowerBound(sel, hi), sel, groups, g0, a.vals, a.ids, a.times, states.acc[i]!, states.aux[i]!);
  });
}

import { describe, expect, it } from 'vitest';
import {
  combiningAggregator, parseAggregator, rowAggregator, MetricValueError, type AggregatorSpec,
} from '../../../src/spec/aggregator.ts';
import { isSpecValidationError } from '../../../src/spec/validation.ts';

function rollup(spec: unknown, rows: Array<[number, Record<string, unknown>]>): { value: number; time: number } {
  const agg = rowAggregator(parseAggregator(spec));
  const acc = agg.init();
  for (const [time, row] of rows) agg.add(acc, row, time);
  return acc;
}

describe('parsing aggregators', () => {
  it('parses each aggregator type, filling Druid defaults', () => {
    expect(parseAggregator({ type: 'count', name: 'rows' })).toEqual({ type: 'count', name: 'rows' });
    expect(parseAggregator({ type: 'longFirst', name: 'f', fieldName: 'x' })).toEqual({ type: 'longFirst', name: 'f', fieldName: 'x', timeColumn: '__time' });
    expect(parseAggregator({ type: 'filtered', filter: { type: 'true' }, aggregator: { type: 'doubleSum', name: 's', fieldName: 'x' } }))
      .toEqual({ type: 'filtered', name: 's', filter: { type: 'true' }, aggregator: { type: 'doubleSum', name: 's', fieldName: 'x' } });
  });

  it('names a missing fieldName, an unknown type and an unsupported expression', () => {
    const refused = (json: unknown) => {
      try {
        parseAggregator(json, 'aggregations[1]');
      } catch (e) {
        if (isSpecValidationError(e)) return e.details;
      }
      throw new Error('expected a refusal');
    };
    expect(refused({ type: 'longSum', name: 'x' })).toEqual([{ path: 'aggregations[1].fieldName', reason: 'required' }]);
    expect(refused({ type: 'hyperUnique', name: 'x' })[0]!.reason).toMatch(/unknown aggregator type "hyperUnique"/);
    expect(refused({ type: 'longSum', name: 'x', expression: 'a + b' })).toEqual([
      { path: 'aggregations[1].fieldName', reason: 'required (expression is not supported)' },
    ]);
  });
});

describe('rollup semantics of each aggregator', () => {
  const rows: Array<[number, Record<string, unknown>]> = [[30, { x: 3 }], [10, { x: '1.7' }], [20, { x: null }], [40, {}], [10, { x: 9 }]];

  it('counts rows, sums and takes min/max, ignoring nulls', () => {
    expect(rollup({ type: 'count', name: 'c' }, rows).value).toBe(5);
    expect(rollup({ type: 'longSum', name: 's', fieldName: 'x' }, rows).value).toBe(3 + 1 + 9); // 1.7 truncates to a long
    expect(rollup({ type: 'doubleSum', name: 's', fieldName: 'x' }, rows).value).toBeCloseTo(13.7, 12);
    expect(rollup({ type: 'floatSum', name: 's', fieldName: 'x' }, rows).value).toBe(Math.fround(Math.fround(3 + Math.fround(1.7)) + 9));
    expect(rollup({ type: 'doubleMin', name: 'm', fieldName: 'x' }, rows).value).toBe(1.7);
    expect(rollup({ type: 'longMax', name: 'm', fieldName: 'x' }, rows).value).toBe(9);
  });

  it('stores a negative fraction in a long metric as 0, never negative zero', () => {
    for (const type of ['longSum', 'longMin', 'longMax', 'longFirst', 'longLast'] as const) {
      expect(Object.is(rollup({ type, name: 'l', fieldName: 'x' }, [[1, { x: -0.5 }]]).value, 0)).toBe(true);
    }
  });

  it('gives null (NaN) for a sum, min or max of nothing but nulls', () => {
    expect(rollup({ type: 'longSum', name: 's', fieldName: 'x' }, [[1, { x: null }]]).value).toBeNaN();
    expect(rollup({ type: 'doubleMin', name: 's', fieldName: 'x' }, []).value).toBeNaN();
  });

  it('keeps the value of the earliest row for first and of the latest for last, with its time', () => {
    // two rows at time 10: first keeps the one seen first, last the one seen last
    expect(rollup({ type: 'longFirst', name: 'f', fieldName: 'x' }, rows)).toEqual({ value: 1, time: 10 });
    expect(rollup({ type: 'doubleLast', name: 'l', fieldName: 'x' }, rows)).toEqual({ value: NaN, time: 40 });
  });

  it('aggregates only the rows a filtered aggregator lets through', () => {
    const spec = { type: 'filtered', filter: { type: 'bound', dimension: 'x', lower: '2', ordering: 'numeric' }, aggregator: { type: 'count', name: 'big' } };
    expect(rollup(spec, rows).value).toBe(2);
  });

  it('merges partial accumulators as if all rows were folded into one', () => {
    const agg = rowAggregator(parseAggregator({ type: 'longLast', name: 'l', fieldName: 'x' }));
    const a = agg.init();
    const b = agg.init();
    agg.add(a, { x: 1 }, 5);
    agg.add(b, { x: 2 }, 3);
    agg.combine(a, b);
    expect(a).toEqual({ value: 1, time: 5 });
  });

  it('refuses text that is no number, so ingestion can count it as a parse error', () => {
    expect(() => rollup({ type: 'longSum', name: 's', fieldName: 'x' }, [[1, { x: 'abc' }]])).toThrow(MetricValueError);
  });

  it('re-aggregates stored metric columns with the combining aggregator: a count column is summed', () => {
    expect(combiningAggregator({ type: 'count', name: 'rows' })).toEqual({ type: 'longSum', name: 'rows', fieldName: 'rows' } satisfies AggregatorSpec);
    expect(combiningAggregator({ type: 'doubleMax', name: 'm', fieldName: 'raw' })).toEqual({ type: 'doubleMax', name: 'm', fieldName: 'm' });
  });
});

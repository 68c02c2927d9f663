import { describe, expect, it } from 'vitest';
import { parseFilter, rowFilter, type Filter } from '../../../src/spec/filter.ts';
import { isSpecValidationError, type FieldIssue } from '../../../src/spec/validation.ts';

function issuesOf(json: unknown, path?: string): FieldIssue[] {
  try {
    parseFilter(json, path);
  } catch (e) {
    if (isSpecValidationError(e)) return e.details;
    throw e;
  }
  throw new Error('expected the filter to be refused');
}

const matching = (filter: unknown, rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> =>
  rows.filter(rowFilter(parseFilter(filter)));

describe('parsing filters', () => {
  it('parses every supported filter type into plain data', () => {
    const f = parseFilter({
      type: 'and',
      fields: [
        { type: 'selector', dimension: 'a', value: 5 },
        { type: 'equality', column: 'b', matchValueType: 'long', matchValue: 3 },
        { type: 'null', column: 'c' },
        { type: 'in', dimension: 'd', values: ['x', null, 1] },
        { type: 'bound', dimension: 'e', lower: '1', ordering: 'numeric' },
        { type: 'range', column: 'f', matchValueType: 'DOUBLE', upper: 2.5, upperOpen: true },
        { type: 'like', dimension: 'g', pattern: 'a%' },
        { type: 'regex', dimension: 'h', pattern: '^x' },
        { type: 'interval', dimension: '__time', intervals: ['2020-01-01/2020-01-02'] },
        { type: 'or', fields: [{ type: 'true' }, { type: 'not', field: { type: 'false' } }] },
      ],
    });
    expect(f).toEqual({
      type: 'and',
      fields: [
        { type: 'selector', dimension: 'a', value: '5' },
        { type: 'equals', column: 'b', matchValueType: 'LONG', matchValue: 3 },
        { type: 'null', column: 'c' },
        { type: 'in', dimension: 'd', values: ['x', null, '1'] },
        { type: 'bound', dimension: 'e', lower: '1', upper: null, lowerStrict: false, upperStrict: false, ordering: 'numeric' },
        { type: 'range', column: 'f', matchValueType: 'DOUBLE', lower: null, upper: 2.5, lowerOpen: false, upperOpen: true },
        { type: 'like', dimension: 'g', pattern: 'a%', escape: null },
        { type: 'regex', dimension: 'h', pattern: '^x' },
        { type: 'interval', dimension: '__time', intervals: [{ start: Date.UTC(2020, 0, 1), end: Date.UTC(2020, 0, 2) }] },
        { type: 'or', fields: [{ type: 'true' }, { type: 'not', field: { type: 'false' } }] },
      ],
    } satisfies Filter);
  });

  it('names every bad field with its path and reason', () => {
    const details = issuesOf({
      type: 'and',
      fields: [
        { type: 'selector' },
        { type: 'bound', dimension: 'x' },
        { type: 'regex', dimension: 'y', pattern: '(' },
        { type: 'interval', dimension: '__time', intervals: ['2020-02-01/2020-01-01'] },
        { type: 'equals', column: 'z', matchValueType: 'LONG', matchValue: 'abc' },
        { type: 'nope' },
        { type: 'selector', dimension: 'w', value: 'v', extractionFn: { type: 'upper' } },
      ],
    });
    expect(details.map((d) => d.path)).toEqual([
      'filter.fields[0].dimension',
      'filter.fields[1].lower',
      'filter.fields[2].pattern',
      'filter.fields[3].intervals[0]',
      'filter.fields[4].matchValue',
      'filter.fields[5].type',
      'filter.fields[6].extractionFn',
    ]);
    expect(details[0]!.reason).toBe('required');
    expect(details[1]!.reason).toMatch(/lower and upper can not both be missing/);
    expect(details[2]!.reason).toMatch(/not a valid regular expression/);
    expect(details[3]!.reason).toMatch(/end is before start/);
    expect(details[5]!.reason).toMatch(/unknown filter type "nope"/);
    expect(details[6]!.reason).toBe('extractionFn is not supported');
  });

  it('prefixes paths with where the filter sits in its document', () => {
    expect(issuesOf({ type: 'in', dimension: 'x' }, 'spec.dataSchema.transformSpec.filter')).toEqual([
      { path: 'spec.dataSchema.transformSpec.filter.values', reason: 'required' },
    ]);
  });

  it('refuses an empty and/or, which Druid also refuses', () => {
    expect(issuesOf({ type: 'or', fields: [] })[0]!.path).toBe('filter.fields');
  });
});

describe('rowFilter on input rows', () => {
  const rows = [
    { id: 1, country: 'fr', city: 'Paris', n: 5 },
    { id: 2, country: 'de', city: 'Berlin', n: 12 },
    { id: 3, country: '', city: null, n: 7.5 },
    { id: 4, country: null, city: 'Bern' },
  ];
  const ids = (filter: unknown): number[] => matching(filter, rows).map((r) => r.id as number);

  it('tells null apart from the empty string, as SQL-compatible Druid does', () => {
    expect(ids({ type: 'selector', dimension: 'country', value: '' })).toEqual([3]);
    expect(ids({ type: 'selector', dimension: 'country', value: null })).toEqual([4]);
    expect(ids({ type: 'null', column: 'city' })).toEqual([3]);
  });

  it('uses three-valued logic: not(x = v) does not match rows where x is null', () => {
    expect(ids({ type: 'not', field: { type: 'selector', dimension: 'country', value: 'fr' } })).toEqual([2, 3]);
    expect(ids({ type: 'not', field: { type: 'null', column: 'country' } })).toEqual([1, 2, 3]);
    expect(ids({ type: 'not', field: { type: 'not', field: { type: 'selector', dimension: 'country', value: 'fr' } } })).toEqual([1]);
    // unknown AND false is false, so its negation matches
    expect(ids({ type: 'not', field: { type: 'and', fields: [
      { type: 'selector', dimension: 'country', value: 'fr' },
      { type: 'selector', dimension: 'city', value: 'Paris' },
    ] } })).toEqual([2, 3, 4]);
  });

  it('compares numbers numerically and strings by their text', () => {
    expect(ids({ type: 'selector', dimension: 'n', value: '5' })).toEqual([1]);
    expect(ids({ type: 'bound', dimension: 'n', lower: '6', ordering: 'numeric' })).toEqual([2, 3]);
    expect(ids({ type: 'bound', dimension: 'city', upper: 'C', upperStrict: true })).toEqual([2, 3, 4]);
    expect(ids({ type: 'range', column: 'n', matchValueType: 'LONG', lower: 5, lowerOpen: true, upper: 12 })).toEqual([2, 3]);
    expect(ids({ type: 'in', dimension: 'country', values: ['fr', null] })).toEqual([1, 4]);
  });

  it('matches like patterns with escapes and regexes anywhere in the value', () => {
    expect(ids({ type: 'like', dimension: 'city', pattern: 'Ber%' })).toEqual([2, 4]);
    expect(ids({ type: 'like', dimension: 'city', pattern: 'B_rn' })).toEqual([4]);
    expect(matching({ type: 'like', dimension: 'p', pattern: '100\\%', escape: '\\' }, [{ p: '100%' }, { p: '1000' }])).toEqual([{ p: '100%' }]);
    expect(ids({ type: 'regex', dimension: 'city', pattern: 'er' })).toEqual([2, 4]);
  });

  it('reads a number of a known double column as Java prints a double, whatever its value looks like', () => {
    const like3 = rowFilter(parseFilter({ type: 'like', dimension: 'd', pattern: '%3' }));
    expect(like3({ d: -73 }), 'an untyped integer reads as a long').toBe(true);
    const typed = rowFilter(parseFilter({ type: 'not', field: { type: 'not', field: { type: 'like', dimension: 'd', pattern: '%3' } } }), { d: 'double' });
    expect(typed({ d: -73 }), '-73.0 does not end in 3').toBe(false);
    expect(typed({ d: 0.3 })).toBe(true);
  });

  it('treats an array as a multi-value that matches when any value does', () => {
    expect(matching({ type: 'selector', dimension: 'tags', value: 'b' }, [{ tags: ['a', 'b'] }, { tags: ['c'] }])).toEqual([{ tags: ['a', 'b'] }]);
  });

  it('filters __time by interval when the row carries it', () => {
    const t = Date.UTC(2020, 0, 1, 12);
    const f = { type: 'interval', dimension: '__time', intervals: ['2020-01-01T00:00Z/2020-01-01T12:00Z'] };
    expect(matching(f, [{ __time: t - 1 }, { __time: t }])).toEqual([{ __time: t - 1 }]);
  });
});

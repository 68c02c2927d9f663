import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromRecords, StringTable, toRecords, type Records } from '../../../src/log/record-columns.ts';
import { decodeSnapshot, encodeSnapshot } from '../../../src/log/snapshot-codec.ts';

type Row = Record<string, unknown>;
/** A shape: per key, what its values are, or the shape of the records it holds. */
type Shape = Array<[string, Kind | Shape]>;
type Kind = 'string' | 'nullable' | 'list' | 'number' | 'mixed';

const pool = ['bench', 'wiki', '', 'é', '2013-01-01T00:00:00.000Z/2013-01-02T00:00:00.000Z', '\u{1F600}'];
const text = fc.oneof(fc.constantFrom(...pool), fc.string(), fc.string({ unit: 'binary' }));
const values: Record<Kind, fc.Arbitrary<unknown>> = {
  string: text,
  nullable: fc.option(text, { nil: null }),
  list: fc.array(text, { maxLength: 3 }),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d))),
  mixed: fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.oneof(text, fc.integer()), { maxLength: 2 }), fc.dictionary(fc.constantFrom('a', 'b'), text, { noNullPrototype: true })),
};

const key = fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__');
const shape = (depth: number): fc.Arbitrary<Shape> =>
  fc.uniqueArray(fc.tuple(key, depth > 0 ? fc.oneof(fc.constantFrom<Kind>('string', 'nullable', 'list', 'number', 'mixed'), shape(depth - 1)) : fc.constantFrom<Kind>('string', 'nullable', 'list', 'number', 'mixed')), {
    selector: ([k]) => k,
    maxLength: 5,
  });

const rowOf = (s: Shape): fc.Arbitrary<Row> =>
  fc.tuple(...s.map(([, kind]) => (typeof kind === 'string' ? values[kind] : rowOf(kind)))).map((vs) => Object.fromEntries(s.map(([k], i) => [k, vs[i]])));

/** Rows of one shape; sometimes one of them loses a key or gains one. */
const rowsArb = shape(2).chain((s) =>
  fc.tuple(fc.array(rowOf(s), { minLength: 1, maxLength: 30 }), fc.option(fc.tuple(fc.nat(), fc.boolean()), { nil: null })).map(([rows, breakage]) => {
    if (breakage === null) return rows;
    const [at, drop] = breakage;
    const row = { ...rows[at % rows.length]! };
    const keys = Object.keys(row);
    if (drop && keys.length > 0) delete row[keys[at % keys.length]!];
    else row.extra = 1;
    return rows.with(at % rows.length, row);
  }),
);

/** Keys in order, all the way down: records must come back with the keys in the order they had. */
const keyOrder = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(keyOrder) : v !== null && typeof v === 'object' ? Object.entries(v).map(([k, x]) => [k, keyOrder(x)]) : null;

/** Columns through the snapshot codec's bytes, as a cold start reads them, and back to rows. */
function roundTrip(rows: Row[]): { records: Records | null; back: Row[] | null; strings: string[] } {
  const table = new StringTable();
  const records = toRecords(rows, table);
  if (records === null) return { records, back: null, strings: table.strings };
  const stored = decodeSnapshot(encodeSnapshot({ strings: table.strings, records })) as { strings: string[]; records: Records };
  return { records, back: fromRecords(stored.records, stored.strings), strings: table.strings };
}

const sameKeys = (a: Row, b: Row): boolean => JSON.stringify(Object.keys(a)) === JSON.stringify(Object.keys(b));

describe('records in columns', () => {
  it('come back as the rows they were, with their keys in order, nested records and string lists included', () => {
    fc.assert(
      fc.property(rowsArb, (rows) => {
        const { records, back } = roundTrip(rows);
        if (records === null) {
          expect(rows.some((r) => !sameKeys(r, rows[0]!))).toBe(true);
          return;
        }
        expect(back).toStrictEqual(rows);
        expect(keyOrder(back)).toEqual(keyOrder(rows));
      }),
      { numRuns: 300 },
    );
  });

  it('store every distinct string once, however many rows and columns repeat it', () => {
    const rows = Array.from({ length: 1000 }, (_, n) => ({
      id: `seg_${n}`,
      dataSource: 'wiki',
      descriptor: { id: `seg_${n}`, interval: '2024-03-01/2024-03-02', dimensions: ['page', 'user'] },
      servers: n % 2 === 0 ? ['h1'] : [],
      note: null,
    }));
    const { records, back, strings } = roundTrip(rows);
    expect(strings).toHaveLength(1000 + 5); // the ids, then wiki, the interval, page, user and h1
    expect(records!.columns.map((c) => c.kind)).toEqual(['strings', 'strings', 'records', 'string-lists', 'strings']);
    expect(back).toStrictEqual(rows);
    // A repeated string is one string again after the round trip, not a copy per row.
    expect((back![0]!.descriptor as Row).id).toBe(back![0]!.id);
    // Rows holding equal lists share one frozen array: stored once, and safe from a change in place.
    const stored = records!.columns[3] as { kind: 'string-lists'; lengths: ArrayLike<number> };
    expect(stored.lengths).toHaveLength(2);
    expect(back![2]!.servers).toBe(back![0]!.servers);
    expect(back![3]!.servers).toBe(back![1]!.servers);
    expect(back![3]!.servers).not.toBe(back![0]!.servers);
    expect(() => (back![0]!.servers as string[]).push('h2')).toThrow(TypeError);
  });

  it('are not made of rows that are no records, or whose keys differ in order, or that hold a __proto__ key', () => {
    const table = new StringTable();
    expect(toRecords([], table)).toBeNull();
    expect(toRecords([{ a: 1 }, ['a']], table)).toBeNull();
    expect(toRecords([{ a: 1, b: 2 }, { b: 2, a: 1 }], table)).toBeNull();
    expect(toRecords([new Map([['a', 1]])], table)).toBeNull();
    expect(toRecords([JSON.parse('{"__proto__": {"polluted": 1}}')], table)).toBeNull();
  });

  it('keep a column of values that are neither strings, lists of strings nor records of one shape as it is', () => {
    const rows = [{ v: { a: 1 } }, { v: { b: 'x' } }, { v: 3 }];
    const { records, back } = roundTrip(rows);
    expect(records!.columns).toEqual([{ kind: 'values', values: [{ a: 1 }, { b: 'x' }, 3] }]);
    expect(back).toStrictEqual(rows);
  });
});

import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isSegmentFileError, openSegment, SegmentFileError, writeSegmentFile, type NumericColumn, type StringColumn,
} from '../../../src/segment/index.ts';
import { interval } from '../../../src/time/interval.ts';
import type { SegmentColumnsInput } from '../../../src/segment/types.ts';
import { columnsOf, metaOf, scratchDir, type Row, type TestSchema } from './fixtures.ts';

const { dir, cleanup } = scratchDir('segment-file');
afterAll(cleanup);

const day = interval('2024-03-01', '2024-03-02');
const t0 = day.start;
const schema: TestSchema = {
  dimensions: [{ name: 'page', type: 'string' }, { name: 'user', type: 'string' }, { name: 'delta', type: 'long' }, { name: 'ratio', type: 'float' }],
  metrics: [
    { name: 'count', aggregator: { type: 'count', name: 'count' } },
    { name: 'added', aggregator: { type: 'doubleSum', name: 'added', fieldName: 'added' } },
    { name: 'latest', aggregator: { type: 'longLast', name: 'latest', fieldName: 'x' } },
  ],
};
const rows: Row[] = [
  { __time: t0 + 2000, page: 'Zebra', user: 'bob', delta: 5, ratio: 0.1, count: 1, added: 1.5, latest: 7 },
  { __time: t0, page: 'apple', user: null, delta: null, ratio: 2.5, count: 3, added: 0, latest: null },
  { __time: t0, page: '', user: 'ann', delta: -3, ratio: null, count: 2, added: 10.25, latest: 9 },
  { __time: t0 + 1000, page: 'Zebra', user: 'ann', delta: 1, ratio: 1, count: 1, added: null, latest: 1 },
];
const latestTimes = [t0 + 1999, t0 - 5, t0 + 10, t0 + 999];

const path = (name: string): string => join(dir, name, 'index.grove');

async function written(name: string): Promise<string> {
  const p = path(name);
  await writeSegmentFile(p, metaOf(day), columnsOf(rows, schema, { latest: latestTimes }));
  return p;
}

function failureOf(fn: () => unknown): SegmentFileError {
  try {
    fn();
  } catch (e) {
    if (isSegmentFileError(e)) return e;
    throw e;
  }
  throw new Error('expected a SegmentFileError');
}

describe('the segment file', () => {
  it('reads back every column it was written with, rows sorted by time then dimensions', async () => {
    const seg = openSegment(await written('roundtrip'));
    expect(seg.id).toBe('wiki_2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z_2024-01-01T00:00:00.000Z');
    expect(seg.rows).toBe(4);
    expect([...seg.time]).toEqual([t0, t0, t0 + 1000, t0 + 2000]);
    const page = seg.column('page') as StringColumn;
    expect(page.dictionary).toEqual(['', 'Zebra', 'apple']); // Java String order: '' < uppercase < lowercase
    expect([...page.ids].map((id) => page.dictionary[id])).toEqual(['', 'apple', 'Zebra', 'Zebra']);
    const user = seg.column('user') as StringColumn;
    expect(user.dictionary).toEqual([null, 'ann', 'bob']);
    expect(user.hasNulls).toBe(true);
    expect([...(seg.column('delta') as NumericColumn).values]).toEqual([-3, NaN, 1, 5]);
    const ratio = seg.column('ratio') as NumericColumn;
    expect(ratio.values).toBeInstanceOf(Float32Array);
    expect([...ratio.values]).toEqual([NaN, 2.5, 1, Math.fround(0.1)]);
    expect([...(seg.column('added') as NumericColumn).values]).toEqual([10.25, 0, NaN, 1.5]);
    const latest = seg.column('latest') as NumericColumn;
    expect([...latest.values]).toEqual([9, NaN, 1, 7]);
    expect([...latest.times!]).toEqual([t0 + 10, t0 - 5, t0 + 999, t0 + 1999]);
    expect(latest.aggregator).toEqual({ type: 'longLast', name: 'latest', fieldName: 'x' });
  });

  it('views columns in place over one buffer rather than copying them', async () => {
    const seg = openSegment(await written('views'));
    const buffers = new Set([seg.time.buffer, (seg.column('page') as StringColumn).ids.buffer, (seg.column('added') as NumericColumn).values.buffer]);
    expect(buffers.size).toBe(1);
    expect([...buffers][0]!.byteLength).toBe(seg.size);
  });

  it('stores dictionary ids in the narrowest integer width that fits the cardinality', async () => {
    const widthFor = async (cardinality: number): Promise<number> => {
      const many: Row[] = Array.from({ length: cardinality }, (_, i) => ({ __time: t0 + i, d: `v${i}` }));
      const p = path(`width-${cardinality}`);
      await writeSegmentFile(p, metaOf(day), columnsOf(many, { dimensions: [{ name: 'd', type: 'string' }], metrics: [] }));
      return (openSegment(p).column('d') as StringColumn).ids.BYTES_PER_ELEMENT;
    };
    expect(await widthFor(256)).toBe(1);
    expect(await widthFor(257)).toBe(2);
    expect(await widthFor(65_537)).toBe(4);
  });

  it('reports what it wrote: rows, size and the checksum the reader finds', async () => {
    const p = path('report');
    const w = await writeSegmentFile(p, metaOf(day), columnsOf(rows, schema, { latest: latestTimes }));
    const seg = openSegment(p, { expectedChecksum: w.checksum });
    expect(w).toEqual({ rows: 4, size: readFileSync(p).length, checksum: seg.checksum });
    expect(failureOf(() => openSegment(p, { expectedChecksum: 'f'.repeat(64) })).message).toMatch(/differs from the expected/);
  });
});

describe('string columns the producer already encoded', () => {
  const one = (values: SegmentColumnsInput['dimensionValues'][number]): SegmentColumnsInput => ({
    rowCount: 4, time: Float64Array.of(t0, t0 + 1, t0 + 2, t0 + 3), dimensions: [{ name: 'd', type: 'string' }],
    dimensionValues: [values], metrics: [], metricValues: [], metricTimes: [],
  });

  it('write the same file as plain strings: dictionary sorted, unused values dropped', async () => {
    const plain = await writeSegmentFile(path('plain'), metaOf(day), one(['b', null, 'a', 'b']));
    const encoded = await writeSegmentFile(path('encoded'), metaOf(day), one({ dictionary: ['unused', 'b', 'a', null], ids: Int32Array.of(1, 3, 2, 1) }));
    expect(encoded.checksum).toBe(plain.checksum);
  });

  it('are refused when the dictionary lists a value twice or an id falls outside it', async () => {
    const problem = (values: SegmentColumnsInput['dimensionValues'][number]) =>
      writeSegmentFile(path('bad-dictionary'), metaOf(day), one(values)).then(() => 'written', (e: SegmentFileError) => e.problem);
    expect(await problem({ dictionary: ['a', 'a'], ids: Int32Array.of(0, 1, 0, 1) })).toBe('dimension "d": the dictionary holds "a" twice');
    expect(await problem({ dictionary: ['a'], ids: Int32Array.of(0, 0, 1, 0) })).toBe('dimension "d": row 2 has id 1, outside the dictionary of 1 values');
  });
});

describe('a damaged segment file', () => {
  it('fails to open when a single byte of a column is flipped, naming the file', async () => {
    const p = await written('flipped');
    const bytes = readFileSync(p);
    bytes[bytes.length - 3]! ^= 0x10;
    writeFileSync(p, bytes);
    const e = failureOf(() => openSegment(p));
    expect(e.file).toBe(p);
    expect(e.message).toMatch(new RegExp(`segment file ${p}: is corrupt: checksum`));
  });

  it('fails to open when truncated, saying how much is missing', async () => {
    const p = await written('truncated');
    const size = readFileSync(p).length;
    truncateSync(p, size - 8);
    expect(failureOf(() => openSegment(p)).problem).toBe(`is truncated: ${size - 8} bytes of ${size}`);
    truncateSync(p, 10);
    expect(failureOf(() => openSegment(p)).problem).toMatch(/shorter than the 64-byte prelude/);
  });

  it('fails to open when it is not a segment file or is missing', () => {
    const p = join(dir, 'not-a-segment');
    writeFileSync(p, Buffer.alloc(100, 1));
    expect(failureOf(() => openSegment(p)).problem).toMatch(/bad magic/);
    expect(failureOf(() => openSegment(join(dir, 'missing'))).problem).toMatch(/cannot be opened \(ENOENT\)/);
  });
});

describe('the writer refuses inconsistent input', () => {
  const refusal = async (rowsIn: Row[], s: TestSchema = schema, times = { latest: latestTimes }): Promise<string> => {
    const e = await writeSegmentFile(path('refused'), metaOf(day), columnsOf(rowsIn, s, times)).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(SegmentFileError);
    return (e as SegmentFileError).problem;
  };

  it('refuses rows that are not sorted by time then dimensions', async () => {
    const cols = columnsOf(rows, schema, { latest: latestTimes });
    (cols.dimensionValues[0] as Array<string | null>).splice(0, 2, 'apple', '');
    const problem = async (): Promise<unknown> =>
      writeSegmentFile(path('unsorted'), metaOf(day), cols).then(() => 'written', (err: SegmentFileError) => err.problem);
    expect(await problem()).toBe('rows 0 and 1 have the same __time but are not sorted by dimension "page"');
    cols.time.reverse();
    expect(await problem()).toBe('rows 0 and 1 are not sorted by __time');
  });

  it('refuses rows outside the segment interval', async () => {
    expect(await refusal([{ __time: day.end, page: 'x' }], { dimensions: [{ name: 'page', type: 'string' }], metrics: [] }))
      .toBe('row 0: __time 2024-03-02T00:00:00.000Z is outside the segment interval 2024-03-01T00:00:00.000Z/2024-03-02T00:00:00.000Z');
  });

  it('refuses a first/last metric without the times of its values, and a fractional long', async () => {
    expect(await refusal(rows, schema, {} as { latest: number[] })).toMatch(/metric "latest" \(longLast\) needs the time of each value/);
    expect(await refusal([{ __time: t0, delta: 1.5 }], { dimensions: [{ name: 'delta', type: 'long' }], metrics: [] }))
      .toBe('dimension "delta" row 0: 1.5 is not a long');
  });

  it('refuses a metric whose aggregator it cannot read', async () => {
    const bad: TestSchema = { dimensions: [], metrics: [{ name: 'm', aggregator: { type: 'longSum', name: 'm' } }] };
    expect(await refusal([{ __time: t0, m: 1 }], bad, {} as { latest: number[] })).toMatch(/metric "m"\.fieldName: required/);
  });
});

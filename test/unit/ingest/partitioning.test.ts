import { describe, expect, it } from 'vitest';
import type { IngestedSegment } from '../../../src/ingest/batch-ingestion.ts';
import { hashBucket } from '../../../src/ingest/partition.ts';
import { compareLexicographic } from '../../../src/spec/sorting-orders.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allRows, generatedRows, indexTask, ingest, jsonLines, referenceRollup, rowKey, segmentRows, writeInput, type SegmentRow } from './support.ts';

const dir = tempDir('ingest-partitions');
const HOUR = 3_600_000;
const rows = generatedRows(3000);
const input = writeInput(dir, 'generated.json', jsonLines(rows));
const expected = referenceRollup(rows, HOUR);

function task(tuningConfig: object): unknown {
  return indexTask({
    dataSchema: {
      dimensionsSpec: { dimensions: ['a', 'b'] },
      metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'v', fieldName: 'v' }],
      granularitySpec: { segmentGranularity: 'day', queryGranularity: 'hour' },
    },
    ioConfig: { inputSource: { type: 'local', files: [input] } },
    tuningConfig,
  });
}

/** Every key once, with the reference's count and sum: perfect rollup. */
function expectPerfectRollup(all: SegmentRow[]): void {
  const seen = new Map(all.map((r) => [rowKey(r), [r.count, r.v]]));
  expect(seen.size).toBe(all.length);
  expect(seen).toEqual(expected);
}

function expectSortedByTimeThenDimensions(segmentRowsList: SegmentRow[]): void {
  for (let i = 1; i < segmentRowsList.length; i++) {
    const x = segmentRowsList[i - 1]!;
    const y = segmentRowsList[i]!;
    const order = compareLexicographic(x.__time as string, y.__time as string)
      || compareLexicographic(x.a as string | null, y.a as string | null)
      || compareLexicographic(x.b as string | null, y.b as string | null);
    expect(order).toBeLessThan(0);
  }
}

const chunksOf = (segments: IngestedSegment[]): string[] => [...new Set(segments.map((s) => new Date(s.interval.start).toISOString()))];

describe('spilling', () => {
  it('gives exactly the rows of an all-in-memory ingestion when memory holds 100 rows', async () => {
    const inMemory = await ingest(dir, task({}));
    const spilled = await ingest(dir, task({ maxRowsInMemory: 100 }));
    expect(allRows(spilled)).toEqual(allRows(inMemory));
    expectPerfectRollup(allRows(spilled));
  });
});

describe('dynamic partitioning', () => {
  it('cuts each day into consecutive segments of at most maxRowsPerSegment rows, numbered within the day', async () => {
    const result = await ingest(dir, task({ maxRowsInMemory: 500, partitionsSpec: { type: 'dynamic', maxRowsPerSegment: 1000 } }));
    expect(chunksOf(result.segments)).toEqual(['2020-01-01T00:00:00.000Z', '2020-01-02T00:00:00.000Z']);
    for (const day of chunksOf(result.segments)) {
      const segments = result.segments.filter((s) => new Date(s.interval.start).toISOString() === day);
      expect(segments.map((s) => s.shardSpec)).toEqual(segments.map((_, i) => ({ type: 'numbered', partitionNum: i, partitions: segments.length })));
      expect(segments.slice(0, -1).every((s) => s.written.rows === 1000)).toBe(true);
      expectSortedByTimeThenDimensions(segments.flatMap((s) => segmentRows(s.file)));
    }
    expectPerfectRollup(allRows(result));
  });
});

describe('hashed partitioning', () => {
  it('puts each key in the bucket its hash names, one row per key across all segments (perfect rollup)', async () => {
    const result = await ingest(dir, task({
      maxRowsInMemory: 300, forceGuaranteedRollup: true, partitionsSpec: { type: 'hashed', numShards: 3, partitionDimensions: ['a'] },
    }));
    expect(result.segments).toHaveLength(6);
    for (const s of result.segments) {
      expect(s.shardSpec).toMatchObject({ type: 'hashed', partitions: 3, numBuckets: 3, partitionDimensions: ['a'] });
      const segment = segmentRows(s.file);
      expectSortedByTimeThenDimensions(segment);
      for (const r of segment) expect(hashBucket(JSON.stringify([[r.a]]), 3)).toBe((s.shardSpec as { bucketId: number }).bucketId);
    }
    expectPerfectRollup(allRows(result));
  });

  it('picks the number of shards from targetRowsPerSegment when numShards is not given', async () => {
    const result = await ingest(dir, task({ forceGuaranteedRollup: true, partitionsSpec: { type: 'hashed', targetRowsPerSegment: 400 } }));
    for (const day of chunksOf(result.segments)) {
      const segments = result.segments.filter((s) => new Date(s.interval.start).toISOString() === day);
      const rowsInDay = segments.reduce((n, s) => n + s.written.rows, 0);
      expect((segments[0]!.shardSpec as { numBuckets: number }).numBuckets).toBe(Math.ceil(rowsInDay / 400));
    }
    expectPerfectRollup(allRows(result));
  });
});

describe('range partitioning', () => {
  it('splits each day into contiguous ranges of the partition dimensions, every row inside its range (perfect rollup)', async () => {
    const result = await ingest(dir, task({
      maxRowsInMemory: 300, forceGuaranteedRollup: true, partitionsSpec: { type: 'range', partitionDimensions: ['b', 'a'], targetRowsPerSegment: 300 },
    }));
    for (const day of chunksOf(result.segments)) {
      const segments = result.segments.filter((s) => new Date(s.interval.start).toISOString() === day);
      expect(segments.length).toBeGreaterThan(2);
      const specs = segments.map((s) => s.shardSpec as { start: Array<string | null> | null; end: Array<string | null> | null; partitions: number });
      expect(specs[0]!.start).toBeNull();
      expect(specs[specs.length - 1]!.end).toBeNull();
      specs.slice(1).forEach((spec, i) => expect(spec.start).toEqual(specs[i]!.end));
      segments.forEach((s, i) => {
        const { start, end } = specs[i]!;
        const segment = segmentRows(s.file);
        expectSortedByTimeThenDimensions(segment);
        for (const r of segment) {
          const key = [r.b as string | null, r.a as string | null];
          if (start !== null) expect(compareKeysOf(key, start)).toBeGreaterThanOrEqual(0);
          if (end !== null) expect(compareKeysOf(key, end)).toBeLessThan(0);
        }
      });
    }
    expectPerfectRollup(allRows(result));
  });
});

function compareKeysOf(a: Array<string | null>, b: Array<string | null>): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareLexicographic(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}

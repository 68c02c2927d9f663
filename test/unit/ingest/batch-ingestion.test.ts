import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IngestionFailedError, type IngestionProgress, type PlannedSegment } from '../../../src/ingest/batch-ingestion.ts';
import { openSegment } from '../../../src/segment/reader.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allRows, generatedRows, indexTask, ingest, jsonLines, writeInput } from './support.ts';

const dir = tempDir('ingest-run');
const rows = generatedRows(400);
const input = writeInput(dir, 'rows.json', jsonLines(rows));

function task(tuningConfig: object = {}, granularitySpec: object = { queryGranularity: 'hour' }): unknown {
  return indexTask({
    dataSchema: {
      dimensionsSpec: { dimensions: ['a', 'b'] },
      metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'v', fieldName: 'v' }, { type: 'longLast', name: 'last', fieldName: 'v' }],
      granularitySpec,
    },
    ioConfig: { inputSource: { type: 'local', files: [input] } },
    tuningConfig,
  });
}

describe('runBatchIngestion', () => {
  it('asks allocate for every planned segment before writing, and writes each under the identity it got', async () => {
    const seen: PlannedSegment[] = [];
    const result = await ingest(dir, task({ partitionsSpec: { type: 'dynamic', maxRowsPerSegment: 150 } }), {
      segmentIds: {
        allocate(planned) {
          seen.push(...planned);
          return planned.map((p, i) => ({ version: 'v-appended', partitionNum: 10 + i, shardSpec: { type: 'numbered', partitionNum: 10 + i, partitions: 0 } }));
        },
      },
    });
    expect(seen.map((p) => p.rows)).toEqual(result.segments.map((s) => s.written.rows));
    expect(seen.every((p) => p.shardSpec.type === 'numbered' && p.shardSpec.partitions === seen.filter((q) => q.interval.start === p.interval.start).length)).toBe(true);
    result.segments.forEach((s, i) => {
      expect(s).toMatchObject({ version: 'v-appended', partitionNum: 10 + i });
      const segment = openSegment(s.file, { expectedChecksum: s.written.checksum });
      expect(segment.id).toBe(`test_${new Date(s.interval.start).toISOString()}_${new Date(s.interval.end).toISOString()}_v-appended_${10 + i}`);
      expect(segment.header.shardSpec).toEqual(s.shardSpec);
    });
  });

  it('reports progress until every byte is read, and leaves no spill files behind', async () => {
    const progress: IngestionProgress[] = [];
    const workDir = join(dir, 'progress');
    await ingest(dir, task({ maxRowsInMemory: 50 }), { workDir, onProgress: (p) => progress.push(p) });
    const reading = progress.filter((p) => p.phase === 'reading');
    expect(progress.map((p) => p.phase)).toEqual([...reading.map(() => 'reading'), 'merging', 'writing']);
    const last = progress[progress.length - 1]!;
    expect(last).toMatchObject({ rowsRead: 400, bytesRead: last.bytesTotal });
    expect(last.bytesTotal).toBeGreaterThan(0);
    expect(existsSync(join(workDir, 'spill'))).toBe(false);
    expect(readdirSync(join(workDir, 'segments'))).toHaveLength(2);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('task canceled'));
    const failure = await ingest(dir, task(), { signal: controller.signal }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(IngestionFailedError);
    expect((failure as Error).message).toBe('task canceled');
  });

  describe('with runs of several blocks each, reused as they are read', () => {
    // Past BLOCK_ROWS (65,536) rows a run is read block by block into the same memory, and the
    // merge writes into blocks it takes back: equal rows from different spills must still meet.
    const many = writeInput(dir, 'many.json', jsonLines(generatedRows(160_000, 7).map((r, i) => ({ ...r, n: i % 3 }))));
    const manyTask = (tuningConfig: object, dimensions: unknown[], segmentGranularity = 'day'): unknown => indexTask({
      dataSchema: {
        dimensionsSpec: { dimensions },
        metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'v', fieldName: 'v' }, { type: 'longLast', name: 'last', fieldName: 'v' }],
        granularitySpec: { queryGranularity: 'minute', segmentGranularity },
      },
      ioConfig: { inputSource: { type: 'local', files: [many] } },
      tuningConfig,
    });
    // Strings only (merged by packed keys), and with a numeric dimension (merged by comparing rows).
    const dimensionSets = [['a', 'b'], ['a', { type: 'long', name: 'n' }, 'b']];

    it('merge spills into the rows an unspilled ingestion gives', async () => {
      for (const dimensions of dimensionSets) {
        const inMemory = allRows(await ingest(dir, manyTask({ maxRowsInMemory: 1_000_000 }, dimensions)));
        const spilled = allRows(await ingest(dir, manyTask({ maxRowsInMemory: 80_000 }, dimensions)));
        expect(inMemory.length).toBeLessThan(160_000);
        expect(spilled).toEqual(inMemory);
      }
    });

    it('merge straight into the one segment their rows make, as partitioning the merged rows would', async () => {
      for (const dimensions of dimensionSets) {
        const planned: PlannedSegment[] = [];
        const direct = await ingest(dir, manyTask({ maxRowsInMemory: 80_000 }, dimensions, 'month'), {
          segmentIds: { allocate: (p) => (planned.push(...p), p.map(() => ({ version: 'v1', partitionNum: 0, shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 } }))) },
        });
        const rows = direct.segments[0]!.written.rows;
        expect(planned).toEqual([expect.objectContaining({ rows, partitionIndex: 0, shardSpec: { type: 'numbered', partitionNum: 0, partitions: 1 } })]);
        // As many rows per segment as the merge makes, fewer than the runs hold: split, then partitioned.
        const partitioned = await ingest(dir, manyTask({ maxRowsInMemory: 80_000, partitionsSpec: { type: 'dynamic', maxRowsPerSegment: rows } }, dimensions, 'month'));
        expect(partitioned.segments).toHaveLength(1);
        expect(allRows(direct)).toEqual(allRows(partitioned));
        expect(allRows(direct)).toEqual(allRows(await ingest(dir, manyTask({ maxRowsInMemory: 1_000_000 }, dimensions, 'month'))));
      }
    });
  });

  it('gives the same rows whatever maxRowsInMemory makes it spill (property)', async () => {
    const reference = allRows(await ingest(dir, task({}, { queryGranularity: 'six_hour' })));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 120 }), async (maxRowsInMemory) => {
        expect(allRows(await ingest(dir, task({ maxRowsInMemory }, { queryGranularity: 'six_hour' })))).toEqual(reference);
      }),
      { numRuns: 12 },
    );
  });
});

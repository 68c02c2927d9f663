import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runBatchIngestion, type BatchIngestionOptions, type BatchIngestionResult } from '../../../src/ingest/batch-ingestion.ts';
import { openSegment } from '../../../src/segment/reader.ts';
import { parseTaskSpec, type IndexTaskSpec } from '../../../src/spec/task-spec.ts';
import { formatInstant } from '../../../src/time/instant.ts';

/** A segment row as a test reads it: `__time` as ISO text, then every column by name. */
export type SegmentRow = Record<string, string | number | null>;

/** Every row of a segment file, in file order, through the segment reader. */
export function segmentRows(file: string): SegmentRow[] {
  const segment = openSegment(file);
  const rows: SegmentRow[] = [];
  for (let r = 0; r < segment.rows; r++) {
    const row: SegmentRow = { __time: formatInstant(segment.time[r]!) };
    for (const col of [...segment.dimensions, ...segment.metrics]) {
      if (col.kind === 'string') row[col.name] = col.dictionary[col.ids[r]!]!;
      else row[col.name] = Number.isNaN(col.values[r]!) ? null : col.values[r]!;
    }
    rows.push(row);
  }
  return rows;
}

/** All rows of all segments, segment after segment. */
export function allRows(result: BatchIngestionResult): SegmentRow[] {
  return result.segments.flatMap((s) => segmentRows(s.file));
}

/** Writes a file (gzipped when its name ends in .gz) and returns its path. */
export function writeInput(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(content) : content);
  return path;
}

export const jsonLines = (rows: readonly object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** A Druid index_parallel task with the given parts of its spec (defaults: inline JSON, day chunks). */
export function indexTask(spec: { dataSchema?: object; ioConfig?: object; tuningConfig?: object }): unknown {
  return {
    type: 'index_parallel',
    spec: {
      dataSchema: { dataSource: 'test', timestampSpec: { column: 'ts', format: 'iso' }, ...spec.dataSchema },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: '' }, inputFormat: { type: 'json' }, ...spec.ioConfig },
      tuningConfig: { type: 'index_parallel', ...spec.tuningConfig },
    },
  };
}

let runNo = 0;

/** Parses a task and runs its ingestion in a fresh work directory under `dir`. */
export async function ingest(dir: string, task: unknown, options: Partial<BatchIngestionOptions> = {}): Promise<BatchIngestionResult> {
  const parsed = parseTaskSpec(task) as IndexTaskSpec;
  return runBatchIngestion(parsed.spec, { workDir: join(dir, `work-${runNo++}`), segmentIds: { version: '2024-01-01T00:00:00.000Z' }, ...options });
}

/** Deterministic rows over two days: dims `a` (12 values), `b` (8 values, some null), metric `v`. */
export function generatedRows(count: number, seed = 1): Array<Record<string, unknown>> {
  let state = seed;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  return Array.from({ length: count }, () => {
    const b = next(9);
    return {
      ts: new Date(Date.UTC(2020, 0, 1) + next(2 * 86_400) * 1000).toISOString(),
      a: `a${next(12)}`,
      ...(b === 8 ? {} : { b: `b${b}` }),
      v: next(100),
    };
  });
}

/** What rollup must produce from `rows`, computed the plain way: key → [count, sum of v]. */
export function referenceRollup(rows: ReadonlyArray<Record<string, unknown>>, floorMs: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const r of rows) {
    const t = Math.floor(Date.parse(r.ts as string) / floorMs) * floorMs;
    const key = rowKey({ __time: new Date(t).toISOString(), a: (r.a as string) ?? null, b: (r.b as string) ?? null });
    const acc = out.get(key) ?? [0, 0];
    acc[0]++;
    acc[1] += r.v as number;
    out.set(key, acc);
  }
  return out;
}

export const rowKey = (r: SegmentRow): string => JSON.stringify([r.__time, r.a, r.b]);

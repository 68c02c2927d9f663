import { mergeRuns } from '../ingest/merge.ts';
import type { RowSchema } from '../ingest/row-schema.ts';
import { RunWriter } from '../ingest/run.ts';
import { segmentColumns } from '../ingest/segment-columns.ts';
import { openSegmentBytes, type SegmentReader } from '../segment/reader.ts';
import type { SegmentColumnsInput, SegmentMeta } from '../segment/types.ts';
import { encodeSegment } from '../segment/writer.ts';
import type { DataSchema } from '../spec/ingestion-spec.ts';
import type { Sink } from './sink.ts';

/** What a sink's rows become a segment with: its id's fields and the dataSchema's granularity. */
export function sinkMeta(sink: Sink, dataSchema: DataSchema): SegmentMeta {
  const a = sink.allocation;
  return {
    dataSource: dataSchema.dataSource, interval: sink.interval, version: a.version, partitionNum: a.partitionNum, shardSpec: a.shardSpec,
    queryGranularity: dataSchema.granularitySpec.queryGranularity, rollup: dataSchema.granularitySpec.rollup,
  };
}

/**
 * Every row of the sink as one segment's columns: its runs merged (rolled up across them, as
 * Druid merges a sink's hydrants at publish). Queries in flight and the published file read the
 * same merge, so a switch from task to historical changes no answer.
 */
export async function sinkColumns(schema: RowSchema, sink: Sink, rollup: boolean): Promise<SegmentColumnsInput> {
  // Kept as copies: a merge's blocks are only valid until the next one is read.
  const merged = new RunWriter(schema, null);
  for await (const block of mergeRuns(schema, sink.runs(), rollup)) merged.appendRange(block, 0, block.length);
  const run = await merged.finish();
  for await (const cols of segmentColumns(schema, run, [run.rows])) return cols;
  throw new Error(`segment ${sink.id}: no columns were made`);
}

/**
 * Readers of the sinks as they are now, for queries: a sink is encoded as a segment in memory
 * when a query first reads it after rows were added, and that reader serves until more come.
 */
export class SinkReaders {
  private readonly cache = new Map<string, { changes: number; reader: SegmentReader }>();

  constructor(private readonly schema: RowSchema, private readonly dataSchema: DataSchema) {}

  async readerOf(sink: Sink): Promise<SegmentReader> {
    const changes = sink.changes;
    const cached = this.cache.get(sink.id);
    if (cached !== undefined && cached.changes === changes) return cached.reader;
    const cols = await sinkColumns(this.schema, sink, this.dataSchema.granularitySpec.rollup);
    const reader = openSegmentBytes(concat(encodeSegment(sinkMeta(sink, this.dataSchema), cols, sink.id).chunks), sink.id);
    this.cache.set(sink.id, { changes, reader });
    return reader;
  }
}

/** The chunks in one fresh (so 8-byte aligned) buffer. */
function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

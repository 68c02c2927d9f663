import { open, rm, type FileHandle } from 'node:fs/promises';
import { BlockBuilder, rowRange, type RowBlock } from './row-block.ts';
import type { RowSchema } from './row-schema.ts';

/**
 * A sorted sequence of rows, read block by block: the rows of one spill, of one time chunk, of
 * one partition. Kept in memory while the ingestion fits there, on disk once it has spilled.
 */
export interface Run {
  readonly rows: number;
  /** The first row's time and the last's (rows are in time order); null when there are none. */
  readonly times: TimeSpan | null;
  /** The rows in blocks, each valid until the next is asked for (a file run reads them all into the same memory). */
  blocks(): AsyncIterable<RowBlock>;
  /** Frees the run (deletes its file). */
  dispose(): Promise<void>;
}

export interface TimeSpan {
  first: number;
  last: number;
}

/** Widens `span` (null: none yet) to the times of a non-empty block. */
function spanning(span: TimeSpan | null, block: RowBlock): TimeSpan {
  return { first: span?.first ?? block.time[0]!, last: block.time[block.length - 1]! };
}

export class MemoryRun implements Run {
  readonly rows: number;
  readonly times: TimeSpan | null = null;

  constructor(private readonly content: RowBlock[]) {
    this.rows = content.reduce((n, b) => n + b.length, 0);
    for (const b of content) if (b.length > 0) this.times = spanning(this.times, b);
  }

  async *blocks(): AsyncIterable<RowBlock> {
    yield* this.content;
  }

  async dispose(): Promise<void> {
    this.content.length = 0;
  }
}

/**
 * A run file: blocks one after another, each a 16-byte header (rows, dimension columns) then the
 * columns, the 8-byte ones first so every column can be viewed in place once the block is read.
 */
const HEADER_BYTES = 16;
const MAGIC = 0x4e555247; // "GRUN"

export class FileRun implements Run {
  constructor(private readonly schema: RowSchema, readonly path: string, readonly rows: number, readonly times: TimeSpan | null) {}

  async *blocks(): AsyncIterable<RowBlock> {
    const file = await open(this.path, 'r');
    try {
      let position = 0;
      const header = new DataView(new ArrayBuffer(HEADER_BYTES));
      let body = new ArrayBuffer(0);
      for (;;) {
        const { bytesRead } = await file.read(new Uint8Array(header.buffer), 0, HEADER_BYTES, position);
        if (bytesRead === 0) return;
        if (bytesRead < HEADER_BYTES || header.getUint32(0, true) !== MAGIC) throw new Error(`spill file ${this.path} is corrupt at byte ${position}`);
        const rows = header.getUint32(4, true);
        const dimCount = header.getUint32(8, true);
        const size = blockBytes(this.schema, rows, dimCount);
        if (body.byteLength < size) body = new ArrayBuffer(size);
        await readFully(file, new Uint8Array(body, 0, size), position + HEADER_BYTES, this.path);
        yield viewBlock(this.schema, body, rows, dimCount);
        position += HEADER_BYTES + size;
      }
    } finally {
      await file.close();
    }
  }

  async dispose(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

async function readFully(file: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await file.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new Error(`spill file ${path} is truncated`);
    done += bytesRead;
  }
}

const isStringDim = (schema: RowSchema, d: number): boolean => schema.dictionaries[d] !== null;

/** Bytes of a block body: time, numeric dims, metrics and metric times (8 bytes each), then string ids (4). */
function blockBytes(schema: RowSchema, rows: number, dimCount: number): number {
  let wide = 1 + schema.aggregators.length + schema.aggregators.filter((a) => a.keepsTime).length;
  let narrow = 0;
  for (let d = 0; d < dimCount; d++) isStringDim(schema, d) ? narrow++ : wide++;
  return rows * (8 * wide + 4 * narrow);
}

/** The columns of a block in write order: each 8-byte column, then each 4-byte one. */
function columnsOf(schema: RowSchema, block: RowBlock, dimCount: number): ArrayBufferView[] {
  const wide: ArrayBufferView[] = [block.time];
  const narrow: ArrayBufferView[] = [];
  for (let d = 0; d < dimCount; d++) (isStringDim(schema, d) ? narrow : wide).push(block.dims[d]!);
  wide.push(...block.metrics, ...block.metricTimes.filter((t): t is Float64Array => t !== null));
  return [...wide, ...narrow];
}

function viewBlock(schema: RowSchema, body: ArrayBuffer, rows: number, dimCount: number): RowBlock {
  let offset = 0;
  const f64 = (): Float64Array => { const a = new Float64Array(body, offset, rows); offset += rows * 8; return a; };
  const i32 = (): Int32Array => { const a = new Int32Array(body, offset, rows); offset += rows * 4; return a; };
  const time = f64();
  const dims: RowBlock['dims'] = new Array(dimCount);
  for (let d = 0; d < dimCount; d++) if (!isStringDim(schema, d)) dims[d] = f64();
  const metrics = schema.aggregators.map(() => f64());
  const metricTimes = schema.aggregators.map((a) => (a.keepsTime ? f64() : null));
  for (let d = 0; d < dimCount; d++) if (isStringDim(schema, d)) dims[d] = i32();
  return { length: rows, time, dims, metrics, metricTimes };
}

async function writeBlock(file: FileHandle, schema: RowSchema, block: RowBlock): Promise<void> {
  const dimCount = block.dims.length;
  const header = new DataView(new ArrayBuffer(HEADER_BYTES));
  header.setUint32(0, MAGIC, true);
  header.setUint32(4, block.length, true);
  header.setUint32(8, dimCount, true);
  const parts = [new Uint8Array(header.buffer), ...columnsOf(schema, block, dimCount).map((c) => new Uint8Array(c.buffer, c.byteOffset, block.length * (c as Float64Array).BYTES_PER_ELEMENT))];
  await file.writev(parts);
}

/** Writes `blocks` as one run file. */
export async function writeRunFile(schema: RowSchema, path: string, blocks: Iterable<RowBlock>): Promise<FileRun> {
  const file = await open(path, 'w');
  let rows = 0;
  let times: TimeSpan | null = null;
  try {
    for (const block of blocks) {
      if (block.length === 0) continue;
      await writeBlock(file, schema, block);
      rows += block.length;
      times = spanning(times, block);
    }
  } finally {
    await file.close();
  }
  return new FileRun(schema, path, rows, times);
}

/** A block cut into pieces of at most `rows` rows (views, no copies), for writing in bounded chunks. */
export function* slices(block: RowBlock, rows: number): Iterable<RowBlock> {
  for (let start = 0; start < block.length; start += rows) yield rowRange(block, start, Math.min(block.length, start + rows));
}

/**
 * Collects rows into a new run, in memory or in a file. Rows are appended one at a time (routing
 * a merged stream into chunks or partitions); full blocks go to the file as they fill.
 */
export class RunWriter {
  private readonly builder: BlockBuilder;
  private readonly pending: RowBlock[] = [];
  private file: FileHandle | null = null;
  private rows = 0;
  private times: TimeSpan | null = null;

  constructor(private readonly schema: RowSchema, private readonly path: string | null) {
    this.builder = new BlockBuilder(schema, (block) => {
      this.pending.push(block);
    });
  }

  append(src: RowBlock, row: number): void {
    this.builder.append(src, row);
    this.rows++;
  }

  appendRange(src: RowBlock, from: number, to: number): void {
    this.builder.appendRange(src, from, to);
    this.rows += to - from;
  }

  /** Lets full blocks reach the file; call between batches of appends to bound memory. */
  async drain(): Promise<void> {
    if (this.path === null || this.pending.length === 0) return;
    this.file ??= await open(this.path, 'w');
    const blocks = this.pending.splice(0);
    for (const b of blocks) {
      await writeBlock(this.file, this.schema, b);
      this.times = spanning(this.times, b);
      this.builder.recycle(b);
    }
  }

  async finish(): Promise<Run> {
    this.builder.flush();
    if (this.path === null) return new MemoryRun(this.pending.splice(0));
    await this.drain();
    if (this.file === null) return new MemoryRun([]);
    await this.file.close();
    return new FileRun(this.schema, this.path, this.rows, this.times);
  }
}

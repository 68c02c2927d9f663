import type { Accumulator } from '../spec/aggregator.ts';
import { BlockBuilder, compareRows, type RowBlock } from './row-block.ts';
import type { RowSchema } from './row-schema.ts';
import type { Run } from './run.ts';

/** Where one run is in a merge: its block, the block's packed keys (if any) and the row. */
interface Cursor {
  readonly index: number;
  readonly blocks: AsyncIterator<RowBlock>;
  block: RowBlock;
  keys: Float64Array | null;
  row: number;
}

/**
 * How a merge orders rows of two cursors, and whether a cursor's row equals the last row written
 * (row `at` of `out`, whose packed key was `key`): compared there, not where it was read, because
 * a run's blocks are only valid until its next one is read.
 */
interface CursorOrder {
  /** The block's packed keys, written into `into` when it is large enough. */
  keysOf: ((block: RowBlock, into: Float64Array | null) => Float64Array) | null;
  before(a: Cursor, b: Cursor): boolean;
  sameAsWritten(out: RowBlock, at: number, key: number, c: Cursor): boolean;
}

/**
 * Merges sorted runs into one sorted stream of blocks. With rollup, rows with the same time and
 * dimensions (from different runs) are combined into one, as Druid merges its intermediate
 * persists: the merged stream is perfectly rolled up. Like a run's, each block yielded is valid
 * until the next is asked for.
 */
export async function* mergeRuns(schema: RowSchema, runs: readonly Run[], rollup: boolean): AsyncGenerator<RowBlock> {
  if (runs.length === 1) {
    yield* runs[0]!.blocks();
    return;
  }
  const order = cursorOrder(schema);
  const heap = new CursorHeap(order.before);
  for (const [index, run] of runs.entries()) {
    const blocks = run.blocks()[Symbol.asyncIterator]();
    const first = await nextNonEmpty(blocks);
    if (first !== null) heap.push({ index, blocks, block: first, keys: order.keysOf?.(first, null) ?? null, row: 0 });
  }
  const out: RowBlock[] = [];
  const builder = new BlockBuilder(schema, (b) => out.push(b));
  const combine = combiner(schema);
  let written = false;
  let writtenKey = 0;
  while (heap.size > 0) {
    const c = heap.top;
    const open = builder.current;
    if (rollup && written && order.sameAsWritten(open, open.length - 1, writtenKey, c)) combine(open, open.length - 1, c.block, c.row);
    else {
      builder.append(c.block, c.row);
      written = true;
      writtenKey = c.keys?.[c.row] ?? 0;
    }
    if (++c.row === c.block.length) {
      const next = await nextNonEmpty(c.blocks);
      if (next === null) heap.pop();
      else {
        c.block = next;
        c.keys = order.keysOf?.(next, c.keys) ?? null;
        c.row = 0;
        heap.siftDown();
      }
    } else {
      heap.siftDown();
    }
    while (out.length > 0) {
      const full = out.shift()!;
      yield full;
      builder.recycle(full);
    }
  }
  builder.flush();
  yield* out;
}

/**
 * Packed keys where the dimensions allow them, compareRows where they do not; ties between runs
 * go to the earlier run, so the merge is stable.
 */
function cursorOrder(schema: RowSchema): CursorOrder {
  const orderings = schema.orderings();
  const keysOf = packedKeys(orderings);
  if (keysOf === null) {
    return {
      keysOf,
      before: (a, b) => {
        const c = compareRows(a.block, a.row, b.block, b.row, orderings);
        return c < 0 || (c === 0 && a.index < b.index);
      },
      sameAsWritten: (out, at, _key, c) => compareRows(out, at, c.block, c.row, orderings) === 0,
    };
  }
  return {
    keysOf,
    before: (a, b) => {
      const ta = a.block.time[a.row]!;
      const tb = b.block.time[b.row]!;
      if (ta !== tb) return ta < tb;
      const ka = a.keys![a.row]!;
      const kb = b.keys![b.row]!;
      return ka < kb || (ka === kb && a.index < b.index);
    },
    sameAsWritten: (out, at, key, c) => out.time[at] === c.block.time[c.row] && key === c.keys![c.row],
  };
}

/** Bits of a double's integers: packed keys must stay below 2^53 to stay exact. */
const EXACT_BITS = 53;

/**
 * A row's dimensions as one number, where they fit: each string dimension's rank in as many bits
 * as its dictionary needs, the first dimension highest, so comparing (time, key) orders rows as
 * compareRows does, at the cost of two number comparisons instead of one per dimension. Null
 * when a numeric dimension or more than 53 bits of ranks make that impossible.
 */
function packedKeys(orderings: ReadonlyArray<Int32Array | null>): ((block: RowBlock, into: Float64Array | null) => Float64Array) | null {
  if (orderings.some((ranks) => ranks === null)) return null;
  const ranks = orderings as readonly Int32Array[];
  const bits = ranks.map((r) => Math.max(1, Math.ceil(Math.log2(r.length))));
  if (bits.reduce((a, b) => a + b, 0) > EXACT_BITS) return null;
  const scales = bits.map((_, d) => 2 ** bits.slice(d + 1).reduce((a, b) => a + b, 0));
  return (block, into) => {
    const keys = into !== null && into.length >= block.length ? into.fill(0, 0, block.length) : new Float64Array(block.length);
    for (let d = 0; d < ranks.length; d++) {
      const column = block.dims[d] as Int32Array | undefined;
      // A block from before a schemaless dimension was discovered is null there: rank 0.
      if (column === undefined) continue;
      const rank = ranks[d]!;
      const scale = scales[d]!;
      for (let i = 0; i < block.length; i++) keys[i]! += rank[column[i]!]! * scale;
    }
    return keys;
  };
}

async function nextNonEmpty(blocks: AsyncIterator<RowBlock>): Promise<RowBlock | null> {
  for (;;) {
    const r = await blocks.next();
    if (r.done === true) return null;
    if (r.value.length > 0) return r.value;
  }
}

/** Folds row `j` of `src` into row `i` of `dst` with each metric's combine. */
function combiner(schema: RowSchema): (dst: RowBlock, i: number, src: RowBlock, j: number) => void {
  const acc: Accumulator = { value: 0, time: 0 };
  const other: Accumulator = { value: 0, time: 0 };
  return (dst, i, src, j) => {
    for (let m = 0; m < schema.aggregators.length; m++) {
      const dstTimes = dst.metricTimes[m];
      const srcTimes = src.metricTimes[m];
      acc.value = dst.metrics[m]![i]!;
      acc.time = dstTimes === null ? 0 : dstTimes[i]!;
      other.value = src.metrics[m]![j]!;
      other.time = srcTimes === null || srcTimes === undefined ? 0 : srcTimes[j]!;
      schema.aggregators[m]!.combine(acc, other);
      dst.metrics[m]![i] = acc.value;
      if (dstTimes !== null) dstTimes[i] = acc.time;
    }
  };
}

/** A binary min-heap of cursors whose top may change in place (then siftDown). */
class CursorHeap {
  private readonly items: Cursor[] = [];

  constructor(private readonly before: (a: Cursor, b: Cursor) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  get top(): Cursor {
    return this.items[0]!;
  }

  push(c: Cursor): void {
    const items = this.items;
    items.push(c);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown();
    }
  }

  siftDown(): void {
    const items = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && this.before(items[l]!, items[best]!)) best = l;
      if (r < items.length && this.before(items[r]!, items[best]!)) best = r;
      if (best === i) return;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
  }
}

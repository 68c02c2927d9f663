import type { Accumulator } from '../spec/aggregator.ts';
import { BlockBuilder, compareRows, type RowBlock } from './row-block.ts';
import type { RowSchema } from './row-schema.ts';
import type { Run } from './run.ts';

/** Where one run is in a merge: its current block and row. */
interface Cursor {
  readonly index: number;
  readonly blocks: AsyncIterator<RowBlock>;
  block: RowBlock;
  row: number;
}

/**
 * Merges sorted runs into one sorted stream of blocks. With rollup, rows with the same time and
 * dimensions (from different runs) are combined into one, as Druid merges its intermediate
 * persists: the merged stream is perfectly rolled up.
 */
export async function* mergeRuns(schema: RowSchema, runs: readonly Run[], rollup: boolean): AsyncGenerator<RowBlock> {
  if (runs.length === 1) {
    yield* runs[0]!.blocks();
    return;
  }
  const orderings = schema.orderings();
  const before = (a: Cursor, b: Cursor): boolean => {
    const c = compareRows(a.block, a.row, b.block, b.row, orderings);
    return c < 0 || (c === 0 && a.index < b.index);
  };
  const heap = new CursorHeap(before);
  for (const [index, run] of runs.entries()) {
    const blocks = run.blocks()[Symbol.asyncIterator]();
    const first = await nextNonEmpty(blocks);
    if (first !== null) heap.push({ index, blocks, block: first, row: 0 });
  }
  const out: RowBlock[] = [];
  const builder = new BlockBuilder(schema, (b) => out.push(b));
  const combine = combiner(schema);
  while (heap.size > 0) {
    const c = heap.top;
    const open = builder.current;
    const last = open.length - 1;
    if (rollup && last >= 0 && compareRows(open, last, c.block, c.row, orderings) === 0) combine(open, last, c.block, c.row);
    else builder.append(c.block, c.row);
    if (++c.row === c.block.length) {
      const next = await nextNonEmpty(c.blocks);
      if (next === null) heap.pop();
      else {
        c.block = next;
        c.row = 0;
        heap.siftDown();
      }
    } else {
      heap.siftDown();
    }
    if (out.length > 0) yield* out.splice(0);
  }
  builder.flush();
  yield* out;
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

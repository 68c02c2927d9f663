import { describe, expect, it } from 'vitest';
import { IncrementalIndex } from '../../../src/ingest/incremental-index.ts';
import { RowSchema } from '../../../src/ingest/row-schema.ts';
import { readDataSchema } from '../../../src/spec/ingestion-spec.ts';

const dataSchema = readDataSchema({
  dataSource: 'wiki',
  timestampSpec: { column: 'ts', format: 'millis' },
  dimensionsSpec: { dimensions: ['page', { type: 'long', name: 'n' }] },
  metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
  granularitySpec: { segmentGranularity: 'day', queryGranularity: 'minute', rollup: true },
}, 'spec').value!;

/** 20,000 rows over 5,000 distinct keys (minute, page, n): every key four times. */
function fill(index: IncrementalIndex): void {
  for (let i = 0; i < 20_000; i++) {
    const key = i % 5_000;
    const minute = key % 60;
    index.add({ page: `p${key % 97}`, n: key % 7, added: i }, minute * 60_000, minute * 60_000 + i, () => {
      throw new Error('no row here is malformed');
    });
  }
}

describe('the in-memory index', () => {
  it('rolls up the same rows whether it was sized for them or grows from one row as they come', () => {
    const sized = new IncrementalIndex(new RowSchema(dataSchema, 'ts'), true, 8_192);
    const growing = new IncrementalIndex(new RowSchema(dataSchema, 'ts'), true, 1);
    fill(sized);
    fill(growing);
    expect(sized.size).toBe(5_000);
    expect(growing.size).toBe(5_000);
    const a = sized.drainSorted();
    const b = growing.drainSorted();
    expect(Array.from(b.time)).toEqual(Array.from(a.time));
    b.dims.forEach((col, d) => expect(Array.from(col)).toEqual(Array.from(a.dims[d]!)));
    b.metrics.forEach((col, m) => expect(Array.from(col)).toEqual(Array.from(a.metrics[m]!)));
    // Each key met four times: count 4, and the sum of its four row numbers.
    expect(new Set(a.metrics[0])).toEqual(new Set([4]));
    expect(a.metrics[1]!.reduce((s, v) => s + v, 0)).toBe((20_000 * 19_999) / 2);
  });
});

import { describe, expect, it } from 'vitest';
import { lineParser } from '../../../src/ingest/input-format.ts';
import { RowAccounting } from '../../../src/ingest/parse-exceptions.ts';
import { RowSchema } from '../../../src/ingest/row-schema.ts';
import { decideAllocation } from '../../../src/overlord/allocation.ts';
import { RealtimeRowProcessor, type MessageTimeWindow } from '../../../src/realtime/row-router.ts';
import { Sinks } from '../../../src/realtime/sinks.ts';
import { readDataSchema } from '../../../src/spec/ingestion-spec.ts';
import { DS, World } from '../overlord/world.ts';

/** Rows at `hour`:`minute` of 2024-01-01 on page `page`. */
const row = (hour: number, minute: number, page: string): string => JSON.stringify({ ts: `2024-01-01T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`, page, n: 1 });

const dataSchema = readDataSchema({
  dataSource: DS,
  timestampSpec: { column: 'ts', format: 'iso' },
  dimensionsSpec: { dimensions: ['page'] },
  metricsSpec: [{ type: 'longSum', name: 'n', fieldName: 'n' }],
  granularitySpec: { segmentGranularity: 'hour', queryGranularity: 'none', rollup: true },
}, 'spec').value!;

/** One replica's routing: rows placed through the real overlord allocation of a shared World. */
function replica(w: World, taskId: string, window: MessageTimeWindow = { minimumMessageTime: null, maximumMessageTime: null }) {
  w.run(taskId, { realtime: true, groupId: 'group-1' });
  const schema = new RowSchema(dataSchema, 'ts');
  const sinks = new Sinks({
    dataSource: DS, schema, rollup: true, segmentGranularity: 'hour', baseSequenceName: 'group-1-seq', maxRowsPerSegment: 2, persistDir: '/nonexistent',
    allocate: async (req) => w.commit(decideAllocation(w.state, { ...req, taskId }, w.now, w.nextLockId())),
  });
  const accounting = new RowAccounting(10, 10, null);
  const processor = new RealtimeRowProcessor(dataSchema, schema, sinks, accounting, window);
  const parse = lineParser({ type: 'json' });
  return {
    sinks,
    accounting,
    async read(partition: string, lines: string[]): Promise<void> {
      processor.partition = partition;
      lines.forEach((l, i) => parse(l, i + 1, processor));
      await processor.placeWaiting();
    },
    /** Each segment's id, partition and rows. */
    segments: () => sinks.list().map((s) => ({ id: s.id, partition: s.partition, rows: s.rows })),
  };
}

describe('routing a realtime task\'s rows to segments', () => {
  it('each partition and hour gets segments of its own; a full one is followed by the next partition number of its chunk', async () => {
    const w = new World();
    const r = replica(w, 'r1');
    await r.read('0', [row(5, 0, 'a'), row(5, 1, 'b'), row(5, 2, 'c'), row(6, 0, 'a')]);
    await r.read('1', [row(5, 3, 'd')]);
    const hourOf = (start: number) => new Date(start).getUTCHours();
    expect(r.sinks.list().map((s) => ({ hour: hourOf(s.interval.start), partitionNum: s.allocation.partitionNum, partition: s.partition, rows: s.rows }))).toEqual([
      { hour: 5, partitionNum: 0, partition: '0', rows: 2 },
      { hour: 5, partitionNum: 1, partition: '0', rows: 1 },
      { hour: 6, partitionNum: 0, partition: '0', rows: 1 },
      { hour: 5, partitionNum: 2, partition: '1', rows: 1 },
    ]);
    const [first, second] = r.sinks.list();
    expect(w.cluster.entity('segment', second!.id)!.context.allocation).toMatchObject({ sequenceName: second!.sequenceName, previousSegmentId: first!.id });
    expect(r.accounting.stats).toEqual({ processed: 5, processedWithError: 0, unparseable: 0, thrownAway: 0 });
  });

  it('two replicas reading the partitions interleaved differently are given the same segments with the same rows', async () => {
    const w = new World();
    const a = replica(w, 'r1');
    const b = replica(w, 'r2');
    const p0 = [row(5, 0, 'a'), row(5, 1, 'b'), row(5, 2, 'c')];
    const p1 = [row(5, 3, 'd'), row(6, 0, 'e')];
    await a.read('0', p0);
    await a.read('1', p1);
    await b.read('1', p1);
    await b.read('0', p0);
    const bySegment = (r: ReturnType<typeof replica>) => Object.fromEntries(r.segments().map((s) => [s.id, [s.partition, s.rows]]));
    expect(bySegment(b)).toEqual(bySegment(a));
    expect(Object.keys(bySegment(a))).toHaveLength(4);
  });

  it('rows outside the message time window are thrown away and allocate nothing', async () => {
    const r = replica(new World(), 'r1', { minimumMessageTime: Date.parse('2024-01-01T05:00:00Z'), maximumMessageTime: Date.parse('2024-01-01T05:59:00Z') });
    await r.read('0', [row(4, 59, 'early'), row(5, 0, 'a'), row(5, 59, 'edge'), row(6, 0, 'late')]);
    expect(r.accounting.stats).toEqual({ processed: 2, processedWithError: 0, unparseable: 0, thrownAway: 2 });
    expect(r.segments().map((s) => s.rows)).toEqual([2]);
  });
});

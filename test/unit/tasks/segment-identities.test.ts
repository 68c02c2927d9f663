import { describe, expect, it } from 'vitest';
import type { LockType } from '../../../machines/lock/events.ts';
import type { PlannedSegment, SegmentIdentity, SegmentVersioning } from '../../../src/ingest/batch-ingestion.ts';
import type { AllocateRequest, Allocation } from '../../../src/overlord/allocation.ts';
import { segmentId } from '../../../src/segment/id.ts';
import { parseTaskSpec, type IndexTaskSpec } from '../../../src/spec/task-spec.ts';
import { appending, overwriting, type IdentityCalls } from '../../../src/tasks/segment-identities.ts';
import { formatInterval, parseInterval, type Interval } from '../../../src/time/interval.ts';

const day = (d: number): Interval => parseInterval(`2024-01-${String(d).padStart(2, '0')}/2024-01-${String(d + 1).padStart(2, '0')}`);

function task(o: { appendToExisting?: boolean; intervals?: string[]; context?: Record<string, unknown> } = {}): IndexTaskSpec {
  return parseTaskSpec({
    type: 'index_parallel', id: 'the-task', ...(o.context ? { context: o.context } : {}),
    spec: {
      dataSchema: { dataSource: 'pages', timestampSpec: { column: 'ts' }, dimensionsSpec: { dimensions: [] }, granularitySpec: { segmentGranularity: 'day', ...(o.intervals ? { intervals: o.intervals } : {}) } },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: '' }, inputFormat: { type: 'json' }, appendToExisting: o.appendToExisting ?? false },
    },
  }) as IndexTaskSpec;
}

const planned = (interval: Interval, partitionIndex: number, of: number): PlannedSegment => ({
  interval, partitionIndex, rows: 10, shardSpec: { type: 'numbered', partitionNum: partitionIndex, partitions: of },
});

/** An overlord that records what it is asked: each lock gets version `v<n>`, each allocation the next partition of `existing`. */
class RecordingOverlord implements IdentityCalls {
  readonly taskId = 'the-task';
  readonly locks: Array<{ interval: string; lockType: LockType; timeoutMs?: number }> = [];
  readonly allocations: Array<Omit<AllocateRequest, 'taskId'>> = [];
  private partition = 3;

  constructor(private readonly allocatedInterval?: (asked: number) => Interval) {}

  async lock(interval: Interval, lockType: LockType, timeoutMs?: number) {
    this.locks.push({ interval: formatInterval(interval), lockType, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    return { lockId: `lock-${this.locks.length}`, version: `v${this.locks.length}` };
  }

  async allocate(req: Omit<AllocateRequest, 'taskId'>): Promise<Allocation> {
    this.allocations.push(req);
    const interval = this.allocatedInterval?.(req.timestamp) ?? day(new Date(req.timestamp).getUTCDate());
    const partitionNum = this.partition++;
    return {
      segmentId: segmentId({ dataSource: 'pages', interval, version: 'existing', partitionNum }), interval: formatInterval(interval), version: 'existing', partitionNum,
      shardSpec: { type: 'numbered', partitionNum, partitions: 3 },
    };
  }
}

const identities = (v: SegmentVersioning, segments: PlannedSegment[]): Promise<readonly SegmentIdentity[]> => {
  if (!('allocate' in v)) throw new Error('expected an allocating versioning');
  return Promise.resolve(v.allocate(segments));
};

describe('overwriting: segments take the versions of the locks over their chunks', () => {
  it('locks the chunks the data fills, contiguous ones together as the overlord locks them up front, and keeps the planned partitions', async () => {
    const overlord = new RecordingOverlord();
    const segments = [planned(day(1), 0, 2), planned(day(1), 1, 2), planned(day(2), 0, 1), planned(day(5), 0, 1)];
    const ids = await identities(overwriting(task(), overlord), segments);
    expect(overlord.locks).toEqual([
      { interval: '2024-01-01T00:00:00.000Z/2024-01-03T00:00:00.000Z', lockType: 'EXCLUSIVE' },
      { interval: '2024-01-05T00:00:00.000Z/2024-01-06T00:00:00.000Z', lockType: 'EXCLUSIVE' },
    ]);
    expect(ids).toEqual([
      { version: 'v1', partitionNum: 0, shardSpec: segments[0]!.shardSpec },
      { version: 'v1', partitionNum: 1, shardSpec: segments[1]!.shardSpec },
      { version: 'v1', partitionNum: 0, shardSpec: segments[2]!.shardSpec },
      { version: 'v2', partitionNum: 0, shardSpec: segments[3]!.shardSpec },
    ]);
  });

  it("asks with the task's lock type and lock timeout (context.taskLockType, context.taskLockTimeout)", async () => {
    const overlord = new RecordingOverlord();
    await identities(overwriting(task({ context: { taskLockType: 'REPLACE', taskLockTimeout: 1234 } }), overlord), [planned(day(3), 0, 1)]);
    expect(overlord.locks).toEqual([{ interval: '2024-01-03T00:00:00.000Z/2024-01-04T00:00:00.000Z', lockType: 'REPLACE', timeoutMs: 1234 }]);
  });

  it('locks nothing when there is nothing to write', async () => {
    const overlord = new RecordingOverlord();
    expect(await identities(overwriting(task(), overlord), [])).toEqual([]);
    expect(overlord.locks).toEqual([]);
  });
});

describe('appending: segments get their ids from the overlord, one sequence per task', () => {
  it("allocates each segment after the previous one, at its chunk's start, and takes the allocated version, partition and shard spec", async () => {
    const overlord = new RecordingOverlord();
    const ids = await identities(appending(task({ appendToExisting: true }), overlord), [planned(day(1), 0, 2), planned(day(1), 1, 2), planned(day(2), 0, 1)]);
    expect(overlord.allocations.map((a) => [new Date(a.timestamp).toISOString(), a.sequenceName, a.previousSegmentId, a.lockType, a.segmentGranularity])).toEqual([
      ['2024-01-01T00:00:00.000Z', 'the-task', null, 'EXCLUSIVE', 'day'],
      ['2024-01-01T00:00:00.000Z', 'the-task', 'pages_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_existing_3', 'EXCLUSIVE', 'day'],
      ['2024-01-02T00:00:00.000Z', 'the-task', 'pages_2024-01-01T00:00:00.000Z_2024-01-02T00:00:00.000Z_existing_4', 'EXCLUSIVE', 'day'],
    ]);
    expect(ids.map((i) => [i.version, i.partitionNum, i.shardSpec.partitions])).toEqual([['existing', 3, 3], ['existing', 4, 3], ['existing', 5, 3]]);
  });

  it('asks for APPEND locks when the task uses concurrent locks', async () => {
    const overlord = new RecordingOverlord();
    await identities(appending(task({ appendToExisting: true, context: { useConcurrentLocks: true } }), overlord), [planned(day(1), 0, 1)]);
    expect(overlord.allocations[0]!.lockType).toBe('APPEND');
  });

  it('refuses to append into existing segments of another granularity, saying which and what to do', async () => {
    const overlord = new RecordingOverlord(() => parseInterval('2024-01-01/2024-02-01'));
    await expect(identities(appending(task({ appendToExisting: true }), overlord), [planned(day(1), 0, 1)])).rejects.toThrow(
      'cannot append to 2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z: the existing segments there cover 2024-01-01T00:00:00.000Z/2024-02-01T00:00:00.000Z. ' +
      'Append with the segmentGranularity of the existing data, or overwrite instead.',
    );
  });
});

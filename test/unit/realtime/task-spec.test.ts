import { describe, expect, it } from 'vitest';
import { parseRealtimeTask } from '../../../src/realtime/task-spec.ts';
import { SpecValidationError } from '../../../src/spec/validation.ts';

const dataSchema = {
  dataSource: 'clicks',
  timestampSpec: { column: 'ts', format: 'iso' },
  dimensionsSpec: { dimensions: ['page'] },
  metricsSpec: [{ type: 'count', name: 'count' }],
  granularitySpec: { segmentGranularity: 'hour', queryGranularity: 'none' },
};

const task = (ioConfig: Record<string, unknown>, tuningConfig: unknown = {}) => ({
  type: 'index_nats', id: 't1', groupId: 'g1', dataSource: 'clicks',
  spec: { dataSchema, ioConfig: { stream: 'clicks', subjectPrefix: 'grove.clicks', inputFormat: { type: 'json' }, baseSequenceName: 'g1-seq', startSequenceNumbers: { 0: 1, 1: 5 }, ...ioConfig }, tuningConfig },
  context: { supervisorId: 's', taskGroupId: '0' },
});

function issuesOf(json: unknown): Array<{ path: string; reason: string }> {
  try {
    parseRealtimeTask(json);
  } catch (e) {
    if (e instanceof SpecValidationError) return e.details;
    throw e;
  }
  throw new Error('expected the task to be refused');
}

describe('an index_nats task JSON', () => {
  it('is read with Druid\'s streaming defaults', () => {
    const t = parseRealtimeTask(task({ endSequenceNumbers: { 0: 9, 1: 5 } }));
    expect(t).toMatchObject({ groupId: 'g1', dataSource: 'clicks', stream: 'clicks', subjectPrefix: 'grove.clicks', baseSequenceName: 'g1-seq', start: { 0: 1, 1: 5 }, end: { 0: 9, 1: 5 }, minimumMessageTime: null });
    expect(t.tuning).toMatchObject({ maxRowsInMemory: 150_000, maxRowsPerSegment: 5_000_000, intermediatePersistPeriodMs: 600_000, handoffConditionTimeoutMs: 900_000 });
  });

  it('takes periods as ISO durations or milliseconds, and 0 as a handoff wait for ever', () => {
    expect(parseRealtimeTask(task({}, { intermediatePersistPeriod: 'PT1M', handoffConditionTimeout: 0 })).tuning).toMatchObject({ intermediatePersistPeriodMs: 60_000, handoffConditionTimeoutMs: 0 });
  });

  it('names every bad field by its path', () => {
    expect(issuesOf(task({ stream: 'a b', startSequenceNumbers: { 0: -1, x: 3 }, endSequenceNumbers: { 0: 4, 2: 1 }, minimumMessageTime: 'yesterday' }, { maxRowsPerSegment: 0 }))).toEqual([
      { path: 'spec.ioConfig.startSequenceNumbers.0', reason: 'expected a stream sequence (a non-negative integer)' },
      { path: 'spec.ioConfig.startSequenceNumbers.x', reason: 'a partition is a number (the n of <subjectPrefix>.<n>)' },
      { path: 'spec.ioConfig.stream', reason: 'must be NATS subject tokens (no spaces, "*" or ">")' },
      { path: 'spec.ioConfig.minimumMessageTime', reason: 'expected epoch milliseconds' },
      { path: 'spec.tuningConfig.maxRowsPerSegment', reason: 'must be at least 1' },
    ]);
    expect(issuesOf(task({ endSequenceNumbers: { 0: 4, 2: 1 } }))).toEqual([
      // start is { 0: 1, 1: 5 }
      { path: 'spec.ioConfig.endSequenceNumbers.1', reason: 'missing: the task reads this partition' },
      { path: 'spec.ioConfig.endSequenceNumbers.2', reason: 'the task does not read this partition' },
    ]);
  });

  it('needs a stream, a subject prefix, a base sequence name and a datasource that its dataSchema agrees with', () => {
    const json = task({ stream: undefined, subjectPrefix: undefined, baseSequenceName: undefined });
    (json as { dataSource: string }).dataSource = 'other';
    expect(issuesOf(json).map((i) => i.path)).toEqual(['spec.dataSchema.dataSource', 'spec.ioConfig.stream', 'spec.ioConfig.subjectPrefix', 'spec.ioConfig.baseSequenceName']);
  });
});

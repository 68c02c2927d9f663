import { describe, expect, it } from 'vitest';
import { parseSupervisorSpec } from '../../../src/spec/supervisor-spec.ts';
import { isSpecValidationError, type FieldIssue } from '../../../src/spec/validation.ts';

/** Druid's Kafka tutorial supervisor, with a JetStream stream for the topic. */
const metrics = () => ({
  type: 'nats',
  spec: {
    dataSchema: {
      dataSource: 'metrics',
      timestampSpec: { column: 'timestamp', format: 'iso' },
      dimensionsSpec: { dimensions: ['server', 'service'] },
      metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'value', fieldName: 'value' }],
      granularitySpec: { segmentGranularity: 'hour', queryGranularity: 'none', rollup: true },
    },
    ioConfig: { stream: 'METRICS', inputFormat: { type: 'json' }, taskCount: 2, replicas: 2, taskDuration: 'PT10M' },
    tuningConfig: { maxRowsPerSegment: 100_000 },
  },
});

function issuesOf(spec: unknown): FieldIssue[] {
  try {
    parseSupervisorSpec(spec);
  } catch (e) {
    if (isSpecValidationError(e)) return e.details;
    throw e;
  }
  throw new Error('the spec was accepted');
}

describe('a supervisor spec', () => {
  it('is read with Druid\'s defaults filled in', () => {
    const s = parseSupervisorSpec(metrics());
    expect(s.dataSource).toBe('metrics');
    expect(s.ioConfig).toMatchObject({
      stream: 'METRICS', subjectPrefix: null, taskCount: 2, replicas: 2, taskDurationMs: 600_000, useEarliestSequence: false,
      completionTimeoutMs: 30 * 60_000, lateMessageRejectionPeriodMs: null, earlyMessageRejectionPeriodMs: null, push: false,
    });
    expect(s.tuningConfig).toEqual({ maxRowsInMemory: 150_000, maxRowsPerSegment: 100_000, intermediatePersistPeriodMs: 600_000, handoffConditionTimeoutMs: 900_000 });
    expect(s.dataSchema.granularitySpec.segmentGranularity).toBe('hour');
    expect(s.json.spec.tuningConfig).toMatchObject({ type: 'nats', maxRowsPerSegment: 100_000, intermediatePersistPeriod: 'PT10M' });
  });

  it('is also accepted in the flat form, with Druid\'s useEarliestOffset for useEarliestSequence', () => {
    const { spec } = metrics();
    const s = parseSupervisorSpec({ type: 'nats', ...spec, ioConfig: { ...spec.ioConfig, useEarliestOffset: true } });
    expect(s.ioConfig.useEarliestSequence).toBe(true);
    expect(s.json.spec.dataSchema).toEqual(spec.dataSchema);
  });

  it('names every bad field, in the form it was written', () => {
    const spec = metrics();
    Object.assign(spec.spec.ioConfig, { taskCount: 0, replicas: 1.5, taskDuration: 'an hour', lateMessageRejectionPeriod: 'P1M' });
    spec.spec.dataSchema.metricsSpec.push({ type: 'longSum', name: 'count', fieldName: 'x' });
    expect(issuesOf(spec)).toEqual(expect.arrayContaining([
      { path: 'spec.ioConfig.taskCount', reason: 'must be positive' },
      { path: 'spec.ioConfig.replicas', reason: 'must be an integer' },
      { path: 'spec.ioConfig.taskDuration', reason: expect.stringContaining('"an hour" is not an ISO-8601 period') },
      { path: 'spec.ioConfig.lateMessageRejectionPeriod', reason: expect.stringContaining('"P1M"') },
      { path: 'spec.dataSchema.metricsSpec[2].name', reason: expect.stringContaining('duplicate metric "count"') },
    ]));
    const { spec: flat } = metrics();
    expect(issuesOf({ type: 'nats', ...flat, ioConfig: { ...flat.ioConfig, stream: 'a.b' } })).toEqual([{ path: 'ioConfig.stream', reason: expect.stringContaining('cannot contain') }]);
  });

  it('needs a stream and an input format, unless rows are pushed', () => {
    const spec = metrics();
    spec.spec.ioConfig = { taskCount: 1 } as never;
    expect(issuesOf(spec)).toEqual([
      { path: 'spec.ioConfig.stream', reason: expect.stringContaining('required') },
      { path: 'spec.ioConfig.inputFormat', reason: expect.stringContaining('required') },
    ]);
    const pushed = metrics();
    pushed.spec.ioConfig = { push: true, taskCount: 2 } as never;
    const s = parseSupervisorSpec(pushed);
    expect(s.ioConfig).toMatchObject({ push: true, stream: 'GROVE_PUSH_metrics', subjectPrefix: 'grove.stream.metrics', inputFormat: { type: 'json' }, duplicateWindowMs: 120_000 });
  });

  it('is refused whole when it is not a nats supervisor', () => {
    expect(issuesOf({ type: 'kafka', spec: metrics().spec })).toEqual([{ path: 'type', reason: 'unsupported supervisor type "kafka" (expected nats)' }]);
    expect(issuesOf([])).toEqual([{ path: '', reason: expect.stringContaining('expected a supervisor spec object') }]);
    expect(issuesOf({ type: 'nats', spec: { ioConfig: { stream: 'S', inputFormat: { type: 'json' } } } })).toEqual([{ path: 'spec.dataSchema', reason: 'required' }]);
  });

  it('keeps push datasources to names a subject can hold', () => {
    const spec = metrics();
    spec.spec.dataSchema.dataSource = 'my.metrics';
    spec.spec.ioConfig = { push: true } as never;
    expect(issuesOf(spec)).toEqual([{ path: 'spec.dataSchema.dataSource', reason: expect.stringContaining('grove.push.<dataSource>') }]);
  });
});

describe('a supervisor spec as the log records it', () => {
  it('reads back to the same spec, push supervisors included', () => {
    for (const io of [{ stream: 'METRICS', inputFormat: { type: 'json' } }, { push: true, taskCount: 3 }]) {
      const spec = { ...metrics(), spec: { ...metrics().spec, ioConfig: io } };
      const once = parseSupervisorSpec(spec);
      expect(parseSupervisorSpec(once.json)).toEqual(once);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseTaskSpec, type CompactTaskSpec, type IndexTaskSpec, type KillTaskSpec } from '../../../src/spec/task-spec.ts';
import { isSpecValidationError, type FieldIssue } from '../../../src/spec/validation.ts';
import { parseInterval } from '../../../src/time/interval.ts';

/** The wikipedia tutorial task from Druid's quickstart, as a user would submit it. */
const wikipedia = () => ({
  type: 'index_parallel',
  spec: {
    dataSchema: {
      dataSource: 'wikipedia',
      timestampSpec: { column: 'time', format: 'iso' },
      dimensionsSpec: { dimensions: ['channel', 'cityName', 'comment', { type: 'long', name: 'countryIsoCode' }, 'page', 'user'] },
      metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
      granularitySpec: { type: 'uniform', segmentGranularity: 'day', queryGranularity: 'none', intervals: ['2015-09-12/2015-09-13'], rollup: false },
    },
    ioConfig: {
      type: 'index_parallel',
      inputSource: { type: 'local', baseDir: 'quickstart/tutorial/', filter: 'wikiticker-2015-09-12-sampled.json.gz' },
      inputFormat: { type: 'json' },
      appendToExisting: false,
    },
    tuningConfig: { type: 'index_parallel', maxRowsPerSegment: 5000000, maxRowsInMemory: 25000 },
  },
});

/** The issues a task is refused with. */
function issuesOf(task: unknown): FieldIssue[] {
  try {
    parseTaskSpec(task);
  } catch (e) {
    if (isSpecValidationError(e)) {
      expect(e.code).toBe('invalid_spec');
      return e.details;
    }
    throw e;
  }
  throw new Error('the task was accepted');
}

const paths = (task: unknown): string[] => issuesOf(task).map((i) => i.path);

describe('index tasks', () => {
  it('accept Druid\'s tutorial task unchanged, filling Druid\'s defaults', () => {
    const task = parseTaskSpec(wikipedia()) as IndexTaskSpec;
    expect(task).toMatchObject({ type: 'index_parallel', dataSource: 'wikipedia', priority: 50, id: null, groupId: null });
    expect(task.spec.dataSchema.dimensionsSpec.dimensions[3]).toEqual({ name: 'countryIsoCode', type: 'long' });
    expect(task.spec.dataSchema.granularitySpec).toEqual({ segmentGranularity: 'day', queryGranularity: 'none', rollup: false, intervals: [parseInterval('2015-09-12/2015-09-13')] });
    expect(task.spec.tuningConfig).toEqual({
      maxRowsInMemory: 25000, partitionsSpec: { type: 'dynamic', maxRowsPerSegment: 5000000 }, forceGuaranteedRollup: false,
      maxParseExceptions: 2147483647, maxSavedParseExceptions: 10, logParseExceptions: false,
    });
    expect(task.spec.ioConfig).toMatchObject({ appendToExisting: false, dropExisting: false });
  });

  it('take id, groupId and context.priority from the task', () => {
    const task = parseTaskSpec({ ...wikipedia(), id: 'my-task', groupId: 'g', context: { priority: 90, other: 'kept' } });
    expect(task).toMatchObject({ id: 'my-task', groupId: 'g', priority: 90, context: { priority: 90, other: 'kept' } });
  });

  it('default a minimal spec as Druid does: auto timestamps, day chunks, rollup, schemaless', () => {
    const task = parseTaskSpec({ type: 'index', spec: { dataSchema: { dataSource: 'x' }, ioConfig: { inputSource: { type: 'inline', data: '' }, inputFormat: { type: 'json' } } } }) as IndexTaskSpec;
    expect(task.priority).toBe(50);
    expect(task.spec.dataSchema).toMatchObject({
      timestampSpec: { column: 'timestamp', format: 'auto', missingValue: null },
      dimensionsSpec: { dimensions: [], dimensionExclusions: [] },
      granularitySpec: { segmentGranularity: 'day', queryGranularity: 'none', rollup: true, intervals: null },
    });
  });

  it('are refused with every bad field named at once', () => {
    const task = wikipedia();
    const ds = task.spec.dataSchema as Record<string, unknown>;
    delete ds.dataSource;
    ds.metricsSpec = [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'added' }, { type: 'hyperUnique', name: 'u', fieldName: 'user' }, { type: 'count', name: 'page' }, { type: 'count', name: 'count' }];
    (ds.timestampSpec as Record<string, unknown>).format = 'yyyy-MM-dd QQ';
    (ds.granularitySpec as Record<string, unknown>).segmentGranularity = 'fortnight';
    (ds.granularitySpec as Record<string, unknown>).intervals = ['2015-09-13/2015-09-12'];
    (ds.dimensionsSpec as { dimensions: unknown[] }).dimensions.push('user', { type: 'json', name: 'nested' });
    ds.transformSpec = { transforms: [{ type: 'expression', name: 't', expression: 'concat(page,' }], filter: { type: 'selector' } };
    (task.spec.ioConfig as Record<string, unknown>).inputFormat = { type: 'parquet' };
    (task.spec.tuningConfig as Record<string, unknown>).maxRowsInMemory = -1;
    expect(paths(task).sort()).toEqual([
      'spec.dataSchema.dataSource',
      'spec.dataSchema.dimensionsSpec.dimensions[6]',
      'spec.dataSchema.dimensionsSpec.dimensions[7].type',
      'spec.dataSchema.granularitySpec.intervals[0]',
      'spec.dataSchema.granularitySpec.segmentGranularity',
      'spec.dataSchema.metricsSpec[1].fieldName',
      'spec.dataSchema.metricsSpec[2].type',
      'spec.dataSchema.metricsSpec[3].name',
      'spec.dataSchema.metricsSpec[4].name',
      'spec.dataSchema.timestampSpec.format',
      'spec.dataSchema.transformSpec.filter.dimension',
      'spec.dataSchema.transformSpec.transforms[0].expression',
      'spec.ioConfig.inputFormat.type',
      'spec.tuningConfig.maxRowsInMemory',
    ].sort());
  });

  it('say what is wrong with each field', () => {
    const task = wikipedia();
    (task.spec.dataSchema.dimensionsSpec.dimensions as unknown[]).push('page');
    task.spec.dataSchema.metricsSpec.push({ type: 'longSum', name: 'user', fieldName: 'x' });
    const reasons = Object.fromEntries(issuesOf(task).map((i) => [i.path, i.reason]));
    expect(reasons).toEqual({
      'spec.dataSchema.dimensionsSpec.dimensions[6]': 'duplicate dimension "page" (also dimensions[4])',
      'spec.dataSchema.metricsSpec[2].name': '"user" is also a dimension (dimensions[5])',
    });
  });

  it('are refused for an unknown or missing type', () => {
    expect(issuesOf({ ...wikipedia(), type: 'index_hadoop' })).toEqual([{ path: 'type', reason: 'unknown task type "index_hadoop" (expected one of index_parallel, index, compact, kill)' }]);
    expect(paths({ spec: wikipedia().spec })).toEqual(['type']);
    expect(issuesOf('index')).toEqual([{ path: '', reason: 'expected a task object' }]);
  });

  it('are refused when the ioConfig or tuningConfig type names another task', () => {
    expect(paths({ ...wikipedia(), type: 'index' })).toEqual(['spec.ioConfig.type', 'spec.tuningConfig.type']);
  });

  it('enforce Druid\'s partitioning rules: hashed and range need perfect rollup, perfect rollup cannot append', () => {
    const withTuning = (tuningConfig: object, ioConfig: object = {}) => {
      const t = wikipedia();
      Object.assign(t.spec.tuningConfig, tuningConfig);
      Object.assign(t.spec.ioConfig, ioConfig);
      return t;
    };
    expect(issuesOf(withTuning({ partitionsSpec: { type: 'hashed', numShards: 2 } }))).toEqual([
      { path: 'spec.tuningConfig.forceGuaranteedRollup', reason: 'must be true for hashed partitioning (perfect rollup)' },
    ]);
    expect(paths(withTuning({ forceGuaranteedRollup: true, partitionsSpec: { type: 'dynamic' } }))).toEqual(['spec.tuningConfig.partitionsSpec.type']);
    expect(paths(withTuning({ forceGuaranteedRollup: true, partitionsSpec: { type: 'hashed', numShards: 2, targetRowsPerSegment: 10 } }))).toEqual(['spec.tuningConfig.partitionsSpec.numShards']);
    expect(paths(withTuning({ forceGuaranteedRollup: true }, { appendToExisting: true }))).toEqual(['spec.tuningConfig.forceGuaranteedRollup']);
    expect(issuesOf(withTuning({ forceGuaranteedRollup: true, partitionsSpec: { type: 'range', partitionDimensions: ['countryIsoCode', 'nope'] } }))).toEqual([
      { path: 'spec.tuningConfig.partitionsSpec.targetRowsPerSegment', reason: 'exactly one of targetRowsPerSegment and maxRowsPerSegment is required' },
      { path: 'spec.tuningConfig.partitionsSpec.partitionDimensions[0]', reason: '"countryIsoCode" is not a string dimension' },
      { path: 'spec.tuningConfig.partitionsSpec.partitionDimensions[1]', reason: '"nope" is not a dimension' },
    ]);
    expect(paths(withTuning({}, { appendToExisting: true, dropExisting: true }))).toEqual(['spec.ioConfig.dropExisting']);
  });

  it('resolve the partitionsSpec the way Druid does, legacy fields included', () => {
    const tuning = (tuningConfig: object) => {
      const t = wikipedia();
      t.spec.tuningConfig = { type: 'index_parallel', ...tuningConfig } as typeof t.spec.tuningConfig;
      return (parseTaskSpec(t) as IndexTaskSpec).spec.tuningConfig.partitionsSpec;
    };
    expect(tuning({})).toEqual({ type: 'dynamic', maxRowsPerSegment: 5000000 });
    expect(tuning({ forceGuaranteedRollup: true })).toEqual({ type: 'hashed', numShards: null, targetRowsPerSegment: 5000000, partitionDimensions: [] });
    expect(tuning({ forceGuaranteedRollup: true, numShards: 4, partitionDimensions: ['page'] })).toEqual({ type: 'hashed', numShards: 4, targetRowsPerSegment: null, partitionDimensions: ['page'] });
    expect(tuning({ forceGuaranteedRollup: true, partitionsSpec: { type: 'single_dim', partitionDimension: 'page', maxRowsPerSegment: 100 } })).toEqual({ type: 'range', partitionDimensions: ['page'], targetRowsPerSegment: 100 });
  });

  it('accept Druid\'s legacy parser and firehose, and a top-level dataSource that agrees', () => {
    const legacy = {
      type: 'index',
      dataSource: 'old',
      spec: {
        dataSchema: {
          parser: { type: 'string', parseSpec: { format: 'csv', columns: ['ts', 'page'], timestampSpec: { column: 'ts', format: 'auto' }, dimensionsSpec: { dimensions: ['page'] } } },
        },
        ioConfig: { type: 'index', firehose: { type: 'local', baseDir: '/data', filter: '*.csv' } },
      },
    };
    const task = parseTaskSpec(legacy) as IndexTaskSpec;
    expect(task.dataSource).toBe('old');
    expect(task.spec.dataSchema.timestampSpec.column).toBe('ts');
    expect(task.spec.ioConfig.inputFormat).toEqual({ type: 'csv', columns: ['ts', 'page'], findColumnsFromHeader: false, skipHeaderRows: 0, delimiter: ',' });
    expect(task.spec.ioConfig.inputSource).toEqual({ type: 'local', baseDir: '/data', filter: '*.csv', files: undefined });
    expect(issuesOf({ ...wikipedia(), dataSource: 'other' })).toEqual([{ path: 'dataSource', reason: '"other" differs from spec.dataSchema.dataSource "wikipedia"' }]);
  });
});

describe('compact tasks', () => {
  it('accept an interval inputSpec with granularity and tuning overrides', () => {
    const task = parseTaskSpec({
      type: 'compact', dataSource: 'wikipedia',
      ioConfig: { type: 'compact', inputSpec: { type: 'interval', interval: '2015-09-12/2015-09-13' } },
      granularitySpec: { segmentGranularity: 'month' },
      tuningConfig: { type: 'index_parallel', maxRowsPerSegment: 1000 },
    }) as CompactTaskSpec;
    expect(task).toMatchObject({
      type: 'compact', dataSource: 'wikipedia', priority: 25,
      input: { type: 'interval', interval: parseInterval('2015-09-12/2015-09-13') },
      granularitySpec: { segmentGranularity: 'month', queryGranularity: null, rollup: null },
      tuningConfig: { type: 'index_parallel', maxRowsPerSegment: 1000 },
    });
  });

  it('accept segments and the legacy top-level interval', () => {
    const bySegments = parseTaskSpec({ type: 'compact', dataSource: 'w', ioConfig: { inputSpec: { type: 'segments', segments: ['w_a_b_v', { id: 'w_a_b_v_1' }] } } }) as CompactTaskSpec;
    expect(bySegments.input).toEqual({ type: 'segments', segmentIds: ['w_a_b_v', 'w_a_b_v_1'] });
    const legacy = parseTaskSpec({ type: 'compact', dataSource: 'w', interval: '2020-01-01/P1M' }) as CompactTaskSpec;
    expect(legacy.input).toEqual({ type: 'interval', interval: parseInterval('2020-01-01/2020-02-01') });
  });

  it('are refused without a dataSource or input, or with a bad interval or granularity', () => {
    expect(paths({ type: 'compact' }).sort()).toEqual(['dataSource', 'ioConfig.inputSpec']);
    expect(paths({ type: 'compact', dataSource: 'w', ioConfig: { inputSpec: { type: 'interval', interval: '2020/2019' } }, granularitySpec: { segmentGranularity: 'eon' } }).sort())
      .toEqual(['granularitySpec.segmentGranularity', 'ioConfig.inputSpec.interval']);
  });
});

describe('kill tasks', () => {
  it('accept a dataSource and an interval', () => {
    const task = parseTaskSpec({ type: 'kill', id: 'k1', dataSource: 'w', interval: '2020-01-01/2021-01-01' }) as KillTaskSpec;
    expect(task).toEqual({ type: 'kill', id: 'k1', groupId: null, dataSource: 'w', context: {}, priority: 0, interval: parseInterval('2020-01-01/2021-01-01') });
  });

  it('are refused without them', () => {
    expect(paths({ type: 'kill', interval: 'never' }).sort()).toEqual(['dataSource', 'interval']);
  });
});

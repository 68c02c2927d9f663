/** Druid task JSON for the overlord's tests: an inline `index_parallel` task. */
export function indexTask(o: { id?: string; intervals?: string[]; segmentGranularity?: string; appendToExisting?: boolean; context?: Record<string, unknown> } = {}) {
  return {
    type: 'index_parallel',
    ...(o.id ? { id: o.id } : {}),
    ...(o.context ? { context: o.context } : {}),
    spec: {
      dataSchema: {
        dataSource: 'wikipedia',
        timestampSpec: { column: 'time', format: 'iso' },
        dimensionsSpec: { dimensions: ['page'] },
        granularitySpec: { segmentGranularity: o.segmentGranularity ?? 'day', queryGranularity: 'none', ...(o.intervals ? { intervals: o.intervals } : {}) },
      },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'inline', data: '{"time":"2024-01-01T00:00:00Z","page":"a"}' }, inputFormat: { type: 'json' }, appendToExisting: o.appendToExisting ?? false },
    },
  };
}

/**
 * The dataSchema most tests ingest: page views with a `page` dimension, a row count and a longSum
 * of `added`. Options change only what a test is about (time column and format, granularity,
 * rollup, intervals); everything else is the same everywhere.
 */
export interface PageViewOptions {
  timeColumn?: string;
  timeFormat?: string;
  segmentGranularity?: string;
  rollup?: boolean;
  intervals?: string[];
}

export function pageViewSchema(dataSource: string, o: PageViewOptions = {}): Record<string, unknown> {
  return {
    dataSource,
    timestampSpec: { column: o.timeColumn ?? 'ts', format: o.timeFormat ?? 'iso' },
    dimensionsSpec: { dimensions: ['page'] },
    metricsSpec: [{ type: 'count', name: 'count' }, { type: 'longSum', name: 'added', fieldName: 'added' }],
    granularitySpec: {
      segmentGranularity: o.segmentGranularity ?? 'day',
      queryGranularity: 'none',
      ...(o.rollup !== undefined ? { rollup: o.rollup } : {}),
      ...(o.intervals !== undefined ? { intervals: o.intervals } : {}),
    },
  };
}

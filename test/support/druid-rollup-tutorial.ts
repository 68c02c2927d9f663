/**
 * Druid's rollup tutorial (quickstart/tutorial/rollup-data.json and rollup-index.json) and the
 * rolled-up table its documentation shows: the seed's rollup example, for every test that proves it.
 */

/** Druid's rollup tutorial input (quickstart/tutorial/rollup-data.json). */
export const ROLLUP_DATA = `{"timestamp":"2018-01-01T01:01:35Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":20,"bytes":9024}
{"timestamp":"2018-01-01T01:01:51Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":255,"bytes":21133}
{"timestamp":"2018-01-01T01:01:59Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":11,"bytes":5780}
{"timestamp":"2018-01-01T01:02:14Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":38,"bytes":6289}
{"timestamp":"2018-01-01T01:02:29Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":377,"bytes":359971}
{"timestamp":"2018-01-01T01:03:29Z","srcIP":"1.1.1.1", "dstIP":"2.2.2.2","packets":49,"bytes":10204}
{"timestamp":"2018-01-02T21:33:14Z","srcIP":"7.7.7.7", "dstIP":"8.8.8.8","packets":38,"bytes":6289}
{"timestamp":"2018-01-02T21:33:45Z","srcIP":"7.7.7.7", "dstIP":"8.8.8.8","packets":123,"bytes":93999}
{"timestamp":"2018-01-02T21:35:45Z","srcIP":"7.7.7.7", "dstIP":"8.8.8.8","packets":12,"bytes":2818}
`;

/** Druid's rollup tutorial task (quickstart/tutorial/rollup-index.json), unchanged but for the path. */
export function rollupTask(baseDir: string, tuningConfig: object = { type: 'index_parallel', maxRowsPerSegment: 5000000, maxRowsInMemory: 25000 }): unknown {
  return {
    type: 'index_parallel',
    spec: {
      dataSchema: {
        dataSource: 'rollup-tutorial',
        dimensionsSpec: { dimensions: ['srcIP', 'dstIP'] },
        timestampSpec: { column: 'timestamp', format: 'iso' },
        metricsSpec: [
          { type: 'count', name: 'count' },
          { type: 'longSum', name: 'packets', fieldName: 'packets' },
          { type: 'longSum', name: 'bytes', fieldName: 'bytes' },
        ],
        granularitySpec: { type: 'uniform', segmentGranularity: 'week', queryGranularity: 'minute', intervals: ['2018-01-01/2018-01-03'], rollup: true },
      },
      ioConfig: { type: 'index_parallel', inputSource: { type: 'local', baseDir, filter: 'rollup-data.json' }, inputFormat: { type: 'json' }, appendToExisting: false },
      tuningConfig,
    },
  };
}

/** The rolled-up table Druid's tutorial shows. */
export const DRUID_ROLLED_UP = [
  { __time: '2018-01-01T01:01:00.000Z', srcIP: '1.1.1.1', dstIP: '2.2.2.2', count: 3, packets: 286, bytes: 35937 },
  { __time: '2018-01-01T01:02:00.000Z', srcIP: '1.1.1.1', dstIP: '2.2.2.2', count: 2, packets: 415, bytes: 366260 },
  { __time: '2018-01-01T01:03:00.000Z', srcIP: '1.1.1.1', dstIP: '2.2.2.2', count: 1, packets: 49, bytes: 10204 },
  { __time: '2018-01-02T21:33:00.000Z', srcIP: '7.7.7.7', dstIP: '8.8.8.8', count: 2, packets: 161, bytes: 100288 },
  { __time: '2018-01-02T21:35:00.000Z', srcIP: '7.7.7.7', dstIP: '8.8.8.8', count: 1, packets: 12, bytes: 2818 },
];

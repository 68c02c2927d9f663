import type { SegmentReader } from '../segment/reader.ts';
import type { AggregatorKind } from '../spec/aggregator.ts';
import type { AggregatingQuery } from '../spec/query.ts';
import { parseGranularity } from '../time/granularity.ts';
import type { Interval } from '../time/interval.ts';
import { bindAggregators, selectRange, type BoundAggregator, type SelectedRange } from './aggregation.ts';
import { compileFilter } from './filter-match.ts';
import { bindFilter } from './segment-filter.ts';
import { buckets, rowRanges, type Bucket } from './time-ranges.ts';

/** What an aggregating query reads in one segment: bound aggregators, selected rows, buckets. */
export interface PreparedSegment {
  aggregators: BoundAggregator[];
  /** The query's aggregators' kinds, then the implicit row count. */
  kinds: AggregatorKind[];
  ranges: Array<{ selected: SelectedRange; buckets: Bucket[] }>;
}

export function prepareSegment(query: AggregatingQuery, segment: SegmentReader, clip: Interval | undefined, fill: boolean): PreparedSegment {
  const aggregators = bindAggregators(query.aggregations, segment);
  const matcher = bindFilter(query.filter === null ? null : compileFilter(query.filter), segment);
  const granularity = parseGranularity(query.granularity);
  return {
    aggregators,
    kinds: aggregators.map((a) => a.kind),
    ranges: rowRanges(segment, query.intervals, clip).map((range) => ({
      selected: selectRange(range, matcher, aggregators),
      buckets: buckets(segment, [range], granularity, fill),
    })),
  };
}

/** Numbers bucket keys 0, 1, 2, ... in the order met, keeping each key's earliest time. */
export class BucketIndex {
  readonly keys: number[] = [];
  readonly times: number[] = [];
  private readonly index = new Map<number, number>();

  of(b: Bucket): number {
    let i = this.index.get(b.key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(b.key, i);
      this.keys.push(b.key);
      this.times.push(b.time);
    } else if (b.time < this.times[i]!) {
      this.times[i] = b.time;
    }
    return i;
  }
}

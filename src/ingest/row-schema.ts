import { compareLexicographic } from '../spec/sorting-orders.ts';
import { rowAggregator, type RowAggregator } from '../spec/aggregator.ts';
import { metricInputFields, type DataSchema } from '../spec/ingestion-spec.ts';
import type { DimensionSchema, MetricSchema } from '../segment/types.ts';

/**
 * A string dimension's values for the whole ingestion: each distinct value gets an id in order of
 * first sight (0 is null), so rolled-up rows, spills and merges carry small integers, not strings.
 */
export class StringDictionary {
  private readonly ids = new Map<string, number>();
  readonly values: Array<string | null> = [null];
  private rankCache: Int32Array | null = null;

  idOf(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
      this.rankCache = null;
    }
    return id;
  }

  get size(): number {
    return this.values.length;
  }

  /** `ranks()[id]` is the value's position in Druid's order (null first, then Java String order). */
  ranks(): Int32Array {
    if (this.rankCache === null) {
      const order = Array.from(this.values.keys()).sort((a, b) => compareLexicographic(this.values[a]!, this.values[b]!));
      const ranks = new Int32Array(this.values.length);
      order.forEach((id, rank) => { ranks[id] = rank; });
      this.rankCache = ranks;
    }
    return this.rankCache;
  }
}

/** A dimension column of rows: dictionary ids (string) or values with NaN for null (numeric). */
export type DimensionColumn = Int32Array | Float64Array;

/**
 * The columns rows have during one ingestion: dimensions (growing when schemaless), their
 * dictionaries, and the metrics with their aggregators.
 */
export class RowSchema {
  readonly dimensions: DimensionSchema[] = [];
  readonly dictionaries: Array<StringDictionary | null> = [];
  readonly aggregators: RowAggregator[];
  readonly metrics: MetricSchema[];
  readonly schemaless: boolean;
  private readonly known = new Set<string>();

  constructor(dataSchema: DataSchema, readonly timestampColumn: string) {
    this.aggregators = dataSchema.metricsSpec.map(rowAggregator);
    this.metrics = dataSchema.metricsSpec.map((a) => ({ name: a.name, aggregator: a as MetricSchema['aggregator'] }));
    this.schemaless = dataSchema.dimensionsSpec.dimensions.length === 0;
    for (const d of dataSchema.dimensionsSpec.dimensions) this.addDimension(d);
    // Schemaless discovery skips the timestamp, the excluded fields and what the metrics read or name.
    for (const name of [timestampColumn, '__time', ...dataSchema.dimensionsSpec.dimensionExclusions, ...metricInputFields(dataSchema.metricsSpec)]) {
      this.known.add(name);
    }
  }

  private addDimension(d: DimensionSchema): void {
    this.dimensions.push(d);
    this.dictionaries.push(d.type === 'string' ? new StringDictionary() : null);
    this.known.add(d.name);
  }

  /** Schemaless: adds each field of `row` not seen before as a string dimension, in order of appearance. */
  discover(row: Readonly<Record<string, unknown>>): void {
    for (const name in row) if (!this.known.has(name)) this.addDimension({ name, type: 'string' });
  }

  /** Per dimension, the order of its values: ranks for strings, null (compare the values) for numbers. */
  orderings(): Array<Int32Array | null> {
    return this.dictionaries.map((d) => (d === null ? null : d.ranks()));
  }
}

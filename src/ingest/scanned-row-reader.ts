import { MetricValueError, numberOf, toType } from '../spec/aggregator.ts';
import type { DataSchema } from '../spec/ingestion-spec.ts';
import type { NumericType } from '../query/java-number.ts';
import type { RowProcessor } from './row-processor.ts';
import type { RowSchema } from './row-schema.ts';
import { SpanDictionary } from './span-dictionary.ts';
import { plainDecimal } from './span-number.ts';
import { bytesInstantReader, timestampParser, type TimestampParser } from './timestamp.ts';
import { FALSE, MISSING, NULL, NUMBER, TEXT, TRUE, type ValueSpans } from './value-spans.ts';

/** A string dimension's id for null. */
const NULL_ID = 0;

/**
 * Turns the values a byte scanner found into an index row, with the general path's meaning of
 * every value: time by the timestampSpec, numbers as readNumber reads them, string dimensions
 * through their dictionaries. It serves specs whose rows go straight from input to index — no
 * transforms, no transformSpec filter, declared dimensions, aggregators reading one field each —
 * and declines (false) a row the general path must see: one whose time is unparseable or a value
 * is not a number where a number belongs, so that path reports it as it always does.
 */
export class ScannedRowReader {
  /** The fields the scanner looks for: the timestamp, then each dimension's and metric's input, once each. */
  readonly fields: string[] = [];
  /** Per field, whether a string dimension reads it (its spans need the text's hash). */
  readonly hashed: boolean[];
  private readonly parseTime: TimestampParser;
  private readonly readInstant: ReturnType<typeof bytesInstantReader>;
  private readonly missingTime: number;
  private readonly timeField: number;
  private readonly dimFields: Int32Array;
  private readonly dimTypes: Array<NumericType | null>;
  private readonly dictionaries: Array<SpanDictionary | null>;
  /** The input field of each metric, or -1 for count. */
  private readonly metricFields: Int32Array;
  private readonly metricTypes: NumericType[];
  private readonly dims: Float64Array;
  private readonly metrics: Float64Array;

  /** The reader for `dataSchema`, or null when its rows need the general path. */
  static for(dataSchema: DataSchema, schema: RowSchema): ScannedRowReader | null {
    const { transformSpec, metricsSpec } = dataSchema;
    const direct = transformSpec.transforms.length === 0 && transformSpec.filter === null && !schema.schemaless
      && metricsSpec.every((m) => m.type !== 'filtered' && (!('timeColumn' in m) || m.timeColumn === '__time'));
    return direct ? new ScannedRowReader(dataSchema, schema) : null;
  }

  private constructor(dataSchema: DataSchema, private readonly schema: RowSchema) {
    const { timestampSpec } = dataSchema;
    this.parseTime = timestampParser(timestampSpec.format);
    this.readInstant = bytesInstantReader(timestampSpec.format);
    this.missingTime = timestampSpec.missingValue ?? NaN;
    this.timeField = this.field(timestampSpec.column);
    this.dimFields = Int32Array.from(schema.dimensions, (d) => this.field(d.name));
    this.dimTypes = schema.dimensions.map((d) => (d.type === 'string' ? null : d.type));
    this.dictionaries = schema.dictionaries.map((d) => (d === null ? null : new SpanDictionary(d)));
    this.metricFields = Int32Array.from(dataSchema.metricsSpec, (m) => ('fieldName' in m ? this.field(m.fieldName) : -1));
    this.metricTypes = schema.aggregators.map((a) => a.type);
    this.dims = new Float64Array(schema.dimensions.length);
    this.metrics = new Float64Array(schema.aggregators.length);
    this.hashed = this.fields.map((_, f) => this.dictionaries.some((d, dim) => d !== null && this.dimFields[dim] === f));
  }

  private field(name: string): number {
    const known = this.fields.indexOf(name);
    return known >= 0 ? known : this.fields.push(name) - 1;
  }

  /** Adds the row `spans` found in `bytes` through `processor`; false when the general path must read it. */
  read(bytes: Buffer, spans: ValueSpans, processor: RowProcessor): boolean {
    const time = this.time(bytes, spans);
    if (Number.isNaN(time)) return false;
    // Numbers first: they are what can decline the row, and nothing may change before that.
    for (let m = 0; m < this.metricFields.length; m++) {
      const field = this.metricFields[m]!;
      const value = field < 0 ? 1 : this.number(bytes, spans, field, this.metricTypes[m]!);
      if (value === undefined) return false;
      this.metrics[m] = value;
    }
    for (let d = 0; d < this.dimFields.length; d++) {
      const type = this.dimTypes[d];
      if (type === null) continue;
      const value = this.number(bytes, spans, this.dimFields[d]!, type);
      if (value === undefined) return false;
      this.dims[d] = value;
    }
    for (let d = 0; d < this.dimFields.length; d++) {
      const dictionary = this.dictionaries[d];
      if (dictionary !== null) this.dims[d] = this.stringId(bytes, spans, this.dimFields[d]!, dictionary!, d);
    }
    processor.addScanned(time, this.dims, this.metrics);
    return true;
  }

  private time(bytes: Buffer, spans: ValueSpans): number {
    const f = this.timeField;
    switch (spans.kinds[f]) {
      case TEXT: {
        const t = this.readInstant === null ? NaN : this.readInstant(bytes, spans.starts[f]!, spans.ends[f]!);
        return t === t ? t : this.parseTime(bytes.toString('utf8', spans.starts[f], spans.ends[f]));
      }
      case NUMBER: return this.parseTime(jsonNumber(bytes, spans.starts[f]!, spans.ends[f]!));
      case MISSING:
      case NULL: return this.missingTime;
      default: return NaN;
    }
  }

  /** The field as readNumber reads it (NaN for null), or undefined when it is not a number. */
  private number(bytes: Buffer, spans: ValueSpans, f: number, type: NumericType): number | undefined {
    const start = spans.starts[f]!;
    const end = spans.ends[f]!;
    switch (spans.kinds[f]) {
      case NUMBER: return toType(jsonNumber(bytes, start, end), type);
      case TEXT: {
        const plain = plainDecimal(bytes, start, end);
        if (plain === plain) return toType(plain, type);
        try {
          return numberOf(bytes.toString('utf8', start, end), this.fields[f]!, type) ?? NaN;
        } catch (e) {
          if (e instanceof MetricValueError) return undefined;
          throw e;
        }
      }
      case MISSING:
      case NULL: return NaN;
      default: return undefined;
    }
  }

  /** The dictionary id of a string dimension's value; numbers and booleans are kept as their text. */
  private stringId(bytes: Buffer, spans: ValueSpans, f: number, dictionary: SpanDictionary, d: number): number {
    const start = spans.starts[f]!;
    const end = spans.ends[f]!;
    switch (spans.kinds[f]) {
      case TEXT: return dictionary.idOf(spans.hashes[f]!, bytes, start, end);
      case NUMBER: return this.schema.dictionaries[d]!.idOf(String(jsonNumber(bytes, start, end)));
      case TRUE: return this.schema.dictionaries[d]!.idOf('true');
      case FALSE: return this.schema.dictionaries[d]!.idOf('false');
      default: return NULL_ID;
    }
  }
}

function jsonNumber(bytes: Buffer, start: number, end: number): number {
  const plain = plainDecimal(bytes, start, end);
  return plain === plain ? plain : Number(bytes.toString('latin1', start, end));
}

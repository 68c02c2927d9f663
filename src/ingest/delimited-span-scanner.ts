import { hashBytes } from './byte-keys.ts';
import { TEXT, type ValueSpans } from './value-spans.ts';

const QUOTE = 0x22;

/**
 * Finds the wanted fields' values in a CSV or TSV line from its bytes: the text between
 * delimiters of each column that names a wanted field. For CSV it takes only lines without a
 * quote, whose fields are exactly their delimited text (RFC 4180); a quoted line goes to the
 * general parser. Columns pair with values as Druid's zipMapPartial does: a missing value is
 * missing, an extra one ignored, and of two columns with one name the later one present wins.
 */
export class DelimitedSpanScanner {
  /** The wanted field of each column, or -1. */
  private readonly fieldOfColumn: Int32Array;

  /** `hashed[field]`: whether spans need the hash of the field's text (dictionary lookups do). */
  constructor(columns: readonly string[], fields: readonly string[], private readonly hashed: readonly boolean[], private readonly delimiter: number, private readonly quoted: boolean) {
    this.fieldOfColumn = new Int32Array(columns.length).fill(-1);
    columns.forEach((name, column) => {
      this.fieldOfColumn[column] = fields.indexOf(name);
    });
  }

  /** Fills `spans` from the line `bytes[start, end)`; false for an empty line, or a quoted one in CSV. */
  scan(b: Uint8Array, start: number, end: number, spans: ValueSpans): boolean {
    if (start === end) return false;
    spans.clear();
    const delimiter = this.delimiter;
    const quote = this.quoted ? QUOTE : -1;
    const columns = this.fieldOfColumn.length;
    let from = start;
    for (let column = 0; from <= end; column++) {
      let i = from;
      for (; i < end; i++) {
        const c = b[i]!;
        if (c === delimiter) break;
        if (c === quote) return false;
      }
      const field = column < columns ? this.fieldOfColumn[column]! : -1;
      if (field >= 0) spans.set(field, TEXT, from, i, this.hashed[field] ? hashBytes(b, from, i) : 0);
      from = i + 1;
    }
    return true;
  }
}

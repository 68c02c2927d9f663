import type { InputFormatSpec } from '../spec/ingestion-spec.ts';
import { DelimitedSpanScanner } from './delimited-span-scanner.ts';
import { DelimitedLineParser, parseJsonLine, type DelimitedFormat } from './input-format.ts';
import { JsonSpanScanner } from './json-span-scanner.ts';
import type { RowProcessor } from './row-processor.ts';
import type { ScannedRowReader } from './scanned-row-reader.ts';
import { ValueSpans } from './value-spans.ts';

/** Reads the line `bytes[start, end)`, line number `lineNo` of its input, into the row processor. */
export type ByteLineReader = (bytes: Buffer, start: number, end: number, lineNo: number) => void;

/**
 * The reader of one input's lines: a byte scanner and `rows` take every line they can, the
 * general parser (a decoded line, a record object, the RowProcessor) takes the rest — and all of
 * them when `rows` is null (the spec needs the general path). Either way a row means the same.
 * `rows` serves the whole ingestion (its dictionaries learn the values' bytes once); a scanner and
 * a CSV header belong to one input.
 */
export function byteLineReader(format: InputFormatSpec, rows: ScannedRowReader | null, processor: RowProcessor): ByteLineReader {
  if (format.type === 'json') {
    const general: ByteLineReader = (bytes, start, end, lineNo) => parseJsonLine(bytes.toString('utf8', start, end), lineNo, processor);
    if (rows === null) return general;
    const scanner = new JsonSpanScanner(rows.fields, rows.hashed);
    const spans = new ValueSpans(rows.fields.length);
    return (bytes, start, end, lineNo) => {
      if (!(scanner.scan(bytes, start, end, spans) && rows.read(bytes, spans, processor))) general(bytes, start, end, lineNo);
    };
  }
  return delimitedReader(format, rows, processor);
}

function delimitedReader(format: DelimitedFormat, rows: ScannedRowReader | null, processor: RowProcessor): ByteLineReader {
  const parser = new DelimitedLineParser(format);
  const delimiter = format.type === 'csv' ? ',' : format.delimiter;
  const scannable = rows !== null && Buffer.byteLength(delimiter) === 1;
  const spans = new ValueSpans(rows?.fields.length ?? 0);
  let scanner: DelimitedSpanScanner | null = null;
  return (bytes, start, end, lineNo) => {
    if (scannable && parser.atRows) {
      scanner ??= new DelimitedSpanScanner(parser.columns!, rows.fields, rows.hashed, delimiter.charCodeAt(0), format.type === 'csv');
      if (scanner.scan(bytes, start, end, spans) && rows.read(bytes, spans, processor)) return;
    }
    parser.parse(bytes.toString('utf8', start, end), lineNo, processor);
  };
}

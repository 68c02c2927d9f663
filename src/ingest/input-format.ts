import { parse as parseCsv } from 'csv-parse/sync';
import type { InputFormatSpec } from '../spec/ingestion-spec.ts';

/** Receives what a format makes of each line: a record of named fields, or why it could not. */
export interface RecordSink {
  record(fields: Record<string, unknown>, line: number, raw: string): void;
  unparseable(line: number, raw: string, reason: string): void;
}

/**
 * Reads one line (1-based `lineNo`) of one file. A format is line-based, as Druid's text formats
 * are: one JSON object per line, one CSV/TSV row per line. Keeps per-file state (header, skips).
 */
export type LineParser = (line: string, lineNo: number, sink: RecordSink) => void;

/** A fresh parser for one file of `format`. */
export function lineParser(format: InputFormatSpec): LineParser {
  return format.type === 'json' ? parseJsonLine : new DelimitedLineParser(format).parse;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

export function parseJsonLine(line: string, lineNo: number, sink: RecordSink): void {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    if (!isBlank(line)) sink.unparseable(lineNo, line, `Unable to parse row [${line}]: ${(e as Error).message}`);
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    sink.unparseable(lineNo, line, `Unable to parse row [${line}]: expected a JSON object`);
    return;
  }
  sink.record(value as Record<string, unknown>, lineNo, line);
}

export type DelimitedFormat = Extract<InputFormatSpec, { type: 'csv' | 'tsv' }>;

/** One file of CSV or TSV: skips its skipHeaderRows, takes its columns from the header if asked. */
export class DelimitedLineParser {
  columns: readonly string[] | null;
  private toSkip: number;
  private readonly split: (line: string) => string[];

  constructor(format: DelimitedFormat) {
    this.toSkip = format.skipHeaderRows;
    this.columns = format.findColumnsFromHeader ? null : format.columns;
    this.split = format.type === 'csv' ? splitCsv : (line: string) => line.split(format.delimiter);
  }

  /** Whether the lines to come are rows: the header rows are skipped and the columns known. */
  get atRows(): boolean {
    return this.toSkip === 0 && this.columns !== null;
  }

  readonly parse: LineParser = (line, lineNo, sink) => {
    if (this.toSkip > 0) {
      this.toSkip--;
      return;
    }
    if (line === '') return;
    let values: string[];
    try {
      values = this.split(line);
    } catch (e) {
      sink.unparseable(lineNo, line, `Unable to parse row [${line}]: ${(e as Error).message}`);
      return;
    }
    if (this.columns === null) {
      this.columns = values;
      return;
    }
    sink.record(zipPartial(this.columns, values), lineNo, line);
  };
}

/**
 * One CSV line. Without a quote a line is its comma-separated fields as they stand (RFC 4180), so
 * only quoted lines need the full parser.
 */
function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const rows = parseCsv(line, { relax_column_count: true }) as string[][];
  return rows[0] ?? [];
}

/** Druid's zipMapPartial: pairs columns with values, ignoring whichever side runs longer. */
function zipPartial(columns: readonly string[], values: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.min(columns.length, values.length);
  for (let i = 0; i < n; i++) out[columns[i]!] = values[i];
  return out;
}

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { JsonSpanScanner } from '../../../src/ingest/json-span-scanner.ts';
import { ScannedRowReader } from '../../../src/ingest/scanned-row-reader.ts';
import { ValueSpans } from '../../../src/ingest/value-spans.ts';
import { tempDir } from '../../support/temp-dir.ts';
import { allRows, indexTask, ingest } from './support.ts';

/**
 * The byte scanners are a shortcut: whatever they take, the general parser must have made the
 * same of it, and whatever they decline goes to that parser. So every line, well-formed or not,
 * must give the same rows, row stats and parse errors both ways. The general way is forced with
 * a transform whose output no dimension or metric reads.
 */

const dir = tempDir('byte-scanners');

const dataSchema = (general: boolean): object => ({
  timestampSpec: { column: 'ts', format: 'auto' },
  dimensionsSpec: { dimensions: ['d1', 'd2', { type: 'long', name: 'n' }, { type: 'double', name: 'x' }] },
  metricsSpec: [
    { type: 'count', name: 'count' },
    { type: 'longSum', name: 'v', fieldName: 'v' },
    { type: 'doubleSum', name: 'xs', fieldName: 'x' },
    { type: 'floatMax', name: 'vmax', fieldName: 'v' },
    { type: 'doubleLast', name: 'xl', fieldName: 'x' },
  ],
  granularitySpec: { segmentGranularity: 'day', queryGranularity: 'hour', rollup: true },
  ...(general ? { transformSpec: { transforms: [{ type: 'expression', name: 'unreadField', expression: '1' }] } } : {}),
});

async function bothWays(data: string, inputFormat: object): Promise<[unknown, unknown]> {
  const run = async (general: boolean): Promise<unknown> => {
    const task = indexTask({
      dataSchema: dataSchema(general),
      ioConfig: { inputSource: { type: 'inline', data }, inputFormat },
      tuningConfig: { maxParseExceptions: 1_000_000, maxRowsInMemory: 7 },
    });
    const result = await ingest(dir, task);
    return { rows: allRows(result), report: result.report };
  };
  return [await run(false), await run(true)];
}

const timestamps = fc.constantFrom(
  '"2024-03-01T10:20:30.456Z"', '"2024-03-01T10:20:30Z"', '"2024-03-02T23:59:59.999Z"', '"2024-03-01T10:20:30.456+02:00"',
  '"2024-13-01T10:20:30.456Z"', '"2024-03-01"', '"1709288430456"', '1709288430456', '1709288430456.7', '"not a time"',
  '""', 'null', 'true', '"２０２4-03-01T10:20:30.456Z"', '"2024-03-01T10:20:30.456\\u005a"',
);
const strings = fc.constantFrom(
  '"a"', '"b"', '"é"', '"\u{1F600}"', '""', '"a\\"b"', '"a\\u0062"', '"tab\there"', '"12"', '"1.50"', '" 3 "', '"-0"',
  '"1e3"', '"0x1A"', '"abc"', '"."', '"+4"', '"NaN"',
);
const numbers = fc.constantFrom('0', '-0', '7', '-12', '1.5', '0.1', '2.50', '1e3', '-2.5E-3', '12345678901234567890', '1e400', '01', '1.', '.5', '+1', '-', '0.30000000000000004');
const literals = fc.constantFrom('true', 'false', 'null', '{"a":1}', '[1,2]', 'nul', 'True');
const values = fc.oneof(strings, numbers, literals);
const keys = fc.constantFrom('"ts"', '"d1"', '"d2"', '"n"', '"x"', '"v"', '"other"', '"d\\u0031"', '"é"');
const spaces = fc.constantFrom('', '', '', ' ', '\t', ' \r');

const jsonLine = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(timestamps, fc.array(fc.tuple(keys, values, spaces), { maxLength: 8 }), spaces).map(
    ([ts, entries, space]) => `${space}{"ts":${ts}${entries.map(([k, v, s]) => `,${s}${k}${s}:${s}${v}`).join('')}}${space}`,
  ) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', '{', '{}', '[]', '{"ts":"2024-03-01T10:20:30Z",}', '{"ts":"2024-03-01T10:20:30Z"} x', 'garbage', '{"ts" "x"}') },
);

const csvField = fc.constantFrom('a', 'b', 'é', '', '12', '1.5', ' 3 ', 'x y', '"q,uoted"', '"a""b"', 'abc', '-0', '1e3', '.');
const csvTime = fc.constantFrom('2024-03-01T10:20:30.456Z', '2024-03-01T11:00:00Z', '1709288430456', 'bad', '', '"2024-03-01T10:20:30Z"');
const csvLine = fc.tuple(csvTime, fc.array(csvField, { maxLength: 7 })).map(([ts, rest]) => [ts, ...rest].join(','));

describe('byte scanners', () => {
  it('a JSON line read from its bytes means what JSON.parse and the general row path make of it', async () => {
    await fc.assert(fc.asyncProperty(fc.array(jsonLine, { minLength: 1, maxLength: 30 }), fc.boolean(), async (lines, crlf) => {
      const [scanned, general] = await bothWays(lines.join(crlf ? '\r\n' : '\n'), { type: 'json' });
      expect(scanned).toEqual(general);
    }), { numRuns: 60 });
  });

  it('a CSV or TSV line read from its bytes means what the general parser makes of it', async () => {
    await fc.assert(fc.asyncProperty(fc.array(csvLine, { minLength: 1, maxLength: 30 }), fc.boolean(), async (lines, tsv) => {
      const header = 'ts,d1,d2,n,x,v,other,d1';
      const text = [header, ...lines].join('\n');
      const [scanned, general] = tsv
        ? await bothWays(text.replaceAll(',', '\t'), { type: 'tsv', findColumnsFromHeader: true })
        : await bothWays(text, { type: 'csv', findColumnsFromHeader: true });
      expect(scanned).toEqual(general);
    }), { numRuns: 60 });
  });

  it('well-formed lines of bulk data are all read from their bytes, and the same rows come out', async () => {
    const json = Array.from({ length: 50 }, (_, i) => `{"ts":"2024-03-01T${String(i % 24).padStart(2, '0')}:20:30.456Z","d1":"v${i % 7}","v":${i},"x":${i / 4}}`).join('\n');
    const csv = ['ts,d1,v,x', ...Array.from({ length: 50 }, (_, i) => `2024-03-01T${String(i % 24).padStart(2, '0')}:20:30Z,v${i % 7},${i},${i / 4}`)].join('\n');
    for (const [data, inputFormat] of [[json, { type: 'json' }], [csv, { type: 'csv', findColumnsFromHeader: true }]] as const) {
      const read = vi.spyOn(ScannedRowReader.prototype, 'read');
      const [scanned, general] = await bothWays(data, inputFormat);
      expect(read.mock.results.filter((r) => r.value === true)).toHaveLength(50);
      read.mockRestore();
      expect(scanned).toEqual(general);
      expect((scanned as { report: { rowStats: { processed: number } } }).report.rowStats.processed).toBe(50);
    }
  });

  it('a flat JSON object is taken from its bytes, and anything JSON.parse alone can read is left to it', () => {
    const scanner = new JsonSpanScanner(['ts', 'd1'], [false, true]);
    const spans = new ValueSpans(2);
    const scan = (line: string): boolean => {
      const bytes = Buffer.from(line);
      return scanner.scan(bytes, 0, bytes.length, spans);
    };
    const flat = Buffer.from('{"ts":"2024-03-01T10:20:30Z", "n":1.5,"d1" : "a","z":null}');
    expect(scanner.scan(flat, 0, flat.length, spans)).toBe(true);
    expect(flat.toString('utf8', spans.starts[1], spans.ends[1])).toBe('a');
    expect(flat.toString('utf8', spans.starts[0], spans.ends[0])).toBe('2024-03-01T10:20:30Z');
    for (const declined of ['{"d1":"a\\"b"}', '{"d1":{"a":1}}', '{"d1":[1]}', '{"d1":"a\tb"}', '{"d1":01}', '{"d1":"a"', '{"d1":"a"} {}']) {
      expect(scan(declined), declined).toBe(false);
    }
  });
});

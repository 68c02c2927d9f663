import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '@msgpack/msgpack';
import { decodeRecord, encodeMeta, encodeRecord, encodeRecordAround, type LogRecord } from '../../../src/log/record.ts';

// The values an event's data can hold: what JSON and msgpack share, with 64-bit integers. Not -0,
// which @msgpack/msgpack writes as the integer 0 (as JSON does), nor a `__proto__` key, which
// @msgpack/msgpack refuses to read and msgpackr renames (src/msgpack/reader.ts).
const key = fc.string().filter((k) => k !== '__proto__');
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
    fc.boolean(),
    fc.constant(null),
    fc.date({ noInvalidDate: true }).map((d) => d.getTime()),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(key, tie('node'), { maxKeys: 5, noNullPrototype: true })),
})).node;

const record: fc.Arbitrary<LogRecord> = fc.record(
  {
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    at: fc.integer({ min: 0, max: 8.64e15 }),
    type: fc.string({ minLength: 1 }),
    data: value,
    meta: fc.record({ actor: fc.string(), correlationId: fc.string(), causationId: fc.option(fc.string(), { nil: null }) }, { noNullPrototype: true }),
  },
  { noNullPrototype: true },
);

describe('log records', () => {
  it('read back exactly as @msgpack/msgpack reads the bytes it wrote', () => {
    fc.assert(
      fc.property(record, (r) => {
        const bytes = encodeRecord(r);
        expect(decodeRecord(bytes)).toStrictEqual(decode(bytes));
        expect(decodeRecord(bytes)).toStrictEqual(r);
      }),
      { numRuns: 2000 },
    );
  });

  it('are the same bytes when their data and meta were encoded beforehand and spliced in', () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(encodeRecordAround(r, encode(r.data, { ignoreUndefined: true }), encodeMeta(r.meta))).toStrictEqual(encodeRecord(r));
      }),
      { numRuns: 1000 },
    );
  });

  it('keep epoch milliseconds beyond 32 bits as numbers', () => {
    const r: LogRecord = { seq: 2 ** 40 + 3, at: 1_795_335_139_448, type: 'T', data: { n: -(2 ** 50) }, meta: { actor: 'a', correlationId: 'c', causationId: null } };
    expect(decodeRecord(encodeRecord(r))).toStrictEqual(r);
  });
});

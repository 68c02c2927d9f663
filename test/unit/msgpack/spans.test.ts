import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodedEventData } from '../../../src/events/append-command.ts';
import { readMsgpack } from '../../../src/msgpack/reader.ts';
import { skipValue } from '../../../src/msgpack/spans.ts';

// Two writers that choose differently between equivalent forms (string and map headers, floats).
const writers: Record<string, (v: unknown) => Uint8Array> = {
  '@msgpack/msgpack': (v) => encode(v),
  msgpackr: (v) => new Packr({ useRecords: false, variableMapSize: true, useFloat32: 1 }).pack(v),
};

const key = fc.string().filter((k) => k !== '__proto__');
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 300 }),
    fc.date({ noInvalidDate: true }),
    // Past a length field's 8 bits (32 bits: below).
    fc.oneof(fc.string({ minLength: 300, maxLength: 300 }), fc.uint8Array({ minLength: 300, maxLength: 300 })),
  ),
  node: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.array(tie('node'), { maxLength: 5 }),
    fc.dictionary(key, tie('node'), { maxKeys: 5, noNullPrototype: true }),
    fc.array(fc.integer(), { minLength: 16, maxLength: 20 }),
    fc.dictionary(key, fc.integer(), { minKeys: 16, maxKeys: 20, noNullPrototype: true }),
  ),
})).node;

const holdsDate = (v: unknown): boolean =>
  v instanceof Date || (Array.isArray(v) ? v.some(holdsDate) : v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && Object.values(v).some(holdsDate));

const map = (...entries: number[][]): Uint8Array => Uint8Array.of(0x80 | entries.length / 2, ...entries.flat());
const str = (s: string): number[] => [0xa0 | s.length, ...Buffer.from(s)];
/** `{events: [event], meta: {actor: 'a'}}` around an event's own bytes. */
const commandAround = (event: Uint8Array): Uint8Array => map(str('events'), [0x91, ...event], str('meta'), [...map(str('actor'), str('a'))]);

describe('msgpack spans', () => {
  for (const [name, write] of Object.entries(writers)) {
    it(`find where any value ${name} writes ends`, () => {
      fc.assert(
        fc.property(value, (v) => {
          const bytes = write(v);
          expect(skipValue(bytes, 0)).toBe(bytes.length);
          const twice = new Uint8Array([...bytes, ...bytes]);
          expect(skipValue(twice, bytes.length)).toBe(twice.length);
        }),
        { numRuns: 1000 },
      );
    });

    it(`find where values ${name} writes with 32-bit lengths end`, () => {
      const many = 70_000;
      for (const v of ['x'.repeat(many), new Uint8Array(many), new Array(many).fill(1), Object.fromEntries(Array.from({ length: many }, (_, i) => [`k${i}`, i]))]) {
        const bytes = write([v, 'after']);
        expect(skipValue(bytes, 1)).toBe(bytes.length - 6);
        expect(skipValue(bytes, 0)).toBe(bytes.length);
      }
    });

    it(`find each event's data in an append command ${name} writes, as bytes that read back as that data`, () => {
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 5 }), fc.boolean(), (datas, expectFirst) => {
          const command = { ...(expectFirst ? { expect: [] } : {}), events: datas.map((data) => ({ type: 'T', data })), meta: { actor: 'a' } };
          const body = write(command);
          const decoded = readMsgpack(body) as { events: Array<{ data: unknown }> };
          const found = encodedEventData(body);
          // A date is an extension (msgpack's timestamp): its command is encoded again.
          if (datas.some(holdsDate)) {
            expect(found).toBeNull();
            return;
          }
          expect(found).toHaveLength(datas.length);
          found!.forEach((bytes, i) => expect(readMsgpack(bytes!)).toStrictEqual(decoded.events[i]!.data));
        }),
        { numRuns: 500 },
      );
    });
  }

  it('find the last of repeated keys, as a decoder reads it', () => {
    const repeated = commandAround(map(str('type'), str('T'), str('data'), [0x01], str('data'), [0x02]));
    expect((readMsgpack(repeated) as { events: Array<{ data: unknown }> }).events[0]!.data).toBe(2);
    expect(encodedEventData(repeated)).toEqual([Uint8Array.of(0x02)]);
    const repeatedEvents = map(str('events'), [0x91, ...map(str('type'), str('T'), str('data'), [0x01])], str('events'), [0x90], str('meta'), [...map(str('actor'), str('a'))]);
    expect(encodedEventData(repeatedEvents)).toEqual([]);
  });

  it('find no data where a decoder could read another key as it: keys that are no strings, overlong UTF-8', () => {
    const binaryKey = commandAround(map(str('type'), str('T'), str('data'), [0x01], [0xc4, 4, ...Buffer.from('data')], [0x02]));
    expect(encodedEventData(binaryKey)).toEqual([null]);

    // 0xc1 0xa4 spells "d" in two bytes, which no valid UTF-8 does.
    const overlong = commandAround(map(str('type'), str('T'), str('data'), [0x01], [0xa5, 0xc1, 0xa4, ...Buffer.from('ata')], [0x02]));
    expect(encodedEventData(overlong)).toEqual([null]);
  });

  it('find no data in a command holding an extension: a msgpackr record definition changes what the bytes after it mean', () => {
    // msgpackr reads data as [record {a: 'b'}, 1] and the event's last key as c; a walk of the
    // headers alone would take data for [extension, ['a']] and stop the event after b: 1.
    const event = [0x83, ...str('type'), ...str('T'), ...str('data'), 0x92, 0xd4, 0x72, 0x40, 0x91, ...str('a'), ...str('b'), 0x01, ...str('c'), 0x02];
    const body = Uint8Array.from([0x82, ...str('events'), 0x91, ...event, ...str('meta'), ...map(str('actor'), str('a'))]);
    expect((readMsgpack(body) as { events: Array<{ data: unknown }> }).events[0]!.data).toEqual([{ a: 'b' }, 1]);
    expect(encodedEventData(body)).toBeNull();
  });

  it('find no data in a command whose events are no list, or an event that is no map', () => {
    expect(encodedEventData(map(str('events'), str('x')))).toBeNull();
    expect(encodedEventData(commandAround(Uint8Array.of(0x05)))).toEqual([null]);
    expect(encodedEventData(Uint8Array.of(0x90))).toBeNull();
  });
});

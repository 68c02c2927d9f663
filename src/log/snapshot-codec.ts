import { Packr } from 'msgpackr';

/**
 * The bytes of a projection's state (stored snapshots, `grove.meta.snapshot`): msgpack with
 * msgpackr's records, which write each object shape's keys once instead of once per entity and
 * decode two to three times faster than @msgpack/msgpack — a million-event state is half a
 * million entities, and decoding it is most of a cold start. The record definitions travel inside
 * the bytes, so any reader decodes them alone. Log records keep plain msgpack (@msgpack/msgpack):
 * they are the portable format; snapshots are a cache that a refold can always rebuild.
 */
// moreTypes: typed arrays (the id columns of record-columns.ts) come back as what they were.
const packr = new Packr({ useRecords: true, mapsAsObjects: true, moreTypes: true, skipValues: [undefined] } as ConstructorParameters<typeof Packr>[0]);

export function encodeSnapshot(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decodeSnapshot(bytes: Uint8Array): unknown {
  return new Packr({ useRecords: true, mapsAsObjects: true, moreTypes: true, copyBuffers: true }).unpack(bytes);
}

/**
 * Finds where values lie in msgpack bytes without decoding them, so that bytes a writer already
 * encoded can be stored as they are. msgpackr and @msgpack/msgpack only decode whole values; this
 * walks the format's headers (msgpack spec, "formats") and nothing else. It trusts its input to be
 * well-formed: call it on bytes that have just been decoded without error.
 */

/*
 * A value's header is read into these, not into an object: the walk runs per event of every
 * append, and an object (or a closure) per value was most of its time.
 */
let size = 0; // bytes of the header itself, length field included
let payload = 0; // bytes after the header (a string's, a binary's, an extension's)
let items = 0; // values that follow (an array's elements, a map's keys and values)

function u16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

function readHeader(b: Uint8Array, at: number): void {
  const t = b[at]!;
  payload = 0;
  items = 0;
  size = 1;
  if (t <= 0x7f || t >= 0xe0) return;
  if (t <= 0x8f) return void (items = 2 * (t & 0x0f));
  if (t <= 0x9f) return void (items = t & 0x0f);
  if (t <= 0xbf) return void (payload = t & 0x1f);
  switch (t) {
    case 0xc0: case 0xc2: case 0xc3: return;
    case 0xc4: case 0xd9: size = 2; payload = b[at + 1]!; return;
    case 0xc5: case 0xda: size = 3; payload = u16(b, at + 1); return;
    case 0xc6: case 0xdb: size = 5; payload = u32(b, at + 1); return;
    case 0xc7: size = 3; payload = b[at + 1]!; return;
    case 0xc8: size = 4; payload = u16(b, at + 1); return;
    case 0xc9: size = 6; payload = u32(b, at + 1); return;
    case 0xca: case 0xce: case 0xd2: size = 5; return;
    case 0xcb: case 0xcf: case 0xd3: size = 9; return;
    case 0xcc: case 0xd0: size = 2; return;
    case 0xcd: case 0xd1: size = 3; return;
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: size = 2; payload = 1 << (t - 0xd4); return;
    case 0xdc: size = 3; items = u16(b, at + 1); return;
    case 0xdd: size = 5; items = u32(b, at + 1); return;
    case 0xde: size = 3; items = 2 * u16(b, at + 1); return;
    case 0xdf: size = 5; items = 2 * u32(b, at + 1); return;
    default: throw new Error(`0x${t.toString(16)} at byte ${at} starts no msgpack value`);
  }
}

/** Where the value starting at `at` ends. */
export function skipValue(b: Uint8Array, at: number): number {
  for (let remaining = 1; remaining > 0; remaining--) {
    readHeader(b, at);
    at += size + payload;
    remaining += items;
  }
  return at;
}

/**
 * The span of the value under key `name` (ASCII) in the map starting at `at`, the last one if the
 * key repeats, as a decoder keeps the last. Null if there is none, or if there is no telling for
 * sure: unless every key is an ASCII string, a decoder may read another key as `name` (it turns a
 * key that is no string into one, and may read an overlong UTF-8 sequence as the letter it spells).
 */
export function valueOfKey(b: Uint8Array, at: number, name: Uint8Array): [number, number] | null {
  const t = b[at]!;
  if (!((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)) return null;
  readHeader(b, at);
  const entries = items / 2;
  let found: [number, number] | null = null;
  at += size;
  for (let i = 0; i < entries; i++) {
    const isString = (b[at]! >= 0xa0 && b[at]! <= 0xbf) || (b[at]! >= 0xd9 && b[at]! <= 0xdb);
    if (!isString) return null;
    readHeader(b, at);
    const keyStart = at + size;
    const valueStart = keyStart + payload;
    for (let j = keyStart; j < valueStart; j++) if (b[j]! >= 0x80) return null;
    const valueEnd = skipValue(b, valueStart);
    if (spells(b, keyStart, valueStart, name)) found = [valueStart, valueEnd];
    at = valueEnd;
  }
  return found;
}

/**
 * Whether any value in `b` is an extension. msgpackr gives some a meaning beyond themselves (a
 * record definition makes later bytes 0x40-0x7f records, not integers), so bytes holding one may
 * decode to another value when a span of them is read alone.
 */
export function holdsExtension(b: Uint8Array): boolean {
  // Containers' headers are followed by their items: stepping over each header and its own bytes
  // visits every value's header in turn.
  for (let at = 0; at < b.length; at += size + payload) {
    const t = b[at]!;
    if ((t >= 0xc7 && t <= 0xc9) || (t >= 0xd4 && t <= 0xd8)) return true;
    readHeader(b, at);
  }
  return false;
}

/** The spans of the elements of the array starting at `at`; null if it is no array. */
export function arrayElements(b: Uint8Array, at: number): Array<[number, number]> | null {
  const t = b[at]!;
  if (!((t >= 0x90 && t <= 0x9f) || t === 0xdc || t === 0xdd)) return null;
  readHeader(b, at);
  const count = items;
  const out: Array<[number, number]> = [];
  at += size;
  for (let i = 0; i < count; i++) out.push([at, (at = skipValue(b, at))]);
  return out;
}

/** A key as its bytes, to look up with `valueOfKey`. */
export function asciiKey(key: string): Uint8Array {
  if (!/^[\x00-\x7f]*$/.test(key)) throw new Error(`key "${key}" is not ASCII`);
  return Uint8Array.from(key, (c) => c.charCodeAt(0));
}

/** Whether `b` from `start` to `end` holds the bytes of `name` (compared in place: a view per key was most of the walk's garbage). */
function spells(b: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (b[start + i] !== name[i]) return false;
  return true;
}

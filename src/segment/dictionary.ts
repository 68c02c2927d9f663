import { compareLexicographic } from '../spec/sorting-orders.ts';

/**
 * Dictionary encoding of string columns: the distinct values sorted (null first, then Java's String
 * order, which is JavaScript's), and one integer id per row in the narrowest width that fits.
 */

export type IdArray = Uint8Array | Uint16Array | Uint32Array;

export interface EncodedStrings {
  /** Sorted distinct values; null, when present, is id 0. */
  dictionary: Array<string | null>;
  ids: IdArray;
  hasNulls: boolean;
}

export function idArray(cardinality: number, length: number): IdArray {
  if (cardinality <= 0x100) return new Uint8Array(length);
  if (cardinality <= 0x10000) return new Uint16Array(length);
  return new Uint32Array(length);
}

export const idWidth = (ids: IdArray): 1 | 2 | 4 => ids.BYTES_PER_ELEMENT as 1 | 2 | 4;

export function encodeStrings(values: ReadonlyArray<string | null>): EncodedStrings {
  const distinct = new Set<string | null>(values);
  const dictionary = [...distinct].sort(compareLexicographic);
  const idOf = new Map<string | null, number>();
  dictionary.forEach((v, i) => idOf.set(v, i));
  const ids = idArray(dictionary.length, values.length);
  for (let r = 0; r < values.length; r++) ids[r] = idOf.get(values[r]!)!;
  return { dictionary, ids, hasNulls: dictionary[0] === null };
}

/**
 * Sorts a producer's dictionary encoding (ingestion keeps its own ids): unused values are dropped,
 * ids renumbered in sorted order. Throws on an id outside the dictionary or a value listed twice.
 */
export function reencodeStrings(dictionary: ReadonlyArray<string | null>, ids: ArrayLike<number>, rows: number): EncodedStrings {
  const used = new Uint8Array(dictionary.length);
  for (let r = 0; r < rows; r++) {
    const id = ids[r]!;
    if (!(id >= 0 && id < dictionary.length)) throw new RangeError(`row ${r} has id ${id}, outside the dictionary of ${dictionary.length} values`);
    used[id] = 1;
  }
  const kept = [...used.keys()].filter((id) => used[id] === 1).sort((a, b) => compareLexicographic(dictionary[a]!, dictionary[b]!));
  const remap = new Int32Array(dictionary.length);
  kept.forEach((id, rank) => {
    if (rank > 0 && dictionary[kept[rank - 1]!] === dictionary[id]) throw new RangeError(`the dictionary holds ${JSON.stringify(dictionary[id])} twice`);
    remap[id] = rank;
  });
  const out = idArray(kept.length, rows);
  for (let r = 0; r < rows; r++) out[r] = remap[ids[r]!]!;
  const sorted = kept.map((id) => dictionary[id]!);
  return { dictionary: sorted, ids: out, hasNulls: sorted[0] === null };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The non-null values as UTF-8 bytes plus their offsets (one more offset than values). */
export function dictionaryBlobs(dictionary: ReadonlyArray<string | null>): { offsets: Uint32Array; bytes: Uint8Array } {
  const strings = dictionary.filter((v): v is string => v !== null);
  const encoded = strings.map((s) => encoder.encode(s));
  const offsets = new Uint32Array(encoded.length + 1);
  for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i]! + encoded[i]!.length;
  const bytes = new Uint8Array(offsets[encoded.length]!);
  encoded.forEach((b, i) => bytes.set(b, offsets[i]!));
  return { offsets, bytes };
}

export function decodeDictionary(offsets: Uint32Array, bytes: Uint8Array, hasNulls: boolean): Array<string | null> {
  const out: Array<string | null> = hasNulls ? [null] : [];
  for (let i = 0; i + 1 < offsets.length; i++) out.push(decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])));
  return out;
}

/** The id of `value` in a sorted dictionary, or -1 when absent (binary search). */
export function dictionaryId(dictionary: ReadonlyArray<string | null>, value: string | null): number {
  let lo = 0;
  let hi = dictionary.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareLexicographic(dictionary[mid]!, value);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

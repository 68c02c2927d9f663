import { finishHash } from './row-table.ts';

// Byte strings as keys: the hash the scanners compute as they pass, and equality.

/**
 * FNV-1a over `bytes[start, end)`, finished with murmur3's mixer so the low bits use every byte.
 * Scanners compute it byte by byte as they pass (HASH_SEED, FNV_PRIME, finishHash).
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return finishHash(h);
}

export const HASH_SEED = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

export function equalBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = aStart, j = bStart; i < aEnd; i++, j++) if (a[i] !== b[j]) return false;
  return true;
}

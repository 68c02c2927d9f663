import type { LoadSpec } from '../../machines/segment/events.ts';
import { SEGMENT_FILE_NAME } from '../segment/format.ts';
import { formatInstant } from '../time/instant.ts';
import type { Interval } from '../time/interval.ts';

/** Which segment file: deep storage keeps one per (dataSource, interval, version, partition). */
export interface SegmentKey {
  dataSource: string;
  interval: Interval;
  version: string;
  partitionNum: number;
}

/**
 * Where segment files live durably (Druid's deep storage). Implementations make `put` atomic:
 * a reader sees the whole file or none. A local directory is the default; S3-like stores can
 * implement the same four calls.
 */
export interface DeepStorage {
  /** Copies a local file into deep storage; returns where it is, as the segment's loadSpec. */
  put(localFile: string, key: SegmentKey): Promise<LoadSpec>;
  /** Copies a stored file to `localDest`; throws DeepStorageError when there is none. */
  get(key: SegmentKey, localDest: string): Promise<void>;
  /** Removes a stored file (and its now-empty directories); missing is fine. */
  delete(key: SegmentKey): Promise<void>;
  exists(key: SegmentKey): Promise<boolean>;
}

export class DeepStorageError extends Error {
  constructor(readonly key: SegmentKey, reason: string, options?: { cause?: unknown }) {
    super(`deep storage, segment ${keyPath(key)}: ${reason}`, options);
    this.name = 'DeepStorageError';
  }
}

/**
 * The relative path of a segment's file, as Druid lays out local deep storage:
 * `<dataSource>/<start>_<end>/<version>/<partitionNum>/index.grove` (the interval's `/` becomes `_`).
 */
export function keyPath(key: SegmentKey): string {
  for (const [what, part] of [['dataSource', key.dataSource], ['version', key.version]] as const) {
    if (part === '' || part === '.' || part === '..' || part.includes('/') || part.includes('\0')) {
      throw new Error(`deep storage: ${what} ${JSON.stringify(part)} cannot be part of a path`);
    }
  }
  if (!Number.isInteger(key.partitionNum) || key.partitionNum < 0) throw new Error(`deep storage: partitionNum ${key.partitionNum} is not a partition number`);
  const interval = `${formatInstant(key.interval.start)}_${formatInstant(key.interval.end)}`;
  return `${key.dataSource}/${interval}/${key.version}/${key.partitionNum}/${SEGMENT_FILE_NAME}`;
}

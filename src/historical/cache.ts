import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SegmentDescriptor } from '../../machines/segment/events.ts';
import { openSegment, type SegmentReader } from '../segment/reader.ts';
import { SEGMENT_FILE_NAME } from '../segment/format.ts';
import { keyPath, type DeepStorage, type SegmentKey } from '../storage/deep-storage.ts';
import { parseInterval } from '../time/interval.ts';

const DESCRIPTOR_FILE = 'descriptor.json';

export const keyOf = (d: SegmentDescriptor): SegmentKey => ({ dataSource: d.dataSource, interval: parseInterval(d.interval), version: d.version, partitionNum: d.partitionNum });

/** A segment in the cache that opened with the checksum its descriptor records. */
export interface CachedSegment {
  descriptor: SegmentDescriptor;
  reader: SegmentReader;
}

/**
 * A historical's local segment cache (Druid's segment-cache): each segment's file beside the
 * descriptor it was loaded with, laid out as deep storage lays them out. What the cache holds
 * survives a restart; a file is only ever trusted after it opens with the recorded checksum.
 */
export class SegmentCache {
  constructor(readonly root: string) {}

  fileOf(d: SegmentDescriptor): string {
    return join(this.root, keyPath(keyOf(d)));
  }

  /** Copies the segment from deep storage unless a good copy is already here; opens it (checksum checked). */
  async load(deep: DeepStorage, d: SegmentDescriptor): Promise<SegmentReader> {
    const file = this.fileOf(d);
    const cached = tryOpen(file, d);
    if (cached !== null) return cached;
    await deep.get(keyOf(d), file);
    const reader = openSegment(file, { expectedChecksum: d.checksum });
    await writeAtomically(join(dirname(file), DESCRIPTOR_FILE), JSON.stringify(d));
    return reader;
  }

  /** Every segment the cache holds that still opens with its checksum; broken entries are removed. */
  async scan(): Promise<CachedSegment[]> {
    const out: CachedSegment[] = [];
    for (const dir of await descriptorDirs(this.root)) {
      const d = await readDescriptor(join(dir, DESCRIPTOR_FILE));
      const reader = d === null ? null : tryOpen(join(dir, SEGMENT_FILE_NAME), d);
      if (d !== null && reader !== null && this.fileOf(d) === join(dir, SEGMENT_FILE_NAME)) out.push({ descriptor: d, reader });
      else await rm(dir, { recursive: true, force: true });
    }
    return out;
  }

  async remove(d: SegmentDescriptor): Promise<void> {
    await rm(dirname(this.fileOf(d)), { recursive: true, force: true });
  }
}

function tryOpen(file: string, d: SegmentDescriptor): SegmentReader | null {
  try {
    return openSegment(file, { expectedChecksum: d.checksum });
  } catch {
    return null;
  }
}

async function readDescriptor(file: string): Promise<SegmentDescriptor | null> {
  try {
    const d = JSON.parse(await readFile(file, 'utf8')) as SegmentDescriptor;
    return typeof d?.id === 'string' && typeof d.checksum === 'string' && typeof d.interval === 'string' ? d : null;
  } catch {
    return null;
  }
}

/** The directories holding a descriptor file, anywhere under `root`. */
async function descriptorDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name === DESCRIPTOR_FILE).map((e) => e.parentPath);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}

import { randomBytes } from 'node:crypto';
import { access, copyFile, mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LoadSpec } from '../../machines/segment/events.ts';
import { DeepStorageError, keyPath, type DeepStorage, type SegmentKey } from './deep-storage.ts';

/** Deep storage in a local directory (DESIGN.md: `var/deep/...`). */
export class LocalDeepStorage implements DeepStorage {
  constructor(readonly root: string) {}

  /** The absolute path of a stored segment file. */
  pathOf(key: SegmentKey): string {
    return join(this.root, keyPath(key));
  }

  async put(localFile: string, key: SegmentKey): Promise<LoadSpec> {
    const rel = keyPath(key);
    await copyAtomically(localFile, join(this.root, rel), key);
    return { type: 'local', path: rel };
  }

  async get(key: SegmentKey, localDest: string): Promise<void> {
    if (!(await this.exists(key))) throw new DeepStorageError(key, 'no such segment in deep storage');
    await copyAtomically(this.pathOf(key), localDest, key);
  }

  async delete(key: SegmentKey): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    await this.pruneEmptyDirs(dirname(file));
  }

  async exists(key: SegmentKey): Promise<boolean> {
    return access(this.pathOf(key)).then(() => true, () => false);
  }

  /** Removes the partition, version, interval and data source directories once they are empty. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    for (let d = dir, depth = 0; depth < 4 && d.startsWith(this.root) && d !== this.root; d = dirname(d), depth++) {
      const removed = await rmdir(d).then(() => true, () => false);
      if (!removed) return;
    }
  }
}

/** Copies to a temporary name beside `dest`, then renames: readers never see half a file. */
async function copyAtomically(from: string, dest: string, key: SegmentKey): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const temp = `${dest}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await copyFile(from, temp);
    // Deep storage is the durable copy: the bytes must be on disk before the name points at them.
    const handle = await open(temp, 'r+');
    await handle.sync().finally(() => handle.close());
    await rename(temp, dest);
  } catch (e) {
    await rm(temp, { force: true });
    throw new DeepStorageError(key, `cannot copy ${from} to ${dest} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}

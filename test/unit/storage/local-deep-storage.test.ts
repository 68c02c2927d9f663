import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeepStorageError, keyPath, LocalDeepStorage, type SegmentKey } from '../../../src/storage/index.ts';
import { interval } from '../../../src/time/interval.ts';
import { scratchDir } from '../segment/fixtures.ts';

const { dir, cleanup } = scratchDir('deep');
afterAll(cleanup);

const key: SegmentKey = { dataSource: 'wiki', interval: interval('2024-03-01', '2024-03-02'), version: '2024-04-01T10:00:00.000Z', partitionNum: 2 };
const local = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('local deep storage', () => {
  it('lays files out as <dataSource>/<start>_<end>/<version>/<partition>/index.grove', () => {
    expect(keyPath(key)).toBe('wiki/2024-03-01T00:00:00.000Z_2024-03-02T00:00:00.000Z/2024-04-01T10:00:00.000Z/2/index.grove');
  });

  it('stores a file, answers that it exists, and gives it back', async () => {
    const deep = new LocalDeepStorage(join(dir, 'deep1'));
    const loadSpec = await deep.put(local('a.seg', 'segment bytes'), key);
    expect(loadSpec).toEqual({ type: 'local', path: keyPath(key) });
    expect(await deep.exists(key)).toBe(true);
    const back = join(dir, 'cache', 'a', 'index.grove');
    await deep.get(key, back);
    expect(readFileSync(back, 'utf8')).toBe('segment bytes');
  });

  it('leaves no temporary files behind, and replaces a file whole', async () => {
    const deep = new LocalDeepStorage(join(dir, 'deep2'));
    await deep.put(local('b1.seg', 'first'), key);
    await deep.put(local('b2.seg', 'second'), key);
    expect(readdirSync(join(deep.pathOf(key), '..'))).toEqual(['index.grove']);
    expect(readFileSync(deep.pathOf(key), 'utf8')).toBe('second');
  });

  it('deletes a file and the directories it leaves empty, and tolerates deleting twice', async () => {
    const root = join(dir, 'deep3');
    const deep = new LocalDeepStorage(root);
    const other = { ...key, partitionNum: 0 };
    await deep.put(local('c.seg', 'x'), key);
    await deep.put(local('d.seg', 'y'), other);
    await deep.delete(key);
    expect(await deep.exists(key)).toBe(false);
    expect(await deep.exists(other)).toBe(true);
    await deep.delete(other);
    await deep.delete(other);
    expect(existsSync(join(root, 'wiki'))).toBe(false);
    expect(existsSync(root)).toBe(true);
  });

  it('says which segment is missing when asked for one it does not have', async () => {
    const deep = new LocalDeepStorage(join(dir, 'deep4'));
    await expect(deep.get(key, join(dir, 'nowhere'))).rejects.toThrow(DeepStorageError);
    await expect(deep.get(key, join(dir, 'nowhere'))).rejects.toThrow(/wiki\/2024-03-01.*no such segment/);
  });

  it('refuses keys that would escape the root', () => {
    expect(() => keyPath({ ...key, dataSource: '..' })).toThrow(/cannot be part of a path/);
    expect(() => keyPath({ ...key, version: 'a/b' })).toThrow(/cannot be part of a path/);
  });
});

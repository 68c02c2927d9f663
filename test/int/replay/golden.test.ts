import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DivergenceError } from '../../../src/replay/errors.ts';
import { parseSlice, replaySlice, sliceLines, type Slice } from '../../../src/replay/slice.ts';

/**
 * Golden replays: slices of real logs, exported by the project's own tests (test/e2e/replay.test.ts
 * with GROVE_UPDATE_GOLDEN=1) and committed, must replay to the states they recorded with today's
 * machines and projections. A change that makes them diverge changes what history means: if that
 * is intended, export them again; if not, it is a bug. An altered slice must fail loudly.
 */

const DIR = new URL('../../golden/', import.meta.url).pathname;
const files = readdirSync(DIR).filter((f) => f.endsWith('.grovelog')).sort();
const load = (file: string): Slice => parseSlice(readFileSync(`${DIR}${file}`, 'utf8'), file);
const reparse = (s: Slice): Slice => parseSlice([...sliceLines(s)].join(''));

/** The DivergenceError a replay fails with (the test fails if it does not). */
async function divergenceOf(p: Promise<unknown>): Promise<DivergenceError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(DivergenceError);
  return e as DivergenceError;
}

describe('golden slices', () => {
  it('are there to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  for (const file of files) {
    describe(file, () => {
      it('replays to every state it recorded', async () => {
        const slice = load(file);
        expect(slice.records.length).toBeGreaterThan(0);
        expect(slice.recorded.entities.length).toBeGreaterThan(0);
        await expect(replaySlice(slice)).resolves.toBeDefined();
      });

      it('fails with a divergence when a record is taken out', async () => {
        const slice = load(file);
        // The last fact that moved a machine: without it, its entity ends elsewhere.
        const i = slice.records.findLastIndex((r) => r.type !== 'ServerJoined' && r.type !== 'RulesSet');
        const e = await divergenceOf(replaySlice(reparse({ ...slice, records: slice.records.filter((_, j) => j !== i) })));
        expect(e.divergences.length).toBeGreaterThan(0);
      });

      it('fails with a divergence when a fact is changed', async () => {
        const slice = load(file);
        const granted = slice.records.find((r) => r.type === 'LockGranted')!;
        (granted.data as { version: string }).version = '1999-01-01T00:00:00.000Z';
        const e = await divergenceOf(replaySlice(reparse(slice)));
        expect(e.divergences).toContainEqual(expect.objectContaining({ entity: `lock:${(granted.data as { lockId: string }).lockId}`, fields: ['version'] }));
      });
    });
  }
});

import { describe, expect, it } from 'vitest';
import { isGroveError } from '../../../src/bus/errors.ts';
import { decideRelease } from '../../../src/overlord/lockbox.ts';
import { chooseVersion, VersionHistory } from '../../../src/overlord/versions.ts';
import { parseInterval } from '../../../src/time/interval.ts';
import { DAY1, DAY2, descriptor, T0, World } from './world.ts';

const iso = (t: number): string => new Date(t).toISOString();

describe('each overwrite gets a strictly higher version', () => {
  it('versions successive overwrites of a chunk by the time of acquisition', () => {
    const w = new World();
    const versions: string[] = [];
    for (let i = 0; i < 4; i++) {
      w.now = T0 + i * 60_000;
      w.run(`overwrite-${i}`);
      versions.push(w.grant(`overwrite-${i}`, DAY1).version);
      w.commit(decideRelease(w.state, `overwrite-${i}`));
    }
    expect(versions).toEqual([0, 1, 2, 3].map((i) => iso(T0 + i * 60_000)));
  });

  it('stays strictly higher when the clock steps back, even over segments published with later versions', () => {
    const w = new World().run('first');
    const first = w.grant('first', DAY1);
    w.commit(decideRelease(w.state, 'first'));
    w.given({ type: 'SegmentsPublished', data: { dataSource: 'wikipedia', taskId: 'first', segments: [descriptor({ version: iso(T0 + 3_600_000) })] } });
    w.now = T0 - 86_400_000;
    w.run('second');
    const second = w.grant('second', '2024-01-01T06:00:00.000Z/2024-01-01T07:00:00.000Z');
    expect(second.version).toBe(iso(T0 + 3_600_001));
    expect(second.version > first.version).toBe(true);
  });

  it('is not held back by versions of intervals that do not overlap', () => {
    const w = new World().run('later');
    w.given({ type: 'SegmentsPublished', data: { dataSource: 'wikipedia', taskId: 'later', segments: [descriptor({ interval: DAY2, version: iso(T0 + 10_000_000) })] } });
    expect(w.grant('later', DAY1).version).toBe(iso(T0));
  });

  it('refuses, saying why, when a version that is not an ISO time already sorts above any time', () => {
    const history = new VersionHistory();
    history.record('wikipedia', parseInterval(DAY1), 'v2');
    let error: unknown;
    try {
      chooseVersion(history, 'wikipedia', parseInterval(DAY1), T0);
    } catch (e) {
      error = e;
    }
    expect(isGroveError(error, 'conflict')).toBe(true);
    expect((error as Error).message).toMatch(/above the version "v2" already used there/);
  });
});

import { describe, expect, it } from 'vitest';
import { machineSpec } from '../../support/machine-spec.ts';
import { LOCK, lockFacts, SAMPLES, T0 } from './facts.ts';
import { acceptedEdges, nameOf, shortestPaths, simplePaths } from './paths.ts';

const { requested, granted, rejected, revoked, released } = lockFacts;
const lock = machineSpec('lock', LOCK);

const reachable = shortestPaths('lock').map((p) => p.state);
const edges = acceptedEdges('lock');

describe('the lock machine, over every state and path', () => {
  it('reaches requested, granted and every end', () => {
    expect(new Set(reachable.map(nameOf))).toEqual(new Set(['requested', 'granted', 'released', 'revoked', 'rejected']));
  });

  it('ends in released, revoked or rejected along every path', () => {
    const ends = simplePaths('lock', SAMPLES.lock).filter((p) => p.state.status === 'done');
    expect(new Set(ends.map((p) => nameOf(p.state)))).toEqual(new Set(['released', 'revoked', 'rejected']));
  });

  it('revokes only a granted lock, and rejects only a waiting request', () => {
    for (const { state, nextState } of edges) {
      if (nameOf(nextState) === 'revoked') expect(nameOf(state)).toBe('granted');
      if (nameOf(nextState) === 'rejected') expect(nameOf(state)).toBe('requested');
    }
  });
});

describe('lock rules', () => {
  it('a request records everything the lockbox needs', () => {
    const s = lock.given([]).when(requested({ at: T0 + 7 })).then('requested');
    expect(s.context).toMatchObject({
      taskId: 'index_wikipedia_1',
      dataSource: 'wikipedia',
      interval: '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z',
      lockType: 'EXCLUSIVE',
      priority: 50,
      deadline: T0 + 300_000,
      requestedAt: T0 + 7,
    });
  });

  it('a lock is requested once', () => {
    lock.given([requested()]).when(requested()).thenRejects();
  });

  it('a granted lock carries its version', () => {
    const s = lock.given([requested()]).when(granted()).then('granted');
    expect(s.context.version).toBe('2024-01-01T00:00:00.000Z');
  });

  it('a lock never requested cannot be granted, rejected or released', () => {
    for (const f of [granted(), rejected(), released()]) lock.given([]).when(f).thenRejects();
  });

  it('a waiting request is released when its task ends', () => {
    lock.given([requested()]).when(released()).then('released');
  });

  it('a waiting request cannot be revoked: only a held lock can', () => {
    lock.given([requested()]).when(revoked()).thenRejects();
    const s = lock.given([requested(), granted()]).when(revoked()).then('revoked');
    expect(s.context.revokedBy).toEqual({ taskId: 'index_realtime', lockId: 'lock-rt' });
  });

  it('a revoked lock cannot be released afterwards', () => {
    lock.given([requested(), granted(), revoked()]).when(released()).thenRejects();
  });

  it('a released lock cannot be granted', () => {
    lock.given([requested(), granted(), released()]).when(granted()).thenRejects();
    lock.given([requested(), released()]).when(granted()).thenRejects();
  });

  it('a granted lock cannot be granted again, nor rejected', () => {
    lock.given([requested(), granted()]).when(granted()).thenRejects();
    lock.given([requested(), granted()]).when(rejected()).thenRejects();
  });
});

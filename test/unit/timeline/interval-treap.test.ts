import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError, IntervalTreap } from '../../../src/timeline/interval-treap.ts';

type Key = { start: number; end: number; tie: string };
const keyText = (k: Key): string => `${k.start}-${k.end}${k.tie}`;
const byKey = (a: Key, b: Key): number => a.start - b.start || a.end - b.end || (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0);

const keyArb = fc.record({ start: fc.integer({ min: 0, max: 30 }), len: fc.integer({ min: 1, max: 10 }), tie: fc.constantFrom('', 'a', 'b') })
  .map(({ start, len, tie }): Key => ({ start, end: start + len, tie }));
const opArb = fc.tuple(fc.boolean(), keyArb);

describe('interval treap', () => {
  it('holds what a sorted list holds, and answers overlap queries in key order as a scan would (nothing for an empty query)', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), fc.integer({ min: -2, max: 42 }), fc.integer({ min: 0, max: 12 }), (ops, qStart, qLen) => {
      const tree = new IntervalTreap<string>();
      const model = new Map<string, Key>();
      for (const [isInsert, k] of ops) {
        const text = keyText(k);
        if (isInsert && !model.has(text)) {
          tree.insert(k.start, k.end, k.tie, text);
          model.set(text, k);
        } else if (!isInsert) {
          expect(tree.remove(k.start, k.end, k.tie)).toBe(model.has(text) ? text : undefined);
          model.delete(text);
        }
      }
      const sorted = [...model.values()].sort(byKey);
      expect(tree.size).toBe(model.size);
      expect(tree.all().map((e) => e.value)).toEqual(sorted.map(keyText));
      const qEnd = qStart + qLen;
      // An empty query shares no instant with anything, even inside an entry.
      const expected = qLen === 0 ? [] : sorted.filter((k) => k.start < qEnd && k.end > qStart).map(keyText);
      expect(tree.overlapping(qStart, qEnd).map((e) => e.value)).toEqual(expected);
    }), { numRuns: 500 });
  });

  it('refuses a key it already holds', () => {
    const tree = new IntervalTreap<number>();
    tree.insert(1, 2, 'v', 1);
    expect(() => tree.insert(1, 2, 'v', 2)).toThrow(DuplicateKeyError);
    expect(tree.get(1, 2, 'v')).toBe(1);
  });
});

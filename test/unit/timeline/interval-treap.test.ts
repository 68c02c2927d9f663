import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalTreap } from '../../../src/timeline/interval-treap.ts';

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

  it('removes a run of consecutive keys at once, saying how many, and finds each key it still holds', () => {
    fc.assert(fc.property(fc.uniqueArray(keyArb, { selector: keyText, maxLength: 60 }), fc.nat(), fc.nat(), (keys, a, b) => {
      const tree = new IntervalTreap<string>();
      for (const k of keys) tree.insert(k.start, k.end, k.tie, keyText(k));
      const sorted = [...keys].sort(byKey);
      if (sorted.length === 0) return;
      const [i, j] = [a % sorted.length, b % sorted.length].sort((x, y) => x - y) as [number, number];
      expect(tree.removeBetween(sorted[i]!, sorted[j]!)).toBe(j - i + 1);
      const kept = [...sorted.slice(0, i), ...sorted.slice(j + 1)];
      expect(tree.all().map((e) => e.value)).toEqual(kept.map(keyText));
      for (const k of kept) expect(tree.get(k.start, k.end, k.tie)).toBe(keyText(k));
      expect(tree.get(sorted[i]!.start, sorted[i]!.end, sorted[i]!.tie)).toBeUndefined();
    }), { numRuns: 300 });
  });
});

import { describe, expect, it } from 'vitest';
import { Wakeups } from '../../../src/coordinator/wakeups.ts';

describe('wake-ups plan segments again at their time', () => {
  it('hands out the due ids in time order, leaving the rest', () => {
    const w = new Wakeups();
    w.add('c', 30);
    w.add('a', 10);
    w.add('b', 20);
    expect(w.next()).toBe(10);
    expect(w.takeDue(20)).toEqual(['a', 'b']);
    expect(w.next()).toBe(30);
    expect(w.size).toBe(1);
  });

  it('a later wake-up of the same id replaces the earlier one', () => {
    const w = new Wakeups();
    w.add('a', 10);
    w.add('a', 50);
    expect(w.takeDue(20)).toEqual([]);
    expect(w.next()).toBe(50);
    expect(w.takeDue(50)).toEqual(['a']);
    expect(w.next()).toBeNull();
  });

  it('keeps order over many ids', () => {
    const w = new Wakeups();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    times.forEach((t, i) => w.add(`s${i}`, t));
    const out: number[] = [];
    for (let t = 0; t < 1000; t += 100) out.push(...w.takeDue(t).map((id) => times[Number(id.slice(1))]!));
    expect(out).toEqual([...out].sort((a, b) => a - b));
    expect(out.length + w.size).toBe(500);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Interval } from '../../../src/time/interval.ts';
import { VersionedTimeline, type TimelineEntry } from '../../../src/timeline/versioned-timeline.ts';

/**
 * The timeline against a brute-force reference: time is 0..24, and for every instant the
 * reference scans all held segments for the highest complete version covering it.
 */

const HORIZON = 24;
const VERSIONS = ['a', 'b', 'c', 'd', 'e'] as const;
/** Each version's chunk length divides the horizon, so a version's chunks never partly overlap. */
const LENGTHS = [1, 2, 3, 4, 6, 8, 12, 24] as const;

type Seg = TimelineEntry<number>;
type Op = { kind: 'add'; v: number; slot: number; partitionNum: number; payload: number } | { kind: 'remove'; v: number; slot: number; partitionNum: number };

function coordinates(lengths: readonly number[], v: number, slot: number): { interval: Interval; version: string; corePartitions: number } {
  const len = lengths[v]!;
  const k = slot % (HORIZON / len);
  // Core set size is fixed per chunk (Druid's allocator repeats it), here 0, 1 or 2.
  return { interval: { start: k * len, end: (k + 1) * len }, version: VERSIONS[v]!, corePartitions: (v + k) % 3 };
}

const idOf = (v: number, interval: Interval, partitionNum: number): string => `${VERSIONS[v]}@${interval.start}-${interval.end}#${partitionNum}`;

function toSegment(lengths: readonly number[], op: Extract<Op, { kind: 'add' }>): Seg {
  const c = coordinates(lengths, op.v, op.slot);
  return { id: idOf(op.v, c.interval, op.partitionNum), partitionNum: op.partitionNum, payload: op.payload, ...c };
}

/** The reference: a plain list of segments and a scan per instant. */
class Reference {
  readonly held = new Map<string, Seg>();

  private holders(): Array<{ key: string; interval: Interval; version: string; complete: boolean; ids: string[] }> {
    const byKey = new Map<string, Seg[]>();
    for (const s of this.held.values()) {
      const key = `${s.version}@${s.interval.start}-${s.interval.end}`;
      byKey.set(key, [...(byKey.get(key) ?? []), s]);
    }
    return [...byKey].map(([key, segs]) => {
      const core = segs[0]!.corePartitions;
      const nums = new Set(segs.map((s) => s.partitionNum));
      const complete = core === 0 || Array.from({ length: core }, (_, i) => i).every((i) => nums.has(i));
      const ids = segs.sort((x, y) => x.partitionNum - y.partitionNum).map((s) => s.id);
      return { key, interval: segs[0]!.interval, version: segs[0]!.version, complete, ids };
    });
  }

  private visibleAt(t: number): ReturnType<Reference['holders']>[number] | undefined {
    let best: ReturnType<Reference['holders']>[number] | undefined;
    for (const h of this.holders()) {
      if (h.complete && h.interval.start <= t && t < h.interval.end && (best === undefined || h.version > best.version)) best = h;
    }
    return best;
  }

  /** Maximal stretches of `q` with one visible holder, as `start-end version ids`. */
  lookup(q: Interval): string[] {
    const out: Array<{ start: number; end: number; key: string; text: string }> = [];
    for (let t = q.start; t < q.end; t++) {
      const h = this.visibleAt(t);
      if (h === undefined) continue;
      const last = out[out.length - 1];
      if (last !== undefined && last.key === h.key && last.end === t) last.end = t + 1;
      else out.push({ start: t, end: t + 1, key: h.key, text: `${h.version} ${h.ids.join(',')}` });
    }
    return out.map((p) => `${p.start}-${p.end} ${p.text}`);
  }

  isOvershadowed(s: Seg): boolean {
    for (let t = s.interval.start; t < s.interval.end; t++) {
      const h = this.visibleAt(t);
      if (h === undefined || h.version <= s.version) return false;
    }
    return true;
  }
}

const render = (t: VersionedTimeline<number>, q: Interval): string[] =>
  t.lookup(q).map((c) => `${c.interval.start}-${c.interval.end} ${c.version} ${c.partitions.map((p) => p.id).join(',')}`);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), v: fc.nat(VERSIONS.length - 1), slot: fc.nat(23), partitionNum: fc.nat(3), payload: fc.nat(99) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), v: fc.nat(VERSIONS.length - 1), slot: fc.nat(23), partitionNum: fc.nat(3) }) },
);
const lengthsArb = fc.array(fc.constantFrom(...LENGTHS), { minLength: VERSIONS.length, maxLength: VERSIONS.length });
const queryArb = fc.tuple(fc.nat(HORIZON), fc.nat(HORIZON)).map(([a, b]): Interval => ({ start: Math.min(a, b), end: Math.max(a, b) }));

function apply(lengths: readonly number[], op: Op, timeline: VersionedTimeline<number>, ref: Reference): void {
  if (op.kind === 'add') {
    const s = toSegment(lengths, op);
    timeline.add(s);
    ref.held.set(s.id, s);
    return;
  }
  const c = coordinates(lengths, op.v, op.slot);
  const id = idOf(op.v, c.interval, op.partitionNum);
  expect(timeline.remove(id)?.id).toBe(ref.held.get(id)?.id);
  ref.held.delete(id);
}

describe('the timeline agrees with a brute-force reference', () => {
  it('for every instant, lookup gives the highest complete version covering it, after every add and remove', () => {
    fc.assert(fc.property(lengthsArb, fc.array(opArb, { maxLength: 60 }), queryArb, (lengths, ops, query) => {
      const timeline = new VersionedTimeline<number>();
      const ref = new Reference();
      for (const op of ops) {
        apply(lengths, op, timeline, ref);
        expect(render(timeline, { start: 0, end: HORIZON })).toEqual(ref.lookup({ start: 0, end: HORIZON }));
      }
      expect(render(timeline, query)).toEqual(ref.lookup(query));
    }), { numRuns: 300 });
  });

  it('calls a segment overshadowed exactly when complete higher versions cover every instant of it', () => {
    fc.assert(fc.property(lengthsArb, fc.array(opArb, { maxLength: 60 }), (lengths, ops) => {
      const timeline = new VersionedTimeline<number>();
      const ref = new Reference();
      for (const op of ops) apply(lengths, op, timeline, ref);
      for (const s of ref.held.values()) expect(timeline.isOvershadowed(s.id), s.id).toBe(ref.isOvershadowed(s));
      const expected = [...ref.held.values()].filter((s) => ref.isOvershadowed(s)).map((s) => s.id).sort();
      expect(timeline.findFullyOvershadowed().map((s) => s.id).sort()).toEqual(expected);
    }), { numRuns: 300 });
  });

  it('gives the same timeline whatever order the same segments arrive in', () => {
    fc.assert(fc.property(lengthsArb, fc.array(opArb.filter((op) => op.kind === 'add'), { maxLength: 40 }), fc.context(), (lengths, adds, ctx) => {
      const segs = [...new Map(adds.map((op) => toSegment(lengths, op as Extract<Op, { kind: 'add' }>)).map((s) => [s.id, s])).values()];
      const forward = new VersionedTimeline<number>();
      const backward = new VersionedTimeline<number>();
      for (const s of segs) forward.add(s);
      for (const s of [...segs].reverse()) backward.add(s);
      ctx.log(`${segs.length} segments`);
      expect(render(backward, { start: 0, end: HORIZON })).toEqual(render(forward, { start: 0, end: HORIZON }));
    }), { numRuns: 200 });
  });
});

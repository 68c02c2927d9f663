import { decode, encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, initialTransition, setup, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { MACHINE_KINDS, MACHINES, type MachineKind } from '../../../machines/index.ts';
import type { GroveEvent } from '../../../src/events/catalog.ts';
import {
  createEntityFolder,
  FOLDERS,
  IllegalFactError,
  stateName,
  type EntityFolder,
  type PersistedEntity,
} from '../../../src/projections/machine-fold.ts';
import { SAMPLE_ID, SAMPLES, segmentFacts, SEG, taskFacts } from '../machines/facts.ts';

/** What a projection exposes of an entity. */
const view = (s: AnyMachineSnapshot) => ({ value: s.value, context: s.context, status: s.status });

/**
 * Everything of a snapshot but its methods: what xstate itself reads when it takes the next fact,
 * and what JSON makes of it (xstate's `toJSON` reads own keys; a folder's snapshot has the
 * context as its only own key, the rest from its state's snapshot).
 */
const whole = (s: AnyMachineSnapshot) => ({
  ...view(s),
  output: s.output,
  error: s.error,
  tags: [...s.tags].sort(),
  nodes: s._nodes.map((n) => n.id).sort(),
  children: s.children,
  historyValue: s.historyValue,
  json: JSON.parse(JSON.stringify(s)) as unknown,
});

/** Facts in random order: most are illegal where they land, the legal ones walk the machine. */
const factsOf = (kind: MachineKind) => fc.array(fc.constantFrom(...SAMPLES[kind]), { maxLength: 40 });

/** Through msgpack and back, as a projection snapshot is stored in LMDB. */
const stored = (persisted: PersistedEntity) => decode(encode(persisted)) as PersistedEntity;

function foldAll(folder: EntityFolder<MachineKind>, snapshot: AnyMachineSnapshot, facts: readonly GroveEvent[]) {
  return facts.reduce((s, f) => (folder.canApply(s, f) ? folder.apply(s, f) : s), snapshot);
}

describe.each(MACHINE_KINDS)('the %s folder', (kind) => {
  const folder: EntityFolder<MachineKind> = FOLDERS[kind];
  const machine: AnyStateMachine = MACHINES[kind];
  const id = SAMPLE_ID[kind];

  it("starts an entity exactly where xstate's initialTransition does", () => {
    fc.assert(
      fc.property(fc.string(), (anyId) => {
        const [theirs] = initialTransition(machine, { id: anyId });
        expect(whole(folder.initial(anyId))).toStrictEqual(whole(theirs));
      }),
      { numRuns: 50 },
    );
  });

  it("gives the snapshots of xstate's own transition, and its legality, for any sequence of facts", () => {
    fc.assert(
      fc.property(factsOf(kind), (facts) => {
        let mine = folder.initial(id);
        let [theirs] = initialTransition(machine, { id });
        for (const f of facts) {
          const legal = theirs.can(f);
          expect(folder.canApply(mine, f), `${stateName(mine.value)} ${f.type}`).toBe(legal);
          if (!legal) {
            expect(() => folder.apply(mine, f)).toThrow(IllegalFactError);
            continue;
          }
          mine = folder.apply(mine, f);
          [theirs] = transition(machine, theirs, f);
          expect(whole(mine)).toStrictEqual(whole(theirs));
          expect(folder.persist(mine)).toStrictEqual(JSON.parse(JSON.stringify(machine.getPersistedSnapshot(theirs))));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('folds on from a snapshot stored and restored exactly as from the live one', () => {
    fc.assert(
      fc.property(factsOf(kind), factsOf(kind), (before, after) => {
        const live = foldAll(folder, folder.initial(id), before);
        const restored = folder.restore(stored(folder.persist(live)));
        expect(folder.persist(restored)).toStrictEqual(folder.persist(live));
        expect(whole(foldAll(folder, restored, after))).toStrictEqual(whole(foldAll(folder, live, after)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('folding facts', () => {
  it('rejects a fact of another lifecycle', () => {
    const segment = FOLDERS.segment.initial(SEG);
    expect(FOLDERS.segment.canApply(segment, taskFacts.submitted())).toBe(false);
    expect(() => FOLDERS.segment.apply(segment, taskFacts.submitted())).toThrow(IllegalFactError);
  });

  it('says which entity, in which state, refused which fact', () => {
    const published = FOLDERS.segment.apply(FOLDERS.segment.initial(SEG), segmentFacts.published());
    const refusal = (() => {
      try {
        FOLDERS.segment.apply(published, segmentFacts.published());
      } catch (e) {
        return e;
      }
    })();
    expect(refusal).toBeInstanceOf(IllegalFactError);
    expect(refusal).toMatchObject({ kind: 'segment', entityId: SEG, state: 'published.used.unavailable', factType: 'SegmentsPublished' });
    expect((refusal as Error).message).toBe(`segment ${SEG} in state published.used.unavailable cannot take SegmentsPublished`);
  });

  it('does not change the snapshot it folds from', () => {
    const initial = FOLDERS.segment.initial(SEG);
    const before = structuredClone(view(initial));
    FOLDERS.segment.apply(initial, segmentFacts.allocated());
    expect(view(initial)).toStrictEqual(before);
  });

  it('gives every entity its own initial context', () => {
    const a = FOLDERS.segment.initial('a');
    const b = FOLDERS.segment.initial('b');
    expect([a.context.id, b.context.id]).toEqual(['a', 'b']);
    expect(a.context).not.toBe(b.context);
  });
});

describe('a machine the folder cannot fold', () => {
  const rules = setup({
    types: { events: {} as { type: 'Went' } },
    actions: { remember: assign({}), shout: () => {} },
  });
  const offenders = {
    'an entry action': rules.createMachine({ initial: 'a', states: { a: { entry: 'remember' } } }),
    'an action that is not an assign': rules.createMachine({ initial: 'a', states: { a: { on: { Went: { actions: 'shout' } } } } }),
    'an eventless transition': rules.createMachine({ initial: 'a', states: { a: { always: { target: 'b' } }, b: {} } }),
    'a timer': rules.createMachine({ initial: 'a', states: { a: { after: { 1000: { target: 'b' } } }, b: {} } }),
    'a parallel state': rules.createMachine({ type: 'parallel', states: { a: {}, b: {} } }),
  };

  it.each(Object.entries(offenders))('is refused when it has %s', (_, machine) => {
    expect(() => createEntityFolder('task', machine)).toThrow(/the task machine cannot be folded/);
  });
});

describe('state names', () => {
  it('join nested states with dots', () => {
    expect(stateName('building')).toBe('building');
    expect(stateName({ published: { used: 'available' } })).toBe('published.used.available');
  });
});

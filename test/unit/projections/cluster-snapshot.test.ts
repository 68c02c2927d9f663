import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MACHINE_KINDS, type MachineKind } from '../../../machines/index.ts';
import type { GroveEvent } from '../../../src/events/catalog.ts';
import { ConflictError } from '../../../src/log/conflict.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { decodeSnapshot, encodeSnapshot } from '../../../src/log/snapshot-codec.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { SAMPLES } from '../machines/facts.ts';

const meta = { actor: 't', correlationId: 'c', causationId: null };
const ALL_FACTS = MACHINE_KINDS.flatMap((k) => SAMPLES[k]);
const facts = fc.array(fc.constantFrom(...ALL_FACTS), { maxLength: 60 });

/** Admits each fact the machines accept where it lands (as the metastore would) and skips the rest. */
function foldLegal(state: ClusterState, list: readonly GroveEvent[]): ClusterState {
  for (const f of list) {
    const record: LogRecord = { seq: state.position + 1, at: f.at, type: f.type, data: f.data, meta };
    try {
      state.admit([record], []);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
    }
  }
  return state;
}

/** Through the snapshot codec and back, as the metastore stores it and followers fetch it. */
function restored(live: ClusterState): ClusterState {
  const state = new ClusterState();
  state.restore(decodeSnapshot(encodeSnapshot(live.snapshot())) as ReturnType<ClusterState['snapshot']>);
  return state;
}

/** What readers see of each entity of a kind, by id (a restored state lists them in id order). */
const entities = (state: ClusterState, kind: MachineKind) =>
  [...state.entitiesOf(kind)].map(([id, s]) => [id, s.value, s.status, s.context, [...s.tags].sort()]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

describe('a snapshot of the cluster state', () => {
  it('restores every entity, in its state with its context, and folds on exactly as the live state', () => {
    fc.assert(
      fc.property(facts, facts, (before, after) => {
        const live = foldLegal(new ClusterState(), before);
        const back = restored(live);
        expect(back.save()).toStrictEqual(live.save());
        for (const kind of MACHINE_KINDS) expect(entities(back, kind)).toStrictEqual(entities(live, kind));
        expect(foldLegal(back, after).save()).toStrictEqual(foldLegal(live, after).save());
      }),
      { numRuns: 300 },
    );
  });

  it('is canonical: the same state gives the same snapshot, however its entities came in', () => {
    const a = foldLegal(new ClusterState(), [...SAMPLES.task, ...SAMPLES.lock]);
    const b = foldLegal(new ClusterState(), [...SAMPLES.lock, ...SAMPLES.task]);
    expect(b.save()).toStrictEqual(a.save());
    expect(encodeSnapshot(b.snapshot())).toStrictEqual(encodeSnapshot(a.snapshot()));
  });

  it('lists segments by datasource after a restore as before', () => {
    const live = foldLegal(new ClusterState(), SAMPLES.segment.slice(0, 3));
    expect(live.dataSources()).not.toEqual([]);
    const back = restored(live);
    expect(back.dataSources()).toEqual(live.dataSources());
    for (const ds of live.dataSources()) expect(back.segmentsOf(ds).map((s) => s.context.id)).toEqual(live.segmentsOf(ds).map((s) => s.context.id));
  });
});

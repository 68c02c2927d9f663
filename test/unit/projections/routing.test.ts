import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { MACHINE_KINDS, MACHINES } from '../../../machines/index.ts';
import { EVENT_TYPES, type GroveEvent } from '../../../src/events/catalog.ts';
import { machineTargetsOf, replicaId } from '../../../src/projections/routing.ts';
import { DS, fact, lockFacts, replicaFacts, SAMPLE_ID, SAMPLES, SEG, segmentFacts, supervisorFacts } from '../machines/facts.ts';

const CLUSTER_FACTS: GroveEvent[] = [
  fact('ServerJoined', { serverId: 'hist-1', kind: 'historical', tier: '_default_tier', capacity: 10_000_000 }),
  fact('ServerLeft', { serverId: 'hist-1', reason: 'heartbeat lost' }),
  fact('RulesSet', { dataSource: DS, rules: [{ type: 'loadForever' }] }),
  fact('DataSourceMetadataReset', { dataSource: DS, stream: 'wiki' }),
  fact('CompactionConfigSet', { dataSource: DS, config: null }),
];
const EVERY_FACT = [...MACHINE_KINDS.flatMap((k) => SAMPLES[k]), ...CLUSTER_FACTS];

const kindsOf = (f: GroveEvent) => new Set(machineTargetsOf(f).map((t) => t.kind));

describe('routing facts to machines', () => {
  it('has a sample of every fact in the catalogue', () => {
    expect(new Set(EVERY_FACT.map((f) => f.type))).toEqual(new Set(EVENT_TYPES));
  });

  it('sends every fact to exactly the kinds of machine that take it', () => {
    for (const f of EVERY_FACT) {
      const takers = MACHINE_KINDS.filter((k) => (MACHINES[k] as AnyStateMachine).events.includes(f.type));
      expect(kindsOf(f), f.type).toEqual(new Set(takers));
    }
  });

  it('sends every lifecycle fact to the entity it is about', () => {
    for (const kind of MACHINE_KINDS) {
      for (const f of SAMPLES[kind]) expect(machineTargetsOf(f), f.type).toContainEqual({ kind, id: SAMPLE_ID[kind] });
    }
  });

  it('sends a publish to every segment it publishes', () => {
    const other = `${SEG}_1`;
    expect(machineTargetsOf(segmentFacts.published({ ids: [SEG, other] }))).toEqual([
      { kind: 'segment', id: SEG },
      { kind: 'segment', id: other },
    ]);
  });

  it('sends a load or drop to the replica and to its segment, and other replica facts to the replica only', () => {
    const replica = { kind: 'replica', id: replicaId(SEG, 'hist-2') };
    expect(machineTargetsOf(replicaFacts.loaded('hist-2'))).toEqual([replica, { kind: 'segment', id: SEG }]);
    expect(machineTargetsOf(replicaFacts.dropped('hist-2'))).toEqual([replica, { kind: 'segment', id: SEG }]);
    expect(machineTargetsOf(replicaFacts.assigned('hist-2'))).toEqual([replica]);
  });

  it('sends a revocation to the revoked lock only, not to the lock that won', () => {
    expect(machineTargetsOf(lockFacts.revoked())).toEqual([{ kind: 'lock', id: 'lock-1' }]);
  });

  it('sends a task group launch to the supervisor only: its tasks are submitted by their own facts', () => {
    expect(machineTargetsOf(supervisorFacts.launched())).toEqual([{ kind: 'supervisor', id: SAMPLE_ID.supervisor }]);
  });

  it('sends server, rules, datasource and compaction facts to no machine', () => {
    for (const f of CLUSTER_FACTS) expect(machineTargetsOf(f), f.type).toEqual([]);
  });
});

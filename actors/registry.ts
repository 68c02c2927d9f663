import { brokerActor } from './broker/index.ts';
import { coordinatorActor } from './coordinator/index.ts';
import { historicalActor } from './historical/index.ts';
import { metastoreActor } from './metastore/index.ts';
import { indexerActor } from './indexer/index.ts';
import { overlordActor } from './overlord/index.ts';
import { pushActor } from './push/index.ts';
import { supervisorActor } from './supervisor/index.ts';
import type { ActorKind } from './runtime.ts';
import { uiActor } from './ui/index.ts';

/** Every actor kind, in start order (the metastore first: everyone else reads from it). */
export const ACTOR_KINDS: readonly ActorKind[] = [metastoreActor, overlordActor, coordinatorActor, historicalActor, indexerActor, brokerActor, supervisorActor, pushActor, uiActor];

export function actorKind(name: string): ActorKind {
  const k = ACTOR_KINDS.find((a) => a.kind === name);
  if (k === undefined) throw new Error(`unknown actor kind "${name}" (expected one of ${ACTOR_KINDS.map((a) => a.kind).join(', ')})`);
  return k;
}

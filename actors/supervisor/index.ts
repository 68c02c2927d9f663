import type { ActorKind } from '../runtime.ts';
import { SupervisorActor } from './supervisor.ts';

export const supervisorActor: ActorKind = {
  kind: 'supervisor',
  description: 'streaming supervisors: keep index_nats task groups reading JetStream streams, roll them at taskDuration',
  async start(ctx) {
    const s = await SupervisorActor.start({ nc: ctx.nc, id: ctx.id });
    return { kind: 'supervisor', id: ctx.id, stop: () => s.stop() };
  },
};

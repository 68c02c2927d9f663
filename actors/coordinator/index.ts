import { coordinatorSettingsFromEnv } from '../../src/coordinator/settings.ts';
import type { ActorKind } from '../runtime.ts';
import { Coordinator } from './coordinator.ts';

export const coordinatorActor: ActorKind = {
  kind: 'coordinator',
  description: 'keeps segments where their rules want them: loads, drops, overshadowing, balance, auto-compaction',
  async start(ctx) {
    const c = await Coordinator.start({ nc: ctx.nc, id: ctx.id, ...coordinatorSettingsFromEnv(process.env) });
    return { kind: 'coordinator', id: ctx.id, stop: () => c.stop() };
  },
};

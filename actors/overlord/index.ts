import type { ActorKind } from '../runtime.ts';
import { Overlord } from './overlord.ts';

export const overlordActor: ActorKind = {
  kind: 'overlord',
  description: 'accepts tasks and assigns them to indexers; lockbox, segment allocation, publishing',
  async start(ctx) {
    const o = await Overlord.start({ nc: ctx.nc, id: ctx.id });
    return { kind: 'overlord', id: ctx.id, stop: () => o.stop() };
  },
};

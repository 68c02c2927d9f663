import type { ActorKind } from '../runtime.ts';
import { Broker } from './broker.ts';

export const brokerActor: ActorKind = {
  kind: 'broker',
  description: 'answers native queries: timeline of served segments, fan-out, merge',
  async start(ctx) {
    const b = await Broker.start({ nc: ctx.nc, id: ctx.id });
    return { kind: 'broker', id: ctx.id, stop: () => b.stop() };
  },
};

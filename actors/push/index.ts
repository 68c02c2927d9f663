import type { ActorKind } from '../runtime.ts';
import { PushActor } from './push.ts';

export const pushActor: ActorKind = {
  kind: 'push',
  description: 'grove.push.<dataSource>: pushed rows into JetStream, exactly once (message-id de-duplication)',
  async start(ctx) {
    const p = await PushActor.start({ nc: ctx.nc, id: ctx.id });
    return { kind: 'push', id: ctx.id, stop: () => p.stop() };
  },
};

import { startService } from '../../src/bus/service.ts';
import type { GroveConfig } from '../../src/config/grove-config.ts';
import { startUiServer } from '../../src/ui/server.ts';
import type { ActorKind } from '../runtime.ts';

/** The websocket the browser connects to: NATS's host, the websocket port. */
export function websocketUrl(config: GroveConfig): string {
  const host = new URL(config.natsUrl.replace(/^nats:/, 'http:')).hostname;
  return `ws://${host === 'localhost' ? '127.0.0.1' : host}:${config.wsPort}`;
}

/**
 * The visualizer: a page on 127.0.0.1 that reads grove through NATS as the `viewer` user. It
 * registers with the services API so `grove status` lists it.
 */
export const uiActor: ActorKind = {
  kind: 'ui',
  description: 'the state-machine visualizer (a page on 127.0.0.1)',
  async start(ctx) {
    const server = await startUiServer({ port: ctx.config.uiPort, page: { wsUrl: websocketUrl(ctx.config), user: 'viewer', password: ctx.config.passwords.viewer } });
    const service = await startService(ctx.nc, { kind: 'ui', id: ctx.id, description: `the visualizer at ${server.url}`, endpoints: {} });
    return {
      kind: 'ui',
      id: ctx.id,
      stop: async () => {
        await service.stop();
        await server.close();
      },
    };
  },
};

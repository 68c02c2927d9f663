import { join } from 'node:path';
import { dataPaths } from '../../src/config/grove-config.ts';
import { LocalDeepStorage } from '../../src/storage/local.ts';
import type { ActorKind } from '../runtime.ts';
import { Historical } from './historical.ts';

export const historicalActor: ActorKind = {
  kind: 'historical',
  description: 'loads segments from deep storage into its cache and answers queries over them',
  async start(ctx) {
    const paths = dataPaths(ctx.config.dataDir);
    const h = await Historical.start({
      nc: ctx.nc,
      id: ctx.id,
      tier: ctx.tier,
      capacityBytes: ctx.capacityBytes,
      cacheDir: join(paths.cache, ctx.id),
      deepStorage: new LocalDeepStorage(paths.deep),
    });
    return { kind: 'historical', id: ctx.id, stop: () => h.stop() };
  },
};

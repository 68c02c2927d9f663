import { dataPaths } from '../../src/config/grove-config.ts';
import { ClusterState } from '../../src/projections/cluster-state.ts';
import type { ActorKind } from '../runtime.ts';
import { Metastore } from './metastore.ts';

export const metastoreActor: ActorKind = {
  kind: 'metastore',
  description: 'the single writer of the event log',
  async start(ctx) {
    const m = await Metastore.start({
      nc: ctx.nc,
      id: ctx.id,
      path: dataPaths(ctx.config.dataDir).metadata,
      state: new ClusterState(),
      onProgress: (done, total) => ctx.progress('refolding the log', done, total),
    });
    return { kind: 'metastore', id: ctx.id, stop: () => m.stop() };
  },
};

import { dataPaths } from '../../src/config/grove-config.ts';
import type { ActorKind } from '../runtime.ts';
import { Indexer } from './indexer.ts';

/** A positive integer from the environment, or undefined. */
function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export const indexerActor: ActorKind = {
  kind: 'indexer',
  description: 'runs tasks (batch index, ...) in child processes; a crashing task fails alone',
  async start(ctx) {
    const paths = dataPaths(ctx.config.dataDir);
    const ix = await Indexer.start({
      nc: ctx.nc,
      id: ctx.id,
      capacity: ctx.taskSlots ?? envInt('GROVE_TASK_SLOTS') ?? 2,
      maxHeapMb: envInt('GROVE_TASK_HEAP_MB') ?? 2048,
      natsUrl: ctx.config.natsUrl,
      natsPassword: ctx.config.passwords.actor,
      deepStorageDir: paths.deep,
      workRoot: paths.work,
      tier: ctx.tier,
    });
    return { kind: 'indexer', id: ctx.id, stop: () => ix.stop() };
  },
};

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

/**
 * The indexer's server id. The log knows servers by id alone, and one process runs all its actors
 * under one `--id` (a historical beside this indexer, say): qualified, the two stay two servers.
 */
export const indexerIdOf = (processId: string): string => `indexer-${processId}`;

export const indexerActor: ActorKind = {
  kind: 'indexer',
  description: 'runs tasks (batch index, ...) in child processes; a crashing task fails alone',
  async start(ctx) {
    const paths = dataPaths(ctx.config.dataDir);
    const id = indexerIdOf(ctx.id);
    const ix = await Indexer.start({
      nc: ctx.nc,
      id,
      capacity: ctx.taskSlots ?? envInt('GROVE_TASK_SLOTS') ?? 2,
      maxHeapMb: envInt('GROVE_TASK_HEAP_MB') ?? 2048,
      natsUrl: ctx.config.natsUrl,
      natsPassword: ctx.config.passwords.actor,
      deepStorageDir: paths.deep,
      workRoot: paths.work,
      tier: ctx.tier,
    });
    return { kind: 'indexer', id, stop: () => ix.stop() };
  },
};

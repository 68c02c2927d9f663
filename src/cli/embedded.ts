import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from 'nats';
import { ACTOR_KINDS, actorKind } from '../../actors/registry.ts';
import type { ActorContext, RunningActor } from '../../actors/runtime.ts';
import { connectBus } from '../bus/connection.ts';
import { portAnswers, startNatsServer, type RunningNatsServer } from '../bus/nats-server.ts';
import { dataPaths, type GroveConfig } from '../config/grove-config.ts';
import { progressReporter } from './progress.ts';

export const NATS_CONF = fileURLToPath(new URL('../../nats.conf', import.meta.url));

export interface EmbeddedOptions {
  config: GroveConfig;
  /** Actor kinds to run (default: all). */
  actors?: string[];
  id?: string;
  tier?: string;
  capacityBytes?: number;
  /** Indexers: tasks run at once. */
  taskSlots?: number;
  /** Start nats-server when none answers at the configured URL (default true). */
  startNats?: boolean;
  log?: (line: string) => void;
}

export interface Embedded {
  nats: RunningNatsServer | null;
  nc: NatsConnection;
  actors: RunningActor[];
  stop(): Promise<void>;
}

function localPort(url: string): number | null {
  const u = new URL(url.replace(/^nats:/, 'http:'));
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' ? Number(u.port || 4222) : null;
}

/**
 * Starts grove in this process: nats-server (unless one answers at the configured URL), then the
 * chosen actors, each on the shared `actor` connection. `stop()` undoes it all in reverse.
 */
export async function startEmbedded(o: EmbeddedOptions): Promise<Embedded> {
  const { config } = o;
  const log = o.log ?? ((l: string) => console.log(l));
  const paths = dataPaths(config.dataDir);
  mkdirSync(config.dataDir, { recursive: true });
  let nats: RunningNatsServer | null = null;
  const port = localPort(config.natsUrl);
  if ((o.startNats ?? true) && port !== null && !(await portAnswers(port))) {
    log(`starting nats-server -c nats.conf (client ${config.natsUrl}, websocket ws://127.0.0.1:${config.wsPort}, log ${paths.natsLog})`);
    nats = await startNatsServer({ configFile: NATS_CONF, port, wsPort: config.wsPort, storeDir: paths.jetstream, passwords: config.passwords, logFile: paths.natsLog });
  }
  const id = o.id ?? 'local';
  const nc = await connectBus({ url: config.natsUrl, user: 'actor', password: config.passwords.actor, name: `grove-${id}`, persistent: true });
  const kinds = o.actors === undefined ? ACTOR_KINDS : o.actors.map(actorKind);
  const actors: RunningActor[] = [];
  const bars = new Map<string, ReturnType<typeof progressReporter>>();
  const ctx: ActorContext = {
    nc, config, id,
    tier: o.tier ?? '_default_tier',
    capacityBytes: o.capacityBytes ?? 10 * 2 ** 30,
    ...(o.taskSlots !== undefined ? { taskSlots: o.taskSlots } : {}),
    progress(label, done, total) {
      if (total < 10_000) return;
      const bar = bars.get(label) ?? progressReporter(label);
      bars.set(label, bar);
      bar.update(done, total);
      if (done >= total) {
        bar.stop();
        bars.delete(label);
      }
    },
  };
  try {
    for (const k of kinds) actors.push(await k.start(ctx));
  } catch (e) {
    await stopAll(actors, nc, nats);
    throw e;
  }
  return { nats, nc, actors, stop: () => stopAll(actors, nc, nats) };
}

async function stopAll(actors: RunningActor[], nc: NatsConnection, nats: RunningNatsServer | null): Promise<void> {
  for (const a of [...actors].reverse()) {
    try {
      await a.stop();
    } catch (e) {
      console.error(`[grove] stopping ${a.kind} ${a.id}: ${(e as Error).message}`);
    }
  }
  await nc.drain().catch(() => {});
  await nats?.stop();
}

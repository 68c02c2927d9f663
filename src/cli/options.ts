import type { Command } from 'commander';
import type { NatsConnection } from 'nats';
import { connectBus, type BusUser } from '../bus/connection.ts';
import { loadConfig, type GroveConfig } from '../config/grove-config.ts';

export interface CommonFlags {
  nats?: string;
  dataDir?: string;
}

/** Flags every command understands: where NATS is, where the data lives. */
export function withCommonFlags(cmd: Command): Command {
  return cmd
    .option('--nats <url>', 'NATS server URL (env GROVE_NATS_URL; default nats://127.0.0.1:4222)')
    .option('--data-dir <dir>', 'data directory (env GROVE_DATA_DIR; default ./var)');
}

export function configFrom(flags: CommonFlags): GroveConfig {
  return loadConfig(process.env, {
    ...(flags.nats ? { natsUrl: flags.nats } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
  });
}

/** Connects as a user of nats.conf, with a message a newcomer can act on when grove is not up. */
export async function connectFromCli(config: GroveConfig, user: BusUser): Promise<NatsConnection> {
  try {
    return await connectBus({ url: config.natsUrl, user, password: config.passwords[user], name: `grove-cli-${user}` });
  } catch (e) {
    throw new Error(`cannot reach NATS at ${config.natsUrl} (${(e as Error).message}). Is grove running? Start it with: npm start`);
  }
}

import type { Command } from 'commander';
import { loadConfig } from '../../config/grove-config.ts';
import { startEmbedded } from '../embedded.ts';

interface StartFlags {
  nats?: string;
  dataDir?: string;
  actors?: string;
  id?: string;
  tier?: string;
  capacity?: string;
  taskSlots?: string;
  natsPort?: string;
  wsPort?: string;
  uiPort?: string;
}

function whatNext(natsUrl: string, uiPort: number, dataDir: string): string {
  return [
    '',
    `grove is up. Data: ${dataDir}   NATS: ${natsUrl}   Visualizer: http://127.0.0.1:${uiPort}`,
    '',
    'Try, in another terminal:',
    '  npx grove status                                 # actors and the log',
    '  npx grove ingest examples/wikipedia-index.json   # batch-ingest the sample data',
    '  npx grove query examples/wikipedia-top-pages.json',
    '  npx grove log --follow                           # watch the events',
    '',
    'Ctrl-C stops grove (and the nats-server it started).',
  ].join('\n');
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

/** `grove start`: the embedded default, or (with --actors) some actor kinds against a cluster. */
export function startCommand(program: Command): void {
  program
    .command('start')
    .description('start grove: nats-server (unless one answers) and every actor in this process')
    .option('--nats <url>', 'NATS server URL (env GROVE_NATS_URL)')
    .option('--data-dir <dir>', 'data directory: log, deep storage, caches, JetStream (env GROVE_DATA_DIR; default ./var)')
    .option('--actors <kinds>', 'comma-separated actor kinds to run (default: all)')
    .option('--id <id>', 'id of this process\'s actors', 'local')
    .option('--tier <tier>', 'historical tier', '_default_tier')
    .option('--capacity <bytes>', 'historical capacity in bytes', String(10 * 2 ** 30))
    .option('--task-slots <n>', 'indexer: tasks run at once (env GROVE_TASK_SLOTS; default 2)')
    .option('--nats-port <port>', 'client port of the started nats-server (env GROVE_NATS_PORT)')
    .option('--ws-port <port>', 'websocket port of the started nats-server (env GROVE_WS_PORT)')
    .option('--ui-port <port>', 'visualizer port (env GROVE_UI_PORT)')
    .action(async (flags: StartFlags) => {
      const env = { ...process.env };
      if (flags.natsPort) env.GROVE_NATS_PORT = flags.natsPort;
      if (flags.wsPort) env.GROVE_WS_PORT = flags.wsPort;
      if (flags.uiPort) env.GROVE_UI_PORT = flags.uiPort;
      const config = loadConfig(env, { ...(flags.nats ? { natsUrl: flags.nats } : {}), ...(flags.dataDir ? { dataDir: flags.dataDir } : {}) });
      const grove = await startEmbedded({
        config,
        actors: flags.actors?.split(',').map((s) => s.trim()).filter(Boolean),
        id: flags.id,
        tier: flags.tier,
        capacityBytes: Number(flags.capacity),
        ...(flags.taskSlots !== undefined ? { taskSlots: positiveInt(flags.taskSlots, '--task-slots') } : {}),
      });
      console.log(`actors: ${grove.actors.map((a) => `${a.kind}(${a.id})`).join(', ')}`);
      console.log(whatNext(config.natsUrl, config.uiPort, config.dataDir));
      let stopping = false;
      const shutdown = async (signal: string): Promise<void> => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal}: stopping grove ...`);
        await grove.stop();
        console.log('stopped.');
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}

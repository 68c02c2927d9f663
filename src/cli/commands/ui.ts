import type { Command } from 'commander';
import { websocketUrl } from '../../../actors/ui/index.ts';
import { loadConfig } from '../../config/grove-config.ts';
import { startEmbedded } from '../embedded.ts';

interface UiFlags {
  nats?: string;
  uiPort?: string;
  wsPort?: string;
}

/** `grove ui`: the visualizer alone, against a grove that is already running. */
export function uiCommand(program: Command): void {
  program
    .command('ui')
    .description('serve the state-machine visualizer on 127.0.0.1 (grove start runs it too)')
    .option('--nats <url>', 'NATS server URL (env GROVE_NATS_URL; default nats://127.0.0.1:4222)')
    .option('--ui-port <port>', 'visualizer port (env GROVE_UI_PORT; default 4280)')
    .option('--ws-port <port>', 'the NATS websocket port the page connects to (env GROVE_WS_PORT; default 4223)')
    .action(async (flags: UiFlags) => {
      const env = { ...process.env, ...(flags.uiPort ? { GROVE_UI_PORT: flags.uiPort } : {}), ...(flags.wsPort ? { GROVE_WS_PORT: flags.wsPort } : {}) };
      const config = loadConfig(env, flags.nats ? { natsUrl: flags.nats } : {});
      const ui = await startEmbedded({ config, actors: ['ui'], startNats: false, id: `ui-${process.pid}` });
      console.log(`visualizer: http://127.0.0.1:${config.uiPort}   (reading grove over ${websocketUrl(config)} as viewer)`);
      console.log('Ctrl-C stops it.');
      const stop = async (): Promise<void> => {
        await ui.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNatsServer, type RunningNatsServer } from '../../src/bus/nats-server.ts';

export const TEST_PASSWORDS = { actor: 'actor', client: 'client', viewer: 'viewer' };
const confFile = new URL('../../nats.conf', import.meta.url).pathname;

export interface TestNats extends RunningNatsServer {
  port: number;
  wsPort: number;
  storeDir: string;
  /** Stops the server and removes its store. */
  dispose(): Promise<void>;
}

/** A real nats-server from the project's nats.conf, on free ports with its own store. */
export async function startTestNats(storeDir?: string): Promise<TestNats> {
  const [port, wsPort] = [await freePort(), await freePort()];
  const dir = storeDir ?? mkdtempSync(join(tmpdir(), 'grove-nats-'));
  const server = await startNatsServer({ configFile: confFile, port, wsPort, storeDir: dir, passwords: TEST_PASSWORDS });
  return {
    ...server,
    port,
    wsPort,
    storeDir: dir,
    async dispose() {
      await server.stop();
      if (storeDir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

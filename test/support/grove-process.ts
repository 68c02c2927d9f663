import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/bus/nats-server.ts';

const bin = new URL('../../bin/grove.js', import.meta.url).pathname;

export interface GroveProcess {
  process: ChildProcess;
  natsUrl: string;
  natsPort: number;
  wsPort: number;
  uiPort: number;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  output(): string;
  /** SIGTERM, and resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Runs `grove <args>` as a user would, against this instance; resolves with stdout. */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** `grove start` as a user runs it, on free ports and a temporary data directory. */
export async function startGrove(args: string[] = [], opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<GroveProcess> {
  const [natsPort, wsPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'grove-e2e-'));
  const env = { ...process.env, ...opts.env, GROVE_NATS_PORT: String(natsPort), GROVE_WS_PORT: String(wsPort), GROVE_UI_PORT: String(uiPort), GROVE_DATA_DIR: dataDir };
  const child = spawn(process.execPath, [bin, 'start', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`grove did not start within 60 s:\n${out}`)), 60_000);
    const check = (): void => {
      if (out.includes('grove is up')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`grove exited (${code}) during start:\n${out}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    process: child,
    natsUrl: `nats://127.0.0.1:${natsPort}`,
    natsPort,
    wsPort,
    uiPort,
    dataDir,
    env,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (opts.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
    cli: (cliArgs) => runCli(cliArgs, env),
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

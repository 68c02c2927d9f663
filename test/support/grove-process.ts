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

/**
 * A cluster as an operator runs one: each actor kind in a `grove start --actors <kind>` process
 * of its own, all against one nats-server and one data directory.
 */
export class GroveProcesses {
  private readonly running = new Map<string, { kind: string; more: string[]; p: GroveProcess }>();

  constructor(private readonly natsUrl: () => string, private readonly dataDir: string, private readonly env: NodeJS.ProcessEnv = {}) {}

  /** Starts `kind` as the process `name` (also its actor id) and waits until it serves. */
  async start(name: string, kind: string, more: string[] = []): Promise<GroveProcess> {
    const p = await startGrove(['--actors', kind, '--id', name, '--nats', this.natsUrl(), ...more], { dataDir: this.dataDir, env: this.env });
    this.running.set(name, { kind, more, p });
    return p;
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  /** SIGKILL, and forgotten: what a crashed host leaves. */
  async kill(name: string): Promise<{ kind: string; more: string[] }> {
    const { kind, more, p } = this.running.get(name)!;
    this.running.delete(name);
    p.process.kill('SIGKILL');
    if (p.process.exitCode === null && p.process.signalCode === null) await new Promise((r) => p.process.once('exit', r));
    return { kind, more };
  }

  /** SIGKILL, then the same process started again (same id, same data directory). */
  async killAndRestart(name: string): Promise<void> {
    const { kind, more } = await this.kill(name);
    await this.start(name, kind, more);
  }

  /** Stops every process, the last started first. */
  async stopAll(): Promise<void> {
    for (const name of this.names().reverse()) await this.running.get(name)!.p.stop();
  }
}

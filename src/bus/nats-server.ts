import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

export interface NatsServerOptions {
  /** Path of nats.conf. */
  configFile: string;
  port: number;
  wsPort: number;
  storeDir: string;
  passwords: { actor: string; client: string; viewer: string };
  /** Where the server's own log goes (default: discarded). */
  logFile?: string;
}

export interface RunningNatsServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class NatsServerMissingError extends Error {
  constructor() {
    super('nats-server is not installed. Install it with `apt-get install -y nats-server` (as root), or run `npm run setup`.');
    this.name = 'NatsServerMissingError';
  }
}

export function natsServerBinary(): string {
  for (const candidate of ['nats-server', '/usr/bin/nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server']) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new NatsServerMissingError();
}

/** The environment nats.conf reads its variables from. */
export function natsConfEnv(o: Pick<NatsServerOptions, 'port' | 'wsPort' | 'storeDir' | 'passwords'>): Record<string, string> {
  return {
    GROVE_NATS_PORT: String(o.port),
    GROVE_WS_PORT: String(o.wsPort),
    GROVE_JS_STORE_DIR: o.storeDir,
    GROVE_ACTOR_PASSWORD: o.passwords.actor,
    GROVE_CLIENT_PASSWORD: o.passwords.client,
    GROVE_VIEWER_PASSWORD: o.passwords.viewer,
  };
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `nats-server -c nats.conf` as a child process and waits until it accepts clients. */
export async function startNatsServer(o: NatsServerOptions): Promise<RunningNatsServer> {
  mkdirSync(o.storeDir, { recursive: true });
  const logFd = o.logFile ? openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(natsServerBinary(), ['-c', o.configFile], {
    env: { ...process.env, ...natsConfEnv(o) },
    stdio: ['ignore', logFd, logFd],
  });
  if (typeof logFd === 'number') closeSync(logFd);
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exit code ${code}, signal ${signal}`));
  for (let waited = 0; !(await portAnswers(o.port)); waited += 50) {
    if (exited !== null) throw new Error(`nats-server stopped at start (${exited})${o.logFile ? `; see ${o.logFile}` : ''}`);
    if (waited > 15_000) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not accept connections on port ${o.port} within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${o.port}`,
    process: child,
    stop: () => stopChild(child),
  };
}

/** SIGTERM, then SIGKILL if it lingers: never leaves an orphan. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

import { resolve } from 'node:path';

/**
 * Where grove listens and keeps its data. Every value has a development default, overridable by an
 * environment variable (listed in the README) or a CLI flag.
 */
export interface GroveConfig {
  natsUrl: string;
  natsPort: number;
  wsPort: number;
  uiPort: number;
  dataDir: string;
  passwords: { actor: string; client: string; viewer: string };
}

type Env = Record<string, string | undefined>;

function intOf(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

export function loadConfig(env: Env = process.env, overrides: Partial<GroveConfig> = {}): GroveConfig {
  const natsPort = overrides.natsPort ?? intOf(env, 'GROVE_NATS_PORT', 4222);
  return {
    natsPort,
    natsUrl: overrides.natsUrl ?? env.GROVE_NATS_URL ?? `nats://127.0.0.1:${natsPort}`,
    wsPort: overrides.wsPort ?? intOf(env, 'GROVE_WS_PORT', 4223),
    uiPort: overrides.uiPort ?? intOf(env, 'GROVE_UI_PORT', 4280),
    dataDir: resolve(overrides.dataDir ?? env.GROVE_DATA_DIR ?? 'var'),
    passwords: {
      actor: env.GROVE_ACTOR_PASSWORD ?? 'actor',
      client: env.GROVE_CLIENT_PASSWORD ?? 'client',
      viewer: env.GROVE_VIEWER_PASSWORD ?? 'viewer',
      ...overrides.passwords,
    },
  };
}

/** Subdirectories of the data directory. */
export const dataPaths = (dataDir: string) => ({
  metadata: resolve(dataDir, 'metadata'),
  deep: resolve(dataDir, 'deep'),
  cache: resolve(dataDir, 'cache'),
  jetstream: resolve(dataDir, 'jetstream'),
  work: resolve(dataDir, 'work'),
  natsLog: resolve(dataDir, 'nats-server.log'),
});

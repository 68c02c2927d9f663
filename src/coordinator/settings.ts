import { parseDurationMs } from '../time/period.ts';

type Env = Record<string, string | undefined>;

/** The coordinator's tunables that `grove start` takes from the environment (README: Configuration). */
export interface CoordinatorSettings {
  dropGraceMs?: number;
  heartbeatTimeoutMs?: number;
  sweepEveryMs?: number;
}

/** A duration: milliseconds, or an ISO-8601 period of fixed length (`PT2M`). */
function duration(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : (() => {
    try {
      return parseDurationMs(raw);
    } catch {
      return NaN;
    }
  })();
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`${name} must be milliseconds or an ISO-8601 duration such as PT2M, got "${raw}"`);
  return ms;
}

/**
 * GROVE_DROP_GRACE (how long overshadowed segments stay loaded, default PT2M),
 * GROVE_HISTORICAL_TIMEOUT (silence after which a historical is gone, default PT10S),
 * GROVE_COORDINATOR_PERIOD (period rules, balancing and auto-compaction, default PT1M).
 */
export function coordinatorSettingsFromEnv(env: Env): CoordinatorSettings {
  const out: CoordinatorSettings = {};
  const grace = duration(env, 'GROVE_DROP_GRACE');
  const timeout = duration(env, 'GROVE_HISTORICAL_TIMEOUT');
  const period = duration(env, 'GROVE_COORDINATOR_PERIOD');
  if (grace !== undefined) out.dropGraceMs = grace;
  if (timeout !== undefined) out.heartbeatTimeoutMs = timeout;
  if (period !== undefined) out.sweepEveryMs = period;
  return out;
}

import { nanos, type JetStreamManager } from 'nats';
import type { StreamView } from '../../src/supervisor/planner.ts';
import { partitionsOf } from '../../src/supervisor/partitions.ts';

/** A stream the supervisor cannot read (gone, or JetStream down): the supervisor is unhealthy meanwhile. */
export class StreamUnavailable extends Error {
  constructor(readonly stream: string, cause: unknown) {
    super(`JetStream stream ${stream} cannot be read: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'StreamUnavailable';
  }
}

/** The stream's configured subjects, for a spec that names no subject prefix. */
export async function streamSubjects(jsm: JetStreamManager, stream: string): Promise<string[] | null> {
  try {
    return (await jsm.streams.info(stream)).config.subjects ?? [];
  } catch {
    return null;
  }
}

/**
 * The stream's partitions (subjects `<prefix>.<n>` it is configured with or holds messages on)
 * and its sequence bounds. Throws StreamUnavailable.
 */
export async function readStream(jsm: JetStreamManager, stream: string, subjectPrefix: string): Promise<StreamView> {
  try {
    const info = await jsm.streams.info(stream, { subjects_filter: `${subjectPrefix}.*` });
    const subjects = [...(info.config.subjects ?? []), ...Object.keys(info.state.subjects ?? {})];
    return { partitions: partitionsOf(subjects, subjectPrefix), firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
  } catch (e) {
    throw new StreamUnavailable(stream, e);
  }
}

/** The last sequence of each partition's subject (0: none yet), for lag; partitions that cannot be read are left out. */
export async function lastSequences(jsm: JetStreamManager, stream: string, subjectPrefix: string, partitions: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(partitions.map(async (p) => {
    try {
      out[p] = (await jsm.streams.getMessage(stream, { last_by_subj: `${subjectPrefix}.${p}` })).seq;
    } catch {
      out[p] = 0;
    }
  }));
  return out;
}

/**
 * A push supervisor's stream: subjects `<prefix>.0` .. `<prefix>.<partitions-1>` (never fewer than
 * it had: rows may wait in every one), message ids remembered for `duplicateWindowMs`.
 */
export async function ensurePushStream(jsm: JetStreamManager, stream: string, subjectPrefix: string, partitions: number, duplicateWindowMs: number): Promise<void> {
  const existing = await jsm.streams.info(stream).catch(() => null);
  const count = Math.max(partitions, partitionsOf(existing?.config.subjects ?? [], subjectPrefix).length);
  const subjects = Array.from({ length: count }, (_, n) => `${subjectPrefix}.${n}`);
  const config = { name: stream, subjects, duplicate_window: nanos(duplicateWindowMs) };
  if (existing === null) await jsm.streams.add(config);
  else await jsm.streams.update(stream, { ...existing.config, ...config });
}

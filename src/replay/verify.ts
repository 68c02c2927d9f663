import type { LogRecord } from '../log/record.ts';
import { ClusterState } from '../projections/cluster-state.ts';
import { compareSaved, type Divergence } from './compare.ts';
import type { Progress } from './cursor.ts';
import { foldOne } from './cursor.ts';

export interface Verification {
  /** The position both states were compared at. */
  position: number;
  /** Entities compared (in the live state). */
  entities: number;
  divergences: Divergence[];
}

/**
 * Refolds `records` (the log from seq 1) up to the live state's position into a fresh state and
 * compares the two entity by entity: the proof that the live projection is what the log says.
 */
export async function verifyLive(live: ClusterState, records: AsyncIterable<LogRecord> | Iterable<LogRecord>, onProgress?: Progress): Promise<Verification> {
  const refolded = new ClusterState();
  const total = live.position;
  for await (const r of records) {
    if (r.seq > total) break;
    foldOne(refolded, r);
    if (r.seq % 10_000 === 0) onProgress?.(r.seq, total);
  }
  onProgress?.(refolded.position, total);
  const saved = live.save();
  const entities = Object.values(saved.entities).reduce((n, list) => n + list.length, 0);
  return { position: total, entities, divergences: compareSaved(saved, refolded.save()) };
}

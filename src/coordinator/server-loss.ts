import type { NewEvent } from '../events/catalog.ts';

/** The reason ReplicaDropped carries when its server left: those segments are re-replicated. */
export const SERVER_LEFT = 'server left';

/**
 * A historical leaving, as one append: ServerLeft and the drop of every replica it held or was
 * loading, so no segment is counted as served by a server that is gone. The historical appends it
 * at a clean stop; the coordinator when its heartbeat stops. Pure.
 */
export function departureEvents(serverId: string, reason: string, replicas: Iterable<{ dataSource: string; segmentId: string }>): NewEvent[] {
  const events: NewEvent[] = [{ type: 'ServerLeft', data: { serverId, reason } }];
  for (const r of replicas) events.push({ type: 'ReplicaDropped', data: { dataSource: r.dataSource, segmentId: r.segmentId, serverId, reason: SERVER_LEFT } });
  return events;
}

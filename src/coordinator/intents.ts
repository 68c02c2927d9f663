import type { ReplicaAssigned, ReplicaDropRequested } from '../../machines/replica/events.ts';
import type { SegmentsMarkedUnused } from '../../machines/segment/events.ts';
import type { NewEvent } from '../events/catalog.ts';

/**
 * What the coordinator's planners decide, before it becomes facts: the actor appends them and
 * then tells the historicals. Kept apart from events so that many segments' decisions about
 * being unused fold into one SegmentsMarkedUnused per datasource.
 */
export type Intent =
  | { kind: 'assign'; dataSource: string; segmentId: string; serverId: string; tier: string; reason: ReplicaAssigned['data']['reason'] }
  | { kind: 'drop'; dataSource: string; segmentId: string; serverId: string; reason: ReplicaDropRequested['data']['reason'] }
  | { kind: 'markUnused'; dataSource: string; segmentId: string; reason: SegmentsMarkedUnused['data']['reason'] };

/** The facts for a list of intents: replica facts one by one, unused marks grouped per datasource and reason. Pure. */
export function eventsOf(intents: readonly Intent[]): NewEvent[] {
  const events: NewEvent[] = [];
  const unused = new Map<string, { dataSource: string; reason: SegmentsMarkedUnused['data']['reason']; segmentIds: string[] }>();
  for (const i of intents) {
    switch (i.kind) {
      case 'assign':
        events.push({ type: 'ReplicaAssigned', data: { dataSource: i.dataSource, segmentId: i.segmentId, serverId: i.serverId, tier: i.tier, reason: i.reason } });
        break;
      case 'drop':
        events.push({ type: 'ReplicaDropRequested', data: { dataSource: i.dataSource, segmentId: i.segmentId, serverId: i.serverId, reason: i.reason } });
        break;
      case 'markUnused': {
        const key = `${i.dataSource}\u0000${i.reason}`;
        const group = unused.get(key) ?? { dataSource: i.dataSource, reason: i.reason, segmentIds: [] };
        group.segmentIds.push(i.segmentId);
        unused.set(key, group);
        break;
      }
    }
  }
  for (const g of unused.values()) events.unshift({ type: 'SegmentsMarkedUnused', data: g });
  return events;
}

/** The segments an intent list is about, to plan again when its append is refused. */
export const segmentsOf = (intents: readonly Intent[]): string[] => [...new Set(intents.map((i) => i.segmentId))];

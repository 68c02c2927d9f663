import type { Fact } from '../common.ts';

/** A replica is one segment on one server (a historical, or the realtime task that builds it). */
interface ReplicaRef {
  dataSource: string;
  segmentId: string;
  serverId: string;
}

export type ReplicaAssigned = Fact<'ReplicaAssigned', ReplicaRef & { tier: string; reason: 'rule' | 'balance' | 'rereplicate' | 'broadcast' }>;
export type ReplicaLoadStarted = Fact<'ReplicaLoadStarted', ReplicaRef>;
/**
 * The server serves the segment; `fromCache` when a restarted historical re-announces it;
 * `realtime` when it is a realtime task that builds the segment too (a replica of its task group).
 */
export type ReplicaLoaded = Fact<'ReplicaLoaded', ReplicaRef & { fromCache?: boolean; realtime?: boolean }>;
export type ReplicaLoadFailed = Fact<'ReplicaLoadFailed', ReplicaRef & { reason: string }>;
export type ReplicaDropRequested = Fact<'ReplicaDropRequested', ReplicaRef & { reason: 'rule' | 'unused' | 'balance' | 'handoff' }>;
/** The server no longer serves the segment (dropped on request, or the server left). */
export type ReplicaDropped = Fact<'ReplicaDropped', ReplicaRef & { reason?: string }>;

export type ReplicaEvent =
  | ReplicaAssigned
  | ReplicaLoadStarted
  | ReplicaLoaded
  | ReplicaLoadFailed
  | ReplicaDropRequested
  | ReplicaDropped;

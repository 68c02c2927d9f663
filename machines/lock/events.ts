import type { Fact, IsoInterval } from '../common.ts';

/**
 * Druid's time-chunk lock types: EXCLUSIVE for overwriting, SHARED for appending without
 * allocation, APPEND and REPLACE for concurrent append and replace.
 */
export type LockType = 'EXCLUSIVE' | 'SHARED' | 'APPEND' | 'REPLACE';

export type LockRequested = Fact<'LockRequested', {
  lockId: string;
  taskId: string;
  /** Tasks of one group share their locks: they never conflict and see one version. */
  groupId: string;
  dataSource: string;
  interval: IsoInterval;
  lockType: LockType;
  priority: number;
  /** Epoch ms after which a waiting request is rejected (a scheduler sends the timeout). */
  deadline: number;
}>;
export type LockGranted = Fact<'LockGranted', { lockId: string; version: string }>;
export type LockRejected = Fact<'LockRejected', { lockId: string; reason: string }>;
export type LockRevoked = Fact<'LockRevoked', { lockId: string; byTaskId: string; byLockId: string }>;
export type LockReleased = Fact<'LockReleased', { lockId: string; reason: string }>;

export type LockEvent = LockRequested | LockGranted | LockRejected | LockRevoked | LockReleased;

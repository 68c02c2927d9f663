import type { Fact } from '../common.ts';

/** A realtime task waits for a historical to load each segment it published. */
export type HandoffStarted = Fact<'HandoffStarted', { dataSource: string; segmentId: string; taskId: string; deadline: number }>;
export type HandoffCompleted = Fact<'HandoffCompleted', { dataSource: string; segmentId: string; taskId: string; serverId: string }>;
export type HandoffTimedOut = Fact<'HandoffTimedOut', { dataSource: string; segmentId: string; taskId: string }>;

export type HandoffEvent = HandoffStarted | HandoffCompleted | HandoffTimedOut;

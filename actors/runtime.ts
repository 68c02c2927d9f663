import type { NatsConnection } from 'nats';
import type { GroveConfig } from '../src/config/grove-config.ts';

/** What every actor gets when it starts. */
export interface ActorContext {
  nc: NatsConnection;
  config: GroveConfig;
  /** This instance's id (unique among actors of its kind). */
  id: string;
  /** Historicals: the tier they serve, and how many bytes they may hold. */
  tier: string;
  capacityBytes: number;
  /** Indexers: how many tasks they run at once (default 2, or GROVE_TASK_SLOTS). */
  taskSlots?: number;
  /** Long start-up work (e.g. refolding a long log) reports here. */
  progress(label: string, done: number, total: number): void;
}

export interface RunningActor {
  kind: string;
  id: string;
  stop(): Promise<void>;
}

export interface ActorKind {
  kind: string;
  description: string;
  start(ctx: ActorContext): Promise<RunningActor>;
}

/**
 * What every machine event carries. Machine events are the log's events (past-tense facts) with
 * the time the metastore stamped on them: machines read the clock only from here.
 */
export interface Fact<T extends string, D> {
  readonly type: T;
  readonly data: D;
  /** Epoch ms at which the event was appended. */
  readonly at: number;
}

/** An ISO-8601 interval `start/end`, as Druid prints it. */
export type IsoInterval = string;

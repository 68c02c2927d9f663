import type { LockContext } from '../../machines/lock/machine.ts';
import type { LockType } from '../../machines/lock/events.ts';
import type { EntitySnapshot } from '../projections/machine-fold.ts';
import { stateName } from '../projections/machine-fold.ts';
import { IntervalTreap } from '../timeline/interval-treap.ts';
import { parseInterval, type Interval } from '../time/interval.ts';

export type LockState = 'requested' | 'granted' | 'released' | 'revoked' | 'rejected';

/** One lock request as the lockbox reasons about it: its machine's context, interval parsed. */
export interface LockView {
  readonly lockId: string;
  readonly taskId: string;
  readonly groupId: string;
  readonly dataSource: string;
  readonly interval: Interval;
  /** As the log spells it. */
  readonly intervalText: string;
  readonly lockType: LockType;
  readonly priority: number;
  readonly state: LockState;
  readonly version: string | null;
  readonly requestedAt: number;
  readonly deadline: number;
  readonly revokedBy: LockContext['revokedBy'];
}

const isLive = (l: LockView): boolean => l.state === 'requested' || l.state === 'granted' || l.state === 'revoked';

/** The view of a lock snapshot; null for a lock never requested or whose interval cannot be read. */
export function lockViewOf(snapshot: EntitySnapshot<'lock'>): LockView | null {
  const c = snapshot.context;
  if (c.requestedAt === null) return null;
  let interval: Interval;
  try {
    interval = parseInterval(c.interval);
  } catch {
    return null;
  }
  return {
    lockId: c.id, taskId: c.taskId, groupId: c.groupId, dataSource: c.dataSource, interval, intervalText: c.interval,
    lockType: c.lockType, priority: c.priority, state: stateName(snapshot.value) as LockState, version: c.version,
    requestedAt: c.requestedAt, deadline: c.deadline, revokedBy: c.revokedBy,
  };
}

/**
 * The lockbox's indexes over lock views: granted locks by datasource and time (Druid's `running`
 * map), so a decision reads only the locks of its own datasource that overlap its interval; every
 * lock by task; and the requests still waiting. Pure data; the OverlordState keeps it current.
 */
export class LockIndex {
  private readonly byId = new Map<string, LockView>();
  private readonly held = new Map<string, IntervalTreap<LockView>>();
  private readonly byTask = new Map<string, Map<string, LockView>>();
  /** Waiting requests by datasource. */
  private readonly waiting = new Map<string, Map<string, LockView>>();

  /** Puts the lock's latest view in place of what was known of it. */
  upsert(view: LockView): void {
    this.remove(view.lockId);
    this.byId.set(view.lockId, view);
    if (isLive(view)) {
      let own = this.byTask.get(view.taskId);
      if (own === undefined) this.byTask.set(view.taskId, (own = new Map()));
      own.set(view.lockId, view);
    }
    if (view.state === 'granted') this.heldOf(view.dataSource).insert(view.interval.start, view.interval.end, view.lockId, view);
    if (view.state === 'requested') {
      let ds = this.waiting.get(view.dataSource);
      if (ds === undefined) this.waiting.set(view.dataSource, (ds = new Map()));
      ds.set(view.lockId, view);
    }
  }

  private remove(lockId: string): void {
    const old = this.byId.get(lockId);
    if (old === undefined) return;
    this.byId.delete(lockId);
    const own = this.byTask.get(old.taskId);
    own?.delete(lockId);
    if (own?.size === 0) this.byTask.delete(old.taskId);
    const waiting = this.waiting.get(old.dataSource);
    waiting?.delete(lockId);
    if (waiting?.size === 0) this.waiting.delete(old.dataSource);
    if (old.state !== 'granted') return;
    const held = this.held.get(old.dataSource)!;
    held.remove(old.interval.start, old.interval.end, lockId);
    if (held.size === 0) this.held.delete(old.dataSource);
  }

  private heldOf(dataSource: string): IntervalTreap<LockView> {
    let t = this.held.get(dataSource);
    if (t === undefined) this.held.set(dataSource, (t = new IntervalTreap()));
    return t;
  }

  get(lockId: string): LockView | undefined {
    return this.byId.get(lockId);
  }

  /** Granted, unrevoked locks of the datasource overlapping `interval`. */
  heldOverlapping(dataSource: string, interval: Interval): LockView[] {
    const t = this.held.get(dataSource);
    if (t === undefined) return [];
    return t.overlapping(interval.start, interval.end).map((e) => e.value);
  }

  /**
   * The task's locks that still matter, in request order: waiting, granted, and revoked (which
   * fail its next call). Released and rejected ones are history, kept in the log only.
   */
  locksOf(taskId: string): LockView[] {
    return [...(this.byTask.get(taskId)?.values() ?? [])].sort((a, b) => a.requestedAt - b.requestedAt || (a.lockId < b.lockId ? -1 : 1));
  }

  /** Requests not yet granted or rejected (of one datasource, or all): the most urgent first (priority, then age). */
  waitingRequests(dataSource?: string): LockView[] {
    const from = dataSource === undefined ? [...this.waiting.values()] : [this.waiting.get(dataSource) ?? new Map<string, LockView>()];
    return from.flatMap((m) => [...m.values()]).sort((a, b) => b.priority - a.priority || a.requestedAt - b.requestedAt || (a.lockId < b.lockId ? -1 : 1));
  }

  /** The datasources with requests waiting. */
  dataSourcesWaiting(): string[] {
    return [...this.waiting.keys()];
  }

  get heldCount(): number {
    let n = 0;
    for (const t of this.held.values()) n += t.size;
    return n;
  }
}

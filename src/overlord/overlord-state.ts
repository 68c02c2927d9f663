import type { TaskContext } from '../../machines/task/machine.ts';
import type { ClusterState, EntityChange } from '../projections/cluster-state.ts';
import { stateName, type EntitySnapshot } from '../projections/machine-fold.ts';
import { LockIndex, lockViewOf } from './lock-index.ts';
import { SegmentIndex, segmentViewOf } from './segment-index.ts';
import { VersionHistory } from './versions.ts';

/** The task machine's states a task can still leave. */
export const ACTIVE_TASK_STATES = ['pending', 'waitingForLock', 'running', 'publishing', 'awaitingHandoff'] as const;
export const TASK_STATES = [...ACTIVE_TASK_STATES, 'succeeded', 'failed', 'canceled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** A submitted task: its machine's context and state. */
export interface TaskView extends Omit<TaskContext, 'id' | 'taskType' | 'submittedAt'> {
  readonly taskId: string;
  readonly taskType: NonNullable<TaskContext['taskType']>;
  readonly submittedAt: number;
  readonly state: TaskState;
}

export const isActive = (state: string): boolean => (ACTIVE_TASK_STATES as readonly string[]).includes(state);

/** Field by field: a rest spread of a machine context costs several times more, on a hot path. */
function taskViewOf(snapshot: EntitySnapshot<'task'>): TaskView | null {
  const c = snapshot.context;
  if (c.taskType === null || c.submittedAt === null) return null;
  return {
    taskId: c.id, taskType: c.taskType, dataSource: c.dataSource, groupId: c.groupId, priority: c.priority, realtime: c.realtime,
    submittedAt: c.submittedAt, indexerId: c.indexerId, error: c.error, errorCode: c.errorCode, report: c.report,
    state: (typeof snapshot.value === 'string' ? snapshot.value : stateName(snapshot.value)) as TaskState,
  };
}

/**
 * What the overlord decides on: the cluster state folded from the log, plus indexes it keeps
 * current from the state's changes (locks by datasource and time, segments for allocation,
 * versions ever used, active tasks by group and indexer). A projection: no clock, no I/O.
 */
export class OverlordState {
  readonly locks = new LockIndex();
  readonly segments = new SegmentIndex();
  readonly versions = new VersionHistory();
  private readonly byGroup = new Map<string, Set<string>>();
  private readonly activeByGroup = new Map<string, Set<string>>();
  private readonly activeByIndexer = new Map<string, Set<string>>();
  /** Active tasks no indexer was given yet. */
  private readonly unassigned = new Set<string>();

  constructor(readonly cluster: ClusterState) {
    for (const [, s] of cluster.entitiesOf('lock')) this.onLock(s);
    for (const [id, s] of cluster.entitiesOf('segment')) this.onSegment(id, s);
    for (const [, s] of cluster.entitiesOf('task')) this.onTask(null, s);
    cluster.onChange((c) => this.onChange(c));
  }

  private onChange(c: EntityChange): void {
    if (c.kind === 'lock' && c.after !== null) this.onLock(c.after as EntitySnapshot<'lock'>);
    else if (c.kind === 'segment') this.onSegment(c.id, c.after as EntitySnapshot<'segment'> | null);
    else if (c.kind === 'task' && c.after !== null) this.onTask(c.before as EntitySnapshot<'task'> | null, c.after as EntitySnapshot<'task'>);
  }

  private onLock(s: EntitySnapshot<'lock'>): void {
    const view = lockViewOf(s);
    if (view === null) return;
    this.locks.upsert(view);
    if (view.version !== null) this.versions.record(view.dataSource, view.interval, view.version);
  }

  private onSegment(id: string, s: EntitySnapshot<'segment'> | null): void {
    const view = s === null ? null : segmentViewOf(s);
    this.segments.update(id, view);
    if (view !== null) this.versions.record(view.dataSource, view.interval, view.version);
  }

  private onTask(before: EntitySnapshot<'task'> | null, after: EntitySnapshot<'task'>): void {
    const old = before === null ? null : taskViewOf(before);
    const now = taskViewOf(after);
    if (old !== null) this.indexTask(old, false);
    if (now !== null) this.indexTask(now, true);
  }

  private indexTask(t: TaskView, add: boolean): void {
    const active = add && isActive(t.state);
    setMembership(this.byGroup, t.groupId, t.taskId, true);
    setMembership(this.activeByGroup, t.groupId, t.taskId, active);
    if (t.indexerId !== null) setMembership(this.activeByIndexer, t.indexerId, t.taskId, active);
    if (active && t.indexerId === null) this.unassigned.add(t.taskId);
    else this.unassigned.delete(t.taskId);
  }

  // ---- reading ----

  task(taskId: string): TaskView | null {
    const s = this.cluster.entity('task', taskId);
    return s === undefined ? null : taskViewOf(s);
  }

  *tasks(): IterableIterator<TaskView> {
    for (const [, s] of this.cluster.entitiesOf('task')) {
      const t = taskViewOf(s);
      if (t !== null) yield t;
    }
  }

  /** Every task ever submitted in the group. */
  tasksOfGroup(groupId: string): string[] {
    return [...(this.byGroup.get(groupId) ?? [])];
  }

  activeTasksOfGroup(groupId: string): string[] {
    return [...(this.activeByGroup.get(groupId) ?? [])];
  }

  activeTasksOn(indexerId: string): string[] {
    return [...(this.activeByIndexer.get(indexerId) ?? [])];
  }

  /** Active tasks not yet assigned, the most urgent first (priority, then age). */
  unassignedTasks(): TaskView[] {
    return [...this.unassigned].map((id) => this.task(id)!).sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt || (a.taskId < b.taskId ? -1 : 1));
  }
}

function setMembership(map: Map<string, Set<string>>, key: string, member: string, present: boolean): void {
  let set = map.get(key);
  if (present) {
    if (set === undefined) map.set(key, (set = new Set()));
    set.add(member);
  } else if (set !== undefined) {
    set.delete(member);
    if (set.size === 0) map.delete(key);
  }
}

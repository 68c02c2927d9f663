import type { LockType } from '../../../machines/lock/events.ts';
import type { SegmentDescriptor } from '../../../machines/segment/events.ts';
import type { TaskType } from '../../../machines/task/events.ts';
import type { NewEvent } from '../../../src/events/catalog.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import type { Decision } from '../../../src/overlord/decision.ts';
import { decideLock, type Grant } from '../../../src/overlord/lockbox.ts';
import { OverlordState } from '../../../src/overlord/overlord-state.ts';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { segmentId } from '../../../src/segment/id.ts';
import { parseInterval } from '../../../src/time/interval.ts';

export const DS = 'wikipedia';
export const T0 = Date.UTC(2024, 5, 1, 12);
export const DAY1 = '2024-01-01T00:00:00.000Z/2024-01-02T00:00:00.000Z';
export const DAY2 = '2024-01-02T00:00:00.000Z/2024-01-03T00:00:00.000Z';

export interface TaskOptions {
  dataSource?: string;
  priority?: number;
  groupId?: string;
  realtime?: boolean;
  taskType?: TaskType;
}

/**
 * A ClusterState and its OverlordState, fed as the metastore feeds them: every batch goes through
 * `admit`, so the machines' legality and the decisions' expectations are checked as in production.
 */
export class World {
  readonly cluster = new ClusterState();
  readonly state = new OverlordState(this.cluster);
  now = T0;
  private seq = 0;
  private ids = 0;

  /** Appends facts as the metastore would (legality checked, expectations none). */
  given(...events: NewEvent[]): this {
    this.cluster.admit(this.records(events), []);
    return this;
  }

  /** Appends a decision's facts under its expectations, and returns its result. */
  commit<R>(d: Decision<R> | null): R {
    if (d === null) throw new Error('expected a decision, got nothing to do');
    if (d.events.length > 0) this.cluster.admit(this.records(d.events), d.expect);
    return d.result;
  }

  private records(events: NewEvent[]): LogRecord[] {
    return events.map((e) => ({ seq: ++this.seq, at: this.now, type: e.type, data: e.data, meta: { actor: 'test', correlationId: 'c', causationId: null } }));
  }

  nextLockId(): string {
    return `lock-${++this.ids}`;
  }

  submit(taskId: string, o: TaskOptions = {}): this {
    const realtime = o.realtime ?? false;
    return this.given({
      type: 'TaskSubmitted',
      data: {
        taskId, taskType: o.taskType ?? (realtime ? 'index_nats' : 'index_parallel'), dataSource: o.dataSource ?? DS, groupId: o.groupId ?? taskId,
        priority: o.priority ?? (realtime ? 75 : 50), realtime, spec: {},
      },
    });
  }

  /** Submitted, assigned and started: a running task. */
  run(taskId: string, o: TaskOptions = {}): this {
    return this.submit(taskId, o).given({ type: 'TaskAssigned', data: { taskId, indexerId: 'indexer-1' } }, { type: 'TaskStarted', data: { taskId, indexerId: 'indexer-1' } });
  }

  /** Asks the lockbox and appends its answer; returns what it decided. */
  lock(taskId: string, interval: string, lockType: LockType = 'EXCLUSIVE', timeoutMs = 300_000) {
    const d = decideLock(this.state, { taskId, interval: parseInterval(interval), lockType, timeoutMs }, this.now, this.nextLockId());
    if (d.kind === 'granted' || d.kind === 'waiting') this.commit(d.decision);
    return d;
  }

  /** A lock that must be granted at once. */
  grant(taskId: string, interval: string, lockType: LockType = 'EXCLUSIVE'): Grant {
    const d = this.lock(taskId, interval, lockType);
    if (d.kind !== 'granted') throw new Error(`expected ${taskId}'s lock on ${interval} to be granted, but it is ${d.kind}`);
    return d.decision.result;
  }

  lockState(lockId: string): string {
    return this.cluster.stateOf('lock', lockId);
  }

  taskState(taskId: string): string {
    return this.cluster.stateOf('task', taskId);
  }
}

export function descriptor(o: { interval?: string; version: string; partitionNum?: number; core?: number; dataSource?: string }): SegmentDescriptor {
  const interval = o.interval ?? DAY1;
  const partitionNum = o.partitionNum ?? 0;
  const dataSource = o.dataSource ?? DS;
  return {
    id: segmentId({ dataSource, interval: parseInterval(interval), version: o.version, partitionNum }),
    dataSource, interval, version: o.version, partitionNum,
    shardSpec: { type: 'numbered', partitionNum, partitions: o.core ?? 1 },
    dimensions: ['page'], metrics: ['count'], rows: 10, size: 100, loadSpec: { type: 'local', path: 'x' }, checksum: 'c',
  };
}

import { request } from '../../src/bus/client.ts';
import { API } from '../../src/bus/subjects.ts';
import { compactTaskJson, pickCompactions } from '../../src/coordinator/auto-compaction.ts';
import { parseCompactionConfig } from '../../src/coordinator/compaction-config.ts';
import { stateName } from '../../src/projections/machine-fold.ts';
import { parseInterval, type Interval } from '../../src/time/interval.ts';
import type { Coordinator } from './coordinator.ts';

const ACTIVE_TASK = new Set(['pending', 'waitingForLock', 'running', 'publishing', 'awaitingHandoff']);
const ACTIVE_LOCK = new Set(['requested', 'granted']);

/**
 * Druid's auto-compaction duty: for each datasource with a compaction config, submits a `compact`
 * task for the newest chunk that needs one, one task per datasource at a time and at most
 * `maxTasks` in all, keeping off intervals other tasks have locked.
 */
export class AutoCompaction {
  due = true;
  /** The task submitted per datasource, until the log shows it ended. */
  private readonly inFlight = new Map<string, string>();

  constructor(private readonly c: Coordinator, private readonly maxTasks: number) {}

  async run(): Promise<void> {
    this.due = false;
    const { cluster } = this.c;
    if (cluster.compaction.size === 0) return;
    const active = this.activeCompactions();
    let slots = this.maxTasks - active.size;
    for (const [dataSource, raw] of cluster.compaction) {
      if (slots <= 0) return;
      if (active.has(dataSource) || this.stillInFlight(dataSource)) continue;
      const used = this.c.view.usedTimeline(dataSource);
      if (used === undefined) continue;
      const config = parseCompactionConfig(dataSource, raw);
      const [pick] = pickCompactions({
        config, used, slots: 1,
        statsOf: (id) => { const d = cluster.entity('segment', id)?.context.descriptor; return { rows: d?.rows ?? 0, size: d?.size ?? 0 }; },
        lockedIntervals: this.lockedIntervals(dataSource),
      });
      if (pick === undefined) continue;
      try {
        const { taskId } = await request<{ taskId: string }>(this.c.o.nc, API.taskSubmit, compactTaskJson(config, pick));
        this.inFlight.set(dataSource, taskId);
        slots--;
      } catch (e) {
        console.error(`[grove] coordinator: cannot submit auto-compaction of ${dataSource}: ${(e as Error).message}`);
      }
    }
  }

  /** Datasources with a compaction task that has not ended. */
  private activeCompactions(): Set<string> {
    const out = new Set<string>();
    for (const [, t] of this.c.cluster.entitiesOf('task')) {
      if (t.context.taskType === 'compact' && ACTIVE_TASK.has(stateName(t.value))) out.add(t.context.dataSource);
    }
    return out;
  }

  private stillInFlight(dataSource: string): boolean {
    const taskId = this.inFlight.get(dataSource);
    if (taskId === undefined) return false;
    const state = this.c.cluster.stateOf('task', taskId);
    if (state !== 'absent' && !ACTIVE_TASK.has(state)) this.inFlight.delete(dataSource);
    return this.inFlight.has(dataSource);
  }

  private lockedIntervals(dataSource: string): Interval[] {
    const out: Interval[] = [];
    for (const [, l] of this.c.cluster.entitiesOf('lock')) {
      if (l.context.dataSource === dataSource && ACTIVE_LOCK.has(stateName(l.value))) out.push(parseInterval(l.context.interval));
    }
    return out;
  }
}

import { join } from 'node:path';
import type { NewEvent } from '../src/events/catalog.ts';
import { EventLog } from '../src/log/event-log.ts';
import { ClusterState } from '../src/projections/cluster-state.ts';
import { SliceExporter } from '../src/replay/export.ts';
import { keysOf } from '../src/replay/keys.ts';
import { Replayer } from '../src/replay/replayer.ts';
import { parseSlice, replaySlice, sliceLines } from '../src/replay/slice.ts';
import { verifyLive } from '../src/replay/verify.ts';
import { median, repeat, type Bench, type Figure } from './harness.ts';

const SEGMENTS_PER_TASK = 24;
const DATASOURCES = ['wiki', 'koala', 'metrics', 'clicks'];

const hour = (n: number): string => new Date(Date.UTC(2020, 0, 1) + n * 3_600_000).toISOString();

/**
 * One batch task's whole life as the other actors log it: submitted, locked, run, one hour of
 * one datasource published in 24 partitions, each loaded on a historical; then the lock released.
 */
function taskLife(n: number): NewEvent[] {
  const ds = DATASOURCES[n % DATASOURCES.length]!;
  const taskId = `task_${n}`;
  const lockId = `lock_${n}`;
  const interval = `${hour(n)}/${hour(n + 1)}`;
  const version = hour(100_000 + n);
  const segments = Array.from({ length: SEGMENTS_PER_TASK }, (_, p) => ({
    id: `${ds}_${hour(n)}_${hour(n + 1)}_${version}${p === 0 ? '' : `_${p}`}`,
    dataSource: ds, interval, version, partitionNum: p,
    shardSpec: { type: 'numbered' as const, partitionNum: p, partitions: SEGMENTS_PER_TASK },
    dimensions: ['page'], metrics: ['count'], rows: 1000, size: 65_536, loadSpec: { type: 'local' as const, path: `${ds}/${n}/${p}` }, checksum: 'x',
  }));
  const loads = segments.flatMap((s): NewEvent[] => {
    const ref = { dataSource: ds, segmentId: s.id, serverId: `h${s.partitionNum % 4}` };
    return [{ type: 'ReplicaAssigned', data: { ...ref, tier: '_default_tier', reason: 'rule' } }, { type: 'ReplicaLoadStarted', data: ref }, { type: 'ReplicaLoaded', data: ref }];
  });
  return [
    { type: 'TaskSubmitted', data: { taskId, taskType: 'index_parallel', dataSource: ds, groupId: taskId, priority: 50, realtime: false, spec: {} } },
    { type: 'LockRequested', data: { lockId, taskId, groupId: taskId, dataSource: ds, interval, lockType: 'EXCLUSIVE', priority: 50, deadline: 0 } },
    { type: 'LockGranted', data: { lockId, version } },
    { type: 'TaskStarted', data: { taskId, indexerId: 'idx1' } },
    { type: 'TaskPublishing', data: { taskId } },
    { type: 'SegmentsPublished', data: { dataSource: ds, taskId, segments } },
    { type: 'TaskSucceeded', data: { taskId, report: { rowStats: { processed: 24_000, processedWithError: 0, unparseable: 0, thrownAway: 0 }, parseErrors: [], segments: SEGMENTS_PER_TASK } } },
    { type: 'LockReleased', data: { lockId, reason: 'task succeeded' } },
    ...loads,
  ];
}

const EVENTS_PER_TASK = taskLife(0).length;

async function buildLog(path: string, events: number, log: (m: string) => void): Promise<{ log: EventLog; live: ClusterState; tasks: number }> {
  const eventLog = EventLog.open(path, { keysOf });
  const live = new ClusterState();
  const tasks = Math.ceil(events / EVENTS_PER_TASK);
  const meta = { actor: 'bench', correlationId: 'bench', causationId: null };
  for (let n = 0; n < tasks; n += 10) {
    const batch = Array.from({ length: Math.min(10, tasks - n) }, (_, i) => taskLife(n + i)).flat();
    await eventLog.append(batch, meta, { check: (rs) => live.admit(rs, []) });
    if (n % 4000 === 0 && n > 0) log(`built ${n * EVENTS_PER_TASK} events`);
  }
  return { log: eventLog, live, tasks };
}

const perSecond = (events: number, ms: number): number => events / (ms / 1000);

const bench: Bench = {
  name: 'replay',
  async run(ctx) {
    const target = Math.round(1_000_000 * ctx.scale);
    ctx.log(`building a ${target}-event log (${EVENTS_PER_TASK} events per task) ...`);
    const { log, live, tasks } = await buildLog(join(ctx.dir, 'log'), target, ctx.log);
    const events = log.lastSeq;
    try {
      // The whole log, replayed from seq 1 by a fresh replayer: what the slider's first move costs.
      const full = await repeat(ctx.runs, async () => {
        const t = performance.now();
        await new Replayer(log).counts('latest');
        return perSecond(events, performance.now() - t);
      });
      ctx.log(`replayed ${events} events: ${Math.round(median(full)).toLocaleString('en-US')} events/s`);
      // --verify: refold from seq 1 and compare entity by entity with the live projection.
      const verify = await repeat(ctx.runs, async () => {
        const t = performance.now();
        const v = await verifyLive(live, log.scan());
        if (v.divergences.length > 0) throw new Error(`the bench log diverged: ${v.divergences.length}`);
        return perSecond(events, performance.now() - t);
      });
      // One entity, from the entity index: what following it in the page costs.
      const replayer = new Replayer(log);
      const explain = await repeat(ctx.runs, async () => {
        const samples: number[] = [];
        for (let i = 0; i < 200; i++) {
          const n = Math.floor((i * 7919) % tasks);
          const t = performance.now();
          await replayer.explain('lock', `lock_${n}`);
          samples.push(performance.now() - t);
        }
        return median(samples);
      });
      // One datasource's timeline in the middle of the log.
      const timeline = await repeat(ctx.runs, async () => {
        const t = performance.now();
        await replayer.state('timeline', 'wiki', Math.floor(events / 2));
        return performance.now() - t;
      });
      // A slice written and read back as text, then replayed (what grove replay --file does).
      const sliceEvents = Math.min(events, Math.round(200_000 * ctx.scale));
      const exporter = new SliceExporter({ from: 1, to: sliceEvents });
      for (const r of log.scan({ to: sliceEvents })) exporter.add(r);
      const text = [...sliceLines(exporter.finish())].join('');
      const file = await repeat(ctx.runs, async () => {
        const t = performance.now();
        await replaySlice(parseSlice(text));
        return perSecond(sliceEvents, performance.now() - t);
      });
      const figures: Figure[] = [
        { name: `replay of a ${events.toLocaleString('en-US')}-event log from seq 1 (counts per state)`, unit: 'events/s', values: full, higherIsBetter: true },
        { name: `--verify: refold of that log and entity-by-entity comparison with the live projection`, unit: 'events/s', values: verify, higherIsBetter: true },
        { name: 'explain one lock in that log (entity index), median of 200', unit: 'ms', values: explain, higherIsBetter: false },
        { name: 'timeline of one datasource as of the middle of that log', unit: 'ms', values: timeline, higherIsBetter: false },
        { name: `--file: parse and replay a ${sliceEvents.toLocaleString('en-US')}-event slice (${(text.length / 2 ** 20).toFixed(0)} MiB)`, unit: 'events/s', values: file, higherIsBetter: true },
      ];
      return figures;
    } finally {
      await log.close();
    }
  },
};
export default bench;

import { describe, expect, it } from 'vitest';
import type { SupervisorContext } from '../../../machines/supervisor/machine.ts';
import { rejectionOf } from '../../support/bus.ts';
import { createStream, sumOf, untilTotals } from '../realtime/support.ts';
import { clicksSupervisor, steadyProducer, supervisedCluster } from './support.ts';

const c = supervisedCluster('supervisor');
const contextOf = (id: string): SupervisorContext => c.state.entity('supervisor', id)!.context;

describe('a streaming supervisor', () => {
  it('refuses a spec with bad fields, or whose stream does not exist, naming each field', async () => {
    const bad = clicksSupervisor('nowhere', 'NOWHERE', { taskCount: 0 });
    expect(await rejectionOf(c.submitSupervisor(bad))).toMatchObject({ code: 'invalid_spec', details: [{ path: 'spec.ioConfig.taskCount', reason: 'must be positive' }] });
    expect(await rejectionOf(c.submitSupervisor(clicksSupervisor('nowhere', 'NOWHERE')))).toMatchObject({
      code: 'invalid_spec', details: [{ path: 'spec.ioConfig.stream', reason: 'no JetStream stream named NOWHERE' }],
    });
    expect(await rejectionOf(c.status('nowhere'))).toMatchObject({ code: 'not_found' });
  });

  it('keeps taskCount groups reading, rolls them at taskDuration, starts each next group where the last one ends, commits those ends, and counts every row once, across its own restart', async () => {
    await createStream(c, 'rolling');
    const producer = steadyProducer(c, 'rolling', 2);
    expect(await c.submitSupervisor(clicksSupervisor('rolling', 'rolling', { taskCount: 2, taskDuration: 'PT3S' }))).toBe('rolling');

    const reading = await c.statusUntil('rolling', (s) => s.taskGroups.filter((g) => g.status === 'reading').length === 2);
    expect(reading).toMatchObject({ state: 'running', subjectPrefix: 'grove.test.rolling', partitions: ['0', '1'], taskCount: 2, replicas: 1 });
    expect(reading.taskGroups.map((g) => [g.partitions, g.startOffsets, g.tasks.length])).toEqual([[['0'], { 0: 1 }, 1], [['1'], { 1: 1 }, 1]]);

    // The first groups publish what their replicas had read, and the log commits exactly those ends.
    await expect.poll(() => c.state.committedOffsets('rolling', 'rolling') !== null, { timeout: 30_000, interval: 200 }).toBe(true);
    await c.restartSupervisor();
    await expect.poll(() => Object.keys(c.state.committedOffsets('rolling', 'rolling') ?? {}).length, { timeout: 30_000, interval: 200 }).toBe(2);
    const written = await producer.stop();
    await untilTotals(c, 'rolling', { rows: written.length, added: sumOf(written) }, 30_000);

    const log = await logOf('TaskGroupLaunched', 'TaskGroupPublishing');
    const launched = log.filter((r) => r.type === 'TaskGroupLaunched').map((r) => r.data as { groupId: string; partitions: string[]; startOffsets: Record<string, number> });
    const ends = new Map(log.filter((r) => r.type === 'TaskGroupPublishing').map((r) => [(r.data as { groupId: string }).groupId, (r.data as { endOffsets: Record<string, number> }).endOffsets]));
    for (const p of ['0', '1']) {
      const chain = launched.filter((g) => g.partitions.join() === p);
      expect(chain.length).toBeGreaterThanOrEqual(2);
      // Each group of a partition starts where the one before it ends: nothing skipped, nothing read twice.
      chain.slice(1).forEach((g, i) => expect(g.startOffsets[p]).toBe(ends.get(chain[i]!.groupId)![p]));
    }
    // What the log committed is the end of a group it recorded publishing.
    const committed = c.state.committedOffsets('rolling', 'rolling')!;
    for (const p of ['0', '1']) expect([...ends.values()].map((e) => e[p])).toContain(committed[p]);
    // The restarted actor took the groups up: never more than one group reading a partition.
    expect(contextOf('rolling').groups.filter((g) => !contextOf('rolling').publishingGroups.includes(g)).length).toBeLessThanOrEqual(2);
  });
});

async function logOf(...types: string[]): Promise<Array<{ type: string; data: unknown }>> {
  const { logFrom } = await import('../overlord/support.ts');
  return (await logFrom(c.actorNc, 1)).filter((r) => types.includes(r.type));
}

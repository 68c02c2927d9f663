import { describe, expect, it } from 'vitest';
import type { SupervisorContext } from '../../../machines/supervisor/machine.ts';
import { request } from '../../../src/bus/client.ts';
import { API } from '../../../src/bus/subjects.ts';
import { rejectionOf } from '../../support/bus.ts';
import { createStream, taskStatus, untilTotals } from '../realtime/support.ts';
import { clicksSupervisor, producedBelow, steadyProducer, supervisedCluster, taskPidOf, type Produced } from './support.ts';

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

    const reading = await c.statusUntil('rolling', (s) => s.taskGroups.filter((g) => g.status === 'reading' && g.tasks.length === 1).length === 2);
    expect(reading).toMatchObject({ state: 'running', subjectPrefix: 'grove.test.rolling', partitions: ['0', '1'], taskCount: 2, replicas: 1 });
    expect(reading.taskGroups.map((g) => [g.partitions, g.startOffsets, g.tasks.length])).toEqual([[['0'], { 0: 1 }, 1], [['1'], { 1: 1 }, 1]]);

    // The first groups publish what their replicas had read, and the log commits exactly those ends.
    await expect.poll(() => c.state.committedOffsets('rolling', 'rolling') !== null, { timeout: 30_000, interval: 200 }).toBe(true);
    await c.restartSupervisor();
    await expect.poll(() => Object.keys(c.state.committedOffsets('rolling', 'rolling') ?? {}).length, { timeout: 30_000, interval: 200 }).toBe(2);
    const written = await windDown('rolling', producer);
    await untilTotals(c, 'rolling', producedBelow(written, c.state.committedOffsets('rolling', 'rolling')!), 30_000);

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

  it('replaces a replica killed while reading with one reading from the group\'s start, and the group still publishes every row once', async () => {
    await createStream(c, 'replicated');
    const producer = steadyProducer(c, 'replicated', 1);
    await c.submitSupervisor(clicksSupervisor('replicated', 'replicated', { replicas: 2, taskDuration: 'PT8S' }));
    const reading = await c.statusUntil('replicated', (s) => s.taskGroups[0]?.tasks.filter((t) => t.state === 'running').length === 2);
    const group = reading.taskGroups[0]!;
    const victim = group.tasks[0]!.taskId;
    process.kill(await taskPidOf(c, victim), 'SIGKILL');

    const replaced = await c.statusUntil('replicated', (s) => s.taskGroups.find((g) => g.groupId === group.groupId)?.tasks.length === 3);
    const replacement = replaced.taskGroups.find((g) => g.groupId === group.groupId)!.tasks.find((t) => t.taskId !== victim && !group.tasks.some((x) => x.taskId === t.taskId))!;
    expect((await taskStatus(c, victim)).state).toBe('failed');
    const submitted = (await logOf('TaskSubmitted')).find((r) => (r.data as { taskId: string }).taskId === replacement.taskId)!.data as { groupId: string; spec: { spec: { ioConfig: { startSequenceNumbers: unknown; baseSequenceName: string } } } };
    expect(submitted.groupId).toBe(group.groupId);
    expect(submitted.spec.spec.ioConfig).toMatchObject({ startSequenceNumbers: group.startOffsets, baseSequenceName: group.groupId });

    // The group rolls with its replacement caught up, and publishes once.
    await expect.poll(() => c.state.committedOffsets('replicated', 'replicated') !== null, { timeout: 40_000, interval: 200 }).toBe(true);
    const written = await windDown('replicated', producer);
    await untilTotals(c, 'replicated', producedBelow(written, c.state.committedOffsets('replicated', 'replicated')!), 30_000);
  });

  it('suspended, publishes what its groups read and launches nothing; resumed, reads on from there; terminated, publishes and is gone', async () => {
    await createStream(c, 'paused');
    const producer = steadyProducer(c, 'paused', 1, 50);
    await c.submitSupervisor(clicksSupervisor('paused', 'paused', { taskDuration: 'PT1H' }));
    await c.statusUntil('paused', (s) => s.taskGroups[0]?.tasks[0]?.state === 'running');

    await c.supervisorCommand('suspend', 'paused');
    await c.supervisorCommand('suspend', 'paused');
    const suspended = await c.statusUntil('paused', (s) => s.state === 'suspended' && s.taskGroups.length === 0);
    expect(suspended).toMatchObject({ detailedState: 'SUSPENDED', suspended: true });
    const end = c.state.committedOffsets('paused', 'paused')!;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await c.status('paused')).taskGroups).toEqual([]);

    await c.supervisorCommand('resume', 'paused');
    const resumed = await c.statusUntil('paused', (s) => s.taskGroups.length === 1);
    expect(resumed.taskGroups[0]!.startOffsets).toEqual(end);

    const written = await windDown('paused', producer);
    // Exactly what the stream held below the last committed end: nothing lost at either roll, nothing twice.
    await untilTotals(c, 'paused', producedBelow(written, c.state.committedOffsets('paused', 'paused')!), 30_000);
    expect((await request<Array<{ supervisorId: string }>>(c.clientNc, API.supervisorList, {})).map((s) => s.supervisorId)).not.toContain('paused');
    expect(await rejectionOf(c.supervisorCommand('terminate', 'paused'))).toMatchObject({ code: 'not_found' });
  });

  it('reset cancels every group, forgets the committed offsets and reads again from the stream\'s earliest sequence; malformed requests get errors and change nothing', async () => {
    await createStream(c, 'again');
    const producer = steadyProducer(c, 'again', 1, 50);
    await c.submitSupervisor(clicksSupervisor('again', 'again', { taskDuration: 'PT2S' }));
    await expect.poll(() => c.state.committedOffsets('again', 'again') !== null, { timeout: 30_000, interval: 200 }).toBe(true);
    const before = (await c.status('again')).taskGroups.flatMap((g) => g.tasks.map((t) => t.taskId));

    await c.supervisorCommand('reset', 'again');
    expect(c.state.committedOffsets('again', 'again')).toBeNull();
    expect((await logOf('DataSourceMetadataReset')).map((r) => r.data)).toEqual([{ dataSource: 'again', stream: 'again' }]);
    await c.statusUntil('again', (s) => s.taskGroups.some((g) => g.status === 'reading' && g.startOffsets['0'] === 1 && !before.includes(g.tasks[0]?.taskId ?? '')));
    for (const taskId of before) expect(['canceled', 'succeeded']).toContain((await taskStatus(c, taskId)).state);

    for (const [subject, body] of [[API.supervisorStatus, { supervisorId: 5 }], [API.supervisorSuspend, {}], [API.supervisorSubmit, 'a string'], [API.supervisorReset, { supervisorId: 'again', extra: 1 }]] as const) {
      expect(await rejectionOf(request(c.clientNc, subject, body))).toMatchObject({ code: expect.stringMatching(/^(bad_request|invalid_spec)$/) });
    }
    const garbage = await c.clientNc.request(API.supervisorStatus, new Uint8Array([0xc1, 0xff, 0x00]), { timeout: 5000 });
    expect(garbage.data.length).toBeGreaterThan(0);
    expect((await c.status('again')).state).toMatch(/^(running|publishing)$/);
    await windDown('again', producer);
  });

  it('is unhealthy while its stream cannot be read, and healthy again once it can', async () => {
    await createStream(c, 'fragile');
    await c.submitSupervisor(clicksSupervisor('fragile', 'fragile'));
    await c.jsm.streams.delete('fragile');
    const unhealthy = await c.statusUntil('fragile', (s) => s.state === 'unhealthy');
    expect(unhealthy).toMatchObject({ detailedState: 'UNABLE_TO_CONNECT_TO_STREAM', healthy: false, unhealthyReason: expect.stringContaining('fragile') });
    await createStream(c, 'fragile');
    await c.statusUntil('fragile', (s) => s.state === 'running' && s.healthy);
    await c.supervisorCommand('terminate', 'fragile');
  });
});

/**
 * Terminates the supervisor while the producer still writes, and stops the producer once its
 * groups have published: what it wrote, to compare with what lies below the committed offsets.
 */
async function windDown(supervisorId: string, producer: ReturnType<typeof steadyProducer>): Promise<Produced[]> {
  await c.supervisorCommand('terminate', supervisorId);
  await c.statusUntil(supervisorId, (s) => s.state === 'stopped' && s.taskGroups.length === 0, 60_000);
  return producer.stop();
}

async function logOf(...types: string[]): Promise<Array<{ type: string; data: unknown }>> {
  const { logFrom } = await import('../overlord/support.ts');
  return (await logFrom(c.actorNc, 1)).filter((r) => types.includes(r.type));
}

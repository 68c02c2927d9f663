import { describe, expect, it } from 'vitest';
import { machineSpec } from '../../support/machine-spec.ts';
import { SAMPLES, SUPERVISOR, supervisorFacts, T0 } from './facts.ts';
import { acceptedEdges, edgesAlong, nameOf, shortestPaths, simplePaths } from './paths.ts';

const { submitted, started, suspended, resumed, reset, terminated, unhealthy, healthy, launched, publishing, completed, stopped } =
  supervisorFacts;
const supervisor = machineSpec('supervisor', SUPERVISOR);

const reachable = shortestPaths('supervisor').map((p) => p.state);
const edges = acceptedEdges('supervisor');
// One task group and no resets keep the simple paths few; the edges above cover the rest.
const paths = simplePaths(
  'supervisor',
  SAMPLES.supervisor.filter((f) => f.type !== 'SupervisorReset' && !JSON.stringify(f.data).includes('g2')),
);

const running = [submitted(), started()];

describe('the supervisor machine, over every state and path', () => {
  it('reaches every state', () => {
    expect(new Set(reachable.map(nameOf))).toEqual(new Set(['pending', 'running', 'publishing', 'suspended', 'unhealthy', 'stopped']));
  });

  it('is publishing exactly while a task group publishes, when neither suspended nor unhealthy', () => {
    const moving = reachable.filter((s) => ['running', 'publishing'].includes(nameOf(s)));
    expect(new Set(moving.map(nameOf))).toEqual(new Set(['running', 'publishing']));
    for (const s of moving) {
      expect(nameOf(s) === 'publishing', JSON.stringify(s.context.publishingGroups)).toBe(s.context.publishingGroups.length > 0);
    }
  });

  it('counts only launched groups as publishing', () => {
    expect(reachable.some((s) => s.context.publishingGroups.length === 2)).toBe(true);
    for (const s of reachable) for (const g of s.context.publishingGroups) expect(s.context.groups).toContain(g);
  });

  it('launches task groups only while running or publishing', () => {
    const launches = edges.filter((e) => e.event.type === 'TaskGroupLaunched');
    expect(new Set(launches.map((e) => nameOf(e.state)))).toEqual(new Set(['running', 'publishing']));
  });

  it('once stopped, only lets its groups wind down, until the same id is submitted again', () => {
    expect(paths.length).toBeGreaterThan(10);
    const windingDown = ['TaskGroupPublishing', 'TaskGroupCompleted', 'TaskGroupStopped'];
    for (const path of paths) {
      const edges = edgesAlong(path);
      edges.forEach((e, i) => {
        if (nameOf(e.state) !== 'stopped') return;
        if (e.event.type === 'SupervisorSubmitted') expect(nameOf(e.nextState)).toBe('pending');
        else expect(windingDown, `${edges.slice(0, i + 1).map((x) => x.event.type).join(' > ')}`).toContain(e.event.type);
      });
    }
  });
});

describe('supervisor rules', () => {
  it('a submitted supervisor is pending until it starts', () => {
    supervisor.given([]).when(submitted()).then('pending');
    supervisor.given([submitted()]).when(started()).then('running');
  });

  it('a supervisor never submitted cannot start, be suspended or terminated', () => {
    for (const f of [started(), suspended(), terminated()]) supervisor.given([]).when(f).thenRejects();
  });

  it('a spec submitted suspended starts suspended', () => {
    supervisor.given([submitted()]).when(suspended()).then('suspended');
  });

  it('resubmitting a spec updates it in place', () => {
    const s = supervisor.given(running).when(submitted({ type: 'nats', taskCount: 2 })).then('running');
    expect(s.context.spec).toEqual({ type: 'nats', taskCount: 2 });
  });

  it('a supervisor publishes while any task group publishes, and runs again when none does', () => {
    const two = [...running, launched('g1'), launched('g2')];
    supervisor.given(two).when(publishing('g1')).then('publishing');
    supervisor.given([...two, publishing('g1'), publishing('g2')]).when(completed('g1')).then('publishing');
    supervisor.given([...two, publishing('g1'), publishing('g2'), completed('g1')]).when(completed('g2')).then('running');
  });

  it('a publishing group that is stopped no longer holds the supervisor publishing', () => {
    supervisor.given([...running, launched('g1'), publishing('g1')]).when(stopped('g1')).then('running');
  });

  it('a task group launches once, publishes once, and completes only after publishing', () => {
    supervisor.given([...running, launched('g1')]).when(launched('g1')).thenRejects();
    supervisor.given([...running, launched('g1')]).when(completed('g1')).thenRejects();
    supervisor.given([...running, launched('g1'), launched('g2'), publishing('g1')]).when(publishing('g1')).thenRejects();
    supervisor.given(running).when(publishing('g1')).thenRejects();
  });

  it('a suspended supervisor launches nothing, but its groups still publish and end', () => {
    const s = [...running, launched('g1'), suspended()];
    supervisor.given(s).when(launched('g2')).thenRejects();
    supervisor.given(s).when(publishing('g1')).then('suspended');
    supervisor.given([...s, publishing('g1')]).when(completed('g1')).then('suspended');
  });

  it('a resumed supervisor publishes again if a group is still publishing', () => {
    supervisor.given([...running, launched('g1'), suspended(), publishing('g1')]).when(resumed()).then('publishing');
    supervisor.given([...running, suspended()]).when(resumed()).then('running');
  });

  it('an unhealthy supervisor records why, and is healthy again when it recovers', () => {
    const s = supervisor.given(running).when(unhealthy()).then('unhealthy');
    expect(s.context.unhealthyReason).toBe('stream unreachable');
    const back = supervisor.given([...running, unhealthy()]).when(healthy()).then('running');
    expect(back.context.unhealthyReason).toBeNull();
  });

  it.each([
    ['running', running],
    ['suspended', [...running, suspended()]],
    ['unhealthy', [...running, unhealthy()]],
  ])('a %s supervisor can be reset, and records when', (state, given) => {
    const s = supervisor.given(given).when(reset()).then(state);
    expect(s.context.lastResetAt).toBe(T0);
  });

  it('a terminated supervisor launches nothing and cannot be started, resumed or reset', () => {
    supervisor.given([...running, launched('g1')]).when(terminated()).then('stopped');
    for (const f of [started(), resumed(), reset(), suspended(), launched('g2')]) supervisor.given([...running, terminated()]).when(f).thenRejects();
  });

  it('a terminated supervisor\'s groups still publish and end', () => {
    const s = [...running, launched('g1'), terminated()];
    supervisor.given(s).when(publishing('g1')).then('stopped');
    supervisor.given([...s, publishing('g1')]).when(completed('g1')).then('stopped');
  });

  it('a terminated supervisor\'s id can be submitted again, and it starts afresh, still winding down what it had', () => {
    const s = supervisor.given([...running, terminated()]).when(submitted({ type: 'nats', taskCount: 3 })).then('pending');
    expect(s.context.spec).toEqual({ type: 'nats', taskCount: 3 });
    supervisor.given([...running, terminated(), submitted()]).when(started()).then('running');
    supervisor.given([...running, launched('g1'), publishing('g1'), terminated(), submitted()]).when(started()).then('publishing');
  });

  it('a task group records what it reads, from when, and up to where once it publishes', () => {
    const launchedOnly = supervisor.given(running).when(launched('g1')).then('running');
    expect(launchedOnly.context.taskGroups.g1).toEqual({ taskIds: ['g1-t'], partitions: ['0'], startOffsets: { 0: 0 }, launchedAt: T0, specAt: T0, endOffsets: null, publishingAt: null });
    const s = supervisor.given([...running, launched('g1')]).when(publishing('g1')).then('publishing');
    expect(s.context.taskGroups.g1).toMatchObject({ endOffsets: { 0: 100 }, publishingAt: T0 });
    expect(supervisor.given([...running, launched('g1'), publishing('g1')]).when(completed('g1')).then('running').context.taskGroups).toEqual({});
  });

  it('a pending supervisor cannot be reset', () => {
    supervisor.given([submitted()]).when(reset()).thenRejects();
  });
});

import { describe, expect, it } from 'vitest';
import { machineSpec } from '../../support/machine-spec.ts';
import { handoffFacts, SAMPLES, SEG, T0 } from './facts.ts';
import { nameOf, shortestPaths, simplePaths } from './paths.ts';

const { started, completed, timedOut } = handoffFacts;
const handoff = machineSpec('handoff', SEG);

describe('the handoff machine, along every path', () => {
  it('reaches waiting, handed off and timed out, the last two for good', () => {
    const reachable = shortestPaths('handoff').map((p) => p.state);
    expect(new Set(reachable.map(nameOf))).toEqual(new Set(['waiting', 'handedOff', 'timedOut']));
    for (const s of reachable) expect(s.status === 'done', nameOf(s)).toBe(nameOf(s) !== 'waiting');
  });

  it('ends either handed off or timed out, after it started', () => {
    const paths = simplePaths('handoff', SAMPLES.handoff);
    const ends = paths.filter((p) => p.state.status === 'done');
    expect(new Set(ends.map((p) => nameOf(p.state)))).toEqual(new Set(['handedOff', 'timedOut']));
    for (const path of ends) expect(path.steps.map((s) => s.event.type)).toEqual(['xstate.init', 'HandoffStarted', expect.any(String)]);
  });
});

describe('handoff rules', () => {
  it('a handoff waits until its deadline for a historical', () => {
    const s = handoff.given([]).when(started()).then('waiting');
    expect(s.context).toMatchObject({ taskId: 'task-rt', deadline: T0 + 900_000 });
  });

  it('a handoff completes when a historical loads the segment, naming it', () => {
    const s = handoff.given([started()]).when(completed()).then('handedOff');
    expect(s.context.serverId).toBe('hist-1');
  });

  it('a handoff times out when its deadline passes', () => {
    handoff.given([started()]).when(timedOut()).then('timedOut');
  });

  it('a handoff starts once, and cannot complete or time out before it starts', () => {
    handoff.given([started()]).when(started()).thenRejects();
    handoff.given([]).when(completed()).thenRejects();
    handoff.given([]).when(timedOut()).thenRejects();
  });

  it('a handoff that timed out cannot complete afterwards, nor a completed one time out', () => {
    handoff.given([started(), timedOut()]).when(completed()).thenRejects();
    handoff.given([started(), completed()]).when(timedOut()).thenRejects();
  });
});

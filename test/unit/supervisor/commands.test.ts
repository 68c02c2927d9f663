import { describe, expect, it } from 'vitest';
import type { SupervisorContext } from '../../../machines/supervisor/machine.ts';
import { parseSupervisorSpec } from '../../../src/spec/supervisor-spec.ts';
import { decideReset, decideResume, decideSubmit, decideSuspend, decideTerminate, type SupervisorNow } from '../../../src/supervisor/commands.ts';
import { thrownBy } from '../../support/grove-errors.ts';

const spec = (suspended = false) => parseSupervisorSpec({ type: 'nats', suspended, spec: { dataSchema: { dataSource: 'ds' }, ioConfig: { stream: 'S', inputFormat: { type: 'json' } } } });
const context = (groups: string[] = []): SupervisorContext => ({
  id: 'ds', dataSource: 'ds', spec: spec().json, submittedAt: 1, groups, publishingGroups: [], taskGroups: {}, unhealthyReason: null, lastResetAt: null,
});
const given = (state: string, groups: string[] = []): SupervisorNow => ({ id: 'ds', state, context: state === 'absent' ? null : context(groups) });
const types = (d: { events: Array<{ type: string }> }) => d.events.map((e) => e.type);

describe('supervisor commands', () => {
  it('submits a new supervisor started, or suspended as its spec says, and an update as a new spec only', () => {
    expect(types(decideSubmit(given('absent'), spec()))).toEqual(['SupervisorSubmitted', 'SupervisorStarted']);
    expect(types(decideSubmit(given('stopped'), spec(true)))).toEqual(['SupervisorSubmitted', 'SupervisorSuspended']);
    expect(types(decideSubmit(given('publishing'), spec()))).toEqual(['SupervisorSubmitted']);
    expect(types(decideSubmit(given('suspended'), spec()))).toEqual(['SupervisorSubmitted', 'SupervisorResumed']);
    expect(decideSubmit(given('running'), spec()).expect).toEqual([{ type: 'state', kind: 'supervisor', id: 'ds', in: ['running'] }]);
  });

  it('suspends and resumes once (again is a no-op), terminates, and knows no supervisor that is absent or terminated', () => {
    expect(types(decideSuspend(given('running')))).toEqual(['SupervisorSuspended']);
    expect(types(decideSuspend(given('suspended')))).toEqual([]);
    expect(types(decideResume(given('suspended')))).toEqual(['SupervisorResumed']);
    expect(types(decideResume(given('running')))).toEqual([]);
    expect(types(decideTerminate(given('unhealthy')))).toEqual(['SupervisorTerminated']);
    for (const state of ['absent', 'stopped']) {
      expect(thrownBy(() => decideTerminate(given(state)))).toMatchObject({ code: 'not_found' });
      expect(thrownBy(() => decideSuspend(given(state)))).toMatchObject({ code: 'not_found' });
    }
  });

  it('resets by stopping every group and forgetting the committed offsets of its stream', () => {
    const d = decideReset(given('publishing', ['g1', 'g2']), 'S');
    expect(d.events).toEqual([
      { type: 'TaskGroupStopped', data: { supervisorId: 'ds', groupId: 'g1', reason: 'the supervisor was reset' } },
      { type: 'TaskGroupStopped', data: { supervisorId: 'ds', groupId: 'g2', reason: 'the supervisor was reset' } },
      { type: 'DataSourceMetadataReset', data: { dataSource: 'ds', stream: 'S' } },
      { type: 'SupervisorReset', data: { supervisorId: 'ds' } },
    ]);
  });
});

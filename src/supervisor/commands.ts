import type { SupervisorContext } from '../../machines/supervisor/machine.ts';
import { GroveError, notFound } from '../bus/errors.ts';
import type { NewEvent } from '../events/catalog.ts';
import type { Expectation } from '../events/expectations.ts';
import { decision, type Decision } from '../overlord/decision.ts';
import type { SupervisorSpec } from '../spec/supervisor-spec.ts';

/** A supervisor as the log leaves it: its machine's state (`absent` before its first submission) and context. */
export interface SupervisorNow {
  id: string;
  state: string;
  context: SupervisorContext | null;
}

/** States in which a supervisor exists for the API: submitted and not terminated. */
const LIVE = new Set(['pending', 'running', 'publishing', 'suspended', 'unhealthy']);
const stillIn = (s: SupervisorNow): Expectation => ({ type: 'state', kind: 'supervisor', id: s.id, in: [s.state] });

function requireLive(s: SupervisorNow): SupervisorContext {
  if (!LIVE.has(s.state) || s.context === null) throw notFound(`no supervisor "${s.id}"${s.state === 'stopped' ? ' (it was terminated)' : ''}`);
  return s.context;
}

/**
 * Submits or updates a supervisor (Druid's POST /druid/indexer/v1/supervisor): its spec is
 * recorded, and its `suspended` flag decides whether it runs. Running groups of an updated
 * supervisor roll early, so the new spec applies at once. Pure.
 */
export function decideSubmit(s: SupervisorNow, spec: SupervisorSpec): Decision<{ supervisorId: string }> {
  const events: NewEvent[] = [{ type: 'SupervisorSubmitted', data: { supervisorId: s.id, dataSource: spec.dataSource, spec: spec.json } }];
  const data = { supervisorId: s.id };
  const fresh = !LIVE.has(s.state) || s.state === 'pending';
  if (fresh) events.push({ type: spec.suspended ? 'SupervisorSuspended' : 'SupervisorStarted', data });
  else if (spec.suspended && s.state !== 'suspended') events.push({ type: 'SupervisorSuspended', data });
  else if (!spec.suspended && s.state === 'suspended') events.push({ type: 'SupervisorResumed', data });
  return decision(data, events, [stillIn(s)]);
}

/** Druid's suspend: the groups publish what they read, and nothing new starts. Suspending a suspended one is a no-op. */
export function decideSuspend(s: SupervisorNow): Decision<{ supervisorId: string }> {
  requireLive(s);
  if (s.state === 'suspended') return decision({ supervisorId: s.id });
  if (s.state === 'pending') throw new GroveError('conflict', `supervisor ${s.id} has not started: it cannot be suspended`);
  return decision({ supervisorId: s.id }, [{ type: 'SupervisorSuspended', data: { supervisorId: s.id } }], [stillIn(s)]);
}

export function decideResume(s: SupervisorNow): Decision<{ supervisorId: string }> {
  requireLive(s);
  if (s.state !== 'suspended') return decision({ supervisorId: s.id });
  return decision({ supervisorId: s.id }, [{ type: 'SupervisorResumed', data: { supervisorId: s.id } }], [stillIn(s)]);
}

/** Druid's terminate: the groups publish what they read and end; the id may be submitted again. */
export function decideTerminate(s: SupervisorNow): Decision<{ supervisorId: string }> {
  requireLive(s);
  return decision({ supervisorId: s.id }, [{ type: 'SupervisorTerminated', data: { supervisorId: s.id } }], [stillIn(s)]);
}

/**
 * Druid's reset (of the whole datasource metadata): every group stops (its tasks canceled, what
 * they read unpublished), the committed offsets are forgotten, and new groups start from the
 * stream's earliest or latest sequence as `useEarliestSequence` says. Data already published
 * stays: with useEarliestSequence the stream is read again (duplicates), without it what came
 * since the last commit is skipped. The events to append once the groups' tasks are canceled. Pure.
 */
export function decideReset(s: SupervisorNow, stream: string): Decision<{ supervisorId: string }> {
  const context = requireLive(s);
  const stopped: NewEvent[] = context.groups.map((groupId) => ({ type: 'TaskGroupStopped', data: { supervisorId: s.id, groupId, reason: 'the supervisor was reset' } }));
  return decision({ supervisorId: s.id }, [
    ...stopped,
    { type: 'DataSourceMetadataReset', data: { dataSource: context.dataSource, stream } },
    { type: 'SupervisorReset', data: { supervisorId: s.id } },
  ], [stillIn(s)]);
}

import { z } from 'zod';
import { GroveError } from '../../src/bus/errors.ts';
import type { EndpointDef } from '../../src/bus/service.ts';
import { API } from '../../src/bus/subjects.ts';
import { asGroveError, nonEmpty, parseRequest } from '../../src/coordinator/requests.ts';
import type { Decision } from '../../src/overlord/decision.ts';
import { parseSupervisorSpec, withSubjectPrefix, type SupervisorSpec } from '../../src/spec/supervisor-spec.ts';
import { decideReset, decideResume, decideSubmit, decideSuspend, decideTerminate, type SupervisorNow } from '../../src/supervisor/commands.ts';
import { defaultSubjectPrefix } from '../../src/supervisor/partitions.ts';
import { statusOf, type SupervisorStatus } from '../../src/supervisor/status.ts';
import { ensurePushStream, lastSequences, readStream, streamSubjects } from './stream.ts';
import type { SupervisorActor } from './supervisor.ts';

const supervisorRef = z.object({ supervisorId: nonEmpty }).strict();
const listRequest = z.object({ state: nonEmpty.optional() }).strict();

/** The public supervisor API (docs/api.md): Druid's /druid/indexer/v1/supervisor, over NATS. */
export function supervisorEndpoints(s: SupervisorActor): Record<string, EndpointDef> {
  const command = (subject: string, decide: (now: SupervisorNow) => Decision<{ supervisorId: string }>): EndpointDef => ({
    subject,
    handler: (b) => {
      const { supervisorId } = parseRequest(supervisorRef, b, subject);
      return decideAndAppend(s, supervisorId, decide);
    },
  });
  return {
    submit: { subject: API.supervisorSubmit, handler: (b) => submit(s, b) },
    status: { subject: API.supervisorStatus, handler: (b) => status(s, parseRequest(supervisorRef, b, API.supervisorStatus).supervisorId) },
    list: { subject: API.supervisorList, handler: (b) => list(s, parseRequest(listRequest, b, API.supervisorList).state) },
    suspend: command(API.supervisorSuspend, decideSuspend),
    resume: command(API.supervisorResume, decideResume),
    terminate: command(API.supervisorTerminate, decideTerminate),
    reset: { subject: API.supervisorReset, handler: (b) => reset(s, parseRequest(supervisorRef, b, API.supervisorReset).supervisorId) },
  };
}

/** Decides on the supervisor as its lane leaves it, appends, and lets it act on the new state. */
function decideAndAppend(s: SupervisorActor, id: string, decide: (now: SupervisorNow) => Decision<{ supervisorId: string }>): Promise<{ supervisorId: string }> {
  return s.inLane(id, async () => {
    const d = decide(s.supervisor(id));
    if (d.events.length > 0) await s.append(d.events, d.expect);
    s.kick(id);
    return d.result;
  });
}

async function submit(s: SupervisorActor, body: unknown): Promise<{ supervisorId: string }> {
  let spec: SupervisorSpec;
  try {
    spec = parseSupervisorSpec(body);
  } catch (e) {
    throw asGroveError(e);
  }
  const streamPath = `${typeof (body as { spec?: unknown }).spec === 'object' ? 'spec.' : ''}ioConfig.stream`;
  const ready = await withStream(s, spec, streamPath);
  return decideAndAppend(s, spec.dataSource, (now) => decideSubmit(now, ready));
}

/**
 * The stream a spec reads, checked to exist (a push supervisor's is created), and the subject
 * prefix a spec without one gets from it: the log records the spec with its prefix.
 */
async function withStream(s: SupervisorActor, spec: SupervisorSpec, streamPath: string): Promise<SupervisorSpec> {
  const io = spec.ioConfig;
  if (io.push) {
    await ensurePushStream(s.jsm, io.stream, io.subjectPrefix!, io.taskCount, io.duplicateWindowMs);
    return spec;
  }
  const subjects = await streamSubjects(s.jsm, io.stream);
  if (subjects === null) throw new GroveError('invalid_spec', `invalid spec: ${streamPath}: no JetStream stream named ${io.stream}`, [{ path: streamPath, reason: `no JetStream stream named ${io.stream}` }]);
  if (io.subjectPrefix !== null) return spec;
  const prefix = defaultSubjectPrefix(subjects);
  const path = streamPath.replace(/stream$/, 'subjectPrefix');
  if (prefix === null) throw new GroveError('invalid_spec', `invalid spec: ${path}: required: the subjects of stream ${io.stream} (${subjects.join(', ')}) give none`, [{ path, reason: `required: the subjects of stream ${io.stream} (${subjects.join(', ')}) give none` }]);
  return withSubjectPrefix(spec, prefix);
}

async function status(s: SupervisorActor, id: string): Promise<SupervisorStatus> {
  const { state, context } = s.supervisor(id);
  if (context === null || context.submittedAt === null) throw new GroveError('not_found', `no supervisor "${id}"`);
  const spec = s.specOf(id, context);
  const { stream, subjectPrefix } = spec.ioConfig;
  const reading = context.groups.filter((g) => !context.publishingGroups.includes(g));
  const active = reading.flatMap((g) => s.tasksOf(g).filter((t) => t.state === 'running').map((t) => t.taskId));
  const [view, offsets] = await Promise.all([readStream(s.jsm, stream, subjectPrefix!).catch(() => null), s.currentOffsets(active)]);
  const last = view === null ? null : await lastSequences(s.jsm, stream, subjectPrefix!, view.partitions);
  return statusOf({ id, state, context, spec, tasksOf: (g) => s.tasksOf(g), committed: s.committedOf(spec), stream: view, offsets, lastSequences: last, now: s.now() });
}

/** Every supervisor not terminated (with `state`, only those in it): id, state and the stream it reads. */
function list(s: SupervisorActor, state: string | undefined): Array<{ supervisorId: string; dataSource: string; state: string; stream: string; push: boolean }> {
  const out = [];
  for (const id of s.supervisorIds().sort()) {
    const now = s.supervisor(id);
    if (now.context === null || now.context.submittedAt === null || (state !== undefined && now.state !== state) || (state === undefined && now.state === 'stopped')) continue;
    const spec = s.specOf(id, now.context);
    out.push({ supervisorId: id, dataSource: spec.dataSource, state: now.state, stream: spec.ioConfig.stream, push: spec.ioConfig.push });
  }
  return out;
}

/** Cancels every group's tasks, then records the groups stopped and the offsets forgotten (commands.ts says why that order). */
function reset(s: SupervisorActor, id: string): Promise<{ supervisorId: string }> {
  return s.inLane(id, async () => {
    const now = s.supervisor(id);
    const stream = now.context?.submittedAt ? s.specOf(id, now.context).ioConfig.stream : '';
    const d = decideReset(now, stream);
    const tasks = now.context!.groups.flatMap((g) => s.tasksOf(g).filter((t) => !['succeeded', 'failed', 'canceled'].includes(t.state)).map((t) => t.taskId));
    await s.cancelTasks(tasks, 'the supervisor was reset');
    await s.append(d.events, d.expect);
    s.kick(id);
    return d.result;
  });
}

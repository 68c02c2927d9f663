import { z } from 'zod';
import { MACHINES, MACHINE_KINDS, type MachineKind } from '../../machines/index.ts';
import type { EndpointDef } from '../../src/bus/service.ts';
import { API } from '../../src/bus/subjects.ts';
import type { EventLog } from '../../src/log/event-log.ts';
import { Replayer } from '../../src/replay/replayer.ts';
import { parse } from './log-api.ts';

/** A point in history: a seq, an ISO time, or "latest" (the default). */
const at = z.union([z.number().int().nonnegative(), z.string().min(1)]).optional();
const stateRequest = z.object({ at, kind: z.string().min(1), id: z.string().min(1) }).strict();
const explainRequest = stateRequest;
const diffRequest = z.object({ from: z.union([z.number().int().nonnegative(), z.string().min(1)]), to: at, dataSource: z.string().min(1).optional() }).strict();
const countsRequest = z.object({ at }).strict();
const searchRequest = z.object({ query: z.string(), limit: z.number().int().positive().max(500).optional() }).strict();

/** What `grove.api.machines.list` gives: each machine's definition, as xstate prints it. */
export interface MachineDefinition {
  kind: MachineKind;
  /** `machine.toJSON()`, as plain JSON. */
  definition: unknown;
}

/** Definitions are fixed for the life of the process: print them once. */
let definitions: MachineDefinition[] | null = null;
export function machineDefinitions(): MachineDefinition[] {
  definitions ??= MACHINE_KINDS.map((kind) => ({ kind, definition: JSON.parse(JSON.stringify(MACHINES[kind].toJSON())) as unknown }));
  return definitions;
}

/**
 * `grove.api.replay.*` and `grove.api.machines.list`: what was true as of any point of the log,
 * folded from the log itself (DESIGN.md §8), for the CLI, the visualizer and anyone else.
 */
export function replayEndpoints(log: EventLog): Record<string, EndpointDef> {
  const replayer = new Replayer(log);
  return {
    replayState: { subject: API.replayState, handler: (b) => {
      const req = parse(stateRequest, b, 'replay.state');
      return replayer.state(req.kind, req.id, req.at);
    } },
    replayExplain: { subject: API.replayExplain, handler: (b) => {
      const req = parse(explainRequest, b, 'replay.explain');
      return replayer.explain(req.kind, req.id, req.at);
    } },
    replayDiff: { subject: API.replayDiff, handler: (b) => {
      const req = parse(diffRequest, b, 'replay.diff');
      return replayer.diff(req.from, req.to, req.dataSource);
    } },
    replayCounts: { subject: API.replayCounts, handler: (b) => replayer.counts(parse(countsRequest, b, 'replay.counts').at) },
    replaySearch: { subject: API.replaySearch, handler: (b) => {
      const req = parse(searchRequest, b, 'replay.search');
      return replayer.search(req.query, req.limit);
    } },
    machinesList: { subject: API.machinesList, handler: () => machineDefinitions() },
  };
}

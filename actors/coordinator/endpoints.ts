import type { EndpointDef } from '../../src/bus/service.ts';
import { API, INTERNAL } from '../../src/bus/subjects.ts';
import { compactionGetRequest, compactionSetRequest, decideCompactionSet } from '../../src/coordinator/compaction-config.ts';
import { descriptorsRequest, markRequest, parseRequest, segmentListRequest } from '../../src/coordinator/requests.ts';
import { decideRulesSet, getRules, rulesGetRequest, rulesHistory, rulesHistoryRequest, rulesSetRequest } from '../../src/coordinator/rules-api.ts';
import { decideMarkUnused, decideMarkUsed, describeSegments, listDataSources, listSegments, type MarkDecision } from '../../src/coordinator/segment-api.ts';
import type { NewEvent } from '../../src/events/catalog.ts';
import type { Coordinator } from './coordinator.ts';

/** The coordinator's public subjects (docs/api.md): segments, datasources, rules, compaction configs. */
export function coordinatorEndpoints(c: Coordinator): Record<string, EndpointDef> {
  return {
    segmentList: { subject: API.segmentList, handler: (b) => listSegments(c.cluster, parseRequest(segmentListRequest, b, API.segmentList)) },
    segmentMarkUsed: {
      subject: API.segmentMarkUsed,
      handler: (b) => {
        const req = parseRequest(markRequest, b, API.segmentMarkUsed);
        return mark(c, () => decideMarkUsed(c.cluster, c.view, req));
      },
    },
    segmentMarkUnused: {
      subject: API.segmentMarkUnused,
      handler: (b) => {
        const req = parseRequest(markRequest, b, API.segmentMarkUnused);
        return mark(c, () => decideMarkUnused(c.cluster, req));
      },
    },
    datasourceList: { subject: API.datasourceList, handler: () => listDataSources(c.cluster) },
    segmentDescriptors: { subject: INTERNAL.coordinatorSegments, handler: (b) => describeSegments(c.cluster, parseRequest(descriptorsRequest, b, INTERNAL.coordinatorSegments)) },
    rulesGet: { subject: API.rulesGet, handler: (b) => getRules(c.cluster, parseRequest(rulesGetRequest, b, API.rulesGet)) },
    rulesSet: {
      subject: API.rulesSet,
      handler: async (b) => {
        const event = decideRulesSet(parseRequest(rulesSetRequest, b, API.rulesSet), c.now());
        await appendOne(c, event);
        return {};
      },
    },
    rulesHistory: { subject: API.rulesHistory, handler: (b) => rulesHistory(c.cluster, parseRequest(rulesHistoryRequest, b, API.rulesHistory)) },
    compactionSet: {
      subject: API.compactionSet,
      handler: async (b) => {
        const req = parseRequest(compactionSetRequest, b, API.compactionSet);
        await appendOne(c, decideCompactionSet(req.dataSource, req.config));
        return {};
      },
    },
    compactionGet: {
      subject: API.compactionGet,
      handler: (b) => {
        const req = parseRequest(compactionGetRequest, b, API.compactionGet);
        if (req.dataSource !== undefined) return c.cluster.compaction.get(req.dataSource) ?? null;
        return Object.fromEntries(c.cluster.compaction);
      },
    },
  };
}

/** A mark decides on the state as the coordinator's passes leave it, then waits until it is folded in. */
function mark(c: Coordinator, decide: () => MarkDecision): Promise<MarkDecision['result']> {
  return c.exclusive(async () => {
    const d = decide();
    if (d.events.length > 0) await c.appender.append(d.events);
    return d.result;
  });
}

function appendOne(c: Coordinator, event: NewEvent): Promise<number> {
  return c.exclusive(() => c.appender.append([event]));
}


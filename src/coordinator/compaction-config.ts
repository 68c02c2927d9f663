import { z } from 'zod';
import { GroveError } from '../bus/errors.ts';
import type { NewEvent } from '../events/catalog.ts';
import { parseGranularity } from '../time/granularity.ts';
import { parsePeriod } from '../time/period.ts';
import { formatPath } from '../spec/validation.ts';
import { nonEmpty } from './requests.ts';

/** Druid's defaults for a DataSourceCompactionConfig. */
export const DEFAULT_COMPACTION_PRIORITY = 25;
export const DEFAULT_SKIP_OFFSET = 'P1D';
export const DEFAULT_INPUT_SEGMENT_SIZE_BYTES = 100_000_000_000_000;
export const DEFAULT_MAX_ROWS_PER_SEGMENT = 5_000_000;

const period = z.string({ error: 'expected an ISO-8601 period such as "P1D"' }).refine((p) => {
  try {
    parsePeriod(p);
    return true;
  } catch {
    return false;
  }
}, { error: (i) => `${JSON.stringify(i.input)} is not an ISO-8601 period (such as "P1D" or "PT6H")` });

const granularity = z.unknown().refine((g) => {
  try {
    parseGranularity(g);
    return true;
  } catch {
    return false;
  }
}, { error: (i) => `${JSON.stringify(i.input)} is not a granularity` });

const record = z.record(z.string(), z.unknown(), { error: 'expected an object' });

/**
 * Druid's DataSourceCompactionConfig (auto-compaction of one datasource), as posted to
 * /druid/coordinator/v1/config/compaction; unknown fields are named, not ignored.
 */
const compactionConfigSchema = z.strictObject({
  dataSource: nonEmpty.optional(),
  taskPriority: z.number().int().optional().default(DEFAULT_COMPACTION_PRIORITY),
  inputSegmentSizeBytes: z.number().int().positive().optional().default(DEFAULT_INPUT_SEGMENT_SIZE_BYTES),
  maxRowsPerSegment: z.number().int().positive().nullish(),
  skipOffsetFromLatest: period.optional().default(DEFAULT_SKIP_OFFSET),
  tuningConfig: record.nullish(),
  granularitySpec: z.strictObject({
    segmentGranularity: granularity.nullish(),
    queryGranularity: granularity.nullish(),
    rollup: z.boolean().nullish(),
  }).nullish(),
  dimensionsSpec: record.nullish(),
  metricsSpec: z.array(record).nullish(),
  transformSpec: record.nullish(),
  ioConfig: record.nullish(),
  taskContext: record.nullish(),
  engine: z.string().nullish(),
});

export type CompactionConfig = z.output<typeof compactionConfigSchema> & { dataSource: string };

export const compactionSetRequest = z.object({ dataSource: nonEmpty, config: z.unknown() }).strict();
export const compactionGetRequest = z.object({ dataSource: nonEmpty.optional() }).strict();

/** Parses a stored or posted config; throws invalid_spec naming every bad field (`config.skipOffsetFromLatest`). */
export function parseCompactionConfig(dataSource: string, json: unknown, prefix = 'config'): CompactionConfig {
  const r = compactionConfigSchema.safeParse(json);
  if (!r.success) {
    const details = r.error.issues.flatMap((i) => (i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ path: formatPath([...i.path, k], prefix), reason: 'is not a field of a compaction config' }))
      : [{ path: formatPath(i.path, prefix), reason: i.message }]));
    throw new GroveError('invalid_spec', `invalid compaction config: ${details.map((d) => `${d.path}: ${d.reason}`).join('; ')}`, details);
  }
  if (r.data.dataSource !== undefined && r.data.dataSource !== dataSource) {
    throw new GroveError('invalid_spec', `${prefix}.dataSource "${r.data.dataSource}" differs from the request's dataSource "${dataSource}"`, [{ path: `${prefix}.dataSource`, reason: `differs from "${dataSource}"` }]);
  }
  return { ...r.data, dataSource };
}

/** `grove.api.compaction.set`: the CompactionConfigSet fact; a null config turns auto-compaction off. Pure. */
export function decideCompactionSet(dataSource: string, json: unknown): NewEvent {
  const config = json === null ? null : parseCompactionConfig(dataSource, json);
  return { type: 'CompactionConfigSet', data: { dataSource, config: config === null ? null : stripNulls(config) } };
}

/** The rows per compacted segment the config asks for (its own field, else its partitionsSpec's). */
export function maxRowsPerSegmentOf(c: CompactionConfig): number {
  const spec = (c.tuningConfig?.partitionsSpec ?? null) as { maxRowsPerSegment?: unknown } | null;
  const fromSpec = typeof spec?.maxRowsPerSegment === 'number' ? spec.maxRowsPerSegment : null;
  return c.maxRowsPerSegment ?? fromSpec ?? DEFAULT_MAX_ROWS_PER_SEGMENT;
}

function stripNulls(c: CompactionConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== null && v !== undefined));
}

import { z } from 'zod';
import { keysOf } from './keys.ts';
import { isEventType } from '../events/catalog.ts';
import { EVENT_DATA_SCHEMAS } from '../events/schemas.ts';
import type { LogRecord } from '../log/record.ts';
import { factOf, type ClusterState, type RuleChange } from '../projections/cluster-state.ts';
import { FOLDERS, type PersistedEntity } from '../projections/machine-fold.ts';
import { machineTargetsOf } from '../projections/routing.ts';
import { issuesOf } from '../spec/validation.ts';
import { compareEntities, kindOfKey, type Divergence, type EntityTable, type SavedCluster } from './compare.ts';
import type { Progress } from './cursor.ts';
import { DivergenceError } from './errors.ts';
import { Replayer } from './replayer.ts';
import { MemorySource } from './source.ts';

/**
 * A `.grovelog` slice: a stretch of the log that reproduces what happened, one JSON document a
 * line (so it diffs and can be edited): a header with the state just before the first record
 * (`base`), the records, and the states those records led to when it was exported (`recorded`).
 * Replaying it must reach them again, or it fails with a DivergenceError.
 */
export const SLICE_FORMAT = 'grovelog';
export const SLICE_VERSION = 1;

export interface SliceHeader {
  format: typeof SLICE_FORMAT;
  version: typeof SLICE_VERSION;
  from: number;
  to: number;
  /** The datasource the slice was cut to, or null for everything. */
  dataSource: string | null;
  exportedAt: string;
  /** The cluster state as of seq `from - 1`, cut to the datasource. */
  base: SavedCluster;
}

/** The states the slice's records led to: every entity they touched (null: killed), and rules. */
export interface Recorded {
  position: number;
  entities: Array<[string, PersistedEntity | null]>;
  rules: Array<[string, RuleChange[]]>;
}

export interface Slice {
  header: SliceHeader;
  records: LogRecord[];
  recorded: Recorded;
}

/** A slice file that is not one, with the line that is wrong. */
export class SliceFormatError extends Error {
  override readonly name = 'SliceFormatError';

  constructor(readonly file: string, readonly line: number, reason: string) {
    super(`${file}${line > 0 ? ` line ${line}` : ''}: ${reason}`);
  }
}

/** The slice as lines of text (each ends with a newline), to stream out. */
export function* sliceLines(slice: Slice): Generator<string> {
  yield `${JSON.stringify(slice.header)}\n`;
  for (const r of slice.records) yield `${JSON.stringify(r)}\n`;
  yield `${JSON.stringify({ recorded: slice.recorded })}\n`;
}

const headerSchema = z.object({
  format: z.literal(SLICE_FORMAT),
  version: z.literal(SLICE_VERSION),
  from: z.number().int().positive(),
  to: z.number().int().nonnegative(),
  dataSource: z.string().min(1).nullable(),
  exportedAt: z.string(),
  base: z.object({ position: z.number().int().nonnegative(), entities: z.record(z.string(), z.array(z.tuple([z.string(), z.unknown()]))) }).loose(),
});
const recordSchema = z.object({
  seq: z.number().int().positive(),
  at: z.number(),
  type: z.string().refine(isEventType, { message: 'is not a known event type' }),
  data: z.unknown(),
  meta: z.object({ actor: z.string(), correlationId: z.string(), causationId: z.string().nullable() }),
});
const recordedSchema = z.object({
  recorded: z.object({ position: z.number().int().nonnegative(), entities: z.array(z.tuple([z.string(), z.unknown()])), rules: z.array(z.tuple([z.string(), z.array(z.unknown())])) }),
});

/** Reads a slice, naming the line and field of anything malformed. */
export function parseSlice(text: string, file = 'slice'): Slice {
  const lines = text.split('\n').map((l, i) => ({ n: i + 1, text: l.trim() })).filter((l) => l.text !== '');
  if (lines.length < 2) throw new SliceFormatError(file, 0, `a slice has a header line, its records and a "recorded" line; this has ${lines.length} line(s)`);
  const json = (l: { n: number; text: string }): unknown => {
    try {
      return JSON.parse(l.text);
    } catch (e) {
      throw new SliceFormatError(file, l.n, `not JSON: ${(e as Error).message}`);
    }
  };
  const check = <S extends z.ZodType>(schema: S, l: { n: number; text: string }, what: string): z.output<S> => {
    const r = schema.safeParse(json(l));
    if (!r.success) throw new SliceFormatError(file, l.n, `not a ${what}: ${issuesOf(r.error).map((i) => `${i.path || '(line)'} ${i.reason}`).join('; ')}`);
    return r.data;
  };
  const header = check(headerSchema, lines[0]!, `${SLICE_FORMAT} header (expected {"format":"${SLICE_FORMAT}","version":${SLICE_VERSION},...})`) as unknown as SliceHeader;
  const records = lines.slice(1, -1).map((l) => {
    const r = check(recordSchema, l, 'log record') as LogRecord;
    const data = EVENT_DATA_SCHEMAS[r.type as keyof typeof EVENT_DATA_SCHEMAS].safeParse(r.data);
    if (!data.success) throw new SliceFormatError(file, l.n, `${r.type} has bad data: ${issuesOf(data.error, 'data').map((i) => `${i.path} ${i.reason}`).join('; ')}`);
    if (r.seq < header.from || r.seq > header.to) throw new SliceFormatError(file, l.n, `seq ${r.seq} is outside the slice's range ${header.from}..${header.to}`);
    return r;
  });
  records.forEach((r, i) => {
    if (i > 0 && r.seq <= records[i - 1]!.seq) throw new SliceFormatError(file, lines[i + 1]!.n, `seq ${r.seq} does not follow seq ${records[i - 1]!.seq}: records must be in increasing seq order`);
  });
  const { recorded } = check(recordedSchema, lines.at(-1)!, '"recorded" line (the last line of a slice)') as { recorded: Recorded };
  return { header, records, recorded };
}

/** `kind:id` of every machine entity the records touch. */
export function touchedEntities(records: Iterable<LogRecord>): Set<string> {
  const keys = new Set<string>();
  for (const r of records) for (const t of machineTargetsOf(factOf(r))) keys.add(`${t.kind}:${t.id}`);
  return keys;
}

/** The datasources whose rules the records set. */
function touchedRules(records: Iterable<LogRecord>): Set<string> {
  const out = new Set<string>();
  for (const r of records) if (r.type === 'RulesSet') out.add((r.data as { dataSource: string }).dataSource);
  return out;
}

/** What a state holds of the entities and rules the records touched: what a slice records. */
export function recordedOf(state: ClusterState, records: readonly LogRecord[]): Recorded {
  const entities = [...touchedEntities(records)].sort().map((key): [string, PersistedEntity | null] => {
    const kind = kindOfKey(key);
    const s = state.entity(kind, key.slice(kind.length + 1));
    return [key, s === undefined ? null : FOLDERS[kind].persist(s as never)];
  });
  const rules = [...touchedRules(records)].sort().map((ds): [string, RuleChange[]] => [ds, state.rulesHistory(ds)]);
  return { position: state.position, entities, rules };
}

/**
 * Replays a slice from its base through its records, then checks that it reached the recorded
 * states; returns a Replayer over it (to ask it anything), or throws a DivergenceError naming
 * every entity that differs (an IllegalHistoryError when a record cannot even be taken).
 */
export async function replaySlice(slice: Slice, onProgress?: Progress): Promise<Replayer> {
  const replayer = new Replayer(new MemorySource(slice.records, keysOf, slice.header.to), { base: slice.header.base });
  const state = await replayer.fold(slice.header.to, onProgress);
  const reached = recordedOf(state, slice.records);
  const divergences = compareRecorded(slice.recorded, reached);
  if (divergences.length > 0) throw new DivergenceError(divergences, `replaying the slice (seq ${slice.header.from}..${slice.header.to}) did not reach the states it recorded`);
  return replayer;
}

function compareRecorded(expected: Recorded, actual: Recorded): Divergence[] {
  const table = (r: Recorded): EntityTable => new Map(r.entities);
  const out = compareEntities(table(expected), table(actual));
  const [e, a] = [new Map(expected.rules), new Map(actual.rules)];
  for (const ds of new Set([...e.keys(), ...a.keys()])) {
    const [x, y] = [JSON.stringify(e.get(ds) ?? null), JSON.stringify(a.get(ds) ?? null)];
    if (x !== y) out.push({ entity: `rules:${ds}`, expected: x, actual: y, fields: [] });
  }
  return out;
}

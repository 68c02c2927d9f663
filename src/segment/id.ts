import { formatInstant, parseInstant } from '../time/instant.ts';
import type { Interval } from '../time/interval.ts';

/** Druid's segment id: `dataSource_start_end_version[_partitionNum]`; partition 0 has no suffix. */

export interface SegmentIdParts {
  dataSource: string;
  interval: Interval;
  version: string;
  partitionNum: number;
}

export class SegmentIdError extends Error {
  constructor(readonly id: string, reason: string) {
    super(`invalid segment id "${id}": ${reason}`);
    this.name = 'SegmentIdError';
  }
}

export function segmentId(p: SegmentIdParts): string {
  const base = `${p.dataSource}_${formatInstant(p.interval.start)}_${formatInstant(p.interval.end)}_${p.version}`;
  return p.partitionNum === 0 ? base : `${base}_${p.partitionNum}`;
}

/** Ids print full ISO instants; requiring that form keeps a data source like `web_2020` unambiguous. */
const isInstant = (s: string | undefined): s is string => s !== undefined && /^[+-]?\d{4,6}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(parseInstant(s));

/**
 * Parses a segment id. The data source may itself hold underscores, so without `dataSource` the
 * first pair of parts that both read as instants is taken for the interval (as Druid does); pass
 * `dataSource` when it is known to remove any doubt. A trailing integer part after the version is
 * the partition number.
 */
export function parseSegmentId(id: string, dataSource?: string): SegmentIdParts {
  const parts = id.split('_');
  const dsParts = dataSource === undefined ? firstIntervalAt(parts) : dataSource.split('_').length;
  if (dataSource !== undefined && !id.startsWith(`${dataSource}_`)) throw new SegmentIdError(id, `does not start with data source "${dataSource}"`);
  if (dsParts < 1 || !isInstant(parts[dsParts]) || !isInstant(parts[dsParts + 1])) throw new SegmentIdError(id, 'expected dataSource_start_end_version[_partitionNum]');
  const rest = parts.slice(dsParts + 2);
  if (rest.length === 0 || rest[0] === '') throw new SegmentIdError(id, 'has no version');
  const last = rest[rest.length - 1]!;
  const partitioned = rest.length > 1 && /^\d+$/.test(last);
  const interval = { start: parseInstant(parts[dsParts]!), end: parseInstant(parts[dsParts + 1]!) };
  if (interval.end < interval.start) throw new SegmentIdError(id, 'interval ends before it starts');
  return {
    dataSource: parts.slice(0, dsParts).join('_'),
    interval,
    version: (partitioned ? rest.slice(0, -1) : rest).join('_'),
    partitionNum: partitioned ? Number(last) : 0,
  };
}

function firstIntervalAt(parts: string[]): number {
  for (let i = 1; i + 2 < parts.length; i++) if (isInstant(parts[i]) && isInstant(parts[i + 1])) return i;
  return -1;
}

import type { LogRecord } from '../log/record.ts';

export interface RecordRange {
  from?: number;
  to?: number;
  /** An entity key such as `segment:<id>` or `datasource:<name>`. */
  entity?: string;
}

/**
 * Where a replay reads history: the live event log (which already has this shape), or a slice
 * exported from it and loaded in memory. Records come in seq order.
 */
export interface RecordSource {
  /** The seq of the last record held (0 when none). */
  readonly lastSeq: number;
  get(seq: number): LogRecord | undefined;
  scan(range: RecordRange): Iterable<LogRecord>;
  /** Distinct entity keys starting with `prefix`, sorted. */
  entityKeys(prefix: string): string[];
}

/** A slice of the log held in memory, indexed by entity as the log indexes it. */
export class MemorySource implements RecordSource {
  private readonly byEntity = new Map<string, LogRecord[]>();

  /**
   * `records` in strictly increasing seq order (a filtered slice may have gaps); `end` is the last
   * seq the slice covers, which may lie past its last record.
   */
  constructor(private readonly records: readonly LogRecord[], keysOf: (type: string, data: unknown) => string[], private readonly end?: number) {
    records.forEach((r, i) => {
      if (i > 0 && r.seq <= records[i - 1]!.seq) throw new Error(`records must be in increasing seq order: seq ${r.seq} follows ${records[i - 1]!.seq}`);
      for (const key of new Set(keysOf(r.type, r.data))) {
        const list = this.byEntity.get(key);
        if (list === undefined) this.byEntity.set(key, [r]);
        else list.push(r);
      }
    });
  }

  get lastSeq(): number {
    return Math.max(this.end ?? 0, this.records.at(-1)?.seq ?? 0);
  }

  get(seq: number): LogRecord | undefined {
    const r = this.records[firstAtOrAfter(this.records, seq)];
    return r?.seq === seq ? r : undefined;
  }

  *scan({ from = 1, to = Infinity, entity }: RecordRange): Generator<LogRecord> {
    const list = entity === undefined ? this.records : this.byEntity.get(entity) ?? [];
    for (let i = firstAtOrAfter(list, from); i < list.length && list[i]!.seq <= to; i++) yield list[i]!;
  }

  entityKeys(prefix: string): string[] {
    return [...this.byEntity.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** The index of the first record with seq >= `seq` (binary search). */
function firstAtOrAfter(list: readonly LogRecord[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

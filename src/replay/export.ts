import type { MachineKind } from '../../machines/index.ts';
import type { LogRecord } from '../log/record.ts';
import { ClusterState } from '../projections/cluster-state.ts';
import type { SavedCluster } from './compare.ts';
import { foldOne } from './cursor.ts';
import { keysOf } from './keys.ts';
import { SLICE_FORMAT, SLICE_VERSION, recordedOf, type Slice } from './slice.ts';

export interface SliceRange {
  from: number;
  to: number;
  /** Keep only what concerns this datasource (and the cluster default rules). */
  dataSource?: string;
}

const DEFAULT_RULES_KEY = '_default';

/**
 * Cuts a slice out of the log. It is fed every record from seq 1 up to `to`, in order: the ones
 * before `from` are folded into the base state, the ones in the range are kept (those of the
 * datasource, when cut to one), and the states they lead to are recorded at the end.
 */
export class SliceExporter {
  private readonly state = new ClusterState();
  private base: SavedCluster | null = null;
  private readonly records: LogRecord[] = [];

  constructor(private readonly range: SliceRange) {
    if (!Number.isSafeInteger(range.from) || range.from < 1) throw new Error(`--from must be a sequence number >= 1, got ${range.from}`);
    if (!Number.isSafeInteger(range.to) || range.to < range.from) throw new Error(`--to must be a sequence number >= --from (${range.from}), got ${range.to}`);
  }

  add(r: LogRecord): void {
    if (r.seq > this.range.to) return;
    if (r.seq >= this.range.from && this.base === null) this.base = this.cut(this.state.save());
    foldOne(this.state, r);
    if (r.seq >= this.range.from && this.inScope(r)) this.records.push(r);
  }

  finish(exportedAt = new Date()): Slice {
    const base = this.base ?? this.cut(this.state.save());
    return {
      header: { format: SLICE_FORMAT, version: SLICE_VERSION, from: this.range.from, to: this.range.to, dataSource: this.range.dataSource ?? null, exportedAt: exportedAt.toISOString(), base },
      records: this.records,
      recorded: recordedOf(this.state, this.records),
    };
  }

  /** A record belongs to the datasource when it names it, or touches one of its entities. */
  private inScope(r: LogRecord): boolean {
    const ds = this.range.dataSource;
    if (ds === undefined) return true;
    const keys = keysOf(r.type, r.data);
    if (keys.includes(`datasource:${ds}`)) return true;
    if (r.type === 'RulesSet') return (r.data as { dataSource: string }).dataSource === DEFAULT_RULES_KEY;
    return keys.some((key) => {
      const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      const e = this.state.entity(kind as MachineKind, id);
      return (e?.context as { dataSource?: string } | undefined)?.dataSource === ds;
    });
  }

  /** The base cut to the datasource: its entities, its and the default rules, its offsets; every server. */
  private cut(saved: SavedCluster): SavedCluster {
    const ds = this.range.dataSource;
    if (ds === undefined) return saved;
    const ofDs = ([, p]: [string, unknown]): boolean => (p as { context?: { dataSource?: string } }).context?.dataSource === ds;
    return {
      ...saved,
      entities: Object.fromEntries(Object.entries(saved.entities).map(([kind, list]) => [kind, list.filter(ofDs)])),
      rules: saved.rules.filter(([name]) => name === ds || name === DEFAULT_RULES_KEY),
      offsets: saved.offsets.filter(([key]) => key.startsWith(`${ds}\u0000`)),
      compaction: saved.compaction.filter(([name]) => name === ds),
    };
  }
}

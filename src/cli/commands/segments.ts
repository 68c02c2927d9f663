import type { Command } from 'commander';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import type { SegmentRow } from '../../coordinator/segment-api.ts';
import { withCommonFlags, type CommonFlags } from '../options.ts';
import { asClient, table } from './query-client.ts';

interface SegmentFlags extends CommonFlags {
  interval?: string;
  state?: string;
  ids?: string;
  json?: boolean;
}

const rowOf = (s: SegmentRow): string[] => [s.interval, s.version, String(s.partitionNum), s.state, s.servers.join(',') || '-', String(s.rows), String(s.size)];

/** `grove segments <dataSource>`, `grove segments mark-used|mark-unused`: grove.api.segment.* from the command line. */
export function segmentsCommand(program: Command): void {
  const segments = withCommonFlags(program.command('segments')
    .description("a datasource's segments: state (the segment machine's), servers, rows, size")
    .argument('<dataSource>'))
    .option('--interval <interval>', 'only segments overlapping this ISO-8601 interval')
    .option('--state <state>', 'only segments in this state, or under it (published.used, published.unused.unavailable, ...)')
    .option('--json', 'print JSON')
    .action(async (dataSource: string, flags: SegmentFlags) => {
      const body = { dataSource, ...(flags.interval ? { interval: flags.interval } : {}), ...(flags.state ? { state: flags.state } : {}) };
      const rows = await asClient(flags, (nc) => request<SegmentRow[]>(nc, API.segmentList, body));
      console.log(flags.json ? JSON.stringify(rows, null, 2) : rows.length === 0 ? 'no segments' : table(['interval', 'version', 'part', 'state', 'servers', 'rows', 'bytes'], rows.map(rowOf)));
    });

  const mark = (name: string, subject: string, what: string) => withCommonFlags(segments.command(name)
    .description(`${what}: by interval (segments wholly inside it) or by ids`)
    .argument('<dataSource>'))
    .option('--interval <interval>', 'an ISO-8601 interval')
    .option('--ids <ids>', 'comma-separated segment ids')
    .action(async (dataSource: string, flags: SegmentFlags) => {
      const body = { dataSource, ...(flags.interval ? { interval: flags.interval } : {}), ...(flags.ids ? { segmentIds: flags.ids.split(',').map((s) => s.trim()).filter(Boolean) } : {}) };
      const { numChangedSegments } = await asClient(flags, (nc) => request<{ numChangedSegments: number }>(nc, subject, body));
      console.log(`${numChangedSegments} segment${numChangedSegments === 1 ? '' : 's'} changed`);
    });
  mark('mark-unused', API.segmentMarkUnused, 'mark used segments unused (they are dropped from the historicals)');
  mark('mark-used', API.segmentMarkUsed, 'mark unused segments used again (overshadowed ones are skipped)');
}

import type { Command } from 'commander';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import type { DataSourceRow } from '../../coordinator/segment-api.ts';
import { withCommonFlags, type CommonFlags } from '../options.ts';
import { asClient, table } from './query-client.ts';

/** `grove datasources`: grove.api.datasource.list from the command line. */
export function datasourcesCommand(program: Command): void {
  withCommonFlags(program.command('datasources').description('datasources with their used segments, rows and intervals'))
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const rows = await asClient(flags, (nc) => request<DataSourceRow[]>(nc, API.datasourceList, {}));
      if (flags.json) console.log(JSON.stringify(rows, null, 2));
      else console.log(rows.length === 0 ? 'no datasources' : table(['name', 'segments', 'rows', 'intervals'], rows.map((d) => [d.name, String(d.segments), String(d.rows), d.intervals.join(' ')])));
    });
}

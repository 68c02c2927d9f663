import type { Command } from 'commander';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import { withCommonFlags, type CommonFlags } from '../options.ts';
import { asClient, readJsonArgument } from './query-client.ts';

/** `grove query <query.json>`: a Druid native query through the broker; prints Druid's result JSON. */
export function queryCommand(program: Command): void {
  withCommonFlags(program.command('query')
    .description('run a Druid native query (a file, - for stdin, or the JSON itself) and print its result')
    .argument('<query>', 'query JSON file, -, or inline JSON'))
    .option('--compact', 'print the result on one line')
    .action(async (source: string, flags: CommonFlags & { compact?: boolean }) => {
      const query = await readJsonArgument(source);
      const result = await asClient(flags, (nc) => request<unknown[]>(nc, API.query, query));
      console.log(flags.compact ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    });
}

import type { Command } from 'commander';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import type { RulesHistoryEntry } from '../../coordinator/rules-api.ts';
import { withCommonFlags, type CommonFlags } from '../options.ts';
import { asClient, readJsonArgument } from './query-client.ts';

/** `grove rules get|set|history`: Druid's retention rules (grove.api.rules.*) from the command line; `_default` is the cluster default. */
export function rulesCommand(program: Command): void {
  const rules = program.command('rules').description("a datasource's retention rules, in Druid's JSON (_default: the cluster default rules)");

  withCommonFlags(rules.command('get').argument('<dataSource>').description('the rules in force'))
    .option('--full', 'followed by the cluster default rules')
    .action(async (dataSource: string, flags: CommonFlags & { full?: boolean }) => {
      const result = await asClient(flags, (nc) => request(nc, API.rulesGet, { dataSource, ...(flags.full ? { full: true } : {}) }));
      console.log(JSON.stringify(result, null, 2));
    });

  withCommonFlags(rules.command('set')
    .argument('<dataSource>')
    .argument('<rules>', 'a JSON file with the rule list, -, or the JSON itself')
    .description('replace the rules (checked: every bad field is named)'))
    .option('--comment <text>', 'why, for the history')
    .action(async (dataSource: string, source: string, flags: CommonFlags & { comment?: string }) => {
      const list = await readJsonArgument(source);
      await asClient(flags, (nc) => request(nc, API.rulesSet, { dataSource, rules: list, ...(flags.comment ? { comment: flags.comment } : {}) }));
      console.log(`rules of ${dataSource} set`);
    });

  withCommonFlags(rules.command('history').argument('<dataSource>').description('rule changes, newest first'))
    .option('--json', 'print JSON')
    .action(async (dataSource: string, flags: CommonFlags & { json?: boolean }) => {
      const entries = await asClient(flags, (nc) => request<RulesHistoryEntry[]>(nc, API.rulesHistory, { dataSource }));
      if (flags.json) console.log(JSON.stringify(entries, null, 2));
      else for (const e of entries) console.log(`${new Date(e.at).toISOString()}  #${e.seq}${e.comment ? `  ${e.comment}` : ''}\n  ${JSON.stringify(e.rules)}`);
    });
}

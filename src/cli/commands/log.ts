import type { Command } from 'commander';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import type { LogRecord } from '../../log/record.ts';
import { configFrom, connectFromCli, withCommonFlags, type CommonFlags } from '../options.ts';

interface LogFlags extends CommonFlags {
  type?: string;
  aggregate?: string;
  from?: string;
  limit?: string;
  follow?: boolean;
  json?: boolean;
}

/** One line per event: `seq  time  type  data`. */
export function formatRecord(r: LogRecord): string {
  return `${String(r.seq).padStart(8)}  ${new Date(r.at).toISOString()}  ${r.type.padEnd(22)} ${JSON.stringify(r.data)}`;
}

/** `grove log`: prints events, filtered by type or aggregate; `--follow` keeps printing new ones. */
export function logCommand(program: Command): void {
  withCommonFlags(program.command('log').description('print events of the log (filter by type or aggregate; --follow for new ones)'))
    .option('--type <EventType>', 'only events of this type, e.g. SegmentsPublished')
    .option('--aggregate <key>', 'an aggregate (segment, task, lock, ...) or one entity (task:<id>, datasource:<name>)')
    .option('--from <seq>', 'first sequence number', '1')
    .option('--limit <n>', 'at most this many events (without --follow)', '1000')
    .option('-f, --follow', 'keep printing events as they are appended')
    .option('--json', 'one JSON record per line')
    .action(async (flags: LogFlags) => {
      const nc = await connectFromCli(configFrom(flags), 'client');
      const print = (r: LogRecord): void => console.log(flags.json ? JSON.stringify(r) : formatRecord(r));
      const filter = { type: flags.type, aggregate: flags.aggregate };
      let from = Number(flags.from);
      let left = flags.follow ? Infinity : Number(flags.limit);
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      try {
        while (left > 0 && !stop.signal.aborted) {
          const page = await request<LogRecord[]>(nc, API.logRead, { ...filter, from, limit: Math.min(1000, left) });
          page.forEach(print);
          left -= page.length;
          if (page.length > 0) from = page[page.length - 1]!.seq + 1;
          else if (!flags.follow) break;
          else await request(nc, API.logTail, { from, limit: 1, waitMs: 10_000 }, { timeoutMs: 15_000 });
        }
      } finally {
        await nc.close();
      }
    });
}

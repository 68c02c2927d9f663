import { once } from 'node:events';
import type { Command } from 'commander';
import { SliceExporter } from '../../replay/export.ts';
import { remoteLastSeq, remoteRecords } from '../../replay/remote-log.ts';
import { sliceLines } from '../../replay/slice.ts';
import { progressReporter } from '../progress.ts';
import { configFrom, connectFromCli, withCommonFlags, type CommonFlags } from '../options.ts';

interface ExportFlags extends CommonFlags {
  from: string;
  to?: string;
  dataSource?: string;
}

/** Logs longer than this show progress while the base state is folded. */
const LONG_EXPORT = 10_000;

function seqFlag(name: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a sequence number, got "${raw}"`);
  return Number(raw);
}

/** Writes to stdout, waiting when the pipe is full (a slice can be large). */
async function write(line: string): Promise<void> {
  if (!process.stdout.write(line)) await once(process.stdout, 'drain');
}

/**
 * `grove log export --from --to [--dataSource] > slice.grovelog`: a slice of the log that
 * `grove replay --file` (or a test) replays elsewhere. Folding the log up to `--to` gives the
 * slice its base state and the states it must reach.
 */
export function logExportCommand(program: Command): void {
  const log = program.commands.find((c) => c.name() === 'log');
  if (log === undefined) throw new Error('the log command must be registered before log export');
  // `log` has a --from of its own: options after `export` are export's (commander hands options
  // down the chain only when every command above parses positionally).
  program.enablePositionalOptions();
  log.enablePositionalOptions();
  withCommonFlags(log.command('export').description('write a slice of the log (.grovelog) to stdout, for grove replay --file'))
    .option('--from <seq>', 'first sequence number', '1')
    .option('--to <seq>', 'last sequence number (default: the last one now)')
    .option('--dataSource <name>', 'keep only what concerns this datasource')
    .addHelpText('after', '\nExample:\n  grove log export --from 1200 --to 1500 --dataSource wikipedia > slice.grovelog\n  grove replay --file slice.grovelog timeline wikipedia')
    .action(async (flags: ExportFlags) => {
      const from = seqFlag('--from', flags.from);
      const nc = await connectFromCli(configFrom(flags), 'client');
      try {
        const last = await remoteLastSeq(nc);
        const to = flags.to === undefined ? last : seqFlag('--to', flags.to);
        if (to > last) throw new Error(`--to ${to} is past the end of the log (last seq ${last})`);
        const exporter = new SliceExporter({ from, to, dataSource: flags.dataSource });
        const bar = to >= LONG_EXPORT ? progressReporter('reading the log') : null;
        for await (const r of remoteRecords(nc, 1, to)) {
          exporter.add(r);
          if (bar !== null && r.seq % 5000 === 0) bar.update(r.seq, to);
        }
        bar?.update(to, to);
        bar?.stop();
        const slice = exporter.finish();
        for (const line of sliceLines(slice)) await write(line);
        console.error(`exported ${slice.records.length} records (seq ${from}..${to}${flags.dataSource ? ` of ${flags.dataSource}` : ''}) and the ${slice.recorded.entities.length} entity states they lead to`);
      } finally {
        await nc.close();
      }
    });
}

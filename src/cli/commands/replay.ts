import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { NatsConnection } from 'nats';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import { ClusterState } from '../../projections/cluster-state.ts';
import { LogFollower } from '../../projections/log-follower.ts';
import type { StateDiff } from '../../replay/diff.ts';
import { DivergenceError } from '../../replay/errors.ts';
import { remoteRecords } from '../../replay/remote-log.ts';
import { STATE_KINDS, type Explanation, type StateView } from '../../replay/replayer.ts';
import { parseSlice, replaySlice } from '../../replay/slice.ts';
import { verifyLive } from '../../replay/verify.ts';
import { progressReporter } from '../progress.ts';
import { configFrom, connectFromCli, withCommonFlags, type CommonFlags } from '../options.ts';
import { diffText, explanationText, stateText, verificationText } from './replay-format.ts';

interface ReplayFlags extends CommonFlags {
  at?: string;
  explain?: boolean;
  diff?: boolean;
  verify?: boolean;
  file?: string;
  json?: boolean;
}

/** What `grove replay` asks, of the live log (over NATS) or of a slice (in this process). */
interface ReplayQuestions {
  state(kind: string, id: string, at?: string): Promise<StateView>;
  explain(kind: string, id: string, at?: string): Promise<Explanation>;
  diff(from: string, to: string, dataSource?: string): Promise<StateDiff>;
}

/** Replays shorter than this show no progress. */
const LONG_REPLAY = 10_000;

const USAGE = [
  '',
  'Examples:',
  '  grove replay segment <id>                        the segment\'s state now',
  '  grove replay --at 1200 timeline wikipedia        the datasource\'s timeline as of seq 1200',
  '  grove replay --at 2024-05-01T12:00Z locks wiki   its locks as of that time',
  '  grove replay --explain task <id>                 every event that touched it, with its transition',
  '  grove replay --diff 1200 1500 wikipedia          what changed between two points',
  '  grove replay --verify                            refold the whole log and compare with the live projections',
  '  grove replay --file slice.grovelog [segment <id>] replay an exported slice (see grove log export)',
  '',
  `Kinds: ${STATE_KINDS.join(', ')} (locks, timeline and rules take a datasource).`,
].join('\n');

function remote(nc: NatsConnection): ReplayQuestions {
  return {
    state: (kind, id, at) => request(nc, API.replayState, { kind, id, ...(at !== undefined ? { at: asPoint(at) } : {}) }),
    explain: (kind, id, at) => request(nc, API.replayExplain, { kind, id, ...(at !== undefined ? { at: asPoint(at) } : {}) }),
    diff: (from, to, dataSource) => request(nc, API.replayDiff, { from: asPoint(from), to: asPoint(to), ...(dataSource ? { dataSource } : {}) }),
  };
}

/** A seq travels as a number; times and "latest" as text. */
const asPoint = (at: string): number | string => (/^\d+$/.test(at) ? Number(at) : at);

/** `grove replay`: the state of anything as of any point, its history, diffs, verification, slices. */
export function replayCommand(program: Command): void {
  withCommonFlags(program.command('replay').description('replay the log: state as of a point, --explain, --diff, --verify, --file <slice>'))
    .argument('[args...]', '<kind> <id>, or with --diff: <seqA> <seqB> [dataSource]')
    .option('--at <point>', 'a sequence number, an ISO-8601 time, or "latest" (default)')
    .option('--explain', 'every event that touched the entity, with its state before and after and what decided')
    .option('--diff', 'what changed between two points: <seqA> <seqB> [dataSource]')
    .option('--verify', 'refold the whole log from seq 1 and compare with the live projections (exit 1 on divergence)')
    .option('--file <slice>', 'replay an exported .grovelog slice instead of the live log')
    .option('--json', 'print JSON')
    .addHelpText('after', USAGE)
    .action(async (args: string[], flags: ReplayFlags) => {
      if (flags.verify) return verify(flags);
      if (flags.file !== undefined) {
        const slice = await fromFile(flags.file, flags.json === true);
        return slice === null ? undefined : withQuestions(slice, args, flags);
      }
      if (args.length === 0) throw new Error(`say what to replay.${USAGE}`);
      const nc = await connectFromCli(configFrom(flags), 'client');
      try {
        await withQuestions(remote(nc), args, flags);
      } finally {
        await nc.close();
      }
    });
}

async function withQuestions(q: ReplayQuestions, args: string[], flags: ReplayFlags): Promise<void> {
  if (args.length === 0) return;
  const print = <T>(value: T, text: (v: T) => string): void => console.log(flags.json ? JSON.stringify(value, null, 2) : text(value));
  if (flags.diff) {
    const [from, to, dataSource] = args;
    if (from === undefined || to === undefined || args.length > 3) throw new Error('--diff takes two points and an optional datasource: grove replay --diff <seqA> <seqB> [dataSource]');
    return print(await q.diff(from, to, dataSource), diffText);
  }
  const [kind, id] = args;
  if (kind === undefined || id === undefined || args.length > 2) throw new Error(`expected <kind> <id>, got "${args.join(' ')}"${USAGE}`);
  if (flags.explain) return print(await q.explain(kind, id, flags.at), explanationText);
  print(await q.state(kind, id, flags.at), stateText);
}

/** Replays the slice, to answer questions about it; null (and exit status 1) when it diverges. */
async function fromFile(path: string, quiet: boolean): Promise<ReplayQuestions | null> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the slice ${path}: ${(e as Error).message}`);
  }
  const slice = parseSlice(text, path);
  const bar = slice.records.length >= LONG_REPLAY ? progressReporter('replaying the slice') : null;
  try {
    const replayer = await replaySlice(slice, bar === null ? undefined : (done, total) => bar.update(done, total));
    bar?.stop();
    if (!quiet) console.error(`${path}: replayed ${slice.records.length} records (seq ${slice.header.from}..${slice.header.to}${slice.header.dataSource ? `, ${slice.header.dataSource}` : ''}); it reached the ${slice.recorded.entities.length} states it recorded`);
    return replayer;
  } catch (e) {
    bar?.stop();
    if (!(e instanceof DivergenceError)) throw e;
    console.error(`${path}: ${e.message}`);
    process.exitCode = 1;
    return null;
  }
}

/** The metastore's live state (its snapshot, then the feed), refolded from seq 1 and compared. */
async function verify(flags: ReplayFlags): Promise<void> {
  const nc = await connectFromCli(configFrom(flags), 'actor');
  try {
    const live = new ClusterState();
    const follower = new LogFollower(nc, live);
    await follower.start();
    follower.stop();
    const bar = live.position >= LONG_REPLAY ? progressReporter('refolding the log') : null;
    const result = await verifyLive(live, remoteRecords(nc, 1, live.position), bar === null ? undefined : (done, total) => bar.update(done, total));
    bar?.stop();
    console.log(flags.json ? JSON.stringify(result, null, 2) : verificationText(result));
    if (result.divergences.length > 0) process.exitCode = 1;
  } finally {
    await nc.close();
  }
}

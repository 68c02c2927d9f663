import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { NatsConnection } from 'nats';
import { request } from '../src/bus/client.ts';
import { connectBus } from '../src/bus/connection.ts';
import { freePort } from '../src/bus/nats-server.ts';
import { API } from '../src/bus/subjects.ts';
import { startEmbedded } from '../src/cli/embedded.ts';
import { dataPaths, loadConfig } from '../src/config/grove-config.ts';
import { Indexer } from '../actors/indexer/indexer.ts';
import type { LogRecord } from '../src/log/record.ts';
import type { TaskStatus } from '../src/overlord/task-view.ts';
import { median, type Bench, type BenchContext, type Figure } from './harness.ts';
import { generate, task } from './ingest.bench.ts';

/**
 * Batch ingestion through the actors (issue 4's indexer): a generated JSON file (the ingest
 * bench's data, 5 M rows × scale) submitted to `grove.api.task.submit` of a grove started in this
 * process (metastore, overlord, indexer; nats-server on free ports), timed until the task has
 * succeeded, its segments pushed and published. The same file through the library alone, in a
 * child process as the ingest bench runs it, gives the baseline: the ratio is what the actors
 * cost (a task process to start, locks, deep storage, publish, polling).
 */

const exec = promisify(execFile);
const ingestBench = fileURLToPath(new URL('./ingest.bench.ts', import.meta.url));
const POLL_MS = 50;

interface ActorRun {
  rows: number;
  wallMs: number;
  /** CPU time of the task process, as its indexer logs it. */
  taskCpuMs: number;
  /** From the log: submit → started, started → publishing, publishing → succeeded. */
  phasesMs: { toStart: number; ingest: number; publish: number };
}

interface LibraryRun {
  rows: number;
  wallMs: number;
  cpuMs: number;
}

async function libraryAlone(ctx: BenchContext, file: string, run: number): Promise<LibraryRun> {
  const workDir = join(ctx.dir, `library-${run}`);
  try {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', ingestBench, file, 'json', workDir], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as LibraryRun;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function throughActors(client: NatsConnection, file: string, indexerLog: string[]): Promise<ActorRun> {
  const started = performance.now();
  const { taskId } = await request<{ taskId: string }>(client, API.taskSubmit, task(file, 'json'));
  let status: TaskStatus;
  for (;;) {
    status = await request<TaskStatus>(client, API.taskStatus, { taskId });
    if (status.state === 'succeeded' || status.state === 'failed' || status.state === 'canceled') break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const wallMs = performance.now() - started;
  if (status.state !== 'succeeded') throw new Error(`task ${taskId} ${status.state}: ${status.error ?? ''}`);
  const events = await request<LogRecord[]>(client, API.logRead, { aggregate: `task:${taskId}`, limit: 100 });
  const at = (type: string): number => events.find((e) => e.type === type)?.at ?? NaN;
  const usage = indexerLog.map((l) => new RegExp(`task ${taskId} succeeded after .* \\(CPU ([\\d.]+) s`).exec(l)).find((m) => m !== null);
  return {
    rows: status.rowStats!.processed,
    wallMs,
    taskCpuMs: usage ? Number(usage[1]) * 1000 : NaN,
    phasesMs: { toStart: at('TaskStarted') - at('TaskSubmitted'), ingest: at('TaskPublishing') - at('TaskStarted'), publish: at('TaskSucceeded') - at('TaskPublishing') },
  };
}

const bench: Bench = {
  name: 'indexer',
  async run(ctx) {
    const rows = Math.round(5_000_000 * ctx.scale);
    const file = join(ctx.dir, 'input.json');
    ctx.log(`generating ${rows.toLocaleString('en-US')} JSON rows`);
    await generate(file, rows, 'json');

    const [natsPort, wsPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const config = loadConfig({ GROVE_NATS_PORT: String(natsPort), GROVE_WS_PORT: String(wsPort), GROVE_UI_PORT: String(uiPort) }, { dataDir: join(ctx.dir, 'grove') });
    const grove = await startEmbedded({ config, actors: ['metastore', 'overlord'], log: () => undefined });
    const indexerLog: string[] = [];
    const paths = dataPaths(config.dataDir);
    const indexer = await Indexer.start({
      nc: grove.nc, id: 'bench', natsUrl: config.natsUrl, natsPassword: config.passwords.actor, deepStorageDir: paths.deep, workRoot: paths.work,
      log: (line) => indexerLog.push(line),
    });
    const client = await connectBus({ url: config.natsUrl, user: 'client', password: config.passwords.client, name: 'bench-indexer' });
    const actors: ActorRun[] = [];
    const library: LibraryRun[] = [];
    try {
      for (let run = 0; run < ctx.runs; run++) {
        const a = await throughActors(client, file, indexerLog);
        const l = await libraryAlone(ctx, file, run);
        ctx.log(
          `run ${run + 1}: actors ${(a.wallMs / 1000).toFixed(2)} s wall, task process ${(a.taskCpuMs / 1000).toFixed(2)} s CPU ` +
          `(submit→started ${a.phasesMs.toStart} ms, ingest ${a.phasesMs.ingest} ms, publish ${a.phasesMs.publish} ms); ` +
          `library alone ${(l.wallMs / 1000).toFixed(2)} s wall, ${(l.cpuMs / 1000).toFixed(2)} s CPU`,
        );
        actors.push(a);
        library.push(l);
      }
    } finally {
      await client.close();
      await indexer.stop();
      await grove.stop();
    }
    const perWall = (r: { rows: number; wallMs: number }): number => r.rows / (r.wallMs / 1000);
    ctx.log(`actor overhead: median ${(median(actors.map((a, i) => a.wallMs - library[i]!.wallMs)) / 1000).toFixed(2)} s of wall clock per task`);
    const figures: Figure[] = [
      { name: `JSON submit -> published through the actors, ${rows.toLocaleString('en-US')} rows`, unit: 'rows/s', values: actors.map(perWall), higherIsBetter: true },
      { name: 'the same file through the library alone (one process, wall clock from inside)', unit: 'rows/s', values: library.map(perWall), higherIsBetter: true },
      { name: 'actors / library alone, wall clock, per run', unit: 'x', values: actors.map((a, i) => perWall(a) / perWall(library[i]!)), higherIsBetter: true },
      { name: 'library CPU / task process CPU, per run (what the task process adds in CPU)', unit: 'x', values: actors.map((a, i) => library[i]!.cpuMs / a.taskCpuMs), higherIsBetter: true },
    ];
    return figures;
  },
};

export default bench;

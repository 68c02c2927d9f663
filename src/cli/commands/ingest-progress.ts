import { Presets, SingleBar } from 'cli-progress';

/** What a task publishes on `grove.task.<taskId>.progress`. */
export interface IngestProgress {
  phase: string;
  rowsRead: number;
  bytesRead: number;
  /** Bytes of all inputs, when the task knows them. */
  bytesTotal?: number;
  rowsPerSecond: number;
}

const LINE_EVERY_MS = 2000;

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** `reading: 1,234,567 rows, 12.0 MiB of 40.0 MiB, 350,000 rows/s`. */
export function formatProgress(p: IngestProgress): string {
  const bytes = p.bytesTotal ? `${mib(p.bytesRead)} of ${mib(p.bytesTotal)}` : mib(p.bytesRead);
  return `${p.phase}: ${count(p.rowsRead)} rows, ${bytes}, ${count(p.rowsPerSecond)} rows/s`;
}

/**
 * Shows a task's progress on stderr: a bar over the input's bytes on a terminal, otherwise a line
 * every few seconds and at each new phase (logs, CI).
 */
export function ingestProgressDisplay(stream: NodeJS.WriteStream = process.stderr): { update(p: IngestProgress): void; stop(): void } {
  let bar: SingleBar | null = null;
  let lastLine = 0;
  let lastPhase = '';
  return {
    update(p) {
      if (stream.isTTY) {
        const payload = { phase: p.phase.padEnd(7), rows: count(p.rowsRead), bytes: mib(p.bytesRead), rate: count(p.rowsPerSecond) };
        if (bar === null) {
          bar = new SingleBar({ format: '{phase} [{bar}] {percentage}% | {rows} rows | {bytes} | {rate} rows/s', stream, hideCursor: true }, Presets.shades_classic);
          bar.start(p.bytesTotal || 1, 0, payload);
        }
        if (p.bytesTotal) bar.setTotal(p.bytesTotal);
        bar.update(p.bytesTotal ? p.bytesRead : 0, payload);
        return;
      }
      if (p.phase === lastPhase && performance.now() - lastLine < LINE_EVERY_MS) return;
      lastLine = performance.now();
      lastPhase = p.phase;
      stream.write(`${formatProgress(p)}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}

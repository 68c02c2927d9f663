import { SingleBar, Presets } from 'cli-progress';

/**
 * A progress display for long work: a bar on a terminal, a line every few seconds otherwise
 * (logs, CI). `update(done, total)`; `stop()` prints the rate.
 */
export function progressReporter(label: string, unit = 'events'): { update(done: number, total: number): void; stop(): void } {
  const started = performance.now();
  let last = { done: 0, total: 0 };
  let bar: SingleBar | null = null;
  let lastLine = 0;
  const rate = (): number => Math.round(last.done / Math.max((performance.now() - started) / 1000, 1e-3));
  return {
    update(done, total) {
      last = { done, total };
      if (process.stderr.isTTY) {
        if (bar === null) {
          bar = new SingleBar({ format: `${label} [{bar}] {percentage}% {value}/{total} ${unit} | {rate} ${unit}/s | eta {eta_formatted}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
          bar.start(total, done, { rate: 0 });
        }
        bar.setTotal(total);
        bar.update(done, { rate: rate() });
      } else if (performance.now() - lastLine > 2000 || done === total) {
        lastLine = performance.now();
        process.stderr.write(`${label}: ${done}/${total} ${unit} (${rate()} ${unit}/s)\n`);
      }
    },
    stop() {
      bar?.stop();
      if (last.done > 0) process.stderr.write(`${label}: ${last.done} ${unit} in ${((performance.now() - started) / 1000).toFixed(1)} s (${rate()} ${unit}/s)\n`);
    },
  };
}

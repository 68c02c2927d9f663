/**
 * Benchmarks report medians over several runs (machines are shared and noisy). A bench file
 * `bench/<name>.bench.ts` default-exports a Bench; `npm run bench [-- name...]` runs them.
 */

export interface Figure {
  /** What was measured, e.g. "append, batched commands". */
  name: string;
  unit: string;
  /** One value per run. */
  values: number[];
  /** Human text of the goal, e.g. ">= 50000". */
  goal?: string;
  /** True when a higher value is better (throughputs); false for latencies. */
  higherIsBetter: boolean;
}

export interface BenchContext {
  /** Repetitions to take a median over. */
  runs: number;
  /** Scale factor (1 = the sizes the issue names); `--quick` lowers it for a smoke run. */
  scale: number;
  /** A scratch directory, removed afterwards. */
  dir: string;
  log(message: string): void;
}

export interface Bench {
  name: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** Runs `once` `runs` times and returns each run's value. */
export async function repeat(runs: number, once: (i: number) => Promise<number> | number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await once(i));
  return out;
}

export function formatFigure(f: Figure): string {
  const m = median(f.values);
  const shown = Math.abs(m) >= 100 ? Math.round(m).toLocaleString('en-US') : m.toPrecision(3);
  const spread = f.values.length > 1 ? ` (runs: ${f.values.map((v) => (Math.abs(v) >= 100 ? Math.round(v) : v.toPrecision(3))).join(', ')})` : '';
  return `${f.name}: median ${shown} ${f.unit}${f.goal ? ` [goal ${f.goal}]` : ''}${spread}`;
}

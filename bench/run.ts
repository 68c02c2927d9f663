import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { formatFigure, type Bench } from './harness.ts';

const program = new Command('bench')
  .description('run grove benchmarks; prints medians over several runs')
  .argument('[names...]', 'benchmarks to run (default: all)')
  .option('--runs <n>', 'repetitions per figure', '5')
  .option('--quick', 'smaller data and 3 runs, for a smoke test')
  .parse();

const opts = program.opts<{ runs: string; quick?: boolean }>();
const wanted = program.args;
const dirOfBenches = new URL('.', import.meta.url).pathname;
const files = readdirSync(dirOfBenches).filter((f) => f.endsWith('.bench.ts')).sort();

for (const file of files) {
  const bench = (await import(join(dirOfBenches, file))).default as Bench;
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  const dir = mkdtempSync(join(tmpdir(), `grove-bench-${bench.name}-`));
  console.log(`\n## ${bench.name}`);
  try {
    const figures = await bench.run({
      runs: opts.quick ? 3 : Number(opts.runs),
      scale: opts.quick ? 0.1 : 1,
      dir,
      log: (m) => console.log(`  ${m}`),
    });
    for (const f of figures) console.log(`- ${formatFigure(f)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { readFile } from 'node:fs/promises';
import type { NatsConnection } from 'nats';
import { configFrom, connectFromCli, type CommonFlags } from '../options.ts';

/** Connects as `client` (the public API), runs `f`, and closes whatever happens. */
export async function asClient<T>(flags: CommonFlags, f: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectFromCli(configFrom(flags), 'client');
  try {
    return await f(nc);
  } finally {
    await nc.close();
  }
}

/** JSON from a file, from stdin (`-`), or given inline (text starting with `{` or `[`); errors name the source. */
export async function readJsonArgument(source: string): Promise<unknown> {
  const inline = /^\s*[[{]/.test(source);
  const text = inline ? source : source === '-' ? await readStdin() : await readFile(source, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${source}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${inline ? 'the JSON given' : source === '-' ? 'stdin' : source} is not valid JSON: ${(e as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A table of rows, columns padded to their widest value. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { headers } from 'nats';
import { decodeBody, JSON_TYPE, CONTENT_TYPE } from '../../bus/codec.ts';
import { GroveError, type Envelope } from '../../bus/errors.ts';
import { push } from '../../bus/subjects.ts';
import { withCommonFlags, type CommonFlags } from '../options.ts';
import { asClient } from './query-client.ts';

/** `grove push <dataSource> <file|->`: rows (a JSON array or one JSON object per line) into the datasource's push supervisor, exactly once. */
export function pushCommand(program: Command): void {
  withCommonFlags(program.command('push')
    .argument('<dataSource>', 'a datasource with a push supervisor (ioConfig.push: true)')
    .argument('<rows>', 'a file of rows (a JSON array, or newline-delimited JSON), or - for stdin')
    .description('push rows; the same rows pushed again are counted once'))
    .option('--id <msgId>', 'the producer\'s id of a one-row push (de-duplicates a retry)')
    .action(async (dataSource: string, source: string, flags: CommonFlags & { id?: string }) => {
      const body = source === '-' ? await stdin() : await readFile(source);
      const h = headers();
      h.set(CONTENT_TYPE, JSON_TYPE);
      if (flags.id) h.set('Nats-Msg-Id', flags.id);
      const reply = await asClient(flags, (nc) => nc.request(push(dataSource), body, { headers: h, timeout: 60_000 }));
      const envelope = decodeBody(reply.data, 'json') as Envelope<{ accepted: number; duplicates: number }>;
      if (!envelope.ok) throw new GroveError(envelope.error.code, envelope.error.message, envelope.error.details);
      console.log(`${envelope.result.accepted} rows accepted, ${envelope.result.duplicates} duplicates`);
    });
}

async function stdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

import type { Command } from 'commander';
import { RequestStrategy } from 'nats';
import { request } from '../../bus/client.ts';
import { API } from '../../bus/subjects.ts';
import { configFrom, connectFromCli, withCommonFlags, type CommonFlags } from '../options.ts';

interface ActorSeen {
  kind: string;
  id: string;
  version: string;
}

/** `grove status`: the actors that answer `$SRV.PING`, and the log's size and last sequence. */
export function statusCommand(program: Command): void {
  withCommonFlags(program.command('status').description('show running actors (via $SRV.PING), log size and last sequence'))
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { json?: boolean }) => {
      const config = configFrom(flags);
      const nc = await connectFromCli(config, 'client');
      try {
        const actors: ActorSeen[] = [];
        for await (const p of await nc.services.client({ strategy: RequestStrategy.Timer, maxWait: 1000 }).ping()) actors.push({ kind: p.name, id: p.metadata?.id ?? p.id, version: p.version });
        actors.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
        const log = await request<{ lastSeq: number; logBytes: number }>(nc, API.status, {}, { timeoutMs: 5000 }).catch(() => null);
        if (flags.json) {
          console.log(JSON.stringify({ nats: config.natsUrl, actors, log }, null, 2));
          return;
        }
        console.log(`NATS       ${config.natsUrl}`);
        console.log(`actors     ${actors.length === 0 ? 'none answered $SRV.PING' : ''}`);
        for (const a of actors) console.log(`  ${a.kind.padEnd(12)} ${a.id}`);
        console.log(log === null ? 'log        no metastore answered' : `log        last sequence ${log.lastSeq}, ${(log.logBytes / 1048576).toFixed(1)} MiB`);
      } finally {
        await nc.close();
      }
    });
}

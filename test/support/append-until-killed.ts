/**
 * Child process for the durability test: appends commands of 1..5 events each, as fast as it can,
 * printing `ack <command> <events>` after each acknowledged append, until it is killed.
 */
import { EventLog } from '../../src/log/event-log.ts';

const log = EventLog.open(process.argv[2]!, { keysOf: (_t, d) => [`cmd:${(d as { command: number }).command}`] });
let command = 0;
async function appendOne(): Promise<void> {
  const n = command;
  command += 1;
  const size = (n % 5) + 1;
  const events = Array.from({ length: size }, (_, i) => ({ type: 'Written', data: { command: n, part: i, of: size, pad: 'x'.repeat(200) } }));
  await log.append(events, { actor: 'child', correlationId: `cmd-${n}`, causationId: null });
  process.stdout.write(`ack ${n} ${size}\n`);
}
// Several appends in flight at once, so the kill lands inside batched commits.
for (let lane = 0; lane < 8; lane++) {
  void (async () => {
    for (;;) await appendOne();
  })();
}

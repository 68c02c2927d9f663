import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/log/event-log.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dir = tempDir('durability');
const child = new URL('../../support/append-until-killed.ts', import.meta.url).pathname;

/** Starts the appending child, lets it acknowledge `acks` commands, then kills it with SIGKILL. */
function appendThenKill(path: string, acks: number): Promise<Map<number, number>> {
  return new Promise((resolve, reject) => {
    const acked = new Map<number, number>();
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [, cmd, size] = line.split(' ');
        acked.set(Number(cmd), Number(size));
      }
      if (acked.size >= acks && proc.exitCode === null && !proc.killed) proc.kill('SIGKILL');
    });
    proc.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`child exited without being killed (${signal})`))));
  });
}

describe('the event log under kill -9', () => {
  it('keeps every acknowledged command whole and never half-writes one', async () => {
    for (const [round, acks] of [[0, 300], [1, 1200], [2, 2500]] as const) {
      const path = join(dir, `log-${round}`);
      const acked = await appendThenKill(path, acks);
      const log = EventLog.open(path, { keysOf: (_t, d) => [`cmd:${(d as { command: number }).command}`] });
      const records = log.read();
      // The index entries the killed process had not flushed yet are rebuilt from the log.
      const someAcked = [...acked.keys()].filter((_, i) => i % 97 === 0);
      const byIndex = someAcked.map((cmd) => log.read({ entity: `cmd:${cmd}` }).length);
      await log.close();
      someAcked.forEach((cmd, i) => expect(byIndex[i], `index of command ${cmd}`).toBe(acked.get(cmd)));

      expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
      const parts = new Map<number, number>();
      for (const r of records) {
        const d = r.data as { command: number; of: number };
        parts.set(d.command, (parts.get(d.command) ?? 0) + 1);
        expect(r.meta.correlationId).toBe(`cmd-${d.command}`);
      }
      for (const r of records) {
        const d = r.data as { command: number; of: number };
        expect(parts.get(d.command), `command ${d.command} is whole`).toBe(d.of);
      }
      for (const [cmd, size] of acked) expect(parts.get(cmd), `acknowledged command ${cmd}`).toBe(size);
      expect(acked.size).toBeGreaterThanOrEqual(acks);
    }
  });
});

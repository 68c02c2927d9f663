import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/log/event-log.ts';
import { ConflictError, isConflictError } from '../../../src/log/conflict.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dir = tempDir('event-log');
const keysOf = (_type: string, data: unknown): string[] => ((data as { keys?: string[] }).keys ?? []);
const meta = { actor: 'test', correlationId: 'c1', causationId: null };
const opened: EventLog[] = [];
function openLog(name: string): EventLog {
  const log = EventLog.open(join(dir, name), { keysOf });
  opened.push(log);
  return log;
}
afterAll(async () => {
  for (const log of opened) await log.close();
});

describe('the event log', () => {
  it('appends several events in one transaction with strictly increasing sequence numbers', async () => {
    const log = openLog('append');
    const a = await log.append([{ type: 'A', data: { keys: ['x:1'] } }, { type: 'B', data: { keys: ['x:2'] } }], meta);
    const b = await log.append([{ type: 'A', data: { keys: ['x:1'] } }], meta);
    expect([...a, ...b].map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(log.lastSeq).toBe(3);
    expect(log.read().map((r) => [r.seq, r.type])).toEqual([[1, 'A'], [2, 'B'], [3, 'A']]);
    expect(log.read({ from: 2, to: 2 }).map((r) => r.seq)).toEqual([2]);
    expect(a[0]!.meta).toEqual(meta);
  });

  it('reads by event type and by entity through its indexes', async () => {
    const log = openLog('indexes');
    await log.append([{ type: 'A', data: { keys: ['seg:1', 'ds:w'] } }, { type: 'B', data: { keys: ['seg:2', 'ds:w'] } }], meta);
    await log.append([{ type: 'A', data: { keys: ['seg:2'] } }], meta);
    expect(log.read({ type: 'A' }).map((r) => r.seq)).toEqual([1, 3]);
    expect(log.read({ entity: 'seg:2' }).map((r) => r.seq)).toEqual([2, 3]);
    expect(log.read({ entity: 'ds:w', type: 'B' }).map((r) => r.seq)).toEqual([2]);
    expect(log.read({ entity: 'ds:w', limit: 1 }).map((r) => r.seq)).toEqual([1]);
    expect(log.entityKeys("seg:")).toEqual(['seg:1', 'seg:2']);
    expect(log.lastSeqOf('seg:2')).toBe(3);
    expect(log.lastSeqOf('seg:9')).toBe(0);
  });

  it('appends nothing when an expectation fails, and says which', async () => {
    const log = openLog('conflict');
    await log.append([{ type: 'A', data: { keys: ['lock:1'] } }], meta);
    const stale = log.append([{ type: 'B', data: { keys: ['lock:1'] } }], meta, { expect: [{ key: 'lock:1', lastSeq: 0 }] });
    await expect(stale).rejects.toThrow(ConflictError);
    await stale.catch((e) => {
      expect(isConflictError(e)).toBe(true);
      expect(e.message).toContain('lock:1 was expected at seq 0 but is at 1');
    });
    const vetoed = log.append([{ type: 'C', data: {} }], meta, { check: () => { throw new ConflictError([{ expectation: 'x', actual: 'y', reason: 'offsets differ' }]); } });
    await expect(vetoed).rejects.toThrow(/offsets differ/);
    expect(log.lastSeq).toBe(1);
    const ok = await log.append([{ type: 'B', data: { keys: ['lock:1'] } }], meta, { expect: [{ key: 'lock:1', lastSeq: 1 }] });
    expect(ok[0]!.seq).toBe(2);
  });

  it('checks each append against the ones called before it, even in one batch', async () => {
    const log = openLog('ordered-checks');
    const seen: number[] = [];
    const appends = [1, 2, 3].map(() => log.append([{ type: 'A', data: { keys: ['k'] } }], meta, { check: (rs) => seen.push(rs[0]!.seq) }));
    await Promise.all(appends);
    expect(seen).toEqual([1, 2, 3]);
    const racing = [log.append([{ type: 'A', data: { keys: ['k'] } }], meta, { expect: [{ key: 'k', lastSeq: 3 }] }), log.append([{ type: 'A', data: { keys: ['k'] } }], meta, { expect: [{ key: 'k', lastSeq: 3 }] })];
    const results = await Promise.allSettled(racing);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('tails from any sequence number with no gap and no duplicate between catch-up and live', async () => {
    const log = openLog('tail');
    for (let i = 0; i < 5; i++) await log.append([{ type: 'A', data: { i } }], meta);
    const seen: number[] = [];
    const stop = log.subscribe(3, (r: LogRecord) => seen.push(r.seq));
    const more = Array.from({ length: 20 }, (_, i) => log.append([{ type: 'B', data: { i } }, { type: 'C', data: { i } }], meta));
    await Promise.all(more);
    stop();
    await log.append([{ type: 'D', data: {} }], meta);
    expect(seen).toEqual(Array.from({ length: 43 }, (_, i) => i + 3));
  });

  it('reads an index across many flushed batches and the unflushed tail, from any point', async () => {
    const log = EventLog.open(join(dir, 'batches'), { keysOf, indexFlushEvery: 7 });
    opened.push(log);
    for (let i = 0; i < 60; i++) await log.append([{ type: i % 3 === 0 ? 'A' : 'B', data: { keys: [`k:${i % 4}`, 'all'] } }], meta);
    const expected = (k: number, from: number): number[] => Array.from({ length: 60 }, (_, i) => i + 1).filter((s) => (s - 1) % 4 === k && s >= from);
    for (const from of [1, 2, 13, 37, 59, 61]) {
      for (let k = 0; k < 4; k++) expect(log.read({ entity: `k:${k}`, from }).map((r) => r.seq), `k:${k} from ${from}`).toEqual(expected(k, from));
      expect(log.read({ type: 'A', from }).map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1).filter((s) => (s - 1) % 3 === 0 && s >= from));
    }
    expect(log.read({ entity: 'all', from: 20, to: 25 }).map((r) => r.seq)).toEqual([20, 21, 22, 23, 24, 25]);
    expect(log.lastSeqOf('k:1')).toBe(58);
  });

  it('keeps its records across a reopen', async () => {
    const path = 'reopen';
    const first = openLog(path);
    await first.append([{ type: 'A', data: { n: 1 } }, { type: 'A', data: { n: 2 } }], meta);
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const again = openLog(path);
    expect(again.lastSeq).toBe(2);
    const [r] = await again.append([{ type: 'B', data: {} }], meta);
    expect(r!.seq).toBe(3);
    expect(again.read().map((x) => x.data)).toEqual([{ n: 1 }, { n: 2 }, {}]);
  });
});

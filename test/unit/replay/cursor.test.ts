import { describe, expect, it } from 'vitest';
import { ClusterState } from '../../../src/projections/cluster-state.ts';
import { FoldCursor } from '../../../src/replay/cursor.ts';
import { MemorySource } from '../../../src/replay/source.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import type { GroveEvent } from '../../../src/events/catalog.ts';
import { entityKeysOf } from '../../../src/events/entity-keys.ts';

const keysOf = (type: string, data: unknown): string[] => entityKeysOf({ type, data } as GroveEvent);

/** A long history: servers joining and leaving, so the state changes at every step. */
function history(n: number): LogRecord[] {
  return Array.from({ length: n }, (_, i): LogRecord => {
    const serverId = `h${i % 997}`;
    const joined = Math.floor(i / 997) % 2 === 0;
    return {
      seq: i + 1, at: 1_700_000_000_000 + i, type: joined ? 'ServerJoined' : 'ServerLeft',
      data: joined ? { serverId, kind: 'historical', tier: `t${i % 3}`, capacity: i } : { serverId, reason: `step ${i}` },
      meta: { actor: 'test', correlationId: `c${i}`, causationId: null },
    };
  });
}

function foldedFresh(records: LogRecord[], upTo: number): unknown {
  const s = new ClusterState();
  for (const r of records) if (r.seq <= upTo) s.apply(r);
  return s.save();
}

/** Counts the records a cursor reads, to see how far back it had to start. */
class CountingSource extends MemorySource {
  read = 0;
  override *scan(range: Parameters<MemorySource['scan']>[0]): Generator<LogRecord> {
    for (const r of super.scan(range)) {
      this.read++;
      yield r;
    }
  }
}

describe('a replay cursor', () => {
  it('goes back from the end of a long history by refolding from a checkpoint near the point, not from the start', async () => {
    const source = new CountingSource(history(120_000), keysOf);
    const cursor = new FoldCursor(source, null);
    await cursor.to(120_000);
    source.read = 0;
    await cursor.to(119_000);
    expect(source.read).toBeLessThan(20_000);
  });

  it('goes back to any point, through its checkpoints, to exactly the state a fresh fold reaches', async () => {
    const records = history(120_000);
    const cursor = new FoldCursor(new MemorySource(records, keysOf), null);
    await cursor.to(120_000);
    for (const at of [119_999, 61_234, 100_001, 20_000, 3, 90_000]) {
      const state = await cursor.to(at);
      expect(state.position).toBe(at);
      expect(state.save(), `as of ${at}`).toEqual(foldedFresh(records, at));
    }
  });

  it('leaves its checkpoints untouched by what it folds after going back', async () => {
    const records = history(60_000);
    const cursor = new FoldCursor(new MemorySource(records, keysOf), null);
    await cursor.to(60_000);
    await cursor.to(45_000);
    await cursor.to(59_000);
    const again = await cursor.to(45_000);
    expect(again.save()).toEqual(foldedFresh(records, 45_000));
  });
});

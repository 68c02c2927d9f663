import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../../src/log/event-log.ts';
import { ProjectionHost, refoldAndCompare, type Projection } from '../../../src/log/projection.ts';
import type { LogRecord } from '../../../src/log/record.ts';
import { tempDir } from '../../support/temp-dir.ts';

const dir = tempDir('projection');
const meta = { actor: 'test', correlationId: 'c', causationId: null };

/** Balances per account: a small fold whose result depends on event order. */
class Balances implements Projection<Array<[string, number]>> {
  readonly name = 'balances';
  readonly version = 1;
  applied = 0;
  private readonly balances = new Map<string, number>();
  apply(r: LogRecord): void {
    this.applied++;
    const d = r.data as { account: string; amount: number };
    const b = this.balances.get(d.account) ?? 0;
    this.balances.set(d.account, r.type === 'Deposited' ? b + d.amount : Math.max(0, b - d.amount));
  }
  snapshot(): Array<[string, number]> {
    return [...this.balances].sort(([a], [b]) => a.localeCompare(b));
  }
  restore(saved: Array<[string, number]>): void {
    this.balances.clear();
    for (const [k, v] of saved) this.balances.set(k, v);
  }
}

/** Balances whose snapshot takes 20 ms, as a large state's does (counted). */
class SlowBalances extends Balances {
  snapshots = 0;
  override snapshot(): Array<[string, number]> {
    this.snapshots++;
    const until = performance.now() + 20;
    while (performance.now() < until);
    return super.snapshot();
  }
}

async function fill(log: EventLog, n: number, seed: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const type = (i * seed) % 3 === 0 ? 'Withdrawn' : 'Deposited';
    await log.append([{ type, data: { account: `a${(i * 7 + seed) % 13}`, amount: (i % 17) + 1 } }], meta);
  }
}

describe('projections folded from the log', () => {
  it('a refold from sequence 0 gives exactly the live projection', async () => {
    const log = EventLog.open(join(dir, 'refold'), { keysOf: () => [] });
    const live = new Balances();
    const host = new ProjectionHost(log, [live], { snapshotEvery: 0 });
    host.start();
    await fill(log, 500, 5);
    expect(host.position).toBe(500);
    expect(refoldAndCompare(log, [live], [new Balances()], host.position)).toEqual([]);
    host.stop();
    await log.close();
  });

  it('restarts from its latest snapshot and folds only the events after it', async () => {
    const path = join(dir, 'snapshots');
    const log = EventLog.open(path, { keysOf: () => [] });
    const first = new Balances();
    const host = new ProjectionHost(log, [first], { snapshotEvery: 100 });
    host.start();
    await fill(log, 250, 3);
    await host.snapshot();
    await fill(log, 30, 4);
    host.stop();
    await log.close();

    const reopened = EventLog.open(path, { keysOf: () => [] });
    const restored = new Balances();
    const again = new ProjectionHost(reopened, [restored], { snapshotEvery: 100 });
    again.start();
    expect(again.position).toBe(280);
    expect(restored.applied).toBe(30);
    expect(restored.snapshot()).toEqual(first.snapshot());
    expect(refoldAndCompare(reopened, [restored], [new Balances()], again.position)).toEqual([]);
    again.stop();
    await reopened.close();
  });

  it('snapshots every N events, but no sooner after one than its cost allows: the longer a snapshot takes, the rarer they are', async () => {
    const taken = async (snapshotCostRatio: number): Promise<number> => {
      const log = EventLog.open(join(dir, `cost-${snapshotCostRatio}`), { keysOf: () => [] });
      const live = new SlowBalances();
      const host = new ProjectionHost(log, [live], { snapshotEvery: 10, snapshotCostRatio });
      host.start();
      await fill(log, 100, 2);
      host.stop();
      await log.close();
      return live.snapshots;
    };
    // Every 10 events, whatever they cost.
    expect(await taken(0)).toBe(10);
    // The first one; the next would wait 20 s (1,000 times its 20 ms).
    expect(await taken(1000)).toBe(1);
  });

  it('reports a divergence when the live state differs from the log', async () => {
    const log = EventLog.open(join(dir, 'divergence'), { keysOf: () => [] });
    const live = new Balances();
    const host = new ProjectionHost(log, [live], { snapshotEvery: 0 });
    host.start();
    await fill(log, 20, 2);
    live.apply({ seq: 999, at: 0, type: 'Deposited', data: { account: 'a1', amount: 1 }, meta });
    const divergences = refoldAndCompare(log, [live], [new Balances()], host.position);
    expect(divergences.map((d) => d.projection)).toEqual(['balances']);
    host.stop();
    await log.close();
  });
});

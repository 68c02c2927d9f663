import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../../actors/overlord/deadlines.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('deadlines', () => {
  it('a timer that goes off before the clock reaches its deadline waits on, and fires once the clock is there', async () => {
    let clock = 0;
    let fired = 0;
    const deadlines = new Deadlines(() => clock);
    deadlines.arm('handoff', 5, () => fired++);
    // The timer's 5 ms pass while the clock stands still, as a timer firing early looks to the decider.
    await sleep(40);
    expect(fired).toBe(0);
    expect(deadlines.has('handoff')).toBe(true);
    clock = 5;
    await expect.poll(() => fired, { timeout: 2000 }).toBe(1);
    expect(deadlines.has('handoff')).toBe(false);
    deadlines.stop();
  });

  it('a deadline already past fires at once', async () => {
    let fired = false;
    const deadlines = new Deadlines(() => 1000);
    deadlines.arm('lock', 10, () => { fired = true; });
    await expect.poll(() => fired, { timeout: 2000 }).toBe(true);
  });
});

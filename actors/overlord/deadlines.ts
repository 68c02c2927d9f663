/**
 * The scheduler machines do not have: a timer per deadline (a waiting lock, a handoff), firing a
 * callback that appends the timeout fact. Deadlines live in the log, so a restarted overlord arms
 * them again; one already past fires at once.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadlines {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly now: () => number) {}

  /** Arms (or re-arms) `key` to call `fire` once `now()` has reached epoch ms `at`. */
  arm(key: string, at: number, fire: () => void): void {
    this.cancel(key);
    const delay = Math.max(0, at - this.now());
    // A timer cannot wait longer than MAX_TIMER_MS (Node fires it at once): a far deadline waits in steps.
    const timer = setTimeout(() => {
      this.timers.delete(key);
      // Node's timers run on a monotonic clock and may fire a millisecond before `now()` reaches
      // `at`; the timeout's decider would then find nothing due, and nothing would arm it again.
      if (this.now() < at) this.arm(key, at, fire);
      else fire();
    }, Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    this.timers.set(key, timer);
  }

  has(key: string): boolean {
    return this.timers.has(key);
  }

  cancel(key: string): void {
    const t = this.timers.get(key);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(key);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

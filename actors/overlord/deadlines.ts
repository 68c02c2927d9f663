/**
 * The scheduler machines do not have: a timer per deadline (a waiting lock, a handoff), firing a
 * callback that appends the timeout fact. Deadlines live in the log, so a restarted overlord arms
 * them again; one already past fires at once.
 */
export class Deadlines {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly now: () => number) {}

  /** Arms (or re-arms) `key` to call `fire` at epoch ms `at`. */
  arm(key: string, at: number, fire: () => void): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      fire();
    }, Math.max(0, at - this.now()));
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

/**
 * Times at which segments must be planned again although no fact arrives (a grace period ends, a
 * failed load may be retried): a min-heap of (time, id), the latest time per id winning. Pure:
 * the actor owns the one timer, set to `next()`.
 */
export class Wakeups {
  private heap: Array<{ at: number; id: string }> = [];
  private readonly due = new Map<string, number>();

  /** Plans `id` again at `at` (an earlier pending wake-up of `id` is replaced). */
  add(id: string, at: number): void {
    if (this.due.get(id) === at) return;
    this.due.set(id, at);
    this.push({ at, id });
  }

  /** The ids due at or before `now`, removed. */
  takeDue(now: number): string[] {
    const out: string[] = [];
    while (this.heap.length > 0 && this.heap[0]!.at <= now) {
      const { at, id } = this.pop();
      if (this.due.get(id) !== at) continue;
      this.due.delete(id);
      out.push(id);
    }
    return out;
  }

  /** The earliest pending time, or null. */
  next(): number | null {
    while (this.heap.length > 0 && this.due.get(this.heap[0]!.id) !== this.heap[0]!.at) this.pop();
    return this.heap[0]?.at ?? null;
  }

  get size(): number {
    return this.due.size;
  }

  private push(e: { at: number; id: string }): void {
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): { at: number; id: string } {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

import { setImmediate as nextTick } from 'node:timers/promises';
import { ClusterState } from '../projections/cluster-state.ts';
import type { SavedCluster } from './compare.ts';
import { IllegalHistoryError } from './errors.ts';
import type { RecordSource } from './source.ts';

/** Records folded between two yields to the event loop (an actor keeps answering meanwhile). */
const PAGE = 10_000;

export type Progress = (done: number, total: number) => void;

/**
 * The whole cluster state folded from the source to any point: it moves forward from where it
 * was, and refolds from the start (or the slice's base) to go back. Killed segments leave the
 * state, so the cursor counts them on the side.
 */
export class FoldCursor {
  private state!: ClusterState;
  private killedCount = 0;

  constructor(private readonly source: RecordSource, private readonly base: SavedCluster | null) {
    this.reset();
  }

  private reset(): void {
    this.state = new ClusterState();
    if (this.base !== null) this.state.load(this.base);
    this.killedCount = 0;
    this.state.onChange((c) => {
      if (c.after === null) this.killedCount++;
    });
  }

  get position(): number {
    return this.state.position;
  }

  /** The state as it stands, when it stands at `seq` (nothing to fold); null otherwise. */
  at(seq: number): ClusterState | null {
    return this.state.position === seq ? this.state : null;
  }

  /** Segments killed since the start of the source. */
  get killed(): number {
    return this.killedCount;
  }

  /** The state as of `seq`; valid until the next call. */
  async to(seq: number, onProgress?: Progress): Promise<ClusterState> {
    if (seq < this.state.position) this.reset();
    const start = this.state.position;
    const total = seq - start;
    while (this.state.position < seq) {
      const from = this.state.position + 1;
      let folded = 0;
      for (const r of this.source.scan({ from, to: Math.min(seq, from + PAGE - 1) })) {
        foldOne(this.state, r);
        folded++;
      }
      // A filtered slice has gaps: what is not in the source is not part of its history.
      if (folded === 0 || this.state.position < Math.min(seq, from + PAGE - 1)) this.state.position = Math.min(seq, from + PAGE - 1);
      onProgress?.(this.state.position - start, total);
      if (this.state.position < seq) await nextTick();
    }
    return this.state;
  }
}

/** Folds one record, turning a fact the machines refuse into a divergence that names it. */
export function foldOne(state: ClusterState, r: Parameters<ClusterState['apply']>[0]): void {
  try {
    state.apply(r);
  } catch (e) {
    throw new IllegalHistoryError(r.seq, r.type, (e as Error).message);
  }
}

import { setImmediate as nextTick } from 'node:timers/promises';
import { ClusterState } from '../projections/cluster-state.ts';
import type { SavedCluster } from './compare.ts';
import { IllegalHistoryError } from './errors.ts';
import type { RecordSource } from './source.ts';

/** Records folded between two yields to the event loop (an actor keeps answering meanwhile). */
const PAGE = 10_000;
/** Checkpoints kept for going back; beyond it, every other one goes. */
const MAX_CHECKPOINTS = 16;

interface Checkpoint {
  state: ClusterState;
  killed: number;
}

export type Progress = (done: number, total: number) => void;

/**
 * The whole cluster state folded from the source to any point: it moves forward from where it
 * was, and to go back it starts again from the latest checkpoint before the point (or from the
 * start, or the slice's base). Checkpoints are taken while folding forward, further apart the
 * longer the history, so going back costs a bounded refold. Killed segments leave the state, so
 * the cursor counts them on the side.
 */
export class FoldCursor {
  private state!: ClusterState;
  private killedCount = 0;
  private checkpoints: Checkpoint[] = [];

  constructor(private readonly source: RecordSource, private readonly base: SavedCluster | null) {
    this.reset();
  }

  private reset(): void {
    const state = new ClusterState();
    if (this.base !== null) state.load(this.base);
    this.follow(state, 0);
  }

  private follow(state: ClusterState, killed: number): void {
    this.state = state;
    this.killedCount = killed;
    state.onChange((c) => {
      if (c.after === null) this.killedCount++;
    });
  }

  /** Goes back to the latest checkpoint at or before `seq`, or to the start. */
  private rewind(seq: number): void {
    const cp = this.checkpoints.filter((c) => c.state.position <= seq).at(-1);
    if (cp === undefined) this.reset();
    else this.follow(cp.state.clone(), cp.killed);
  }

  private checkpoint(): void {
    const last = this.checkpoints.at(-1)?.state.position ?? 0;
    if (this.state.position - last < Math.max(PAGE * 2, this.state.position / MAX_CHECKPOINTS)) return;
    this.checkpoints.push({ state: this.state.clone(), killed: this.killedCount });
    if (this.checkpoints.length > MAX_CHECKPOINTS) this.checkpoints = this.checkpoints.filter((_, i, all) => (all.length - 1 - i) % 2 === 0);
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
    if (seq < this.state.position) this.rewind(seq);
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
      this.checkpoint();
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

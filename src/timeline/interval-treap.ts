/**
 * An ordered map from intervals to values: a treap (a binary search tree kept balanced by random
 * priorities) keyed by (start, end, tie), each node also holding the greatest `end` below it so
 * that "which entries overlap [start, end)" visits only the branches that can answer.
 * Insert, remove and get are O(log n), and so is removing a run of consecutive keys; an overlap
 * query is O(log n + k) for disjoint entries and O((k + 1) log n) at worst. JavaScript has no
 * sorted map, and a timeline over a million segments cannot afford the linear splice of a
 * sorted array. Hot paths are plain recursive functions: closures cost here.
 */

export interface TreapEntry<V> {
  readonly start: number;
  readonly end: number;
  /** Tells apart entries with the same interval (a timeline's versions). */
  readonly tie: string;
  readonly value: V;
}

interface Node<V> extends TreapEntry<V> {
  readonly priority: number;
  maxEnd: number;
  size: number;
  left: Node<V> | null;
  right: Node<V> | null;
}

type Key = Pick<TreapEntry<unknown>, 'start' | 'end' | 'tie'>;

function compareKey(n: Key, k: Key): number {
  if (n.start !== k.start) return n.start < k.start ? -1 : 1;
  if (n.end !== k.end) return n.end < k.end ? -1 : 1;
  return n.tie === k.tie ? 0 : n.tie < k.tie ? -1 : 1;
}

function refresh<V>(n: Node<V>): void {
  let m = n.end;
  let size = 1;
  if (n.left !== null) {
    if (n.left.maxEnd > m) m = n.left.maxEnd;
    size += n.left.size;
  }
  if (n.right !== null) {
    if (n.right.maxEnd > m) m = n.right.maxEnd;
    size += n.right.size;
  }
  n.maxEnd = m;
  n.size = size;
}

/** Splits `n` into the keys before `k` and the rest; with `keepEqual`, `k` itself goes before. */
function split<V>(n: Node<V> | null, k: Key, keepEqual: boolean): [Node<V> | null, Node<V> | null] {
  if (n === null) return [null, null];
  const c = compareKey(n, k);
  if (c < 0 || (c === 0 && keepEqual)) {
    const [l, r] = split(n.right, k, keepEqual);
    n.right = l;
    refresh(n);
    return [n, r];
  }
  const [l, r] = split(n.left, k, keepEqual);
  n.left = r;
  refresh(n);
  return [l, n];
}

/** Joins two trees where every key of `a` comes before every key of `b`. */
function merge<V>(a: Node<V> | null, b: Node<V> | null): Node<V> | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.priority > b.priority) {
    a.right = merge(a.right, b);
    refresh(a);
    return a;
  }
  b.left = merge(a, b.left);
  refresh(b);
  return b;
}

function insertNode<V>(n: Node<V> | null, node: Node<V>): Node<V> {
  if (n === null) return node;
  if (node.priority > n.priority) {
    [node.left, node.right] = split(n, node, false);
    refresh(node);
    return node;
  }
  if (compareKey(node, n) < 0) n.left = insertNode(n.left, node);
  else n.right = insertNode(n.right, node);
  refresh(n);
  return n;
}

function collectOverlapping<V>(n: Node<V> | null, start: number, end: number, out: TreapEntry<V>[]): void {
  if (n === null || n.maxEnd <= start) return;
  collectOverlapping(n.left, start, end, out);
  if (n.start >= end) return;
  if (n.end > start) out.push(n);
  collectOverlapping(n.right, start, end, out);
}

function collectAll<V>(n: Node<V> | null, out: TreapEntry<V>[]): void {
  if (n === null) return;
  collectAll(n.left, out);
  out.push(n);
  collectAll(n.right, out);
}

export class IntervalTreap<V> {
  private root: Node<V> | null = null;

  get size(): number {
    return this.root === null ? 0 : this.root.size;
  }

  get(start: number, end: number, tie = ''): V | undefined {
    const k = { start, end, tie };
    let n = this.root;
    while (n !== null) {
      const c = compareKey(n, k);
      if (c === 0) return n.value;
      n = c > 0 ? n.left : n.right;
    }
    return undefined;
  }

  /**
   * Adds an entry. Its key (start, end, tie) must be new: the timeline knows it is, and checking
   * again would cost a second descent on every insert.
   */
  insert(start: number, end: number, tie: string, value: V): void {
    const node: Node<V> = { start, end, tie, value, priority: Math.random(), maxEnd: end, size: 1, left: null, right: null };
    this.root = insertNode(this.root, node);
  }

  /** Removes the entry with this key; returns its value, or undefined when there was none. */
  remove(start: number, end: number, tie = ''): V | undefined {
    const k = { start, end, tie };
    return this.cut(k, k)?.value;
  }

  /** Removes every entry keyed from `first` to `last`, both included, in O(log n) however many; returns how many. */
  removeBetween(first: Key, last: Key): number {
    return this.cut(first, last)?.size ?? 0;
  }

  private cut(first: Key, last: Key): Node<V> | null {
    const [before, rest] = split(this.root, first, false);
    const [between, after] = split(rest, last, true);
    this.root = merge(before, after);
    return between;
  }

  /** The entries whose interval shares an instant with [start, end), in key order. */
  overlapping(start: number, end: number): TreapEntry<V>[] {
    const out: TreapEntry<V>[] = [];
    if (start < end) collectOverlapping(this.root, start, end, out);
    return out;
  }

  /** Every entry, in key order. */
  all(): TreapEntry<V>[] {
    const out: TreapEntry<V>[] = [];
    collectAll(this.root, out);
    return out;
  }
}

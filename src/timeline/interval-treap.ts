/**
 * An ordered map from intervals to values: a treap (a binary search tree kept balanced by random
 * priorities) keyed by (start, end, tie), each node also holding the greatest `end` below it so
 * that "which entries overlap [start, end)" visits only the branches that can answer.
 * Insert, remove and get are O(log n); an overlap query is O(log n + k) for disjoint entries and
 * O((k + 1) log n) at worst. JavaScript has no sorted map, and a timeline over a million segments
 * cannot afford the linear splice of a sorted array.
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
  left: Node<V> | null;
  right: Node<V> | null;
}

function compareKey<V>(n: TreapEntry<V>, start: number, end: number, tie: string): number {
  if (n.start !== start) return n.start < start ? -1 : 1;
  if (n.end !== end) return n.end < end ? -1 : 1;
  return n.tie === tie ? 0 : n.tie < tie ? -1 : 1;
}

function refresh<V>(n: Node<V>): void {
  let m = n.end;
  if (n.left !== null && n.left.maxEnd > m) m = n.left.maxEnd;
  if (n.right !== null && n.right.maxEnd > m) m = n.right.maxEnd;
  n.maxEnd = m;
}

/** Splits `n` into the keys before (start, end, tie) and the keys from it on. */
function split<V>(n: Node<V> | null, start: number, end: number, tie: string): [Node<V> | null, Node<V> | null] {
  if (n === null) return [null, null];
  if (compareKey(n, start, end, tie) < 0) {
    const [l, r] = split(n.right, start, end, tie);
    n.right = l;
    refresh(n);
    return [n, r];
  }
  const [l, r] = split(n.left, start, end, tie);
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
    [node.left, node.right] = split(n, node.start, node.end, node.tie);
    refresh(node);
    return node;
  }
  if (compareKey(node, n.start, n.end, n.tie) < 0) n.left = insertNode(n.left, node);
  else n.right = insertNode(n.right, node);
  refresh(n);
  return n;
}

export class DuplicateKeyError extends Error {
  constructor(start: number, end: number, tie: string) {
    super(`interval tree already holds [${start}, ${end}) "${tie}"`);
    this.name = 'DuplicateKeyError';
  }
}

export class IntervalTreap<V> {
  private root: Node<V> | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(start: number, end: number, tie = ''): V | undefined {
    let n = this.root;
    while (n !== null) {
      const c = compareKey(n, start, end, tie);
      if (c === 0) return n.value;
      n = c > 0 ? n.left : n.right;
    }
    return undefined;
  }

  /** Adds an entry; its key (start, end, tie) must be new. */
  insert(start: number, end: number, tie: string, value: V): void {
    if (this.get(start, end, tie) !== undefined) throw new DuplicateKeyError(start, end, tie);
    const node: Node<V> = { start, end, tie, value, priority: Math.random(), maxEnd: end, left: null, right: null };
    this.root = insertNode(this.root, node);
    this.count++;
  }

  /** Removes the entry with this key; returns its value, or undefined when there was none. */
  remove(start: number, end: number, tie = ''): V | undefined {
    let removed: V | undefined;
    const removeFrom = (n: Node<V> | null): Node<V> | null => {
      if (n === null) return null;
      const c = compareKey(n, start, end, tie);
      if (c === 0) {
        removed = n.value;
        return merge(n.left, n.right);
      }
      if (c > 0) n.left = removeFrom(n.left);
      else n.right = removeFrom(n.right);
      refresh(n);
      return n;
    };
    this.root = removeFrom(this.root);
    if (removed !== undefined) this.count--;
    return removed;
  }

  /** The entries whose interval shares an instant with [start, end), in key order. */
  overlapping(start: number, end: number): TreapEntry<V>[] {
    const out: TreapEntry<V>[] = [];
    const visit = (n: Node<V> | null): void => {
      if (n === null || n.maxEnd <= start) return;
      visit(n.left);
      if (n.start >= end) return;
      if (n.end > start) out.push(n);
      visit(n.right);
    };
    if (start < end) visit(this.root);
    return out;
  }

  /** Every entry, in key order. */
  all(): TreapEntry<V>[] {
    const out: TreapEntry<V>[] = [];
    const visit = (n: Node<V> | null): void => {
      if (n === null) return;
      visit(n.left);
      out.push(n);
      visit(n.right);
    };
    visit(this.root);
    return out;
  }
}

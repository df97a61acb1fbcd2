import type { Transactions } from './transactions.js';

/** A frequent itemset: item ids ascending, and the number of baskets holding all of them. */
export interface FrequentItemset {
  items: number[];
  count: number;
}

export interface FpGrowthOptions {
  /** Least number of baskets (see minCountFor). */
  minCount: number;
  /** Largest itemset size (default no limit). */
  maxLen?: number;
}

/**
 * An FP-tree in typed arrays. Node 0 is the root. Items are local ids 0..nItems-1 in the order of the tree's paths (a
 * node's ancestors always have smaller ids; most frequent first); `rank[local]` is the item's rank in the first tree.
 * Node links chain every node of one item from `head[item]`; `itemCount[item]` is the sum of their counts.
 */
class FpTree {
  item: Int32Array;
  count: Int32Array;
  parent: Int32Array;
  link: Int32Array;
  /** Nodes from the root down to this one, itself included (root 0). */
  depth: Int32Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  size = 1;
  /** Some node has two children: not a single path. */
  branching = false;
  readonly head: Int32Array;
  readonly itemCount: Int32Array;

  constructor(
    readonly rank: Int32Array,
    capacity: number,
  ) {
    const cap = Math.max(2, capacity);
    this.item = new Int32Array(cap);
    this.count = new Int32Array(cap);
    this.parent = new Int32Array(cap);
    this.link = new Int32Array(cap);
    this.depth = new Int32Array(cap);
    this.firstChild = new Int32Array(cap).fill(-1);
    this.nextSibling = new Int32Array(cap).fill(-1);
    this.item[0] = -1;
    this.head = new Int32Array(rank.length).fill(-1);
    this.itemCount = new Int32Array(rank.length);
  }

  get nItems(): number {
    return this.rank.length;
  }

  private grow(): void {
    const cap = this.item.length * 2;
    const more = (a: Int32Array, fill?: number) => {
      const b = new Int32Array(cap);
      if (fill !== undefined) b.fill(fill, a.length);
      b.set(a);
      return b;
    };
    this.item = more(this.item);
    this.count = more(this.count);
    this.parent = more(this.parent);
    this.link = more(this.link);
    this.depth = more(this.depth);
    this.firstChild = more(this.firstChild, -1);
    this.nextSibling = more(this.nextSibling, -1);
  }

  /** A new child of `parent` for `item` holding `count`. */
  addNode(parent: number, item: number, count: number): number {
    if (this.size === this.item.length) this.grow();
    const n = this.size++;
    this.item[n] = item;
    this.count[n] = count;
    this.parent[n] = parent;
    this.depth[n] = this.depth[parent]! + 1;
    const sibling = this.firstChild[parent]!;
    if (sibling !== -1) this.branching = true;
    this.nextSibling[n] = sibling;
    this.firstChild[parent] = n;
    this.link[n] = this.head[item]!;
    this.head[item] = n;
    this.itemCount[item]! += count;
    return n;
  }

  /** Adds a path (ascending local ids) with a count, sharing the nodes already there. */
  insert(path: Int32Array, len: number, count: number): void {
    let node = 0;
    for (let k = 0; k < len; k++) {
      const it = path[k]!;
      let child = this.firstChild[node]!;
      while (child !== -1 && this.item[child] !== it) child = this.nextSibling[child]!;
      if (child === -1) node = this.addNode(node, it, count);
      else {
        this.count[child]! += count;
        this.itemCount[it]! += count;
        node = child;
      }
    }
  }
}

/**
 * FP-growth (Han, Pei & Yin 2000): every itemset in at least `minCount` baskets, with its exact count. Items below the
 * threshold are dropped, the rest ranked by descending count (ties by id) and each basket inserted in rank order into
 * a prefix tree. The first tree is built from the baskets sorted lexicographically, so each basket shares exactly the
 * prefix it has in common with the one before (no child search). Mining walks the items from the least frequent up:
 * the item's node links give its conditional pattern base (the paths above its nodes, with the nodes' counts), whose
 * frequent items, re-ranked by their count in the base, make the conditional tree mined recursively; a tree that is one
 * path yields every combination of its nodes directly (the count of a combination is the count of its deepest node).
 */
export function fpGrowth(tx: Transactions, options: FpGrowthOptions): FrequentItemset[] {
  const minCount = Math.max(1, Math.ceil(options.minCount));
  const maxLen = options.maxLen ?? Infinity;
  const out: FrequentItemset[] = [];
  if (maxLen < 1) return out;

  const nLabels = tx.labels.length;
  const support = new Int32Array(nLabels);
  for (let k = 0; k < tx.items.length; k++) support[tx.items[k]!]!++;
  const frequent: number[] = [];
  for (let id = 0; id < nLabels; id++) if (support[id]! >= minCount) frequent.push(id);
  frequent.sort((a, b) => support[b]! - support[a]! || a - b);
  const idOfRank = Int32Array.from(frequent);
  const rankOf = new Int32Array(nLabels).fill(-1);
  frequent.forEach((id, r) => (rankOf[id] = r));
  const nFrequent = frequent.length;

  // The baskets in rank space, then sorted lexicographically.
  const offsets = new Int32Array(tx.n + 1);
  const ranks = new Int32Array(tx.items.length);
  let w = 0;
  for (let t = 0; t < tx.n; t++) {
    const start = w;
    for (let k = tx.offsets[t]!; k < tx.offsets[t + 1]!; k++) {
      const r = rankOf[tx.items[k]!]!;
      if (r < 0) continue;
      // Insertion sort into place: baskets are short.
      let q = w++;
      while (q > start && ranks[q - 1]! > r) {
        ranks[q] = ranks[q - 1]!;
        q--;
      }
      ranks[q] = r;
    }
    offsets[t + 1] = w;
  }
  const order = new Int32Array(tx.n);
  for (let t = 0; t < tx.n; t++) order[t] = t;
  order.sort((a, b) => {
    const la = offsets[a + 1]! - offsets[a]!;
    const lb = offsets[b + 1]! - offsets[b]!;
    const m = Math.min(la, lb);
    for (let k = 0; k < m; k++) {
      const d = ranks[offsets[a]! + k]! - ranks[offsets[b]! + k]!;
      if (d !== 0) return d;
    }
    return la - lb;
  });

  const identity = new Int32Array(nFrequent);
  for (let r = 0; r < nFrequent; r++) identity[r] = r;
  const tree = new FpTree(identity, w + 1);
  // The nodes of the previous basket's path: pathNodes[k] holds its (k+1)-th item.
  const pathNodes = new Int32Array(nFrequent + 1);
  let prevStart = 0;
  let prevLen = 0;
  for (let o = 0; o < tx.n; o++) {
    const t = order[o]!;
    const start = offsets[t]!;
    const len = offsets[t + 1]! - start;
    let common = 0;
    while (common < len && common < prevLen && ranks[start + common] === ranks[prevStart + common]) common++;
    for (let k = 0; k < common; k++) {
      tree.count[pathNodes[k]!]!++;
      tree.itemCount[ranks[start + k]!]!++;
    }
    let node = common === 0 ? 0 : pathNodes[common - 1]!;
    for (let k = common; k < len; k++) {
      node = tree.addNode(node, ranks[start + k]!, 1);
      pathNodes[k] = node;
    }
    if (len > 0) {
      prevStart = start;
      prevLen = len;
    }
  }

  // Shared scratch: a conditional tree is finished before it is mined, so one set of buffers serves every depth.
  const scratchCount = new Int32Array(nFrequent);
  const scratchId = new Int32Array(nFrequent);
  const keptBuf = new Int32Array(nFrequent);
  const pathBuf = new Int32Array(nFrequent);
  const prefix = new Int32Array(Math.min(nFrequent, Number.isFinite(maxLen) ? maxLen : nFrequent) + 1);
  let prefixLen = 0;

  const emit = (count: number) => {
    const items = new Array<number>(prefixLen);
    for (let k = 0; k < prefixLen; k++) items[k] = idOfRank[prefix[k]!]!;
    items.sort((a, b) => a - b);
    out.push({ items, count });
  };

  const singlePath = (counts: Int32Array, ranksOnPath: Int32Array, k: number, from: number) => {
    for (let i = from; i < k; i++) {
      prefix[prefixLen++] = ranksOnPath[i]!;
      emit(counts[i]!);
      if (prefixLen < maxLen) singlePath(counts, ranksOnPath, k, i + 1);
      prefixLen--;
    }
  };

  // The conditional pattern base of the item being mined, read once from the tree: its paths end to end.
  let baseItems = new Int32Array(1024);
  const conditional = (t: FpTree, j: number): FpTree | null => {
    let used = 0;
    for (let n = t.head[j]!; n !== -1; n = t.link[n]!) {
      const c = t.count[n]!;
      for (let p = t.parent[n]!; p !== 0; p = t.parent[p]!) {
        const it = t.item[p]!;
        scratchCount[it]! += c;
        if (used === baseItems.length) {
          const grown = new Int32Array(used * 2);
          grown.set(baseItems);
          baseItems = grown;
        }
        baseItems[used++] = it;
      }
    }
    // The items frequent in the base, re-ranked by their count in it (most frequent first: better sharing).
    let m = 0;
    for (let k = 0; k < j; k++) if (scratchCount[k]! >= minCount) keptBuf[m++] = k;
    if (m === 0) {
      scratchCount.fill(0, 0, j);
      return null;
    }
    const kept = keptBuf.subarray(0, m);
    kept.sort();
    if (m > 1) {
      const order = Array.from(kept).sort((a, b) => scratchCount[b]! - scratchCount[a]! || a - b);
      for (let i = 0; i < m; i++) kept[i] = order[i]!;
    }
    const rank = new Int32Array(m);
    scratchId.fill(-1, 0, j);
    for (let i = 0; i < m; i++) {
      scratchId[kept[i]!] = i;
      rank[i] = t.rank[kept[i]!]!;
    }
    scratchCount.fill(0, 0, j);
    const cond = new FpTree(rank, 16);
    // The same walk again, over the copy: node n's path is its depth − 1 items, which the copy holds in walk order.
    let at = 0;
    for (let n = t.head[j]!; n !== -1; n = t.link[n]!) {
      let len = 0;
      const end = at + t.depth[n]! - 1;
      for (; at < end; at++) {
        const id = scratchId[baseItems[at]!]!;
        if (id >= 0) {
          // Insertion sort: paths are short.
          let q = len++;
          while (q > 0 && pathBuf[q - 1]! > id) {
            pathBuf[q] = pathBuf[q - 1]!;
            q--;
          }
          pathBuf[q] = id;
        }
      }
      if (len > 0) cond.insert(pathBuf, len, t.count[n]!);
    }
    return cond;
  };

  const mine = (t: FpTree) => {
    if (!t.branching) {
      // One path: its nodes from the root down (one node per item, counts non-increasing).
      const k = t.size - 1;
      const counts = new Int32Array(k);
      const onPath = new Int32Array(k);
      let n = t.firstChild[0]!;
      for (let i = 0; i < k; i++) {
        counts[i] = t.count[n]!;
        onPath[i] = t.rank[t.item[n]!]!;
        n = t.firstChild[n]!;
      }
      singlePath(counts, onPath, k, 0);
      return;
    }
    for (let j = t.nItems - 1; j >= 0; j--) {
      prefix[prefixLen++] = t.rank[j]!;
      emit(t.itemCount[j]!);
      if (prefixLen < maxLen) {
        const cond = conditional(t, j);
        if (cond) mine(cond);
      }
      prefixLen--;
    }
  };

  if (nFrequent > 0) mine(tree);
  return out;
}

/**
 * Baskets encoded for mining: every distinct item gets an integer id (labels sorted — numerically when every label is
 * a whole number, as in FIMI files, else by code point), and the baskets are one flat array of ids with offsets
 * (compressed sparse rows). A basket is a set: an item written twice in one basket counts once.
 */
export interface Transactions {
  /** Item labels; an item's id is its index here. */
  readonly labels: readonly string[];
  /** Basket b holds `items[offsets[b] .. offsets[b + 1])`, ascending ids, no repeats. */
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  /** Number of baskets, empty ones included (they count in N for support). */
  readonly n: number;
}

const INTEGER = /^(0|[1-9][0-9]*)$/;

/** Sorts labels: numerically when all are whole numbers, else by UTF-16 code units (arules sorts items alphabetically too). */
function labelOrder(labels: string[]): string[] {
  if (labels.every((l) => INTEGER.test(l) && l.length < 16)) return [...labels].sort((a, b) => Number(a) - Number(b));
  return [...labels].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Builds {@link Transactions} from baskets of item labels (SKUs, product ids, category names — any string). */
export function encodeBaskets(baskets: Iterable<Iterable<string>>): Transactions {
  const firstId = new Map<string, number>();
  const seen: string[] = [];
  let offsets = new Int32Array(1024);
  let items = new Int32Array(8192);
  let n = 0;
  let len = 0;
  const basket: number[] = [];
  for (const b of baskets) {
    basket.length = 0;
    for (const label of b) {
      let id = firstId.get(label);
      if (id === undefined) {
        id = seen.length;
        firstId.set(label, id);
        seen.push(label);
      }
      basket.push(id);
    }
    if (len + basket.length > items.length) {
      const grown = new Int32Array(Math.max(items.length * 2, len + basket.length));
      grown.set(items);
      items = grown;
    }
    for (const id of basket) items[len++] = id;
    n++;
    if (n + 1 > offsets.length) {
      const grown = new Int32Array(offsets.length * 2);
      grown.set(offsets);
      offsets = grown;
    }
    offsets[n] = len;
  }
  // Re-number by label order, then sort each basket and drop repeats.
  const labels = labelOrder(seen);
  const remap = new Int32Array(seen.length);
  labels.forEach((l, i) => (remap[firstId.get(l)!] = i));
  const outItems = new Int32Array(len);
  const outOffsets = new Int32Array(n + 1);
  let w = 0;
  for (let t = 0; t < n; t++) {
    const start = w;
    for (let k = offsets[t]!; k < offsets[t + 1]!; k++) outItems[w++] = remap[items[k]!]!;
    const view = outItems.subarray(start, w).sort();
    let u = start;
    for (let k = 0; k < view.length; k++) if (k === 0 || view[k] !== view[k - 1]) outItems[u++] = view[k]!;
    w = u;
    outOffsets[t + 1] = w;
  }
  return { labels, offsets: outOffsets, items: outItems.slice(0, w), n };
}

/** The baskets back as arrays of item ids (tests, baselines). */
export function basketsOf(tx: Transactions): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < tx.n; t++) out.push(Array.from(tx.items.subarray(tx.offsets[t]!, tx.offsets[t + 1]!)));
  return out;
}

/**
 * The least basket count a support threshold s (a fraction of N) asks for: the smallest integer c with c ≥ s × N,
 * i.e. `ceil(s × N)`, except that a product within 1e-9 (relative) of a whole number is taken as that whole number —
 * 0.3 × 10 is 3.0000000000000004 in floating point and must ask for 3, not 4. arules keeps itemsets with
 * support ≥ minsupport (count / N ≥ s), which is the same set: on Groceries s = 0.001 gives 9.835 → 10 (arules prints
 * "Absolute minimum support count: 9", the floor, but its smallest rule support is 0.001017 = 10/9835, and 157 of the
 * 169 items survive, the items with ≥ 10 baskets; "liqueur", in 9, is left out).
 */
export function minCountFor(minSupport: number, n: number): number {
  if (!(minSupport >= 0 && minSupport <= 1)) throw new RangeError(`minimum support must be between 0 and 1, got ${minSupport}`);
  const raw = minSupport * n;
  const near = Math.round(raw);
  const c = Math.abs(raw - near) <= 1e-9 * Math.max(1, raw) ? near : Math.ceil(raw);
  return Math.max(1, c);
}

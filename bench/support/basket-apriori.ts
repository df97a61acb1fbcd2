import type { FrequentItemset, Transactions } from '../../src/modules/basket/index.js';

/**
 * The baseline for bench/basket.bench.ts: plain level-wise Apriori (Agrawal & Srikant 1994). Level 1 counts the items;
 * level k joins two frequent (k−1)-itemsets that share their first k−2 items, keeps a candidate only when all its
 * (k−1)-subsets are frequent, and counts the candidates by enumerating every k-subset of each basket (restricted to the
 * items still in some frequent (k−1)-itemset) and looking it up in a hash set. Itemsets are keyed by a string of
 * char codes of the items' ranks. Exact counts, the same itemsets as FP-growth.
 */
export function apriori(tx: Transactions, minCount: number, maxLen = Infinity): FrequentItemset[] {
  const nLabels = tx.labels.length;
  const support = new Int32Array(nLabels);
  for (let k = 0; k < tx.items.length; k++) support[tx.items[k]!]!++;
  const frequentIds: number[] = [];
  for (let id = 0; id < nLabels; id++) if (support[id]! >= minCount) frequentIds.push(id);
  const out: FrequentItemset[] = frequentIds.map((id) => ({ items: [id], count: support[id]! }));
  // Items as ranks 0..F−1 (in id order, so ranks ascend with ids); keys are strings of char codes.
  const rankOf = new Int32Array(nLabels).fill(-1);
  frequentIds.forEach((id, r) => (rankOf[id] = r));
  const baskets: number[][] = [];
  for (let t = 0; t < tx.n; t++) {
    const b: number[] = [];
    for (let k = tx.offsets[t]!; k < tx.offsets[t + 1]!; k++) if (rankOf[tx.items[k]!]! >= 0) b.push(rankOf[tx.items[k]!]!);
    if (b.length > 1) baskets.push(b);
  }
  let level: number[][] = frequentIds.map((_, r) => [r]);
  for (let k = 2; k <= maxLen && level.length > 1; k++) {
    const previous = new Set(level.map((s) => String.fromCharCode(...s)));
    const candidates = new Map<string, number>();
    for (let i = 0; i < level.length; i++) {
      const a = level[i]!;
      for (let j = i + 1; j < level.length; j++) {
        const b = level[j]!;
        let samePrefix = true;
        for (let p = 0; p < k - 2; p++) if (a[p] !== b[p]) samePrefix = false;
        if (!samePrefix) break; // level is sorted: no later b shares the prefix either
        const c = [...a, b[k - 2]!];
        let allFrequent = true;
        for (let drop = 0; drop < k - 2 && allFrequent; drop++) allFrequent = previous.has(String.fromCharCode(...c.filter((_, q) => q !== drop)));
        if (allFrequent) candidates.set(String.fromCharCode(...c), 0);
      }
    }
    if (candidates.size === 0) break;
    const inLevel = new Uint8Array(frequentIds.length);
    for (const s of level) for (const r of s) inLevel[r] = 1;
    const pick = new Array<number>(k);
    for (const basket of baskets) {
      const b = basket.filter((r) => inLevel[r] === 1);
      if (b.length < k) continue;
      // Every k-subset of b (b ascending), looked up among the candidates.
      const choose = (from: number, depth: number) => {
        for (let i = from; i <= b.length - (k - depth); i++) {
          pick[depth] = b[i]!;
          if (depth === k - 1) {
            const key = String.fromCharCode(...pick);
            const c = candidates.get(key);
            if (c !== undefined) candidates.set(key, c + 1);
          } else choose(i + 1, depth + 1);
        }
      };
      choose(0, 0);
    }
    level = [];
    for (const [key, count] of candidates) {
      if (count < minCount) continue;
      const ranks = Array.from(key, (ch) => ch.charCodeAt(0));
      level.push(ranks);
      out.push({ items: ranks.map((r) => frequentIds[r]!), count });
    }
    level.sort((x, y) => {
      for (let p = 0; p < k; p++) if (x[p] !== y[p]) return x[p]! - y[p]!;
      return 0;
    });
  }
  return out;
}

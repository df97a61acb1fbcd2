import type { FrequentItemset } from './fpgrowth.js';

/** An association rule X ⇒ {y} over item ids, with its counts and measures (see README "Measures"). */
export interface RuleById {
  lhs: number[];
  rhs: number;
  /** Baskets holding X ∪ {y}. */
  count: number;
  /** Baskets holding X (N when X is empty). */
  lhsCount: number;
  /** Baskets holding y. */
  rhsCount: number;
}

export interface RuleOptions {
  /** Least confidence, 0..1. */
  minConfidence: number;
  /** Least number of items in the whole rule (X and y together); 1 allows rules with an empty X, as arules. Default 1. */
  minLen?: number;
  /** Most items in the whole rule. Default 10, as arules. */
  maxLen?: number;
}

/** Rule measures from counts; conviction is Infinity when the confidence is 1. */
export interface Measures {
  support: number;
  confidence: number;
  coverage: number;
  lift: number;
  leverage: number;
  conviction: number;
}

/**
 * From counts, each measure is one division of exact integer products (while they stay below 2^53), so rules whose
 * measures are equal as fractions get equal floating-point values and rank as ties.
 */
export function measures(count: number, lhsCount: number, rhsCount: number, n: number): Measures {
  return {
    support: count / n,
    confidence: count / lhsCount,
    coverage: lhsCount / n,
    lift: (count * n) / (lhsCount * rhsCount),
    leverage: (count * n - lhsCount * rhsCount) / (n * n),
    conviction: count === lhsCount ? Infinity : ((n - rhsCount) * lhsCount) / (n * (lhsCount - count)),
  };
}

/** Counts of the frequent itemsets by their items (ascending ids): a prefix tree of maps. */
export class ItemsetCounts {
  private readonly root = new Map<number, Node>();

  constructor(itemsets: Iterable<FrequentItemset>) {
    for (const s of itemsets) {
      let level = this.root;
      let node: Node | undefined;
      for (const it of s.items) {
        node = level.get(it);
        if (!node) level.set(it, (node = { count: -1, next: new Map() }));
        level = node.next;
      }
      if (node) node.count = s.count;
    }
  }

  /** The count of an itemset given by ascending ids, skipping position `skip` (-1 for none); -1 when not frequent. */
  get(items: readonly number[], skip = -1): number {
    let level = this.root;
    let node: Node | undefined;
    for (let k = 0; k < items.length; k++) {
      if (k === skip) continue;
      node = level.get(items[k]!);
      if (!node) return -1;
      level = node.next;
    }
    return node ? node.count : -1;
  }
}
interface Node {
  count: number;
  next: Map<number, Node>;
}

/**
 * Rules with one item on the right, as arules' apriori makes them: for every frequent itemset Z with
 * minLen ≤ |Z| ≤ maxLen and every y in Z, X = Z \ {y} ⇒ {y} when count(Z) / count(X) ≥ minConfidence. With minLen ≤ 1
 * the single items give rules with an empty left side, {} ⇒ {y}, of confidence support(y). count(X) comes from the
 * itemsets themselves (every subset of a frequent itemset is frequent). The confidence test is made on the counts,
 * count(Z) ≥ minConfidence × count(X), with a relative tolerance of 1e-12 against floating-point error in the product.
 */
export function generateRules(itemsets: readonly FrequentItemset[], n: number, options: RuleOptions): RuleById[] {
  const minLen = Math.max(1, options.minLen ?? 1);
  const maxLen = options.maxLen ?? 10;
  const minConfidence = options.minConfidence;
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new RangeError(`minimum confidence must be between 0 and 1, got ${minConfidence}`);
  const counts = new ItemsetCounts(itemsets);
  const passes = (count: number, lhsCount: number) => count >= minConfidence * lhsCount * (1 - 1e-12);
  const rules: RuleById[] = [];
  for (const z of itemsets) {
    const size = z.items.length;
    if (size < minLen || size > maxLen) continue;
    if (size === 1) {
      if (passes(z.count, n)) rules.push({ lhs: [], rhs: z.items[0]!, count: z.count, lhsCount: n, rhsCount: z.count });
      continue;
    }
    for (let k = 0; k < size; k++) {
      const lhsCount = counts.get(z.items, k);
      if (lhsCount < 0) throw new Error(`itemset ${z.items.join(',')} has a subset that is not frequent: the itemsets are not closed downwards`);
      if (!passes(z.count, lhsCount)) continue;
      const rhs = z.items[k]!;
      rules.push({ lhs: z.items.filter((_, i) => i !== k), rhs, count: z.count, lhsCount, rhsCount: counts.get([rhs]) });
    }
  }
  return rules;
}

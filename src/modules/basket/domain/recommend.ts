import { sortRules, type Itemset, type Rule, type RuleSort } from './mine.js';

/**
 * Recommendations read off a mined rule set or itemset list. Pure: they take the rules / itemsets (from a file today,
 * from orders.line_facts later) and item ids (any string: SKU, product id, category), and rank deterministically.
 */

export interface RankOptions {
  /** Ranking measure, descending; ties by the other measures, then count, then labels. Default lift. */
  by?: RuleSort;
  /** Most results (default all). */
  limit?: number;
}

/** One item recommended next to another, with the rule that says so. */
export interface Recommendation {
  item: string;
  /** The rule's left side: "because the basket has …". */
  because: string[];
  count: number;
  support: number;
  confidence: number;
  lift: number;
}

const recommendation = (r: Rule): Recommendation => ({ item: r.rhs, because: r.lhs, count: r.count, support: r.support, confidence: r.confidence, lift: r.lift });
const take = <T>(xs: T[], limit: number | undefined) => (limit === undefined ? xs : xs.slice(0, Math.max(0, limit)));

/**
 * Frequently bought together with `item`: the rules {item} ⇒ {y}, one per partner y, ranked (default by lift). Its
 * confidence is the share of the item's baskets that also hold y; support the share of all baskets holding both.
 */
export function frequentlyBoughtTogether(rules: readonly Rule[], item: string, o: RankOptions = {}): Recommendation[] {
  const mine = rules.filter((r) => r.lhs.length === 1 && r.lhs[0] === item);
  return take(sortRules(mine, o.by ?? 'lift').map(recommendation), o.limit);
}

/**
 * Cross-sell for a cart: the rules whose left side is inside the cart (not empty) and whose right side is not in it;
 * each item suggested once, by its best rule under the ranking (default lift), then ranked.
 */
export function crossSell(rules: readonly Rule[], cart: readonly string[], o: RankOptions = {}): Recommendation[] {
  const inCart = new Set(cart);
  const fits = rules.filter((r) => r.lhs.length > 0 && !inCart.has(r.rhs) && r.lhs.every((i) => inCart.has(i)));
  const best = new Map<string, Rule>();
  for (const r of sortRules(fits, o.by ?? 'lift')) if (!best.has(r.rhs)) best.set(r.rhs, r);
  return take([...best.values()].map(recommendation), o.limit);
}

/** A bundle: items often bought together, with lift against buying them independently. */
export interface Bundle {
  items: string[];
  count: number;
  support: number;
  /** support(S) / ∏ support(i): 1 = as often as chance, 2 = twice as often. */
  lift: number;
}

export interface BundleOptions {
  /** Fewest and most items in a bundle (default 2 and 3). */
  minSize?: number;
  maxSize?: number;
  /** Leave out bundles with lift below this (default none). */
  minLift?: number;
  /** Ranking: lift (default; ties by support) or support (ties by lift). */
  by?: 'lift' | 'support';
  limit?: number;
}

/**
 * Bundle suggestions from frequent itemsets of 2–3 items (by default) out of N baskets, each with its support and its
 * lift against independence. The single items' supports come from the same itemset list (every item of a frequent itemset is
 * frequent, so it is there when the list is complete).
 */
export function bundles(itemsets: readonly Itemset[], n: number, o: BundleOptions = {}): Bundle[] {
  const minSize = o.minSize ?? 2;
  const maxSize = o.maxSize ?? 3;
  const single = new Map<string, number>();
  for (const s of itemsets) if (s.items.length === 1) single.set(s.items[0]!, s.count);
  const out: Bundle[] = [];
  for (const s of itemsets) {
    if (s.items.length < minSize || s.items.length > maxSize) continue;
    // count · N^(k−1) / ∏ count(i) = support(S) / ∏ support(i), in integers as far as they go.
    let expected = 1;
    for (const i of s.items) {
      const c = single.get(i);
      if (c === undefined) throw new Error(`bundles: the itemsets have {${s.items.join(',')}} but not {${i}}; pass every frequent itemset`);
      expected *= c;
    }
    const lift = (s.count * n ** (s.items.length - 1)) / expected;
    if (o.minLift !== undefined && lift < o.minLift) continue;
    out.push({ items: s.items, count: s.count, support: s.support, lift });
  }
  const by = o.by ?? 'lift';
  out.sort((a, b) => (by === 'lift' ? b.lift - a.lift || b.support - a.support : b.support - a.support || b.lift - a.lift) || (a.items.join('\u0000') < b.items.join('\u0000') ? -1 : 1));
  return take(out, o.limit);
}

import { fpGrowth } from './fpgrowth.js';
import { generateRules, measures, type Measures } from './rules.js';
import { minCountFor, type Transactions } from './transactions.js';

/** A frequent itemset by item label (labels ascending as in the transactions' dictionary). */
export interface Itemset {
  items: string[];
  count: number;
  support: number;
}

/** A rule lhs ⇒ {rhs} by item label, with its counts and measures. */
export interface Rule extends Measures {
  lhs: string[];
  rhs: string;
  count: number;
}

export interface ItemsetMining {
  /** Baskets. */
  n: number;
  /** Least basket count: ceil(minSupport × N) (see minCountFor). */
  minCount: number;
  itemsets: Itemset[];
}

export interface RuleMining extends ItemsetMining {
  rules: Rule[];
}

export interface MiningOptions {
  minSupport: number;
  /** Largest itemset mined; for rules the most items in a rule. Default 10 (arules' maxlen). */
  maxLen?: number;
}

export interface RuleMiningOptions extends MiningOptions {
  minConfidence: number;
  /** Least items in a rule, left and right sides together (arules' minlen); default 1, which allows {} ⇒ {y}. */
  minLen?: number;
}

/** Frequent itemsets by FP-growth, labelled, largest support first (ties: fewer items, then labels). */
export function mineItemsets(tx: Transactions, o: MiningOptions): ItemsetMining {
  const minCount = minCountFor(o.minSupport, tx.n);
  const found = fpGrowth(tx, { minCount, maxLen: o.maxLen ?? 10 });
  const itemsets = found.map((s) => ({ items: s.items.map((i) => tx.labels[i]!), count: s.count, support: s.count / tx.n, ids: s.items }));
  itemsets.sort((a, b) => b.count - a.count || a.ids.length - b.ids.length || compareIds(a.ids, b.ids));
  return { n: tx.n, minCount, itemsets: itemsets.map(({ items, count, support }) => ({ items, count, support })) };
}

const compareIds = (a: readonly number[], b: readonly number[]) => {
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
  return a.length - b.length;
};

/** Rules (one item on the right, arules semantics) from the FP-growth itemsets, labelled, in mining order. */
export function mineRules(tx: Transactions, o: RuleMiningOptions): RuleMining {
  const minCount = minCountFor(o.minSupport, tx.n);
  const maxLen = o.maxLen ?? 10;
  const found = fpGrowth(tx, { minCount, maxLen });
  const byId = generateRules(found, tx.n, { minConfidence: o.minConfidence, minLen: o.minLen ?? 1, maxLen });
  const rules = byId.map((r) => ({ lhs: r.lhs.map((i) => tx.labels[i]!), rhs: tx.labels[r.rhs]!, count: r.count, ...measures(r.count, r.lhsCount, r.rhsCount, tx.n) }));
  const itemsets = found.map((s) => ({ items: s.items.map((i) => tx.labels[i]!), count: s.count, support: s.count / tx.n }));
  return { n: tx.n, minCount, itemsets, rules };
}

export type RuleSort = 'lift' | 'confidence' | 'support';

/** Orders rules by one measure, descending, then the other two, then count, then labels: the same input gives the same order. */
export function sortRules(rules: readonly Rule[], by: RuleSort): Rule[] {
  const keys: RuleSort[] = by === 'lift' ? ['lift', 'confidence', 'support'] : by === 'confidence' ? ['confidence', 'lift', 'support'] : ['support', 'lift', 'confidence'];
  return [...rules].sort((a, b) => {
    for (const k of keys) if (a[k] !== b[k]) return b[k] - a[k];
    return ruleKey(a) < ruleKey(b) ? -1 : ruleKey(a) > ruleKey(b) ? 1 : 0;
  });
}

/** `{a,b} => {c}` as arules prints it. */
export const formatRule = (r: Pick<Rule, 'lhs' | 'rhs'>) => `{${r.lhs.join(',')}} => {${r.rhs}}`;
const ruleKey = (r: Rule) => `${r.lhs.join('\u0000')}\u0001${r.rhs}`;

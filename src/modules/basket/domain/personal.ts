import { fpGrowth } from './fpgrowth.js';
import { generateRules } from './rules.js';
import { encodeBaskets, minCountFor } from './transactions.js';

/**
 * Personal recommendations: the next products for one customer from their own history, read off a model built once
 * from everyone's dated baskets — association rules (FP-growth), item-to-item cosine similarity (top-k neighbours per
 * item) and popularity — with each item's typical repurchase interval deciding whether something already bought is due
 * again. Every suggestion carries its reason. See README "Personal recommendations".
 */

/** One basket of one customer on one day (days since 1970-01-01; business dates). */
export interface DatedBasket {
  customer: string;
  day: number;
  items: readonly string[];
}

export interface ModelOptions {
  /** Rules: least share of baskets holding the whole rule (default 0.005). */
  minSupport?: number;
  /** Rules: least confidence (default 0.1). */
  minConfidence?: number;
  /** Rules: most items, both sides (default 3: left sides of one or two items). */
  maxRuleLen?: number;
  /** Similar items kept per item (default 20). */
  neighbours?: number;
  /** Least baskets (or customers) holding both items for a similarity to count (default 2). */
  minCoCount?: number;
  /** What the cosine is computed over: the baskets (default) or the customers' item sets. */
  similarity?: 'baskets' | 'customers';
  /** An item has a repurchase interval when at least this many customers bought it on two days or more (default 3). */
  minRepeatBuyers?: number;
}

export interface RecommendOptions {
  /** The day recommendations are made on (days since 1970-01-01). */
  asOf: number;
  /** Most recommendations (default 10). */
  limit?: number;
  /** Items bought within this many days before asOf are left out unless due again (default 365). */
  excludeDays?: number;
  /** How many of the customer's most recently bought distinct items feed the rules and similarities (default 20). */
  recentItems?: number;
}

export type ReasonKind = 'rule' | 'similar' | 'popular' | 'due_again';

/** One recommended item with its reason: the items it is recommended because of, and the score it ranked by. */
export interface PersonalRecommendation {
  item: string;
  kind: ReasonKind;
  /** rule: the left side; similar: the item bought it is most like; due_again: the item itself; popular: none. */
  because: string[];
  /** rule: confidence × (1 − 1/lift); similar: cosine; due_again: the item's repeat rate; popular: its support. */
  score: number;
}

interface RuleEntry {
  lhs: Int32Array;
  rhs: number;
  score: number;
}

/** A built model: everything a recommendation needs, indexed by integer item ids. */
export interface PersonalModel {
  readonly labels: readonly string[];
  readonly ids: ReadonlyMap<string, number>;
  /** Baskets; and per item, the baskets holding it. */
  readonly n: number;
  readonly itemCount: Int32Array;
  /** Item ids by descending basket count, ties by id. */
  readonly popular: Int32Array;
  /** Rules indexed by the smallest id of their left side. */
  readonly rulesByFirst: ReadonlyMap<number, RuleEntry[]>;
  readonly ruleCount: number;
  /** Item i's neighbours: nbItems/nbScores[nbOffsets[i] .. nbOffsets[i + 1]), best first. */
  readonly nbOffsets: Int32Array;
  readonly nbItems: Int32Array;
  readonly nbScores: Float64Array;
  /** Median days between repeat purchases (NaN: not a consumable); share of the item's buyers who bought it again. */
  readonly interval: Float64Array;
  readonly repeatRate: Float64Array;
  /** Each customer's items with the day last bought, most recent first (ties by id). */
  readonly histories: ReadonlyMap<string, { items: Int32Array; last: Int32Array }>;
  readonly firstDay: number;
  readonly lastDay: number;
}

/** Days since 1970-01-01 of the date a value starts with (YYYY-MM-DD, time after it ignored); NaN when it does not. */
export function dayOf(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return NaN;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).getUTCDate() === Number(m[3]) ? t / 86_400_000 : NaN;
}

export const dateOf = (day: number) => new Date(day * 86_400_000).toISOString().slice(0, 10);

const median = (xs: number[]) => {
  xs.sort((a, b) => a - b);
  const h = xs.length >> 1;
  return xs.length % 2 ? xs[h]! : (xs[h - 1]! + xs[h]!) / 2;
};

/**
 * Top-k cosine neighbours per item over sets of items given as CSR (offsets/items, ascending ids): cos(x, y) =
 * |sets with x and y| / √(|sets with x| · |sets with y|). Each item's co-counts are gathered in one dense scratch array
 * through an inverted index, so the cost is Σ |set|² and the memory one array of the item count.
 */
function neighbourhoods(nItems: number, offsets: Int32Array, items: Int32Array, k: number, minCo: number) {
  const nSets = offsets.length - 1;
  const count = new Int32Array(nItems);
  for (let p = 0; p < items.length; p++) count[items[p]!]!++;
  const invOff = new Int32Array(nItems + 1);
  for (let i = 0; i < nItems; i++) invOff[i + 1] = invOff[i]! + count[i]!;
  const inv = new Int32Array(items.length);
  const fill = invOff.slice(0, nItems);
  for (let s = 0; s < nSets; s++) for (let p = offsets[s]!; p < offsets[s + 1]!; p++) inv[fill[items[p]!]!++] = s;
  const co = new Int32Array(nItems);
  const touched: number[] = [];
  const nbOffsets = new Int32Array(nItems + 1);
  const outItems: number[] = [];
  const outScores: number[] = [];
  const cand: { y: number; s: number }[] = [];
  for (let x = 0; x < nItems; x++) {
    for (let q = invOff[x]!; q < invOff[x + 1]!; q++) {
      const s = inv[q]!;
      for (let p = offsets[s]!; p < offsets[s + 1]!; p++) {
        const y = items[p]!;
        if (y === x) continue;
        if (co[y] === 0) touched.push(y);
        co[y]!++;
      }
    }
    cand.length = 0;
    for (const y of touched) {
      if (co[y]! >= minCo) cand.push({ y, s: co[y]! / Math.sqrt(count[x]! * count[y]!) });
      co[y] = 0;
    }
    touched.length = 0;
    cand.sort((a, b) => b.s - a.s || a.y - b.y);
    for (let j = 0; j < Math.min(k, cand.length); j++) {
      outItems.push(cand[j]!.y);
      outScores.push(cand[j]!.s);
    }
    nbOffsets[x + 1] = outItems.length;
  }
  return { nbOffsets, nbItems: Int32Array.from(outItems), nbScores: Float64Array.from(outScores) };
}

/** Builds the model from dated baskets (any order). An item twice in a basket counts once. */
export function buildModel(baskets: readonly DatedBasket[], o: ModelOptions = {}): PersonalModel {
  const tx = encodeBaskets(baskets.map((b) => b.items));
  const nItems = tx.labels.length;
  const ids = new Map(tx.labels.map((l, i) => [l, i]));
  const itemCount = new Int32Array(nItems);
  for (let p = 0; p < tx.items.length; p++) itemCount[tx.items[p]!]!++;
  const popular = Int32Array.from({ length: nItems }, (_, i) => i).sort((a, b) => itemCount[b]! - itemCount[a]! || a - b);

  const minCount = minCountFor(o.minSupport ?? 0.005, tx.n);
  const maxLen = o.maxRuleLen ?? 3;
  const found = fpGrowth(tx, { minCount, maxLen });
  const rules = generateRules(found, tx.n, { minConfidence: o.minConfidence ?? 0.1, minLen: 2, maxLen });
  const rulesByFirst = new Map<number, RuleEntry[]>();
  let ruleCount = 0;
  for (const r of rules) {
    const confidence = r.count / r.lhsCount;
    const lift = (r.count * tx.n) / (r.lhsCount * r.rhsCount);
    // confidence × (1 − 1/lift) = confidence − support(y): how much the left side raises the chance of y.
    if (lift <= 1) continue;
    const entry = { lhs: Int32Array.from(r.lhs), rhs: r.rhs, score: confidence - r.rhsCount / tx.n };
    const list = rulesByFirst.get(r.lhs[0]!);
    if (list) list.push(entry);
    else rulesByFirst.set(r.lhs[0]!, [entry]);
    ruleCount++;
  }

  // Per customer: baskets by day; the repeat gaps per item; the customer's item set; the day each item was last bought.
  const byCustomer = new Map<string, number[]>();
  baskets.forEach((b, t) => {
    const list = byCustomer.get(b.customer);
    if (list) list.push(t);
    else byCustomer.set(b.customer, [t]);
  });
  const gaps: number[][] = Array.from({ length: nItems }, () => []);
  const buyers = new Int32Array(nItems);
  const repeaters = new Int32Array(nItems);
  const histories = new Map<string, { items: Int32Array; last: Int32Array }>();
  const custOffsets = new Int32Array(byCustomer.size + 1);
  const custItems: number[] = [];
  let firstDay = Infinity;
  let lastDay = -Infinity;
  const lastSeen = new Int32Array(nItems).fill(-1);
  const repeated = new Uint8Array(nItems);
  let c = 0;
  for (const [customer, list] of byCustomer) {
    list.sort((a, b) => baskets[a]!.day - baskets[b]!.day || a - b);
    const mine: number[] = [];
    for (const t of list) {
      const day = baskets[t]!.day;
      if (day < firstDay) firstDay = day;
      if (day > lastDay) lastDay = day;
      for (let p = tx.offsets[t]!; p < tx.offsets[t + 1]!; p++) {
        const i = tx.items[p]!;
        const prev = lastSeen[i]!;
        if (prev < 0) mine.push(i);
        else if (day > prev) {
          gaps[i]!.push(day - prev);
          repeated[i] = 1;
        }
        lastSeen[i] = day;
      }
    }
    mine.sort((a, b) => lastSeen[b]! - lastSeen[a]! || a - b);
    histories.set(customer, { items: Int32Array.from(mine), last: Int32Array.from(mine, (i) => lastSeen[i]!) });
    for (const i of mine) {
      buyers[i]!++;
      if (repeated[i]) repeaters[i]!++;
      lastSeen[i] = -1;
      repeated[i] = 0;
    }
    const sorted = [...mine].sort((a, b) => a - b);
    for (const i of sorted) custItems.push(i);
    custOffsets[++c] = custItems.length;
  }
  const minRepeat = o.minRepeatBuyers ?? 3;
  const interval = new Float64Array(nItems).fill(NaN);
  const repeatRate = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    repeatRate[i] = buyers[i]! ? repeaters[i]! / buyers[i]! : 0;
    if (repeaters[i]! >= minRepeat) interval[i] = median(gaps[i]!);
  }

  const k = o.neighbours ?? 20;
  const minCo = o.minCoCount ?? 2;
  const nb = o.similarity === 'customers' ? neighbourhoods(nItems, custOffsets, Int32Array.from(custItems), k, minCo) : neighbourhoods(nItems, tx.offsets, tx.items, k, minCo);
  return {
    labels: tx.labels,
    ids,
    n: tx.n,
    itemCount,
    popular,
    rulesByFirst,
    ruleCount,
    ...nb,
    interval,
    repeatRate,
    histories,
    firstDay: Number.isFinite(firstDay) ? firstDay : 0,
    lastDay: Number.isFinite(lastDay) ? lastDay : 0,
  };
}

const KIND_ORDER: Record<ReasonKind, number> = { rule: 0, similar: 1, due_again: 2, popular: 3 };

interface Candidate {
  item: number;
  kind: ReasonKind;
  because: number[];
  score: number;
}

/** Is `a` the better reason for the same item: higher score, then rule before similar before due again, then because ids. */
function better(a: Candidate, b: Candidate): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] < KIND_ORDER[b.kind];
  for (let k = 0; k < Math.min(a.because.length, b.because.length); k++) if (a.because[k] !== b.because[k]) return a.because[k]! < b.because[k]!;
  return a.because.length < b.because.length;
}

/**
 * Item ids the customer should not be offered (bought within `excludeDays` and not due) and the items due again,
 * from their history as of `asOf`.
 */
function screen(m: PersonalModel, h: { items: Int32Array; last: Int32Array } | undefined, asOf: number, excludeDays: number) {
  const excluded = new Set<number>();
  const due: Candidate[] = [];
  if (!h) return { excluded, due };
  for (let j = 0; j < h.items.length; j++) {
    const i = h.items[j]!;
    const since = asOf - h.last[j]!;
    const interval = m.interval[i]!;
    if (!Number.isNaN(interval) && since >= interval) due.push({ item: i, kind: 'due_again', because: [i], score: m.repeatRate[i]! });
    else if (since < excludeDays) excluded.add(i);
  }
  return { excluded, due };
}

/**
 * Recommendations for a customer of the model (an unknown one gets the popular items). Candidates: the right side of
 * every rule whose left side is among the customer's recent items, each recent item's neighbours, and the items due
 * again; each item once, by its best reason; ranked by score, ties by item id; popular items fill what is left.
 */
export function recommendFor(m: PersonalModel, customer: string, o: RecommendOptions): PersonalRecommendation[] {
  const limit = o.limit ?? 10;
  const h = m.histories.get(customer);
  const { excluded, due } = screen(m, h, o.asOf, o.excludeDays ?? 365);
  const best = new Map<number, Candidate>();
  const offer = (c: Candidate) => {
    const cur = best.get(c.item);
    if (!cur || better(c, cur)) best.set(c.item, c);
  };
  for (const c of due) offer(c);
  if (h) {
    const recent = new Set<number>();
    const n = Math.min(h.items.length, o.recentItems ?? 20);
    for (let j = 0; j < n; j++) recent.add(h.items[j]!);
    // An item due again is offered for that reason only; one bought before the exclusion window is open to all.
    const dueItems = new Set(due.map((d) => d.item));
    const open = (y: number) => !excluded.has(y) && !dueItems.has(y);
    for (const x of recent) {
      for (const r of m.rulesByFirst.get(x) ?? []) {
        if (!open(r.rhs)) continue;
        let inside = true;
        for (let k = 1; k < r.lhs.length; k++) if (!recent.has(r.lhs[k]!)) inside = false;
        if (inside) offer({ item: r.rhs, kind: 'rule', because: Array.from(r.lhs), score: r.score });
      }
      for (let p = m.nbOffsets[x]!; p < m.nbOffsets[x + 1]!; p++) {
        const y = m.nbItems[p]!;
        if (open(y)) offer({ item: y, kind: 'similar', because: [x], score: m.nbScores[p]! });
      }
    }
  }
  const ranked = [...best.values()].sort((a, b) => b.score - a.score || a.item - b.item).slice(0, limit);
  for (let j = 0; j < m.popular.length && ranked.length < limit; j++) {
    const i = m.popular[j]!;
    if (excluded.has(i) || best.has(i)) continue;
    ranked.push({ item: i, kind: 'popular', because: [], score: m.itemCount[i]! / m.n });
  }
  return ranked.map((c) => ({ item: m.labels[c.item]!, kind: c.kind, because: c.because.map((i) => m.labels[i]!), score: c.score }));
}

/** The popularity baseline: the most popular items, less those the customer bought within `excludeDays`. */
export function popularFor(m: PersonalModel, customer: string, o: RecommendOptions): string[] {
  const limit = o.limit ?? 10;
  const excludeDays = o.excludeDays ?? 365;
  const h = m.histories.get(customer);
  const excluded = new Set<number>();
  if (h) for (let j = 0; j < h.items.length; j++) if (o.asOf - h.last[j]! < excludeDays) excluded.add(h.items[j]!);
  const out: string[] = [];
  for (let j = 0; j < m.popular.length && out.length < limit; j++) if (!excluded.has(m.popular[j]!)) out.push(m.labels[m.popular[j]!]!);
  return out;
}

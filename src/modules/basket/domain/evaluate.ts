import { buildModel, dateOf, popularFor, recommendFor, type DatedBasket, type ModelOptions } from './personal.js';

/**
 * Offline evaluation of the personal recommendations with a time split (README "Offline evaluation"): the model is
 * built from the baskets before the split day T; each customer with a basket before T and a purchase in
 * [T, T + window) gets K recommendations as of T, judged against the distinct items bought in that window.
 */
export interface EvaluationOptions {
  /** The split day T (days since 1970-01-01). */
  splitDay: number;
  /** Test window in days (default 30). */
  windowDays?: number;
  /** List length K (default 10). */
  k?: number;
  /** Items bought within this many days before T are left out unless due again (both models; default 365). */
  excludeDays?: number;
  model?: ModelOptions;
}

export interface Metrics {
  /** Share of customers with at least one of the K items bought in the window. */
  hitRate: number;
  /** Mean over customers of AP@K (README). */
  map: number;
  /** Mean share of the K slots that were bought; mean share of the window's items found in the K. */
  precision: number;
  recall: number;
}

export interface Evaluation {
  splitDate: string;
  windowDays: number;
  k: number;
  excludeDays: number;
  trainBaskets: number;
  testBaskets: number;
  items: number;
  rules: number;
  /** Customers evaluated: a basket before T and one in the window. */
  customers: number;
  buildMs: number;
  recommender: Metrics;
  popular: Metrics;
}

/** AP@K = (1 / min(K, |R|)) · Σ_{i ≤ K, item i in R} precision@i, for a list and the relevant set R (not empty). */
export function averagePrecision(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(k, list.length); i++) {
    if (relevant.has(list[i]!)) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / Math.min(k, relevant.size);
}

class Tally {
  private hits = 0;
  private ap = 0;
  /** Items found, summed: precision is one division, so equal counts give equal figures. */
  private found = 0;
  private recall = 0;
  constructor(private readonly k: number) {}
  add(list: readonly string[], relevant: ReadonlySet<string>) {
    const k = this.k;
    const found = list.slice(0, k).filter((i) => relevant.has(i)).length;
    if (found > 0) this.hits++;
    this.ap += averagePrecision(list, relevant, k);
    this.found += found;
    this.recall += found / relevant.size;
  }
  metrics(n: number): Metrics {
    return n === 0 ? { hitRate: 0, map: 0, precision: 0, recall: 0 } : { hitRate: this.hits / n, map: this.ap / n, precision: this.found / (this.k * n), recall: this.recall / n };
  }
}

/** Evaluates the recommender and the popularity baseline on the same customers and split. */
export function evaluate(baskets: readonly DatedBasket[], o: EvaluationOptions): Evaluation {
  const T = o.splitDay;
  const windowDays = o.windowDays ?? 30;
  const k = o.k ?? 10;
  const excludeDays = o.excludeDays ?? 365;
  const train = baskets.filter((b) => b.day < T);
  const test = baskets.filter((b) => b.day >= T && b.day < T + windowDays);
  const t0 = performance.now();
  const model = buildModel(train, o.model);
  const buildMs = performance.now() - t0;
  const relevant = new Map<string, Set<string>>();
  for (const b of test) {
    if (!model.histories.has(b.customer)) continue;
    let set = relevant.get(b.customer);
    if (!set) relevant.set(b.customer, (set = new Set()));
    for (const i of b.items) set.add(i);
  }
  const mine = new Tally(k);
  const base = new Tally(k);
  const customers = [...relevant.keys()].sort();
  for (const c of customers) {
    const r = relevant.get(c)!;
    const opts = { asOf: T, limit: k, excludeDays };
    mine.add(recommendFor(model, c, opts).map((x) => x.item), r);
    base.add(popularFor(model, c, opts), r);
  }
  return {
    splitDate: dateOf(T),
    windowDays,
    k,
    excludeDays,
    trainBaskets: train.length,
    testBaskets: test.length,
    items: model.labels.length,
    rules: model.ruleCount,
    customers: customers.length,
    buildMs,
    recommender: mine.metrics(customers.length),
    popular: base.metrics(customers.length),
  };
}

import { sql, type SQL } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import { encodeBaskets, type Transactions } from './domain/transactions.js';
import { mineItemsets, mineRules, sortRules, type Rule, type RuleSort } from './domain/mine.js';
import { bundles, crossSell, frequentlyBoughtTogether, type Bundle, type Recommendation } from './domain/recommend.js';
import { buildModel, dayOf, recommendFor, type DatedBasket, type PersonalModel, type ReasonKind } from './domain/personal.js';
import { evaluate, type Evaluation } from './domain/evaluate.js';

/** What an item is: the SKU, the leaf category (last element of the product's category path) or the brand. */
export type BasketLevel = 'sku' | 'category' | 'brand';
export const BASKET_LEVELS = ['sku', 'category', 'brand'] as const;

/** Which orders make the baskets. Dates are business dates (inclusive) in the configured time zone. */
export interface BasketFilters {
  from?: string;
  to?: string;
  stores?: string[];
  channels?: string[];
  /** A segment code: only orders of its current members. */
  segment?: string;
  level?: BasketLevel;
}

export interface RulesQuery extends BasketFilters {
  minSupport: number;
  minConfidence: number;
  minLen?: number;
  maxLen?: number;
  sort?: RuleSort;
  limit?: number;
}

/** Thresholds of the recommendation methods (together, cross-sell, bundles). */
export interface SuggestQuery extends BasketFilters {
  minSupport?: number;
  minConfidence?: number;
  sort?: RuleSort;
  limit?: number;
}

export interface BundlesQuery extends BasketFilters {
  minSupport?: number;
  minSize?: number;
  maxSize?: number;
  minLift?: number;
  sort?: 'lift' | 'support';
  limit?: number;
}

/** Default least support of the recommendation methods: 1% of the baskets. */
export const DEFAULT_SUGGEST_SUPPORT = 0.01;
const DEFAULT_LIMIT = 10;
/** A personal-recommendation model older than this is rebuilt on the next request (default 15 minutes). */
export const DEFAULT_MODEL_MAX_AGE_MS = 15 * 60_000;

export interface PersonalQuery {
  limit?: number;
  level?: BasketLevel;
  /** The business date recommendations are made on (default today in the configured zone). */
  asOf?: string;
  /** Build the model afresh instead of using the cached one. */
  rebuild?: boolean;
}

/** A named item: the SKU and its catalog name at SKU level; the category or brand itself (as its name) at the others. */
export interface NamedItem {
  item: string;
  name: string | null;
}

export interface PersonalResult {
  customerId: string;
  level: BasketLevel;
  asOf: string;
  model: { builtAt: string; baskets: number; customers: number; items: number; rules: number };
  recommendations: Array<NamedItem & { kind: ReasonKind; because: NamedItem[]; score: number }>;
}

export interface EvaluationQuery {
  splitDate: string;
  windowDays?: number;
  k?: number;
  excludeDays?: number;
  level?: BasketLevel;
}

export interface BasketSet {
  /** Baskets (orders with at least one item at the level). */
  baskets: number;
  /** Distinct items at the level. */
  items: number;
  level: BasketLevel;
}

export interface RulesResult extends BasketSet {
  minSupport: number;
  minCount: number;
  minConfidence: number;
  minLen: number;
  maxLen: number;
  itemsets: number;
  total: number;
  sort: RuleSort;
  rules: Rule[];
}

export interface SuggestResult extends BasketSet {
  minSupport: number;
  minCount: number;
  minConfidence: number;
  suggestions: Recommendation[];
}

export interface BundlesResult extends BasketSet {
  minSupport: number;
  minCount: number;
  bundles: Bundle[];
}

/**
 * Basket analysis over the orders: one basket per order from the published view orders.line_facts (orders not
 * cancelled, lines not fully returned), mined with the domain's FP-growth and read off by its recommendation functions.
 */
export class BasketService {
  private readonly models = new Map<BasketLevel, { model: PersonalModel; builtAt: Date }>();

  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string; modelMaxAgeMs?: number },
  ) {}

  /** The baskets of the filtered orders, one per order, encoded as integer ids. */
  async baskets(f: BasketFilters): Promise<{ tx: Transactions; level: BasketLevel }> {
    const level = f.level ?? 'sku';
    const where = await this.conditions(f);
    const item = itemAt(level);
    const rows = await query<{ items: string[] }>(
      this.db,
      sql`select array_agg(distinct x.item) as items
            from (select f.order_id, ${item} as item from orders.line_facts f where ${sql.join(where, sql` and `)}) x
           where x.item is not null
           group by x.order_id
           order by x.order_id`,
    );
    return { tx: encodeBaskets(rows.map((r) => r.items)), level };
  }

  /** Association rules (arules semantics), sorted and cut to `limit` (the total is the full count). */
  async rules(q: RulesQuery): Promise<RulesResult> {
    const minLen = q.minLen ?? 1;
    const maxLen = q.maxLen ?? 10;
    if (maxLen < minLen) throw invalid('validation_failed', `maxLen: ${maxLen} is below minLen (${minLen})`, [{ path: 'maxLen', message: `below minLen (${minLen})` }]);
    const { tx, level } = await this.baskets(q);
    const mined = mineRules(tx, { minSupport: q.minSupport, minConfidence: q.minConfidence, minLen, maxLen });
    const sort = q.sort ?? 'lift';
    const sorted = sortRules(mined.rules, sort);
    return {
      ...set(tx, level),
      minSupport: q.minSupport,
      minCount: mined.minCount,
      minConfidence: q.minConfidence,
      minLen,
      maxLen,
      itemsets: mined.itemsets.length,
      total: sorted.length,
      sort,
      rules: q.limit === undefined ? sorted : sorted.slice(0, q.limit),
    };
  }

  /** Frequently bought together with one item: the rules {item} ⇒ {y}. An item not in the baskets has none. */
  async together(item: string, q: SuggestQuery = {}): Promise<SuggestResult & { item: string }> {
    return { item, ...(await this.suggest([item], q, (rules, o) => frequentlyBoughtTogether(rules, item, o))) };
  }

  /** Cross-sell for a cart: each item not in the cart once, by its best rule whose left side is inside the cart. */
  async crossSell(cart: string[], q: SuggestQuery = {}): Promise<SuggestResult & { cart: string[] }> {
    return { cart, ...(await this.suggest(cart, q, (rules, o) => crossSell(rules, cart, o))) };
  }

  /** Bundles of 2–3 items (by default) with their support and lift against independence. */
  async bundles(q: BundlesQuery = {}): Promise<BundlesResult> {
    const minSize = q.minSize ?? 2;
    const maxSize = q.maxSize ?? 3;
    if (maxSize < minSize) throw invalid('validation_failed', `maxSize: ${maxSize} is below minSize (${minSize})`, [{ path: 'maxSize', message: `below minSize (${minSize})` }]);
    const minSupport = q.minSupport ?? DEFAULT_SUGGEST_SUPPORT;
    const { tx, level } = await this.baskets(q);
    const mined = mineItemsets(tx, { minSupport, maxLen: maxSize });
    const found = bundles(mined.itemsets, mined.n, { minSize, maxSize, minLift: q.minLift, by: q.sort ?? 'lift', limit: q.limit ?? DEFAULT_LIMIT });
    return { ...set(tx, level), minSupport, minCount: mined.minCount, bundles: found };
  }

  private async suggest(
    cart: string[],
    q: SuggestQuery,
    pick: (rules: Rule[], o: { by: RuleSort; limit: number }) => Recommendation[],
  ): Promise<SuggestResult> {
    const minSupport = q.minSupport ?? DEFAULT_SUGGEST_SUPPORT;
    const minConfidence = q.minConfidence ?? 0;
    const { tx, level } = await this.baskets(q);
    // Rules of 2 to cart size + 1 items: a longer left side could not fit in the cart.
    const mined = mineRules(tx, { minSupport, minConfidence, minLen: 2, maxLen: Math.min(10, new Set(cart).size + 1) });
    return { ...set(tx, level), minSupport, minCount: mined.minCount, minConfidence, suggestions: pick(mined.rules, { by: q.sort ?? 'lift', limit: q.limit ?? DEFAULT_LIMIT }) };
  }

  /**
   * Every customer's baskets (orders with a customer, counted as in {@link baskets}), each on its business date in the
   * configured zone.
   */
  async customerBaskets(level: BasketLevel): Promise<DatedBasket[]> {
    const where = await this.conditions({});
    const rows = await query<{ customer: string; day: number; items: string[] }>(
      this.db,
      sql`select x.customer_id::text as customer, min(x.day)::int as day, array_agg(distinct x.item) as items
            from (select f.order_id, f.customer_id, ${itemAt(level)} as item,
                         ((f.placed_at at time zone ${this.deps.timeZone})::date - date '1970-01-01') as day
                    from orders.line_facts f
                   where not f.guest and ${sql.join(where, sql` and `)}) x
           where x.item is not null
           group by x.order_id, x.customer_id
           order by x.order_id`,
    );
    return rows.map((r) => ({ customer: r.customer, day: Number(r.day), items: r.items }));
  }

  /** The personal-recommendation model of a level: cached, rebuilt when older than the maximum age or when asked. */
  async model(level: BasketLevel, rebuild = false): Promise<{ model: PersonalModel; builtAt: Date }> {
    const cached = this.models.get(level);
    if (cached && !rebuild && Date.now() - cached.builtAt.getTime() < (this.deps.modelMaxAgeMs ?? DEFAULT_MODEL_MAX_AGE_MS)) return cached;
    const built = { model: buildModel(await this.customerBaskets(level)), builtAt: new Date() };
    this.models.set(level, built);
    return built;
  }

  /**
   * Next-best items for one customer, each with its reason (see README "Personal recommendations"). A customer with
   * no orders gets the popular items; an id that is no customer is a 404.
   */
  async recommendFor(customerId: string, q: PersonalQuery = {}): Promise<PersonalResult> {
    const level = q.level ?? 'sku';
    const found = await queryOne<{ id: string }>(this.db, sql`select id::text as id from customers.customers where id = ${customerId}::uuid`);
    if (!found) throw notFound('customers.not_found', `No customer with id ${customerId}`);
    const asOf = q.asOf ?? new Intl.DateTimeFormat('en-CA', { timeZone: this.deps.timeZone }).format(new Date());
    const { model, builtAt } = await this.model(level, q.rebuild);
    // The id as the database spells it (lower case): the model's histories are keyed by it.
    const recs = recommendFor(model, found.id, { asOf: dayOf(asOf), limit: q.limit ?? DEFAULT_LIMIT });
    const names = await this.names(level, recs.flatMap((r) => [r.item, ...r.because]));
    const named = (item: string): NamedItem => ({ item, name: names.get(item) ?? null });
    return {
      customerId: found.id,
      level,
      asOf,
      model: { builtAt: builtAt.toISOString(), baskets: model.n, customers: model.histories.size, items: model.labels.length, rules: model.ruleCount },
      recommendations: recs.map((r) => ({ ...named(r.item), kind: r.kind, because: r.because.map(named), score: r.score })),
    };
  }

  /** Offline evaluation with a time split on the orders: the recommender against the popularity baseline. */
  async evaluate(q: EvaluationQuery): Promise<Evaluation & { level: BasketLevel }> {
    const level = q.level ?? 'sku';
    const splitDay = dayOf(q.splitDate);
    if (Number.isNaN(splitDay)) throw invalid('validation_failed', `splitDate: not a date: ${q.splitDate}`, [{ path: 'splitDate', message: 'not a date' }]);
    const e = evaluate(await this.customerBaskets(level), { splitDay, windowDays: q.windowDays, k: q.k, excludeDays: q.excludeDays });
    return { ...e, level };
  }

  private async names(level: BasketLevel, items: string[]): Promise<Map<string, string>> {
    const distinct = [...new Set(items)];
    if (level !== 'sku') return new Map(distinct.map((i) => [i, i]));
    if (distinct.length === 0) return new Map();
    const rows = await query<{ sku: string; name: string }>(
      this.db,
      sql`select sku, name from catalog.products where sku in (${sql.join(distinct.map((i) => sql`${i}`), sql`, `)})`,
    );
    return new Map(rows.map((r) => [r.sku, r.name]));
  }

  private async conditions(f: BasketFilters): Promise<SQL[]> {
    const tz = this.deps.timeZone;
    const where: SQL[] = [sql`f.status <> 'cancelled'`, sql`f.quantity > f.returned_quantity`];
    if (f.from !== undefined && f.to !== undefined && f.from > f.to) throw invalid('validation_failed', 'from: must be on or before to', [{ path: 'from', message: 'must be on or before to' }]);
    // Midnight of the business date in the configured zone, as an instant: the index on placed_at stays usable.
    if (f.from !== undefined) where.push(sql`f.placed_at >= (${f.from}::date::timestamp at time zone ${tz})`);
    if (f.to !== undefined) where.push(sql`f.placed_at < ((${f.to}::date + 1)::timestamp at time zone ${tz})`);
    const list = (xs: string[]) => sql.join(xs.map((x) => sql`${x}`), sql`, `);
    if (f.stores?.length) where.push(sql`f.store_code in (${list(f.stores)})`);
    if (f.channels?.length) where.push(sql`f.channel in (${list(f.channels)})`);
    if (f.segment !== undefined) {
      const seg = await queryOne<{ id: string }>(this.db, sql`select id from segments.segments where code = ${f.segment}`);
      if (!seg) throw invalid('validation_failed', `segment: no segment ${f.segment}`, [{ path: 'segment', message: `no segment ${f.segment}` }]);
      where.push(sql`f.customer_id in (select m.customer_id from segments.members m where m.segment_id = ${seg.id})`);
    }
    return where;
  }
}

/** The item of a line_facts row at a level. */
const itemAt = (level: BasketLevel): SQL =>
  level === 'sku' ? sql`f.sku` : level === 'category' ? sql`f.category_path[cardinality(f.category_path)]` : sql`nullif(btrim(f.brand), '')`;

const set = (tx: Transactions, level: BasketLevel): BasketSet => ({ baskets: tx.n, items: tx.labels.length, level });

import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../platform/db/database.js';
import type { PersonalModel } from '../../basket/index.js';
import type { Locale, VariableProvider } from '../messaging.contract.js';
import { customerLines, favouriteCategory } from './customer-lines.js';

/** What the provider needs of basket analysis: the (cached) personal-recommendation model at SKU level. */
export interface BasketModelSource {
  model(level: 'sku'): Promise<{ model: PersonalModel }>;
}

/**
 * `recommendation` (a product name) and `recommendationSku`: the product the customer is likely to want next.
 *
 * 1. Cross-sell for the customer's latest order: among basket analysis's association rules (the personal model's
 *    FP-growth rules, lift > 1) whose whole left side is in that order, the best right side by score
 *    (confidence − support of the item: how much the order raises its chance), ties by SKU; never something the
 *    customer has bought.
 * 2. Else the best seller (most baskets in the model) of the customer's favourite leaf category (most spent) they have
 *    not bought, ties by SKU.
 * 3. Else nothing (absent: empty in the text).
 *
 * Set-based: one query for the batch's order lines, one for the favourite categories' products; the model is basket
 * analysis's cached one (rebuilt at most every 15 minutes), read in memory.
 */
export class RecommendationProvider implements VariableProvider {
  readonly names = ['recommendation', 'recommendationSku'] as const;

  constructor(private readonly basket: BasketModelSource) {}

  async load(db: Db, customerIds: readonly string[], _locale: (customerId: string) => Locale): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    if (customerIds.length === 0) return out;
    const lines = await customerLines(db, customerIds);
    if (lines.size === 0) return out;
    const { model } = await this.basket.model('sku');

    const picked = new Map<string, string>();
    const needCategory = new Map<string, { category: string; bought: Set<string> }>();
    for (const [customerId, list] of lines) {
      const bought = new Set(list.map((l) => l.sku));
      const latestOrder = list[0]!.orderId;
      const basket = new Set<number>();
      for (const l of list) {
        if (l.orderId !== latestOrder) break;
        const id = model.ids.get(l.sku);
        if (id !== undefined) basket.add(id);
      }
      let best: { sku: string; score: number } | null = null;
      for (const x of basket) {
        for (const r of model.rulesByFirst.get(x) ?? []) {
          let inside = true;
          for (let k = 0; k < r.lhs.length; k++) if (!basket.has(r.lhs[k]!)) inside = false;
          if (!inside) continue;
          const sku = model.labels[r.rhs]!;
          if (bought.has(sku)) continue;
          if (!best || r.score > best.score || (r.score === best.score && sku < best.sku)) best = { sku, score: r.score };
        }
      }
      if (best) picked.set(customerId, best.sku);
      else {
        const category = favouriteCategory(list);
        if (category) needCategory.set(customerId, { category, bought });
      }
    }

    if (needCategory.size > 0) {
      const categories = [...new Set([...needCategory.values()].map((v) => v.category))];
      const products = await query<{ sku: string; category: string }>(
        db,
        sql`select sku, category_path[cardinality(category_path)] as category from catalog.products
             where category_path[cardinality(category_path)] = any(${sql.param(categories)}::text[])`,
      );
      // Each category's products by popularity (baskets in the model), then SKU.
      const ranked = new Map<string, Array<{ sku: string; count: number }>>();
      for (const p of products) {
        const id = model.ids.get(p.sku);
        const count = id === undefined ? 0 : model.itemCount[id]!;
        if (count === 0) continue;
        const list = ranked.get(p.category) ?? [];
        list.push({ sku: p.sku, count });
        ranked.set(p.category, list);
      }
      for (const list of ranked.values()) list.sort((a, b) => b.count - a.count || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
      for (const [customerId, { category, bought }] of needCategory) {
        const hit = (ranked.get(category) ?? []).find((p) => !bought.has(p.sku));
        if (hit) picked.set(customerId, hit.sku);
      }
    }
    if (picked.size === 0) return out;

    const names = await query<{ sku: string; name: string }>(
      db,
      sql`select sku, name from catalog.products where sku = any(${sql.param([...new Set(picked.values())])}::text[])`,
    );
    const nameOf = new Map(names.map((n) => [n.sku, n.name]));
    for (const [customerId, sku] of picked) out.set(customerId, { recommendation: nameOf.get(sku) ?? sku, recommendationSku: sku });
    return out;
  }
}

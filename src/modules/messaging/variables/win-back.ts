import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../platform/db/database.js';
import type { Locale, VariableProvider } from '../messaging.contract.js';
import { customerLines, favouriteCategory } from './customer-lines.js';

/** Churn score bands of the offer line: at or above `high` the strongest wording and discount, at or above `medium` the middle. */
export const WIN_BACK_BANDS = { high: 0.7, medium: 0.4 } as const;

/**
 * `winBackOffer` (a line of text), `favouriteCategory`, `averageOrder` (yuan, whole) and `churnScore` (0–1, two
 * decimals): the personal part of a win-back message, from insights.
 *
 * The churn score is the supervised churn model's probability (insights.churn_scores) or, without it, 1 − P(alive) of
 * the latest CLV run (insights.customer_predictions). With a score, the line names the favourite category (most spent,
 * leaf) and a spend around the customer's average order (rounded up to 50 yuan) with a discount that grows with the
 * score (10 % of it under 0.4, 15 % under 0.7, 20 % from 0.7, rounded to 5 yuan):
 * "您常买的精华：满250元减40元" / "Your favourite, 精华: 40 yuan off 250 yuan". Without a fitted model, the line is the
 * favourite category only ("为您精选：精华" / "Picked for you: 精华"). No orders: absent.
 */
export class WinBackOfferProvider implements VariableProvider {
  readonly names = ['winBackOffer', 'favouriteCategory', 'averageOrder', 'churnScore'] as const;

  async load(db: Db, customerIds: readonly string[], locale: (customerId: string) => Locale): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    if (customerIds.length === 0) return out;
    const ids = sql.param([...customerIds]);
    const [lines, scores, orders] = await Promise.all([
      customerLines(db, customerIds),
      query<{ customer_id: string; score: number }>(
        db,
        sql`select i.id::text as customer_id, coalesce(s.probability, 1 - p.p_alive) as score
              from unnest(${ids}::uuid[]) as i(id)
              left join insights.churn_scores s on s.customer_id = i.id
              left join insights.customer_predictions p on p.customer_id = i.id
             where s.customer_id is not null or p.customer_id is not null`,
      ),
      query<{ customer_id: string; avg_fen: number | string }>(
        db,
        sql`select o.customer_id::text as customer_id, avg(o.paid_fen) as avg_fen from orders.orders o
             where o.customer_id = any(${ids}::uuid[]) and o.status <> 'cancelled' group by o.customer_id`,
      ),
    ]);
    const scoreOf = new Map(scores.map((s) => [s.customer_id, Number(s.score)]));
    const avgOf = new Map(orders.map((o) => [o.customer_id, Number(o.avg_fen)]));
    for (const [customerId, list] of lines) {
      const category = favouriteCategory(list);
      if (!category) continue;
      const en = locale(customerId) === 'en';
      const avgFen = avgOf.get(customerId) ?? 0;
      const score = scoreOf.get(customerId);
      const vars: Record<string, unknown> = { favouriteCategory: category, averageOrder: Math.round(avgFen / 100) };
      if (score === undefined || !Number.isFinite(score)) {
        vars.winBackOffer = en ? `Picked for you: ${category}` : `为您精选：${category}`;
      } else {
        const { threshold, off } = winBackDiscount(avgFen, score);
        vars.churnScore = Math.round(score * 100) / 100;
        vars.winBackOffer = en ? `Your favourite, ${category}: ${off} yuan off ${threshold} yuan` : `您常买的${category}：满${threshold}元减${off}元`;
      }
      out.set(customerId, vars);
    }
    return out;
  }
}

/** The offer's spend (average order rounded up to 50 yuan, at least 50) and its discount in yuan (a share by score band, to 5 yuan, at least 5). */
export function winBackDiscount(averageOrderFen: number, score: number): { threshold: number; off: number; percent: number } {
  const threshold = Math.max(50, Math.ceil(averageOrderFen / 100 / 50) * 50);
  const percent = score >= WIN_BACK_BANDS.high ? 20 : score >= WIN_BACK_BANDS.medium ? 15 : 10;
  const off = Math.max(5, Math.round((threshold * percent) / 100 / 5) * 5);
  return { threshold, off, percent };
}

import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../platform/db/database.js';
import type { TierBenefits, TierSetDefinition } from '../../loyalty/index.js';
import type { Locale, VariableProvider } from '../messaging.contract.js';

/** What the provider needs of loyalty: the active tier set (its tiers' names and benefits). */
export interface ActiveTierSet {
  activeSet(): Promise<{ code: string; definition: TierSetDefinition }>;
}

/**
 * `tierBenefits`: the benefits of the member's current tier in the active set (loyalty.accounts.tier_code) as a phrase
 * in the customer's language ("购物立减5%、包邮、生日礼物" / "5% off every
 * purchase, free shipping, a birthday gift"): what a tier-upgrade congratulation names
 * (the tier's name is the preparer's base variable `tierName`). No tier: absent.
 */
export class TierProvider implements VariableProvider {
  readonly names = ['tierBenefits'] as const;

  constructor(private readonly tiers: ActiveTierSet) {}

  async load(db: Db, customerIds: readonly string[], locale: (customerId: string) => Locale): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    if (customerIds.length === 0) return out;
    const set = await this.tiers.activeSet();
    const rows = await query<{ customer_id: string; tier_code: string }>(
      db,
      sql`select customer_id::text as customer_id, tier_code from loyalty.accounts
           where customer_id = any(${sql.param([...customerIds])}::uuid[]) and tier_set = ${set.code} and tier_code is not null`,
    );
    const byCode = new Map(set.definition.tiers.map((t) => [t.code, t]));
    for (const r of rows) {
      const tier = byCode.get(r.tier_code);
      if (!tier) continue;
      out.set(r.customer_id, { tierBenefits: benefitsText(tier.benefits, locale(r.customer_id)) });
    }
    return out;
  }
}

/** A tier's benefits as one phrase in the locale, in a fixed order. */
export function benefitsText(b: TierBenefits, locale: Locale): string {
  const en = locale === 'en';
  const parts: string[] = [];
  if (b.discountPercent) parts.push(en ? `${b.discountPercent}% off every purchase` : `购物立减${b.discountPercent}%`);
  if (b.freeShipping) parts.push(en ? 'free shipping' : '包邮');
  if (b.birthdayGift) parts.push(en ? 'a birthday gift' : '生日礼物');
  if (b.priorityService) parts.push(en ? 'priority service' : '优先服务');
  if (b.personalStylist) parts.push(en ? 'a personal stylist' : '专属搭配顾问');
  if (b.earlyAccess) parts.push(en ? 'early access to new arrivals' : '新品抢先购');
  if (b.birthdayPoints) parts.push(en ? `${b.birthdayPoints} birthday points` : `生日积分${b.birthdayPoints}`);
  if (b.birthdayDiscountPercent) parts.push(en ? `${b.birthdayDiscountPercent}% off in your birthday month` : `生日月${b.birthdayDiscountPercent}%优惠`);
  return parts.join(en ? ', ' : '、');
}

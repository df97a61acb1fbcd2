import type { TFunction } from 'i18next';
import type { Benefits, Localized, MeasureType, Multiplier, ProgramRules } from '../../api/loyalty.api';
import type { Format } from '../../format/format';

/** A tier's name in the reader's language. */
export const localName = (name: Localized, lang: string) => (lang.startsWith('en') ? name.en : name['zh-CN']);

/** A threshold or a member's measure in its unit: money for yearly spend (fen), growth points otherwise. */
export function measureText(t: TFunction, f: Format, measure: MeasureType, value: number): string {
  return measure === 'yearly_spend' ? f.money(value / 100) : t('loyalty.tiers.growthValue', { value: f.number(value) });
}

/** "¥100" for whole yuan, "¥0.50" otherwise. */
export function yuanText(f: Format, fen: number): string {
  const yuan = fen / 100;
  return Number.isInteger(yuan)
    ? new Intl.NumberFormat(f.locale, { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(yuan)
    : f.money(yuan);
}

export function multiplierText(t: TFunction, f: Format, m: Multiplier): string {
  const factor = `×${f.number(m.factor)}`;
  switch (m.kind) {
    case 'category':
      return t('loyalty.rules.multiplier.category', { category: m.category, factor });
    case 'sku':
      return t('loyalty.rules.multiplier.sku', { sku: m.sku, factor });
    case 'tier':
      return t('loyalty.rules.multiplier.tier', { tier: m.tierCode, factor });
    case 'birthday_month':
      return t('loyalty.rules.multiplier.birthdayMonth', { factor });
    case 'date_range':
      return t('loyalty.rules.multiplier.dateRange', { from: f.dateTime(m.from), to: f.dateTime(m.to), factor });
  }
}

export function earnText(t: TFunction, f: Format, r: ProgramRules): string {
  return t('loyalty.rules.earnRate', { points: f.number(r.earn.points), amount: yuanText(f, r.earn.perFen) });
}

export function expiryText(t: TFunction, r: ProgramRules): string {
  const e = r.expiry;
  if (e.policy === 'rolling_months') return t('loyalty.rules.expiry.rolling', { count: e.months });
  if (e.policy === 'end_of_year') return e.yearsAfter === 0 ? t('loyalty.rules.expiry.endOfThisYear') : t('loyalty.rules.expiry.endOfYear', { count: e.yearsAfter });
  return t('loyalty.rules.expiry.never');
}

export function pendingText(t: TFunction, r: ProgramRules): string {
  return r.pendingDays === 0 ? t('loyalty.rules.pendingNone') : t('loyalty.rules.pending', { count: r.pendingDays });
}

export function capText(t: TFunction, f: Format, cap: number | null): string {
  return cap === null ? t('loyalty.rules.noCap') : t('loyalty.rules.pointsN', { value: f.number(cap) });
}

/** A tier's benefits as short phrases, in a fixed order. */
export function benefitTexts(t: TFunction, f: Format, b: Benefits): string[] {
  const out: string[] = [];
  if (b.discountPercent) out.push(t('loyalty.benefit.discount', { percent: f.number(b.discountPercent) }));
  if (b.freeShipping) out.push(t('loyalty.benefit.freeShipping'));
  if (b.earlyAccess) out.push(t('loyalty.benefit.earlyAccess'));
  if (b.priorityService) out.push(t('loyalty.benefit.priorityService'));
  if (b.personalStylist) out.push(t('loyalty.benefit.personalStylist'));
  if (b.birthdayPoints) out.push(t('loyalty.benefit.birthdayPoints', { points: f.number(b.birthdayPoints) }));
  if (b.birthdayDiscountPercent) out.push(t('loyalty.benefit.birthdayDiscount', { percent: f.number(b.birthdayDiscountPercent) }));
  if (b.birthdayGift) out.push(t('loyalty.benefit.birthdayGift'));
  return out;
}

/** Points with a sign: "+120", "−40", "0". */
export function signedPoints(f: Format, n: number): string {
  if (n > 0) return `+${f.number(n)}`;
  if (n < 0) return `−${f.number(-n)}`;
  return f.number(0);
}

/** 'staff:wang' → wang; 'system:…' → automatic; 'apikey:pos' → API key pos. */
export function actorText(t: TFunction, actor: string): string {
  const [kind, ...rest] = actor.split(':');
  const name = rest.join(':');
  if (kind === 'system') return t('loyalty.statement.system');
  if (kind === 'apikey') return t('loyalty.statement.apiKey', { name });
  return name || actor;
}

import { formatMoney } from '../../platform/money.js';
import type { StackablePromotion } from './domain/combine.js';
import type { Applied } from './domain/rules.js';

/** ¥300.00 */
export const yuan = (fen: number) => `¥${formatMoney(fen)}`;
const off = (fen: number) => `−${yuan(fen)}`;

/** 20 % off is 8折, 15 % off 8.5折. */
const zhe = (percent: number) => `${Number(((100 - percent) / 10).toFixed(2))}折`;

/** Which step of its rule a promotion reached, in words a cashier reads ("≥ ¥300.00", "2 × ¥300.00", "8折"). */
export function stepOf(p: StackablePromotion, a: Applied, lang: 'zh' | 'en'): string {
  const r = p.rule;
  const zh = lang === 'zh';
  const eligible = a.explanation.eligibleFen;
  switch (r.kind) {
    case 'threshold': {
      const tiers = [...r.tiers].sort((x, y) => x.minFen - y.minFen);
      if (r.repeat) {
        const t = tiers[0]!;
        const times = Math.floor(eligible / t.minFen);
        return zh ? `每满${yuan(t.minFen)} × ${times}` : `${times} × ${yuan(t.minFen)}`;
      }
      const reached = tiers.filter((t) => eligible >= t.minFen).at(-1);
      return `≥ ${yuan(reached?.minFen ?? 0)}`;
    }
    case 'percent':
      return zh ? zhe(r.percent) : `${r.percent}% off`;
    case 'fixed':
      return zh ? `立减${yuan(r.offFen)}` : `${yuan(r.offFen)} off`;
    case 'quantity':
      return zh ? `满${r.minUnits}件${zhe(r.percent)}` : `${r.minUnits}+ items ${r.percent}% off`;
    case 'buyGet':
      return zh ? `买${r.buy}送${r.get}` : `buy ${r.buy} get ${r.get}`;
    case 'bundle':
      return zh ? `组合价${yuan(r.priceFen)}` : `bundle at ${yuan(r.priceFen)}`;
    case 'gift':
      return `≥ ${yuan(r.minFen)}`;
    case 'price':
      return zh ? '特价' : 'special price';
  }
}

/** One line per applied promotion or coupon: "满300减50: −¥50.00 (≥ ¥300.00)"; a 满赠 names its gifts. */
export function appliedLine(name: string, p: StackablePromotion, a: Applied): { zh: string; en: string } {
  const gifts = a.gifts ?? [];
  if (gifts.length > 0) {
    const value = gifts.reduce((s, g) => s + g.quantity * g.valueFen, 0);
    const list = gifts.map((g) => `${g.name ?? g.sku} × ${g.quantity}`).join(', ');
    return {
      zh: `${name}: 赠 ${list}（价值${yuan(value)}）(${stepOf(p, a, 'zh')})`,
      en: `${name}: free ${list} (worth ${yuan(value)}) (${stepOf(p, a, 'en')})`,
    };
  }
  return { zh: `${name}: ${off(a.discountFen)} (${stepOf(p, a, 'zh')})`, en: `${name}: ${off(a.discountFen)} (${stepOf(p, a, 'en')})` };
}

/** The closing lines: subtotal, discount, total, points, payable. */
export function totalLines(q: {
  subtotalFen: number;
  discountFen: number;
  totalFen: number;
  payableFen: number;
  points: { used: number; valueFen: number } | null;
  notApplied: Array<{ name: string | null; code: string; reason: string }>;
}): { zh: string[]; en: string[] } {
  const zh: string[] = [];
  const en: string[] = [];
  for (const n of q.notApplied.filter((x) => x.reason === 'limit_reached')) {
    zh.push(`${n.name ?? n.code}: 名额或预算已用完`);
    en.push(`${n.name ?? n.code}: limit reached`);
  }
  zh.push(`合计 ${yuan(q.subtotalFen)}，优惠 ${off(q.discountFen)}，应付 ${yuan(q.totalFen)}`);
  en.push(`Subtotal ${yuan(q.subtotalFen)}, discounts ${off(q.discountFen)}, total ${yuan(q.totalFen)}`);
  if (q.points && q.points.used > 0) {
    zh.push(`积分抵现 ${q.points.used} 分: ${off(q.points.valueFen)}，还需支付 ${yuan(q.payableFen)}`);
    en.push(`${q.points.used} points as cash: ${off(q.points.valueFen)}, to pay ${yuan(q.payableFen)}`);
  }
  return { zh, en };
}

import { describe, expect, it } from 'vitest';
import { appliedLine, stepOf, totalLines } from './checkout-explain.js';
import { applyPromotion, lineAmount, type CartLine } from './domain/rules.js';
import type { StackablePromotion } from './domain/combine.js';

const lines: CartLine[] = [
  { sku: 'A', quantity: 2, unitPriceFen: 20000 },
  { sku: 'B', quantity: 1, unitPriceFen: 25000 },
];
const full = lines.map(lineAmount);
const p = (rule: StackablePromotion['rule'], name = 'P'): StackablePromotion => ({ id: name, name, scope: { kind: 'order' }, rule });
const line = (q: StackablePromotion) => appliedLine(q.name, q, applyPromotion(q, lines, full)!);

describe("the cashier's explanation", () => {
  it('names the step each rule reached, in Chinese and English', () => {
    expect(line(p({ kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }, { minFen: 50000, offFen: 10000 }] }, '满300减50'))).toEqual({
      zh: '满300减50: −¥100.00 (≥ ¥500.00)',
      en: '满300减50: −¥100.00 (≥ ¥500.00)',
    });
    expect(line(p({ kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }], repeat: true }, '每满300减50'))).toEqual({
      zh: '每满300减50: −¥100.00 (每满¥300.00 × 2)',
      en: '每满300减50: −¥100.00 (2 × ¥300.00)',
    });
    const pct = (n: number) => p({ kind: 'percent', percent: n });
    expect(stepOf(pct(20), applyPromotion(pct(20), lines, full)!, 'zh')).toBe('8折');
    expect(stepOf(pct(15), applyPromotion(pct(15), lines, full)!, 'zh')).toBe('8.5折');
    expect(stepOf(pct(15), applyPromotion(pct(15), lines, full)!, 'en')).toBe('15% off');
    expect(line(p({ kind: 'buyGet', buy: 2, get: 1 }, '买2送1'))).toEqual({ zh: '买2送1: −¥200.00 (买2送1)', en: '买2送1: −¥200.00 (buy 2 get 1)' });
    expect(line(p({ kind: 'quantity', minUnits: 3, percent: 20 }, '3件8折'))).toEqual({ zh: '3件8折: −¥130.00 (满3件8折)', en: '3件8折: −¥130.00 (3+ items 20% off)' });
    expect(line(p({ kind: 'bundle', items: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }], priceFen: 40000 }, '组合价'))).toEqual({
      zh: '组合价: −¥50.00 (组合价¥400.00)',
      en: '组合价: −¥50.00 (bundle at ¥400.00)',
    });
    expect(line(p({ kind: 'gift', minFen: 50000, gifts: [{ sku: 'G', quantity: 1, valueFen: 1500, name: '帆布袋' }] }, '满500赠'))).toEqual({
      zh: '满500赠: 赠 帆布袋 × 1（价值¥15.00）(≥ ¥500.00)',
      en: '满500赠: free 帆布袋 × 1 (worth ¥15.00) (≥ ¥500.00)',
    });
  });

  it('closes with the totals, limits reached and points', () => {
    expect(
      totalLines({
        subtotalFen: 65000,
        discountFen: 10000,
        totalFen: 55000,
        payableFen: 54000,
        points: { used: 1000, valueFen: 1000 },
        notApplied: [{ name: '首单立减', code: 'FIRST', reason: 'limit_reached' }, { name: null, code: 'X', reason: 'channel' }],
      }),
    ).toEqual({
      zh: ['首单立减: 名额或预算已用完', '合计 ¥650.00，优惠 −¥100.00，应付 ¥550.00', '积分抵现 1000 分: −¥10.00，还需支付 ¥540.00'],
      en: ['首单立减: limit reached', 'Subtotal ¥650.00, discounts −¥100.00, total ¥550.00', '1000 points as cash: −¥10.00, to pay ¥540.00'],
    });
  });
});

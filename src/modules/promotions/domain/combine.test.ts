import { describe, expect, it } from 'vitest';
import { bestCombination, MAX_COMBINATIONS, type StackablePromotion } from './combine.js';
import type { CartLine } from './rules.js';

const cart: CartLine[] = [
  { sku: 'DRESS-01', quantity: 1, unitPriceFen: 19_900, brand: 'Mila' },
  { sku: 'SHIRT-02', quantity: 2, unitPriceFen: 8_950, brand: 'Mila' },
  { sku: 'DIAPER-M', quantity: 3, unitPriceFen: 11_900, brand: 'Hugs' },
  { sku: 'GIFT-CARD', quantity: 1, unitPriceFen: 10_000 },
];
const order = { kind: 'order' as const };
const noGift = ['GIFT-CARD'];
// Alone, on the 73,500 fen that may earn (the gift card never does): A 10,000 · B 8,000 · C 5,670 · D 14,700.
const A: StackablePromotion = { id: 'A', name: '满300减50 / 满500减100', scope: order, excludedSkus: noGift, rule: { kind: 'threshold', tiers: [{ minFen: 30_000, offFen: 5_000 }, { minFen: 50_000, offFen: 10_000 }] }, group: 'threshold', priority: 10 };
const B: StackablePromotion = { id: 'B', name: '每满300减40', scope: order, excludedSkus: noGift, rule: { kind: 'threshold', tiers: [{ minFen: 30_000, offFen: 4_000 }], repeat: true }, group: 'threshold', priority: 10 };
const C: StackablePromotion = { id: 'C', name: 'Mila 85折', scope: { kind: 'brands', brands: ['Mila'] }, rule: { kind: 'percent', percent: 15 }, priority: 1 };
const D: StackablePromotion = { id: 'D', name: '全场8折', scope: order, excludedSkus: noGift, rule: { kind: 'percent', percent: 20 }, exclusive: true };

describe('the best combination under groups and exclusivity', () => {
  it('one per group, lower priority first: Mila 15 % then 满500减100 on what is left (15,670) beats every other choice', () => {
    // {C, A}: 5,670, then 73,500 − 5,670 = 67,830 ≥ 50,000 → 10,000. {C, B}: 5,670 + 2 × 4,000 = 13,670. {A} 10,000.
    const best = bestCombination([B, A, C], cart);
    expect(best.promotions.map((p) => p.id)).toEqual(['C', 'A']);
    expect([best.result.discountFen, best.result.totalFen, best.search]).toEqual([15_670, 67_830, 'exact']);
  });

  it('an exclusive promotion wins only when it alone takes more than the best stack', () => {
    expect(bestCombination([A, B, C, D], cart).promotions.map((p) => p.id)).toEqual(['C', 'A']); // 14,700 < 15,670
    const big = { ...D, rule: { kind: 'percent' as const, percent: 25 } }; // 18,375
    const best = bestCombination([A, B, C, big], cart);
    expect(best.promotions.map((p) => p.id)).toEqual(['D']);
    expect(best.result.discountFen).toBe(18_375);
  });

  it('on a tie the fewer promotions win; nothing applicable is an empty answer with the full price', () => {
    const X: StackablePromotion = { id: 'X', name: '立减50', scope: order, excludedSkus: noGift, rule: { kind: 'fixed', offFen: 5_000 }, exclusive: true };
    const Y: StackablePromotion = { id: 'Y', name: '连衣裙减20', scope: { kind: 'skus', skus: ['DRESS-01'] }, rule: { kind: 'fixed', offFen: 2_000 } };
    const Z: StackablePromotion = { id: 'Z', name: '纸尿裤减30', scope: { kind: 'skus', skus: ['DIAPER-M'] }, rule: { kind: 'fixed', offFen: 3_000 } };
    expect(bestCombination([Y, Z, X], cart).promotions.map((p) => p.id)).toEqual(['X']);
    const none = bestCombination([{ ...A, scope: { kind: 'skus', skus: ['NOPE'] } }], cart);
    expect([none.promotions, none.result.discountFen, none.result.totalFen]).toEqual([[], 0, 83_500]);
  });

  it(`past ${MAX_COMBINATIONS} combinations each group's best alone is taken, and the answer says so`, () => {
    const many: StackablePromotion[] = Array.from({ length: 13 }, (_, i) => ({
      id: `G${String(i).padStart(2, '0')}`,
      name: `减1元 ${i}`,
      scope: order,
      excludedSkus: noGift,
      rule: { kind: 'fixed', offFen: 100 },
      group: `g${i}`,
    }));
    const best = bestCombination(many, cart); // 2^13 = 8,192 combinations
    expect([best.search, best.promotions.length, best.result.discountFen]).toEqual(['greedy', 13, 1_300]);
  });
});

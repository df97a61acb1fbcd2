import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocate } from './allocate.js';
import { applyPromotion, lineAmount, priceInOrder, type CartLine, type Promotion } from './rules.js';

const cart: CartLine[] = [
  { sku: 'DRESS-01', quantity: 1, unitPriceFen: 19_900, categoryPath: ['服装', '女装', '连衣裙'], brand: 'Mila' },
  { sku: 'SHIRT-02', quantity: 2, unitPriceFen: 8_950, categoryPath: ['服装', '女装', '衬衫'], brand: 'Mila' },
  { sku: 'DIAPER-M', quantity: 3, unitPriceFen: 11_900, categoryPath: ['母婴', '纸尿裤', 'M'], brand: 'Hugs' },
  { sku: 'GIFT-CARD', quantity: 1, unitPriceFen: 10_000, categoryPath: null, brand: null },
];
const paid = cart.map(lineAmount); // 19,900 + 17,900 + 35,700 + 10,000 = 83,500

describe('allocate', () => {
  it('splits in proportion, leftover fen to the largest remainders (earlier line on a tie), summing exactly', () => {
    expect(allocate(100, [100, 100, 100])).toEqual([34, 33, 33]);
    // 5,000 × w / 73,500 = 1,353.74 / 1,217.69 / 2,428.57: floors 4,998, the 2 fen left to the .74 and .69.
    expect(allocate(5_000, [19_900, 17_900, 35_700, 0])).toEqual([1_354, 1_218, 2_428, 0]);
    expect(allocate(7, [300, 300, 400])).toEqual([2, 2, 3]);
    expect(allocate(0, [5, 5])).toEqual([0, 0]);
    expect(allocate(10, [10, 0])).toEqual([10, 0]);
  });

  it('refuses what cannot be split in fen: more than the lines are worth, fractions, negatives', () => {
    expect(() => allocate(11, [5, 5])).toThrow(/cannot allocate 11 fen over lines worth 10/);
    expect(() => allocate(1.5, [5])).toThrow(/whole number/);
    expect(() => allocate(1, [-1, 5])).toThrow(/weights/);
  });

  it('on any amounts: shares sum to the amount, stay within each weight, and differ from the exact share by < 1 fen', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), (weights, f) => {
        const total = weights.reduce((s, w) => s + w, 0);
        const amount = Math.floor(total * f);
        const shares = allocate(amount, weights);
        expect(shares.reduce((s, x) => s + x, 0)).toBe(amount);
        shares.forEach((s, i) => {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(weights[i]!);
          if (total > 0) expect(Math.abs(s - (amount * weights[i]!) / total)).toBeLessThan(1);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('promotion rules on an exact cart', () => {
  const p = (over: Partial<Promotion> & Pick<Promotion, 'rule'>): Promotion => ({ id: 'P', name: 'p', scope: { kind: 'order' }, excludedSkus: ['GIFT-CARD'], ...over });

  it('满300减50 stepped: the highest tier reached, on the lines in scope (the gift card never counts)', () => {
    const tiers = [
      { minFen: 30_000, offFen: 5_000 },
      { minFen: 50_000, offFen: 10_000 },
      { minFen: 100_000, offFen: 25_000 },
    ];
    const a = applyPromotion(p({ rule: { kind: 'threshold', tiers } }), cart, paid)!;
    // In scope: 19,900 + 17,900 + 35,700 = 73,500 ≥ 50,000 → 100 yuan off.
    expect(a).toEqual({ promotionId: 'P', discountFen: 10_000, lines: [2_708, 2_435, 4_857, 0], explanation: { eligibleFen: 73_500, step: '≥ 50000' } });
    const apparel = applyPromotion(p({ scope: { kind: 'categories', paths: ['服装'] }, rule: { kind: 'threshold', tiers } }), cart, paid)!;
    expect(apparel.discountFen).toBe(5_000); // 37,800 reaches the ¥300 tier only
    expect(apparel.lines).toEqual([2_632, 2_368, 0, 0]);
    expect(applyPromotion(p({ scope: { kind: 'brands', brands: ['Hugs'] }, rule: { kind: 'threshold', tiers } }), cart, paid)!.discountFen).toBe(5_000);
    expect(applyPromotion(p({ scope: { kind: 'skus', skus: ['DRESS-01'] }, rule: { kind: 'threshold', tiers } }), cart, paid)).toBeNull();
  });

  it('每满300减50 repeating, and its cap', () => {
    const rule = { kind: 'threshold' as const, tiers: [{ minFen: 30_000, offFen: 5_000 }], repeat: true };
    expect(applyPromotion(p({ rule }), cart, paid)!.discountFen).toBe(10_000); // 73,500 = 2 × 300 + …
    expect(applyPromotion(p({ rule, excludedSkus: [] }), cart, paid)!.discountFen).toBe(10_000); // 83,500: still 2 ×
    expect(applyPromotion(p({ rule, capFen: 8_000 }), cart, paid)!.discountFen).toBe(8_000);
  });

  it('percent off rounds down to the fen; fixed off never exceeds what the scope costs', () => {
    const pct = applyPromotion(p({ scope: { kind: 'categories', paths: ['服装/女装'] }, rule: { kind: 'percent', percent: 15 } }), cart, paid)!;
    expect(pct.discountFen).toBe(5_670); // 15 % of 37,800
    expect(pct.lines).toEqual([2_985, 2_685, 0, 0]);
    const odd = applyPromotion(p({ scope: { kind: 'skus', skus: ['SHIRT-02'] }, rule: { kind: 'percent', percent: 7 } }), cart, paid)!;
    expect(odd.discountFen).toBe(1_253); // 7 % of 17,900 = 1,253.0
    const fixed = applyPromotion(p({ scope: { kind: 'skus', skus: ['DRESS-01'] }, rule: { kind: 'fixed', offFen: 50_000 } }), cart, paid)!;
    expect(fixed.discountFen).toBe(19_900);
    expect(applyPromotion(p({ scope: { kind: 'categories', paths: ['服'] }, rule: { kind: 'percent', percent: 10 } }), cart, paid)).toBeNull(); // a path prefix is whole levels
  });

  it('promotions in priority order each price what the lines cost after the ones before; totals and lines sum exactly', () => {
    const r = priceInOrder(
      [
        { id: 'MILA15', name: 'Mila 15% off', scope: { kind: 'brands', brands: ['Mila'] }, rule: { kind: 'percent', percent: 15 } },
        { id: 'M300-50', name: '满300减50', scope: { kind: 'order' }, excludedSkus: ['GIFT-CARD'], rule: { kind: 'threshold', tiers: [{ minFen: 30_000, offFen: 5_000 }], repeat: true } },
      ],
      cart,
    );
    // Mila: 15 % of 37,800 = 5,670 → the scope then costs 73,500 − 5,670 = 67,830 → 2 × ¥50.
    expect(r.subtotalFen).toBe(83_500);
    expect(r.applied.map((a) => [a.promotionId, a.discountFen])).toEqual([
      ['MILA15', 5_670],
      ['M300-50', 10_000],
    ]);
    expect(r.discountFen).toBe(15_670);
    expect(r.totalFen).toBe(67_830);
    // ¥100 over 16,915 / 15,215 / 35,700 (of 67,830): 2,493.7 / 2,243.1 / 5,263.2 → 2,494 / 2,243 / 5,263.
    expect(r.applied[1]!.lines).toEqual([2_494, 2_243, 5_263, 0]);
    expect(r.paidFen).toEqual([14_421, 12_972, 30_437, 10_000]);
    expect(r.paidFen.reduce((s, x) => s + x, 0)).toBe(r.totalFen);
  });

  it('N件M折: from the minimum units in scope, the percent off all of them', () => {
    const rule = { kind: 'quantity' as const, minUnits: 2, percent: 20 };
    // 服装/女装: a dress and two shirts = 3 units ≥ 2 → 20 % of 37,800.
    const a = applyPromotion(p({ scope: { kind: 'categories', paths: ['服装/女装'] }, rule }), cart, paid)!;
    expect([a.discountFen, a.lines, a.explanation.step]).toEqual([7_560, [3_980, 3_580, 0, 0], '3 ≥ 2']);
    expect(applyPromotion(p({ scope: { kind: 'categories', paths: ['服装/女装'] }, rule: { ...rule, minUnits: 4 } }), cart, paid)).toBeNull();
  });

  it('买X送Y: in each group of X + Y units the Y cheapest are free, worth what they still cost; capped by allocation', () => {
    // Order minus the gift card: 1 × 19,900, 2 × 8,950, 3 × 11,900 = 6 units → 2 groups of 买2送1 → the 2 shirts free.
    const a = applyPromotion(p({ rule: { kind: 'buyGet', buy: 2, get: 1 } }), cart, paid)!;
    expect([a.discountFen, a.lines, a.explanation.step]).toEqual([17_900, [0, 17_900, 0, 0], '2 free of 6']);
    expect(applyPromotion(p({ rule: { kind: 'buyGet', buy: 2, get: 1 }, capFen: 10_000 }), cart, paid)!.lines).toEqual([0, 10_000, 0, 0]);
    // Diapers only, 买1送1: 3 units → 1 group → one pack free.
    expect(applyPromotion(p({ scope: { kind: 'skus', skus: ['DIAPER-M'] }, rule: { kind: 'buyGet', buy: 1, get: 1 } }), cart, paid)!.lines).toEqual([0, 0, 11_900, 0]);
    // Equal prices: the later line's unit is the free one.
    const twins: CartLine[] = [
      { sku: 'A', quantity: 1, unitPriceFen: 5_000 },
      { sku: 'B', quantity: 1, unitPriceFen: 5_000 },
    ];
    expect(applyPromotion(p({ rule: { kind: 'buyGet', buy: 1, get: 1 } }), twins, twins.map(lineAmount))!.lines).toEqual([0, 5_000]);
    expect(applyPromotion(p({ scope: { kind: 'skus', skus: ['DRESS-01'] }, rule: { kind: 'buyGet', buy: 1, get: 1 } }), cart, paid)).toBeNull();
  });

  it('a free unit after an earlier discount is worth its share of what the line still costs, rounded down', () => {
    const r = priceInOrder(
      [
        { id: 'MILA15', name: 'Mila 15% off', scope: { kind: 'brands', brands: ['Mila'] }, rule: { kind: 'percent', percent: 15 } },
        { id: 'SHIRT-B1G1', name: '衬衫买一送一', scope: { kind: 'skus', skus: ['SHIRT-02'] }, rule: { kind: 'buyGet', buy: 1, get: 1 } },
      ],
      cart,
    );
    // The shirts cost 17,900 − 2,685 = 15,215 after MILA15: one of the two is worth 7,607.5 → 7,607.
    expect(r.applied.map((a) => [a.promotionId, a.discountFen])).toEqual([
      ['MILA15', 5_670],
      ['SHIRT-B1G1', 7_607],
    ]);
    expect(r.paidFen).toEqual([16_915, 7_608, 35_700, 10_000]);
    expect(r.totalFen).toBe(70_223);
  });

  it('组合价: each complete set costs the bundle price, split over its lines; no set, or no saving, is nothing', () => {
    // Dress + one shirt for ¥250: the set's units cost 19,900 + 8,950 = 28,850 → 3,850 off,
    // split 2,655.6 / 1,194.4 → 2,656 / 1,194.
    const a = applyPromotion(p({ rule: { kind: 'bundle', items: [{ sku: 'DRESS-01', quantity: 1 }, { sku: 'SHIRT-02', quantity: 1 }], priceFen: 25_000 } }), cart, paid)!;
    expect([a.discountFen, a.lines, a.explanation]).toEqual([3_850, [2_656, 1_194, 0, 0], { eligibleFen: 28_850, step: '1 × 25000' }]);
    expect(applyPromotion(p({ rule: { kind: 'bundle', items: [{ sku: 'SHIRT-02', quantity: 2 }], priceFen: 15_000 } }), cart, paid)!.lines).toEqual([0, 2_900, 0, 0]);
    // Three diaper packs make one set of 2 for ¥200 (the third stays at full price).
    expect(applyPromotion(p({ rule: { kind: 'bundle', items: [{ sku: 'DIAPER-M', quantity: 2 }], priceFen: 20_000 } }), cart, paid)!.lines).toEqual([0, 0, 3_800, 0]);
    expect(applyPromotion(p({ rule: { kind: 'bundle', items: [{ sku: 'DRESS-01', quantity: 2 }], priceFen: 30_000 } }), cart, paid)).toBeNull();
    expect(applyPromotion(p({ rule: { kind: 'bundle', items: [{ sku: 'SHIRT-02', quantity: 2 }], priceFen: 18_000 } }), cart, paid)).toBeNull();
  });
});

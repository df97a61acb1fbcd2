import { describe, expect, it } from 'vitest';
import { bestCombination, type StackablePromotion } from './combine.js';
import { applyPromotion, lineAmount, priceInOrder, valueOf, type CartLine, type Promotion } from './rules.js';

const cart: CartLine[] = [
  { sku: 'DRESS-01', quantity: 1, unitPriceFen: 19_900, brand: 'Mila' },
  { sku: 'SHIRT-02', quantity: 2, unitPriceFen: 8_950, brand: 'Mila' },
  { sku: 'DIAPER-M', quantity: 3, unitPriceFen: 11_900, brand: 'Hugs' },
];
const full = cart.map(lineAmount); // 19,900 + 17,900 + 35,700 = 73,500
const order = { kind: 'order' as const };
const tote = { sku: 'TOTE-GIFT', quantity: 1, valueFen: 3_900, name: '帆布袋' };

describe('满赠: gift lines over a threshold', () => {
  it('adds the gift once the scope reaches the threshold, takes nothing off the lines, and is worth the gift value', () => {
    const p: Promotion = { id: 'G', name: '满399赠帆布袋', scope: order, rule: { kind: 'gift', minFen: 39_900, gifts: [tote] } };
    const a = applyPromotion(p, cart, full)!;
    expect(a).toEqual({ promotionId: 'G', discountFen: 0, lines: [0, 0, 0], explanation: { eligibleFen: 73_500, step: '≥ 39900' }, gifts: [tote] });
    expect(valueOf(a)).toBe(3_900);
    // Below the threshold on its scope (Mila only: 37,800): nothing.
    expect(applyPromotion({ ...p, scope: { kind: 'brands', brands: ['Mila'] } }, cart, full)).toBeNull();
  });

  it('with repeat, one gift per whole multiple; priceInOrder lists the gifts and leaves the total alone', () => {
    const p: Promotion = { id: 'G2', name: '每满300赠1', scope: order, rule: { kind: 'gift', minFen: 30_000, gifts: [tote], repeat: true } };
    const r = priceInOrder([p], cart);
    expect(r.gifts).toEqual([{ ...tote, quantity: 2 }]);
    expect(r.totalFen).toBe(73_500);
    expect(r.applied[0]!.explanation.step).toBe('2 × 30000');
  });

  it('competes in the best combination by its value: a ¥39 gift beats ¥30 off in the same group, loses to ¥50 off', () => {
    const gift: StackablePromotion = { id: 'G', name: 'gift', scope: order, rule: { kind: 'gift', minFen: 39_900, gifts: [tote] }, group: 'order' };
    const off30: StackablePromotion = { id: 'T30', name: '满300减30', scope: order, rule: { kind: 'threshold', tiers: [{ minFen: 30_000, offFen: 3_000 }] }, group: 'order' };
    const off50: StackablePromotion = { id: 'T50', name: '满300减50', scope: order, rule: { kind: 'threshold', tiers: [{ minFen: 30_000, offFen: 5_000 }] }, group: 'order' };
    const first = bestCombination([gift, off30], cart);
    expect(first.promotions.map((p) => p.id)).toEqual(['G']);
    expect(first.valueFen).toBe(3_900);
    expect(first.result.discountFen).toBe(0);
    const second = bestCombination([gift, off50], cart);
    expect(second.promotions.map((p) => p.id)).toEqual(['T50']);
    expect(second.valueFen).toBe(5_000);
  });
});

describe('special prices (member, tier, flash)', () => {
  it('each listed SKU costs the special price a unit where that is lower; per line, exact', () => {
    const p: Promotion = { id: 'M', name: '会员价', scope: order, rule: { kind: 'price', prices: [{ sku: 'SHIRT-02', priceFen: 7_900 }, { sku: 'DIAPER-M', priceFen: 12_900 }] } };
    // SHIRT-02: 2 × (8,950 − 7,900) = 2,100; DIAPER-M's special price is above its price: nothing.
    expect(applyPromotion(p, cart, full)).toEqual({ promotionId: 'M', discountFen: 2_100, lines: [0, 2_100, 0], explanation: { eligibleFen: 53_600, step: '2 at special price' } });
  });

  it('applies to what the line still costs after earlier promotions, and a cap is allocated over the lines', () => {
    const p: Promotion = { id: 'F', name: '限时价', scope: order, rule: { kind: 'price', prices: [{ sku: 'DRESS-01', priceFen: 15_900 }, { sku: 'SHIRT-02', priceFen: 6_950 }] }, capFen: 5_000 };
    // Uncapped: 4,000 + 4,000 = 8,000; capped at 5,000 → 2,500 / 2,500.
    expect(applyPromotion(p, cart, full)!.lines).toEqual([2_500, 2_500, 0]);
    const tenOff: Promotion = { id: 'P', name: '9折', scope: order, rule: { kind: 'percent', percent: 10 } };
    // After 10 % off the dress costs 17,910: the flash price takes 17,910 − 15,900 = 2,010.
    const r = priceInOrder([tenOff, { ...p, capFen: null }], cart);
    expect(r.applied[1]!.lines[0]).toBe(2_010);
    expect(r.paidFen[0]).toBe(15_900);
  });

  it('gives nothing when no listed SKU is in the cart or every special price is above the price', () => {
    expect(applyPromotion({ id: 'X', name: 'x', scope: order, rule: { kind: 'price', prices: [{ sku: 'NOPE', priceFen: 1 }] } }, cart, full)).toBeNull();
    expect(applyPromotion({ id: 'Y', name: 'y', scope: order, rule: { kind: 'price', prices: [{ sku: 'DRESS-01', priceFen: 20_000 }] } }, cart, full)).toBeNull();
  });
});

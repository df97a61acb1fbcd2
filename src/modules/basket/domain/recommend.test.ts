import { describe, expect, it } from 'vitest';
import { mineItemsets, mineRules } from './mine.js';
import { bundles, crossSell, frequentlyBoughtTogether } from './recommend.js';
import { encodeBaskets } from './transactions.js';

// Six baskets. Counts: bread 5, butter 3, milk 3, jam 2, cereal 2; bread+butter 3, bread+milk 2, bread+jam 2,
// milk+cereal 2, and once each bread+cereal, butter+milk, butter+jam, bread+butter+milk, bread+butter+jam, bread+milk+cereal.
const TX = encodeBaskets([
  ['bread', 'butter', 'milk'],
  ['bread', 'butter'],
  ['bread', 'jam'],
  ['milk', 'cereal'],
  ['bread', 'butter', 'jam'],
  ['milk', 'cereal', 'bread'],
]);
const pick = (rs: { item: string; because: string[]; confidence: number; lift: number }[]) => rs.map((r) => [r.item, r.because.join('+'), r.confidence, r.lift]);

describe('frequently bought together', () => {
  // Support ≥ 0.3 → count ≥ ceil(1.8) = 2.
  const { rules } = mineRules(TX, { minSupport: 0.3, minConfidence: 0, minLen: 2 });

  it('lists the partners of an item from its one-item rules, by lift then confidence', () => {
    // bread ⇒ butter 3/5, lift 0.6 / (3/6) = 1.2; bread ⇒ jam 2/5, lift 0.4 / (2/6) = 1.2; bread ⇒ milk 2/5, lift 0.8.
    expect(pick(frequentlyBoughtTogether(rules, 'bread'))).toEqual([
      ['butter', 'bread', 0.6, 1.2],
      ['jam', 'bread', 0.4, 1.2],
      ['milk', 'bread', 0.4, 0.8],
    ]);
    // By confidence: jam and milk tie at 0.4, lift breaks it.
    expect(frequentlyBoughtTogether(rules, 'bread', { by: 'confidence' }).map((r) => r.item)).toEqual(['butter', 'jam', 'milk']);
    expect(frequentlyBoughtTogether(rules, 'bread', { limit: 1 })).toEqual([{ item: 'butter', because: ['bread'], count: 3, support: 0.5, confidence: 0.6, lift: 1.2 }]);
    // milk ⇒ cereal 2/3, lift (2/3) / (2/6) = 2; milk ⇒ bread 2/3, lift (2/3) / (5/6) = 0.8.
    expect(pick(frequentlyBoughtTogether(rules, 'milk'))).toEqual([
      ['cereal', 'milk', 2 / 3, 2],
      ['bread', 'milk', 2 / 3, 0.8],
    ]);
    expect(frequentlyBoughtTogether(rules, 'caviar')).toEqual([]);
  });
});

describe('cross-sell', () => {
  // Every itemset (count ≥ 1), every rule.
  const { rules } = mineRules(TX, { minSupport: 0.1, minConfidence: 0 });

  it('suggests each item not in the cart once, by its best rule whose left side is in the cart', () => {
    // Cart {bread, milk}. cereal: milk ⇒ cereal (2/3, lift 2) beats {bread,milk} ⇒ cereal (1/2, lift 1.5) and
    // bread ⇒ cereal (1/5, lift 0.6); butter: bread ⇒ butter (3/5, lift 1.2) beats {bread,milk} ⇒ butter (1/2, lift 1)
    // and milk ⇒ butter (1/3, lift 2/3); jam: bread ⇒ jam (2/5, lift 1.2). {} ⇒ y rules are not cross-sell.
    expect(pick(crossSell(rules, ['bread', 'milk']))).toEqual([
      ['cereal', 'milk', 2 / 3, 2],
      ['butter', 'bread', 0.6, 1.2],
      ['jam', 'bread', 0.4, 1.2],
    ]);
    // By support: butter 3/6; cereal and jam 2/6 (lift 2 before 1.2).
    expect(crossSell(rules, ['milk', 'bread'], { by: 'support' }).map((r) => [r.item, r.support])).toEqual([
      ['butter', 0.5],
      ['cereal', 2 / 6],
      ['jam', 2 / 6],
    ]);
    expect(crossSell(rules, ['bread', 'milk'], { limit: 2 }).map((r) => r.item)).toEqual(['cereal', 'butter']);
    expect(crossSell(rules, [])).toEqual([]);
    // Everything already in the cart: nothing to suggest.
    expect(crossSell(rules, ['bread', 'butter', 'milk', 'jam', 'cereal'])).toEqual([]);
  });
});

describe('bundles', () => {
  const { n, itemsets } = mineItemsets(TX, { minSupport: 0.3 });

  it('ranks the pairs and triples by lift against independence, with their support', () => {
    // milk+cereal (2/6) / (3/6 · 2/6) = 2; bread+butter (3/6) / (5/6 · 3/6) = 1.2; bread+jam (2/6) / (5/6 · 2/6) = 1.2;
    // bread+milk (2/6) / (5/6 · 3/6) = 0.8. No triple is in 2 baskets.
    expect(bundles(itemsets, n).map((b) => [b.items.join('+'), b.count, b.support, b.lift])).toEqual([
      ['cereal+milk', 2, 2 / 6, 2],
      ['bread+butter', 3, 0.5, 1.2],
      ['bread+jam', 2, 2 / 6, 1.2],
      ['bread+milk', 2, 2 / 6, 0.8],
    ]);
    expect(bundles(itemsets, n, { minLift: 1, by: 'support' }).map((b) => b.items.join('+'))).toEqual(['bread+butter', 'cereal+milk', 'bread+jam']);
    // At count ≥ 1 the triples come in: bread+butter+milk 1/6 / (5/6 · 3/6 · 3/6) = 36/45 = 0.8.
    const all = mineItemsets(TX, { minSupport: 0.1 });
    const triples = bundles(all.itemsets, all.n, { minSize: 3 });
    expect(triples.map((b) => [b.items.join('+'), b.lift])).toEqual([
      ['bread+butter+jam', (1 * 36) / (5 * 3 * 2)],
      ['bread+cereal+milk', (1 * 36) / (5 * 2 * 3)],
      ['bread+butter+milk', (1 * 36) / (5 * 3 * 3)],
    ]);
  });

  it('refuses an itemset list without the single items', () => {
    expect(() => bundles([{ items: ['a', 'b'], count: 2, support: 0.5 }], 4)).toThrow(/not \{a\}/);
  });
});

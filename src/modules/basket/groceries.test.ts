import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBasketFile } from './basket-file.js';
import { mineItemsets, mineRules, sortRules, formatRule, type Rule } from './domain/mine.js';
import type { Transactions } from './domain/transactions.js';

/**
 * Groceries (arules; tests/fixtures/groceries, see its PROVENANCE.md): the figures R arules prints for it, as
 * reproduced in many public notebooks and in /work/shared/data/REFERENCE_NUMBERS.md §3.
 */
const FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tests/fixtures/groceries/groceries.csv');
let tx: Transactions;
beforeAll(async () => {
  tx = (await readBasketFile(FILE, { format: 'baskets' })).tx;
});

const byLength = (rules: Rule[]) => {
  const out: Record<number, number> = {};
  for (const r of rules) out[r.lhs.length + 1] = (out[r.lhs.length + 1] ?? 0) + 1;
  return out;
};
const find = (rules: Rule[], text: string) => rules.find((r) => formatRule(r) === text);

describe('Groceries', () => {
  it('reads 9,835 baskets, 169 items and 43,367 item occurrences (arules summary: density 0.02609146)', () => {
    expect(tx.n).toBe(9835);
    expect(tx.labels).toHaveLength(169);
    expect(tx.items.length).toBe(43367);
    expect(tx.items.length / (9835 * 169)).toBeCloseTo(0.02609146, 8);
    // The two labels with a trailing blank are kept as arules has them.
    expect(tx.labels).toContain('cream cheese ');
    expect(tx.labels).toContain('roll products ');
  });

  it('keeps items in at least ceil(0.001 × 9,835) = 10 baskets: the 157 arules keeps; liqueur (9) out, rubbing alcohol (10) in', () => {
    const { minCount, itemsets } = mineItemsets(tx, { minSupport: 0.001, maxLen: 1 });
    expect(minCount).toBe(10);
    expect(itemsets).toHaveLength(157);
    expect(itemsets.slice(0, 5).map((s) => `${s.items[0]} ${s.count}`)).toEqual(['whole milk 2513', 'other vegetables 1903', 'rolls/buns 1809', 'soda 1715', 'yogurt 1372']);
    expect(itemsets.find((s) => s.items[0] === 'liqueur')).toBeUndefined();
    expect(itemsets.find((s) => s.items[0] === 'rubbing alcohol')).toMatchObject({ count: 10 });
  });

  it('apriori(supp = 0.001, conf = 0.5): 5,668 rules, lengths 11 / 1461 / 3211 / 939 / 46, none with an empty left side', () => {
    const { rules } = mineRules(tx, { minSupport: 0.001, minConfidence: 0.5 });
    expect(rules).toHaveLength(5668);
    expect(byLength(rules)).toEqual({ 2: 11, 3: 1461, 4: 3211, 5: 939, 6: 46 });
    // Default minlen 1 would allow {} => {y}, but no item is in half the baskets (whole milk: 0.2555).
    expect(rules.filter((r) => r.lhs.length === 0)).toHaveLength(0);
    expect(mineRules(tx, { minSupport: 0.001, minConfidence: 0.5, minLen: 2 }).rules).toHaveLength(5668);
    // arules summary: support min 0.001017 (= 10 / 9835), confidence min 0.5000, lift min 1.957.
    expect(Math.min(...rules.map((r) => r.support))).toBeCloseTo(0.001017, 6);
    expect(Math.min(...rules.map((r) => r.confidence))).toBe(0.5);
    expect(Math.min(...rules.map((r) => r.lift))).toBeCloseTo(1.957, 3);
    const honey = find(rules, '{honey} => {whole milk}')!;
    expect(honey.support).toBeCloseTo(0.001118454, 9);
    expect(honey.confidence).toBeCloseTo(0.7333333, 7);
    expect(honey.lift).toBeCloseTo(2.870009, 6);
    expect(find(rules, '{cereals} => {whole milk}')!.lift).toBeCloseTo(2.515917, 6);
    const top = sortRules(rules, 'lift')[0]!;
    expect(formatRule(top)).toBe('{Instant food products,soda} => {hamburger meat}');
    expect(top).toMatchObject({ count: 12 });
    expect(top.support).toBeCloseTo(0.001220132, 9);
    expect(top.confidence).toBeCloseTo(0.6315789, 7);
    expect(top.coverage).toBeCloseTo(0.001931876, 9);
    expect(top.lift).toBeCloseTo(18.99565, 5);
  });

  it('apriori(supp = 0.006, conf = 0.25, minlen = 2): 463 rules, 150 / 297 / 16 of length 2 / 3 / 4', () => {
    const { minCount, rules } = mineRules(tx, { minSupport: 0.006, minConfidence: 0.25, minLen: 2 });
    expect(minCount).toBe(60);
    expect(rules).toHaveLength(463);
    expect(byLength(rules)).toEqual({ 2: 150, 3: 297, 4: 16 });
    const pot = find(rules, '{pot plants} => {whole milk}')!;
    expect(pot.count).toBe(68);
    expect(pot.support).toBeCloseTo(0.006914082, 9);
    expect(pot.confidence).toBeCloseTo(0.4, 12);
    expect(pot.lift).toBeCloseTo(1.56546, 6);
    // By hand: leverage 68/9835 − (170/9835)(2513/9835); conviction (1 − 2513/9835) / (1 − 0.4).
    expect(pot.leverage).toBeCloseTo(68 / 9835 - (170 / 9835) * (2513 / 9835), 12);
    expect(pot.conviction).toBeCloseTo((1 - 2513 / 9835) / 0.6, 12);
    const top = sortRules(rules, 'lift')[0]!;
    expect(formatRule(top)).toBe('{herbs} => {root vegetables}');
    expect(top).toMatchObject({ count: 69, confidence: 0.43125 });
    expect(top.support).toBeCloseTo(0.00701576, 9);
    expect(top.lift).toBeCloseTo(3.956477, 6);
  });

  it('with arules’ default minlen = 1 the same thresholds add exactly {} => {whole milk} (the one item with support ≥ 0.25)', () => {
    const { rules } = mineRules(tx, { minSupport: 0.006, minConfidence: 0.25 });
    expect(rules).toHaveLength(464);
    const empty = rules.filter((r) => r.lhs.length === 0);
    expect(empty.map(formatRule)).toEqual(['{} => {whole milk}']);
    expect(empty[0]).toMatchObject({ count: 2513, coverage: 1, lift: 1, leverage: 0, conviction: 1 });
    expect(empty[0]!.confidence).toBeCloseTo(2513 / 9835, 15);
  });
});

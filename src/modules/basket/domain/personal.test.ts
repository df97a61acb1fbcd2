import { describe, expect, it } from 'vitest';
import { averagePrecision, evaluate } from './evaluate.js';
import { buildModel, dayOf, popularFor, recommendFor, type DatedBasket } from './personal.js';

/**
 * Eleven baskets by hand (days since the start):
 *   c1 d0 {bread, jam}   c2 d0 {bread, jam, butter}   c3 d1 {bread, butter}
 *   c4 d2 {tea, milk}    c4 d9 {milk}                 c5 d3 {milk}   c5 d10 {milk, tea}
 *   c6 d4 {pen}          c7 d5 {pen, tea}             c9 d12 {milk}  c9 d20 {bread}
 * Ids (labels sorted): bread 0, butter 1, jam 2, milk 3, pen 4, tea 5. Baskets holding: milk 5, bread 4, tea 3,
 * butter 2, jam 2, pen 2 (popular order: milk, bread, tea, butter, jam, pen — the 2s by id).
 * Rules at a count ≥ 2 (support 0.15 of 11 = 1.65 → 2), confidence ≥ 0.5, lift > 1, score confidence − support(y):
 *   jam ⇒ bread, butter ⇒ bread 1 − 4/11 = 7/11; bread ⇒ jam, bread ⇒ butter 2/4 − 2/11 = 7/22; tea ⇒ milk 2/3 − 5/11 = 7/33
 *   (milk ⇒ tea has confidence 2/5).
 * Cosine over baskets: bread~jam = bread~butter = 2/√8; milk~tea = 2/√15; tea~pen = 1/√6; jam~butter = 1/2.
 * Milk: bought again by c4 (after 7 days) and c5 (7 days), once by c9: interval 7, repeat rate 2/3. Nothing else repeats.
 */
const b = (customer: string, day: number, ...items: string[]): DatedBasket => ({ customer, day, items });
const TRAIN = [
  b('c1', 0, 'bread', 'jam'),
  b('c2', 0, 'bread', 'jam', 'butter'),
  b('c3', 1, 'bread', 'butter'),
  b('c4', 2, 'tea', 'milk'),
  b('c4', 9, 'milk'),
  b('c5', 3, 'milk'),
  b('c5', 10, 'milk', 'tea'),
  b('c6', 4, 'pen'),
  b('c7', 5, 'pen', 'tea'),
  b('c9', 12, 'milk'),
  b('c9', 20, 'bread'),
];
const OPTIONS = { minSupport: 0.15, minConfidence: 0.5, neighbours: 1, minCoCount: 1, minRepeatBuyers: 2 };
const R8 = 2 / Math.sqrt(8);
const R15 = 2 / Math.sqrt(15);

describe('personal recommendations', () => {
  const m = buildModel(TRAIN, OPTIONS);

  it('builds the rules, neighbours and repurchase intervals counted above', () => {
    expect(m.labels).toEqual(['bread', 'butter', 'jam', 'milk', 'pen', 'tea']);
    expect(Array.from(m.popular, (i) => m.labels[i])).toEqual(['milk', 'bread', 'tea', 'butter', 'jam', 'pen']);
    expect(m.ruleCount).toBe(5);
    // One neighbour each: bread's two at 2/√8 are a tie, broken by id (butter).
    expect(Array.from(m.nbItems, (i) => m.labels[i])).toEqual(['butter', 'bread', 'bread', 'tea', 'tea', 'milk']);
    expect(Array.from(m.nbScores)).toEqual([R8, R8, R8, R15, 1 / Math.sqrt(6), R15]);
    expect(Array.from(m.interval)).toEqual([NaN, NaN, NaN, 7, NaN, NaN]);
    // Over the customers' item sets instead: milk and tea are both bought by c4 and c5, of 3 buyers each: 2/√9; bread
    // and milk share c9 only (1/√12, below milk ~ tea).
    const byCustomer = buildModel(TRAIN, { ...OPTIONS, similarity: 'customers' });
    expect(Array.from(byCustomer.nbItems, (i) => byCustomer.labels[i])).toEqual(['butter', 'bread', 'bread', 'tea', 'tea', 'milk']);
    expect(Array.from(byCustomer.nbScores)).toEqual([R8, R8, R8, 2 / 3, 1 / Math.sqrt(6), 2 / 3]);
    expect(m.repeatRate[3]).toBe(2 / 3);
  });

  it('offers similar items, rules, a consumable due again and popular items, each with its reason', () => {
    // c9 as of day 21: bread (1 day ago) is left out; milk (9 days ago ≥ its 7) is due again. jam comes by the rule
    // bread ⇒ jam (bread's one neighbour is butter); pen is the one popular item left.
    expect(recommendFor(m, 'c9', { asOf: 21 })).toEqual([
      { item: 'butter', kind: 'similar', because: ['bread'], score: R8 },
      { item: 'milk', kind: 'due_again', because: ['milk'], score: 2 / 3 },
      { item: 'tea', kind: 'similar', because: ['milk'], score: R15 },
      { item: 'jam', kind: 'rule', because: ['bread'], score: 7 / 22 },
      { item: 'pen', kind: 'popular', because: [], score: 2 / 11 },
    ]);
  });

  it('leaves out a consumable bought too recently to be due, and takes back what was bought before the window', () => {
    // As of day 18 milk was bought 6 days ago (< 7): not due, within the window, left out everywhere.
    expect(recommendFor(m, 'c9', { asOf: 18 }).map((r) => [r.item, r.kind])).toEqual([
      ['butter', 'similar'],
      ['tea', 'similar'],
      ['jam', 'rule'],
      ['pen', 'popular'],
    ]);
    // With only the most recent item (bread) as context, tea (milk's neighbour) comes as a popular item only.
    expect(recommendFor(m, 'c9', { asOf: 21, recentItems: 1 }).map((r) => [r.item, r.kind])).toEqual([
      ['butter', 'similar'],
      ['milk', 'due_again'],
      ['jam', 'rule'],
      ['tea', 'popular'],
      ['pen', 'popular'],
    ]);
    // With a window of 1 day, bread (bought 1 day before) is back, as a popular item.
    expect(recommendFor(m, 'c9', { asOf: 21, excludeDays: 1, limit: 6 }).map((r) => [r.item, r.kind])).toEqual([
      ['butter', 'similar'],
      ['milk', 'due_again'],
      ['tea', 'similar'],
      ['jam', 'rule'],
      ['bread', 'popular'],
      ['pen', 'popular'],
    ]);
  });

  it('takes each item by its best reason and breaks ties by id', () => {
    // With two neighbours, bread's butter and jam tie at 2/√8 and come in id order; jam's similarity beats its rule (7/22).
    const two = buildModel(TRAIN, { ...OPTIONS, neighbours: 2 });
    expect(recommendFor(two, 'c9', { asOf: 21, limit: 3 })).toEqual([
      { item: 'butter', kind: 'similar', because: ['bread'], score: R8 },
      { item: 'jam', kind: 'similar', because: ['bread'], score: R8 },
      { item: 'milk', kind: 'due_again', because: ['milk'], score: 2 / 3 },
    ]);
    // A twelfth basket, c10 {jam}, and similarities that need 3 shared baskets (none has): jam ⇒ bread is now
    // confidence 2/3, support(bread) 4/12.
    const ruleOnly = buildModel([...TRAIN, b('c10', 20, 'jam')], { ...OPTIONS, minCoCount: 3 });
    expect(recommendFor(ruleOnly, 'c10', { asOf: 21, limit: 1 })).toEqual([{ item: 'bread', kind: 'rule', because: ['jam'], score: 2 / 3 - 4 / 12 }]);
    // An unknown customer gets the popular items, the ties at 2 baskets by id.
    expect(recommendFor(m, 'nobody', { asOf: 21 }).map((r) => r.item)).toEqual(['milk', 'bread', 'tea', 'butter', 'jam', 'pen']);
    expect(popularFor(m, 'c9', { asOf: 21 })).toEqual(['tea', 'butter', 'jam', 'pen']);
  });

  it('reads dates as days', () => {
    expect(dayOf('1970-01-02')).toBe(1);
    expect(dayOf('2010-12-01 08:26:00')).toBe(14944);
    expect(dayOf('2010-02-30')).toBeNaN();
    expect(dayOf('12/1/2010')).toBeNaN();
  });
});

describe('offline evaluation', () => {
  it('AP@K by the formula', () => {
    expect(averagePrecision(['a', 'x', 'b'], new Set(['a', 'b']), 10)).toBe((1 + 2 / 3) / 2);
    expect(averagePrecision(['x', 'a'], new Set(['a', 'b', 'c']), 2)).toBe(1 / 2 / 2);
    expect(averagePrecision(['x'], new Set(['a']), 10)).toBe(0);
  });

  it('hit rate@10 and MAP@10 on a split counted by hand', () => {
    // Split at day 21, window 7 (days 21–27). c9 buys tea and pen, c1 milk, c4 bread; c8 has no history (not
    // evaluated); c1's pen on day 28 is outside. Lists as of day 21:
    //   c9 mine [butter, milk, tea, jam, pen] → hits at 3 and 5: AP (1/3 + 2/5) / 2 = 11/30; popular [tea, butter, jam, pen] → (1 + 2/4) / 2 = 3/4
    //   c1 mine [butter, milk, tea, pen] → 1/2;  popular [milk, tea, butter, pen] → 1
    //   c4 mine [milk (due), bread, butter, jam, pen] → 1/2;  popular [bread, butter, jam, pen] → 1
    const test = [b('c9', 22, 'tea', 'pen'), b('c1', 25, 'milk'), b('c4', 23, 'bread'), b('c8', 22, 'milk'), b('c1', 28, 'pen')];
    const e = evaluate([...test, ...TRAIN], { splitDay: 21, windowDays: 7, k: 10, model: OPTIONS });
    expect({ ...e, buildMs: 0 }).toEqual({
      splitDate: '1970-01-22',
      windowDays: 7,
      k: 10,
      excludeDays: 365,
      trainBaskets: 11,
      testBaskets: 4,
      items: 6,
      rules: 5,
      customers: 3,
      buildMs: 0,
      recommender: { hitRate: 1, map: (11 / 30 + 1 / 2 + 1 / 2) / 3, precision: 4 / 30, recall: 1 },
      popular: { hitRate: 1, map: (3 / 4 + 1 + 1) / 3, precision: 4 / 30, recall: 1 },
    });
  });
});

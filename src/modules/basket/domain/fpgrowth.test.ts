import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fpGrowth } from './fpgrowth.js';
import { generateRules, measures } from './rules.js';
import { encodeBaskets, minCountFor } from './transactions.js';

/** Frequent itemsets as "a,b,c:count" strings, labels sorted, for comparison. */
const named = (labels: readonly string[], sets: { items: number[]; count: number }[]) =>
  sets.map((s) => `${s.items.map((i) => labels[i]).join(',')}:${s.count}`).sort();

/** Every itemset of every basket counted by direct enumeration of the basket's subsets (the independent count). */
function bruteForce(baskets: string[][], minCount: number, maxLen = Infinity): string[] {
  const counts = new Map<string, number>();
  for (const b of baskets) {
    const items = [...new Set(b)].sort();
    for (let mask = 1; mask < 1 << items.length; mask++) {
      const s = items.filter((_, i) => mask & (1 << i));
      if (s.length > maxLen) continue;
      const key = s.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].filter(([, c]) => c >= minCount).map(([k, c]) => `${k}:${c}`).sort();
}

// The example database of Han, Pei & Yin (2000), "Mining frequent patterns without candidate generation", table 1.
const HAN = ['facdgimp', 'abcflmo', 'bfhjo', 'bcksp', 'afcelpmn'].map((s) => s.split(''));

describe('FP-growth', () => {
  it('finds the 18 frequent patterns of the FP-growth paper example at a count of 3', () => {
    const tx = encodeBaskets(HAN);
    // f, c: 4 baskets; a, b, m, p: 3. Pairs fc fa fm ca cm am cp; triples fca fcm fam cam; fcam — all in baskets 1, 2, 5 (cp in 1, 4, 5).
    expect(named(tx.labels, fpGrowth(tx, { minCount: 3 }))).toEqual(
      [
        'f:4', 'c:4', 'a:3', 'b:3', 'm:3', 'p:3',
        'c,f:3', 'a,f:3', 'f,m:3', 'a,c:3', 'c,m:3', 'a,m:3', 'c,p:3',
        'a,c,f:3', 'c,f,m:3', 'a,f,m:3', 'a,c,m:3', 'a,c,f,m:3',
      ].sort(),
    );
  });

  it('takes the single-path shortcut with the right counts and stops at maxLen', () => {
    const tx = encodeBaskets([['a', 'b', 'c'], ['a', 'b'], ['a']]);
    expect(named(tx.labels, fpGrowth(tx, { minCount: 1 }))).toEqual(['a:3', 'a,b:2', 'a,b,c:1', 'a,c:1', 'b:2', 'b,c:1', 'c:1'].sort());
    expect(named(tx.labels, fpGrowth(tx, { minCount: 1, maxLen: 2 }))).toEqual(['a:3', 'a,b:2', 'a,c:1', 'b:2', 'b,c:1', 'c:1'].sort());
    expect(named(tx.labels, fpGrowth(tx, { minCount: 2 }))).toEqual(['a:3', 'a,b:2', 'b:2'].sort());
  });

  it('counts an item written twice in a basket once, and empty baskets in N', () => {
    const tx = encodeBaskets([['x', 'x', 'y'], [], ['y']]);
    expect(tx.n).toBe(3);
    expect(named(tx.labels, fpGrowth(tx, { minCount: 1 }))).toEqual(['x:1', 'x,y:1', 'y:2'].sort());
  });

  it('agrees with a brute-force count on random baskets (every itemset, every threshold)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { maxLength: 8 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        (baskets, minCount, maxLen) => {
          const tx = encodeBaskets(baskets);
          expect(named(tx.labels, fpGrowth(tx, { minCount }))).toEqual(bruteForce(baskets, minCount));
          expect(named(tx.labels, fpGrowth(tx, { minCount, maxLen }))).toEqual(bruteForce(baskets, minCount, maxLen));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('minimum count', () => {
  it('is ceil(s × N), with products that are whole numbers kept whole', () => {
    expect(minCountFor(0.001, 9835)).toBe(10); // 9.835
    expect(minCountFor(0.006, 9835)).toBe(60); // 59.01
    expect(minCountFor(0.01, 88162)).toBe(882); // 881.62
    expect(minCountFor(0.3, 10)).toBe(3); // 0.3 × 10 = 3.0000000000000004 in floating point
    expect(minCountFor(0.07, 100)).toBe(7); // 7.000000000000001
    expect(minCountFor(0.5, 9)).toBe(5);
    expect(() => minCountFor(1.5, 10)).toThrow(/between 0 and 1/);
  });
});

describe('rules', () => {
  it('gives the paper example its measures by hand', () => {
    const tx = encodeBaskets(HAN);
    const rules = generateRules(fpGrowth(tx, { minCount: 3 }), tx.n, { minConfidence: 0.75, minLen: 2 });
    const am = rules.find((r) => r.lhs.length === 1 && tx.labels[r.lhs[0]!] === 'a' && tx.labels[r.rhs] === 'm')!;
    expect(am).toMatchObject({ count: 3, lhsCount: 3, rhsCount: 3 });
    const m = measures(am.count, am.lhsCount, am.rhsCount, tx.n);
    // support 3/5, confidence 3/3, lift 1 / (3/5), leverage 3/5 − 3/5 · 3/5, conviction (1 − 3/5) / 0.
    expect(m.support).toBeCloseTo(0.6, 15);
    expect(m.confidence).toBe(1);
    expect(m.lift).toBeCloseTo(5 / 3, 15);
    expect(m.leverage).toBeCloseTo(0.24, 15);
    expect(m.conviction).toBe(Infinity);
    // {c} ⇒ {f}: 3 of c's 4 baskets → 0.75, kept at ≥ 0.75 (the boundary); lift 0.75 / 0.8; conviction 0.2 / 0.25.
    const cf = rules.find((r) => r.lhs.length === 1 && tx.labels[r.lhs[0]!] === 'c' && tx.labels[r.rhs] === 'f')!;
    const m2 = measures(cf.count, cf.lhsCount, cf.rhsCount, tx.n);
    expect(m2.confidence).toBe(0.75);
    expect(m2.lift).toBeCloseTo(0.9375, 15);
    expect(m2.conviction).toBeCloseTo(0.8, 15);
    expect(m2.leverage).toBeCloseTo(0.6 - 0.8 * 0.8, 15);
    // Every rule has one item on the right and 2..4 items in all; none with an empty left side at minLen 2.
    expect(rules.every((r) => r.lhs.length >= 1)).toBe(true);
  });

  it('makes {} ⇒ {y} rules at minLen 1 (arules) when support(y) reaches the confidence', () => {
    const tx = encodeBaskets(HAN);
    const rules = generateRules(fpGrowth(tx, { minCount: 3 }), tx.n, { minConfidence: 0.8, minLen: 1, maxLen: 1 });
    // f and c are in 4 of 5 baskets (0.8); a, b, m, p in 3 (0.6).
    expect(rules.map((r) => `${r.lhs.length}:${tx.labels[r.rhs]}:${r.count}/${r.lhsCount}`).sort()).toEqual(['0:c:4/5', '0:f:4/5']);
  });

  it('agrees with rules counted directly from random baskets', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0, 0.25, 0.5, 0.6, 1),
        (baskets, minCount, minConfidence) => {
          const tx = encodeBaskets(baskets);
          const got = generateRules(fpGrowth(tx, { minCount }), tx.n, { minConfidence, minLen: 1 })
            .map((r) => `${r.lhs.map((i) => tx.labels[i]).join(',')}=>${tx.labels[r.rhs]}:${r.count}/${r.lhsCount}`)
            .sort();
          const has = (b: string[], s: string[]) => s.every((i) => b.includes(i));
          const want: string[] = [];
          for (const z of bruteForce(baskets, minCount).map((s) => s.split(':')[0]!.split(','))) {
            for (const y of z) {
              const x = z.filter((i) => i !== y);
              const cz = baskets.filter((b) => has(b, z)).length;
              const cx = baskets.filter((b) => has(b, x)).length;
              if (cz >= minConfidence * cx) want.push(`${x.join(',')}=>${y}:${cz}/${cx}`);
            }
          }
          expect(got).toEqual(want.sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});

import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBasketFile } from './basket-file.js';
import { fpGrowth } from './domain/fpgrowth.js';
import { basketsOf, encodeBaskets, type Transactions } from './domain/transactions.js';

/**
 * FIMI retail (Brijs et al.; /tmp/shared/data/retail_fimi, not committed: 1.6 MB): the published counts of its
 * PROVENANCE.md, and FP-growth against a count by direct enumeration on the first 5,000 baskets.
 */
const FILE = '/tmp/shared/data/retail_fimi/retail.dat.gz';
const present = fs.existsSync(FILE);
if (!present) console.warn(`basket retail tests skipped: ${FILE} is not there (the FIMI retail data set, see /work/shared/data/retail_fimi/PROVENANCE.md)`);

let tx: Transactions;
beforeAll(async () => {
  if (present) tx = (await readBasketFile(FILE, { format: 'baskets' })).tx;
});

const key = (labels: readonly string[], items: number[]) => items.map((i) => labels[i]).join(',');

describe.skipIf(!present)('FIMI retail', () => {
  it('reads 88,162 baskets, 16,470 items and 908,576 item occurrences from the .gz, space-separated', () => {
    expect(tx.n).toBe(88162);
    expect(tx.labels).toHaveLength(16470);
    expect(tx.items.length).toBe(908576);
    expect(tx.labels[0]).toBe('0');
    expect(tx.labels[16469]).toBe('16469');
  });

  it('gives the published supports of single items, pairs and triples', () => {
    const found = new Map(fpGrowth(tx, { minCount: 5000 }).map((s) => [key(tx.labels, s.items), s.count]));
    const published: Record<string, number> = {
      '39': 50675, '48': 42135, '38': 15596, '32': 15167, '41': 14945,
      '39,48': 29142, '38,39': 10345, '39,41': 11414, '41,48': 9018, '32,39': 8455, '32,48': 8034, '38,48': 7944,
      '38,39,48': 6102, '39,41,48': 7366, '32,39,48': 5402,
    };
    for (const [items, count] of Object.entries(published)) expect([items, found.get(items)]).toEqual([items, count]);
    expect(found.get('39,48')! / 88162).toBeCloseTo(0.330551, 6);
  });

  it('agrees with a direct count of every itemset of up to 3 items on the first 5,000 baskets', () => {
    const sample = encodeBaskets(basketsOf(tx).slice(0, 5000).map((b) => b.map((i) => tx.labels[i]!)));
    expect(sample.n).toBe(5000);
    // Every single item, pair and triple of every basket, counted in a map keyed by the ids (< 2^15 each).
    const counts = new Map<number, number>();
    const add = (k: number) => counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const b of basketsOf(sample)) {
      for (let i = 0; i < b.length; i++) {
        add(b[i]! * 2 ** 30);
        for (let j = i + 1; j < b.length; j++) {
          add(b[i]! * 2 ** 30 + (b[j]! + 1) * 2 ** 15);
          for (let k = j + 1; k < b.length; k++) add(b[i]! * 2 ** 30 + (b[j]! + 1) * 2 ** 15 + (b[k]! + 1));
        }
      }
    }
    const decode = (k: number) => {
      const a = Math.floor(k / 2 ** 30);
      const b = Math.floor(k / 2 ** 15) % 2 ** 15;
      const c = k % 2 ** 15;
      return [a, ...(b ? [b - 1] : []), ...(c ? [c - 1] : [])];
    };
    for (const minCount of [25, 10]) {
      const want = [...counts].filter(([, c]) => c >= minCount).map(([k, c]) => `${key(sample.labels, decode(k))}:${c}`).sort();
      const got = fpGrowth(sample, { minCount, maxLen: 3 }).map((s) => `${key(sample.labels, s.items)}:${s.count}`).sort();
      expect(got.length).toBe(want.length);
      expect(got).toEqual(want);
      // Without the size limit, the itemsets of up to 3 items are the same ones.
      const all = fpGrowth(sample, { minCount }).filter((s) => s.items.length <= 3).map((s) => `${key(sample.labels, s.items)}:${s.count}`).sort();
      expect(all).toEqual(want);
    }
  });
});

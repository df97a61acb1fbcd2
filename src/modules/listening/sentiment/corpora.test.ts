import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATA_DIR, loadCorpora, splitCorpora } from './corpora.js';

const present = fs.existsSync(path.join(DEFAULT_DATA_DIR, 'chinese_sentiment')) && fs.existsSync(path.join(DEFAULT_DATA_DIR, 'english_sentiment'));
if (!present) console.warn(`sentiment corpora tests skipped: ${DEFAULT_DATA_DIR} has no chinese_sentiment / english_sentiment`);

describe.skipIf(!present)('the training corpora', () => {
  const rows = loadCorpora();

  it('reads every row of the five files (the one empty review left out) with the counts of PROVENANCE.md', () => {
    const count = (corpus: string, label?: 0 | 1) => rows.filter((r) => r.corpus === corpus && (label === undefined || r.label === label)).length;
    expect([count('online_shopping_7_cats'), count('waimai_10k', 1), count('waimai_10k', 0)]).toEqual([32_773, 4_000, 7_987]);
    expect([count('amazon_cells', 1), count('yelp', 0), count('imdb', 1), count('imdb', 0)]).toEqual([500, 500, 500, 500]);
    const shopping = rows.filter((r) => r.corpus === 'online_shopping_7_cats');
    expect(new Set(shopping.map((r) => r.category))).toEqual(new Set(['书籍', '平板', '手机', '水果', '热水器', '蒙牛', '计算机']));
    expect(shopping[0]!.text.startsWith('\ufeff')).toBe(false);
    expect(rows.every((r) => r.text.trim().length > 0)).toBe(true);
    // imdb's U+0085 stays inside its sentence: 1,000 rows, none split.
    expect(rows.filter((r) => r.corpus === 'imdb' && r.text.includes('\u0085')).length).toBeGreaterThan(0);
  });

  it('splits every stratum 80 / 20, the same way every time, validation inside training', () => {
    const split = splitCorpora(rows);
    expect([split.fit.length, split.validation.length, split.test.length]).toEqual([30_568, 7_641, 9_551]);
    expect(split.train.length).toBe(split.fit.length + split.validation.length);
    const test = new Set(split.test);
    expect(split.train.some((r) => test.has(r))).toBe(false);
    expect(split.test.filter((r) => r.corpus === 'online_shopping_7_cats' && r.category === '热水器').length).toBe(115);
    expect(splitCorpora(rows).test.map((r) => `${r.corpus}:${r.index}`)).toEqual(split.test.map((r) => `${r.corpus}:${r.index}`));
  });
});

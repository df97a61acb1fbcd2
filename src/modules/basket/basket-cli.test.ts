import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kemaiDev } from '../../../tests/support/kemai-process.js';

/** `kemai basket rules|itemsets --from FILE`: Groceries as arules counts it, line files, .gz, and bad input named by line. */
let tmp: string;
const GROCERIES = 'tests/fixtures/groceries/groceries.csv';
const kemai = (...args: string[]) => kemaiDev(['basket', ...args], { env: { ...process.env, KEMAI_LOG_LEVEL: 'silent' } });

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-basket-cli-'));
  // Orders as lines, rows of one order apart: o1 {tea, milk}, o2 {tea, sugar}, o3 {tea, milk, sugar}, o4 {milk}.
  fs.writeFileSync(path.join(tmp, 'lines.csv'), 'order,sku,qty\no1,tea,1\no2,tea,2\no1,milk,1\no3,tea,1\no3,milk,1\no4,milk,3\no2,sugar,1\no3,sugar,1\no3,tea,1\n');
  // The same baskets as a FIMI-style .dat (trailing blanks), gzipped.
  fs.writeFileSync(path.join(tmp, 'b.dat.gz'), zlib.gzipSync('tea milk \ntea sugar \ntea milk sugar \nmilk \n'));
  fs.writeFileSync(path.join(tmp, 'gap.csv'), 'tea,milk\ntea\nmilk,,sugar\n');
  fs.writeFileSync(path.join(tmp, 'nocell.csv'), 'order,sku\no1,tea\no2,\n');
  fs.writeFileSync(path.join(tmp, 'long.csv'), 'order,sku\no1,tea\no2,milk,extra\n');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('kemai basket', () => {
  it('finds the 463 rules of Groceries at support 0.006, confidence 0.25, minlen 2, best lift first', async () => {
    const r = await kemai('rules', '--from', GROCERIES, '--min-support', '0.006', '--min-confidence', '0.25', '--min-len', '2', '--limit', '2', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ baskets: 9835, items: 169, minCount: 60, minLen: 2, maxLen: 10, total: 463, sort: 'lift' });
    expect(out.rules).toHaveLength(2);
    expect(out.rules[0]).toMatchObject({ lhs: ['herbs'], rhs: 'root vegetables', count: 69, confidence: 0.43125 });
    expect(out.rules[0].lift).toBeCloseTo(3.956477, 6);
    const text = await kemai('rules', '--from', GROCERIES, '--min-support', '0.006', '--min-confidence', '0.25', '--min-len', '2', '--sort', 'support', '--limit', '1');
    expect(text.status, text.stderr).toBe(0);
    // Highest support of a two-item rule: {other vegetables, whole milk} in 736 baskets (0.07483477, arules' itemset support).
    expect(text.stdout).toContain('463 rules from 9,835 baskets');
    expect(text.stdout).toMatch(/\{other vegetables\} => \{whole milk\}  support 0\.074835 .* count 736/);
  });

  it('reads a line file (rows of a basket anywhere) and a gzipped .dat the same way; conviction Infinity as "Infinity"', async () => {
    const lines = await kemai('rules', '--from', path.join(tmp, 'lines.csv'), '--item-col', 'sku', '--basket-col', 'order', '--min-support', '0.5', '--min-confidence', '0.6', '--json');
    expect(lines.status, lines.stderr).toBe(0);
    const out = JSON.parse(lines.stdout);
    // 4 baskets; count ≥ 2: tea 3, milk 3, sugar 2, tea+milk 2, tea+sugar 2. Confidence ≥ 0.6: {} ⇒ tea and {} ⇒ milk (3/4),
    // sugar ⇒ tea (2/2: conviction Infinity), tea ⇒ milk, milk ⇒ tea (2/3 each). tea ⇒ sugar is 2/3 too.
    expect(out).toMatchObject({ baskets: 4, items: 3, minCount: 2, total: 6 });
    const sugarTea = out.rules.find((r: { lhs: string[]; rhs: string }) => r.lhs.join() === 'sugar' && r.rhs === 'tea');
    expect(sugarTea).toMatchObject({ count: 2, confidence: 1, lift: 4 / 3, conviction: 'Infinity' });
    expect(lines.stdout).toContain('"conviction": "Infinity"');
    const dat = await kemai('rules', '--from', path.join(tmp, 'b.dat.gz'), '--min-support', '0.5', '--min-confidence', '0.6', '--json');
    expect(dat.status, dat.stderr).toBe(0);
    expect(JSON.parse(dat.stdout).rules).toEqual(out.rules);
    const sets = await kemai('itemsets', '--from', path.join(tmp, 'b.dat.gz'), '--min-support', '0.5', '--min-len', '2', '--json');
    expect(sets.status, sets.stderr).toBe(0);
    expect(JSON.parse(sets.stdout)).toMatchObject({
      baskets: 4,
      total: 2,
      itemsets: [
        { items: ['milk', 'tea'], count: 2, support: 0.5 },
        { items: ['sugar', 'tea'], count: 2, support: 0.5 },
      ],
    });
  });

  it('recommends for a cart and suggests bundles', async () => {
    const pot = await kemai('recommend', '--from', GROCERIES, '--min-support', '0.006', '--min-confidence', '0.25', '--item', 'pot plants', '--json');
    expect(pot.status, pot.stderr).toBe(0);
    const first = JSON.parse(pot.stdout).suggestions[0];
    expect(first).toMatchObject({ item: 'whole milk', because: ['pot plants'], count: 68, confidence: 0.4 });
    expect(first.lift).toBeCloseTo(1.56546, 6);
    // tea ⇒ sugar: 2/3, lift (2/3) / (2/4) = 4/3; tea ⇒ milk: 2/3, lift (2/3) / (3/4) = 8/9.
    const cart = await kemai('recommend', '--from', path.join(tmp, 'lines.csv'), '--item-col', 'sku', '--basket-col', 'order', '--min-support', '0.5', '--item', 'tea', '--json');
    expect(cart.status, cart.stderr).toBe(0);
    expect(JSON.parse(cart.stdout).suggestions.map((r: { item: string; lift: number }) => [r.item, r.lift])).toEqual([
      ['sugar', 4 / 3],
      ['milk', 8 / 9],
    ]);
    // sugar+tea: (2/4) / (2/4 · 3/4) = 4/3; milk+tea: (2/4) / (3/4 · 3/4) = 8/9.
    const b = await kemai('recommend', '--from', path.join(tmp, 'b.dat.gz'), '--min-support', '0.5', '--bundles', '--json');
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).bundles.map((x: { items: string[]; lift: number }) => [x.items.join('+'), x.lift])).toEqual([
      ['sugar+tea', 4 / 3],
      ['milk+tea', 8 / 9],
    ]);
    const unknown = await kemai('recommend', '--from', path.join(tmp, 'b.dat.gz'), '--min-support', '0.5', '--item', 'coffee');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('--item: not in');
  });

  it('refuses bad input naming the line and the item or column, and bad options', async () => {
    const gap = await kemai('rules', '--from', path.join(tmp, 'gap.csv'), '--min-support', '0.1', '--min-confidence', '0.5');
    expect(gap.status).toBe(1);
    expect(gap.stderr).toContain(`kemai: ${path.join(tmp, 'gap.csv')}: line 3: item 2 is empty`);
    const col = await kemai('itemsets', '--from', path.join(tmp, 'lines.csv'), '--item-col', 'product', '--basket-col', 'order', '--min-support', '0.1');
    expect(col.status).toBe(1);
    expect(col.stderr).toContain('line 1: no column product (the header has order, sku, qty)');
    const cell = await kemai('itemsets', '--from', path.join(tmp, 'nocell.csv'), '--item-col', 'sku', '--basket-col', 'order', '--min-support', '0.1');
    expect(cell.status).toBe(1);
    expect(cell.stderr).toContain('line 3: sku is empty');
    const long = await kemai('itemsets', '--from', path.join(tmp, 'long.csv'), '--item-col', 'sku', '--basket-col', 'order', '--min-support', '0.1');
    expect(long.status).toBe(1);
    expect(long.stderr).toContain('got 3 on line 3');
    const none = await kemai('itemsets', '--from', path.join(tmp, 'nothere.csv'), '--min-support', '0.1');
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('nothere.csv: no such file');
    for (const [args, message] of [
      [['--min-support', '0', '--min-confidence', '0.5'], '--min-support'],
      [['--min-support', '1%', '--min-confidence', '0.5'], '--min-support'],
      [['--min-support', '0.1', '--min-confidence', '1.5'], '--min-confidence'],
      [['--min-support', '0.1', '--min-confidence', '0.5', '--min-len', '3', '--max-len', '2'], '--max-len (2) is below --min-len (3)'],
      [['--min-support', '0.1', '--min-confidence', '0.5', '--sort', 'leverage'], '--sort'],
      [['--min-support', '0.1', '--min-confidence', '0.5', '--format', 'lines'], '--format lines needs --item-col and --basket-col'],
    ] as const) {
      const r = await kemai('rules', '--from', GROCERIES, ...args);
      expect([r.status, r.stderr.includes(message)], r.stderr).toEqual([2, true]);
    }
  });
});

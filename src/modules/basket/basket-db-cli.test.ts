import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { seedBasketBrand } from '../../../tests/support/basket-brand.js';
import { registerBasketCommands } from '../../cli/basket.commands.js';
import type { BasketBackend } from '../../cli/basket-db.commands.js';
import { CliError, RemoteApi } from '../../cli/context.js';

/**
 * `kemai basket rules|together|bundles` without --from, in process, on the hand-counted shop of
 * tests/support/basket-brand.ts: straight on the database (as with PostgreSQL or an unheld embedded database) and
 * through a running server's API (as when `npm start` holds the embedded database) — the same answers both ways.
 */
let t: TestApp;
let direct: BasketBackend;
let remote: BasketBackend;

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  await seedBasketBrand(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const api = new RemoteApi(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`, t.admin.authorization.slice('Bearer '.length));
  direct = (fn) => fn({ mode: 'direct', kemai: t.kemai });
  remote = (fn) => fn({ mode: 'remote', api });
}, 120_000);
afterAll(async () => t?.close());

/** One command through commander, as `kemai basket …` parses it; what it prints, or what it throws. */
async function kemai(backend: BasketBackend, ...args: string[]): Promise<{ out: string; error?: CliError }> {
  const program = new Command('kemai').exitOverride();
  registerBasketCommands(program, backend);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await program.parseAsync(['basket', ...args], { from: 'user' });
    return { out: lines.join('\n') };
  } catch (e) {
    if (e instanceof CliError) return { out: lines.join('\n'), error: e };
    throw e;
  } finally {
    log.mockRestore();
  }
}

const both = async (...args: string[]) => {
  const d = await kemai(direct, ...args);
  const r = await kemai(remote, ...args);
  expect(d.error?.message).toBeUndefined();
  expect(r.error?.message).toBeUndefined();
  expect(r.out).toBe(d.out);
  return d.out;
};

describe('kemai basket (database mode)', () => {
  it('rules: every measure by hand, sorted by lift, the same through the server', async () => {
    const out = JSON.parse(await both('rules', '--min-support', '0.1', '--min-confidence', '0.3', '--min-len', '2', '--json'));
    expect(out).toMatchObject({ baskets: 12, items: 7, level: 'sku', minSupport: 0.1, minCount: 2, minConfidence: 0.3, minLen: 2, maxLen: 10, total: 10, sort: 'lift' });
    expect(out.rules[0]).toEqual({ lhs: ['FILTER-P'], rhs: 'COFFEE-YN', count: 2, support: 2 / 12, confidence: 1, coverage: 2 / 12, lift: 4, leverage: 2 / 12 - (2 / 12) * (3 / 12), conviction: 'Infinity' });
    expect(out.rules.map((r: { lhs: string[]; rhs: string; lift: number; confidence: number }) => [`{${r.lhs.join(',')}} => {${r.rhs}}`, r.lift, r.confidence])).toEqual([
      ['{FILTER-P} => {COFFEE-YN}', 4, 1],
      ['{COFFEE-YN} => {FILTER-P}', 4, 2 / 3],
      ['{CUP-ZS} => {TEA-LJ}', 3, 1],
      ['{JAM-SB} => {BREAD-WW}', 3, 1],
      ['{BREAD-WW} => {JAM-SB}', 3, 3 / 4],
      ['{TEA-LJ} => {CUP-ZS}', 3, 3 / 4],
      ['{COFFEE-YN} => {MILK-1L}', 4 / 3, 2 / 3],
      ['{MILK-1L} => {COFFEE-YN}', 4 / 3, 1 / 3],
      ['{BREAD-WW} => {MILK-1L}', 1, 1 / 2],
      ['{MILK-1L} => {BREAD-WW}', 1, 1 / 3],
    ]);

    const text = await both('rules', '--min-support', '0.1', '--min-confidence', '0.3', '--min-len', '2', '--sort', 'confidence', '--limit', '2');
    expect(text).toBe(
      [
        '10 rules from 12 baskets at sku level (support ≥ 0.1 = 2 baskets, confidence ≥ 0.3, 2–10 items), by confidence, first 2:',
        '{FILTER-P} => {COFFEE-YN}  support 0.166667  confidence 1.0000  lift 4.0000  leverage 0.125000  conviction Inf  count 2',
        '{CUP-ZS} => {TEA-LJ}  support 0.250000  confidence 1.0000  lift 3.0000  leverage 0.166667  conviction Inf  count 3',
      ].join('\n'),
    );
  });

  it('rules: store, channel, dates, segment and level filter the orders as the API does', async () => {
    // SH01: K01–K04, K08, K10, K12 (7 baskets); TEA in 4, CUP in 3, together in 3.
    const sh = JSON.parse(await both('rules', '--store', 'SH01', '--min-support', '0.4', '--min-confidence', '0.5', '--min-len', '2', '--json'));
    expect(sh).toMatchObject({ baskets: 7, minCount: 3, total: 2 });
    expect(sh.rules.map((r: { lhs: string[]; rhs: string; lift: number }) => [r.lhs, r.rhs, r.lift])).toEqual([
      [['CUP-ZS'], 'TEA-LJ', 7 / 4],
      [['TEA-LJ'], 'CUP-ZS', 7 / 4],
    ]);
    // pos and online, repeatable and comma-separated alike: all but K10.
    const ch = JSON.parse(await both('rules', '--channel', 'pos', '--channel', 'online', '--min-support', '0.5', '--min-confidence', '0', '--json'));
    const ch2 = JSON.parse(await both('rules', '--channel', 'pos,online', '--min-support', '0.5', '--min-confidence', '0', '--json'));
    expect(ch.baskets).toBe(11);
    expect(ch2).toEqual(ch);
    // 1–6 March: K01–K06.
    const days = JSON.parse(await both('rules', '--from-date', '2026-03-01', '--to-date', '2026-03-06', '--min-support', '0.5', '--min-confidence', '0', '--json'));
    expect(days).toMatchObject({ baskets: 6 });
    // VIP members: K01, K03, K08.
    const vip = JSON.parse(await both('rules', '--segment', 'vip', '--min-support', '0.6', '--min-confidence', '0', '--min-len', '2', '--json'));
    expect(vip).toMatchObject({ baskets: 3, minCount: 2 });
    expect(vip.rules.map((r: { lhs: string[]; rhs: string; lift: number }) => [r.lhs, r.rhs, r.lift])).toEqual([
      [['CUP-ZS'], 'TEA-LJ', 3 / 2],
      [['TEA-LJ'], 'CUP-ZS', 3 / 2],
    ]);
    // Brand level: 桃李 is BREAD and JAM, 云啡 COFFEE and FILTER — K09 holds 云啡 and 光明.
    const brand = JSON.parse(await both('rules', '--level', 'brand', '--min-support', '0.15', '--min-confidence', '0.5', '--min-len', '2', '--json'));
    expect(brand).toMatchObject({ baskets: 12, items: 5, level: 'brand' });
    expect(brand.rules.map((r: { lhs: string[]; rhs: string; count: number }) => [r.lhs, r.rhs, r.count])).toEqual([
      [['宜兴'], '西湖', 3],
      [['西湖'], '宜兴', 3],
      [['云啡'], '光明', 2],
      [['桃李'], '光明', 2],
    ]);
  });

  it('together and bundles', async () => {
    const tea = await both('together', '--item', 'TEA-LJ');
    expect(tea).toBe(
      [
        'Bought together with TEA-LJ, from 12 baskets at sku level (support ≥ 0.01 = 1 baskets, confidence ≥ 0), by lift:',
        'CUP-ZS  confidence 0.7500  lift 3.0000  support 0.250000  count 3',
        'MILK-1L  confidence 0.2500  lift 0.5000  support 0.083333  count 1',
      ].join('\n'),
    );
    const none = await both('together', '--item', 'NOT-SOLD');
    expect(none.split('\n')[1]).toBe('nothing: no rule {NOT-SOLD} => {y} reaches these thresholds');
    const cat = JSON.parse(await both('together', '--item', '咖啡豆', '--level', 'category', '--min-support', '0.1', '--json'));
    expect(cat).toMatchObject({ item: '咖啡豆', level: 'category', minCount: 2 });
    expect(cat.suggestions).toEqual([
      { item: '滤纸', because: ['咖啡豆'], count: 2, support: 2 / 12, confidence: 2 / 3, lift: 4 },
      { item: '牛奶', because: ['咖啡豆'], count: 2, support: 2 / 12, confidence: 2 / 3, lift: 4 / 3 },
    ]);

    const bundles = await both('bundles', '--min-support', '0.15', '--limit', '3');
    expect(bundles).toBe(
      [
        'Bundles from 12 baskets at sku level (support ≥ 0.15 = 2 baskets), by lift:',
        '{COFFEE-YN,FILTER-P}  support 0.166667  lift 4.0000  count 2',
        '{BREAD-WW,JAM-SB}  support 0.250000  lift 3.0000  count 3',
        '{CUP-ZS,TEA-LJ}  support 0.250000  lift 3.0000  count 3',
      ].join('\n'),
    );
    const bySupport = JSON.parse(await both('bundles', '--min-support', '0.15', '--sort', 'support', '--min-lift', '1.2', '--json'));
    expect(bySupport.bundles.map((b: { items: string[] }) => b.items.join('+'))).toEqual(['BREAD-WW+JAM-SB', 'CUP-ZS+TEA-LJ', 'COFFEE-YN+FILTER-P', 'COFFEE-YN+MILK-1L']);
  });

  it('refuses bad flags by name, before reaching the database; an unknown segment named as --segment both ways', async () => {
    const refused = async (args: string[], message: string, code = 2) => {
      const r = await kemai(direct, ...args);
      expect(r.error?.message).toBe(message);
      expect(r.error?.exitCode).toBe(code);
      expect(r.out).toBe('');
    };
    const base = ['--min-support', '0.1', '--min-confidence', '0.3'];
    await refused(['rules', ...base, '--from-date', '2026-02-30'], '--from-date: not a date (YYYY-MM-DD): 2026-02-30');
    await refused(['rules', ...base, '--to-date', 'March'], '--to-date: not a date (YYYY-MM-DD): March');
    await refused(['rules', ...base, '--from-date', '2026-03-05', '--to-date', '2026-03-01'], '--from-date (2026-03-05) is after --to-date (2026-03-01)');
    await refused(['rules', ...base, '--channel', 'pos,shop'], '--channel: shop is not one of pos, online, miniprogram, app, wechat, marketplace, phone, other');
    await refused(['rules', ...base, '--level', 'sku,brand'], '--level: sku, category or brand, got sku,brand');
    await refused(['rules', ...base, '--limit', '5000'], '--limit: at most 1000 from the database, got 5000');
    await refused(['rules', ...base, '--format', 'baskets'], '--format goes with --from FILE');
    await refused(['rules', ...base, '--from', 'x.csv', '--store', 'SH01'], "--store reads the database's orders: leave out --from");
    await refused(['rules', '--min-support', '0', '--min-confidence', '0.3'], '--min-support: a fraction above 0 up to 1 (e.g. 0.01 = 1%), got 0');
    await refused(['together', '--item', 'TEA-LJ', '--sort', 'count'], '--sort: lift, confidence, support, got count');
    await refused(['bundles', '--min-size', '3', '--max-size', '2'], '--max-size (2) is below --min-size (3)');
    await refused(['bundles', '--min-lift', '-1'], '--min-lift: a number from 0, got -1');
    for (const backend of [direct, remote]) {
      const r = await kemai(backend, 'rules', ...base, '--segment', 'gold');
      expect(r.error?.message).toBe('--segment: no segment gold');
      expect(r.error?.exitCode).toBe(1);
    }
  });
});

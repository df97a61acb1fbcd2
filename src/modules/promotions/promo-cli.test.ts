import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../app/kemai.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase } from '../../platform/db/database.js';
import { createLogger } from '../../platform/logger.js';
import { OrderInput } from '../orders/index.js';
import { runKemai } from '../../../tests/support/kemai-process.js';
import { inHoldout } from './domain/eligibility.js';
import type { CouponTemplateInput } from './promotions.schemas.js';

/** The real `kemai promo list|simulate|issue|results` in child processes on an embedded database. */
describe('kemai promo', () => {
  let dir: string;
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off', PORT: '0' });
  const run = (args: string[]) => runKemai(['promo', ...args], env(), dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-promo-cli-'));
    const config = loadConfig({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai' });
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    try {
      const p = await kemai.promotions.create(
        {
          code: 'FULL300',
          name: '满300减50',
          status: 'active',
          definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }] } },
          startsAt: '2026-05-01T00:00:00+08:00',
          endsAt: '2026-06-01T00:00:00+08:00',
          holdoutPercent: 50,
        },
        'test',
      );
      await kemai.promotions.create({ code: 'DRAFT5', name: '九五折草稿', definition: { rule: { kind: 'percent', percent: 5 } } }, 'test');
      // Buyers in May: two treated (300, 100) and two held out (200, 60) by the promotion's stable draw.
      const ids: string[] = [];
      for (let i = 0; i < 5 || ids.filter((c) => inHoldout(p.id, c, 50)).length < 2 || ids.filter((c) => !inHoldout(p.id, c, 50)).length < 2; i++) {
        const [r] = await kemai.orders.ingestOrders(
          [OrderInput.parse({ channel: 'pos', externalId: `PRE-${i}`, placedAt: '2026-01-05T10:00:00+08:00', customer: { memberNo: `M${i}` }, lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: '1.00' }] })],
          { source: 'api' },
        );
        ids.push(r!.customerId!);
      }
      const treated = ids.filter((c) => !inHoldout(p.id, c, 50)).slice(0, 2);
      const held = ids.filter((c) => inHoldout(p.id, c, 50)).slice(0, 2);
      const amounts: Array<[string, string]> = [
        [treated[0]!, '300.00'],
        [treated[1]!, '100.00'],
        [held[0]!, '200.00'],
        [held[1]!, '60.00'],
      ];
      for (const [i, [customer, amount]] of amounts.entries())
        await kemai.orders.ingestOrders(
          [OrderInput.parse({ channel: 'pos', externalId: `MAY-${i}`, placedAt: '2026-05-10T10:00:00+08:00', customer: { id: customer }, lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: amount }] })],
          { source: 'api' },
        );
      await kemai.coupons.createTemplate({ code: 'WELCOME5', name: '5元无门槛', definition: { rule: { kind: 'fixed', offFen: 500 } }, validDays: 30 } as CouponTemplateInput, 'test');
      await kemai.segments.lists.createStatic({ code: 'vip_list', name: 'VIP名单', of: 'id', content: ids.slice(0, 5).join('\n') }, 'test');
    } finally {
      await kemai.close();
    }
    fs.writeFileSync(
      path.join(dir, 'cart.json'),
      JSON.stringify({
        channel: 'pos',
        storeCode: 'S1',
        at: '2026-05-10T12:00:00+08:00',
        lines: [
          { sku: 'SKU-A', quantity: 2, unitPrice: '199.00' },
          { sku: 'SKU-B', quantity: 1, unitPrice: '59.00' },
        ],
      }),
    );
    fs.writeFileSync(path.join(dir, 'bad-cart.json'), JSON.stringify({ channel: 'shop', lines: [] }));
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the promotions, newest first, with a status filter', async () => {
    const all = await run(['list']);
    expect(all.code, all.err).toBe(0);
    expect(all.out.split('\n')).toEqual([
      'DRAFT5   draft   … → …                         0 uses  九五折草稿',
      'FULL300  active  2026-05-01 → 2026-06-01       0 uses  满300减50',
      '',
    ]);
    const active = await run(['list', '--status', 'active', '--json']);
    expect(JSON.parse(active.out).items.map((p: { code: string }) => p.code)).toEqual(['FULL300']);
    expect((await run(['list', '--status', 'ended'])).out).toBe('No ended promotions.\n');
    const bad = await run(['list', '--status', 'live']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--status: one of draft, active, paused, ended');
  }, 180_000);

  it('prints the results against the holdout', async () => {
    const res = await run(['results', 'FULL300']);
    expect(res.code, res.err).toBe(0);
    // Treated [300, 100] yuan, holdout [200, 60]: +70.00 a customer, Welch df 1.79 (scipy: −518.81 … +658.81), × 2 treated.
    expect(res.out.split('\n')).toEqual([
      'FULL300 满300减50 (active), 2026-05-01 → 2026-06-01',
      '  uses              0 by 0 customers',
      '  discount cost     ¥0.00',
      '  revenue           ¥0.00 in 0 orders',
      '  average order     — with it (0 orders), ¥165.00 without (4 orders)',
      'Against the holdout (50 % of the buyers in the window):',
      '  customers         treated 2, holdout 2',
      '  conversion        100.0 % vs 100.0 %: +0.0 pts (95 % CI +0.0 pts … +0.0 pts)',
      '  revenue/customer  ¥200.00 vs ¥130.00: +¥70.00 (95 % CI −¥518.81 … +¥658.81)',
      '  incremental revenue +¥140.00 (95 % CI −¥1037.62 … +¥1317.62)',
      '',
    ]);
    const json = JSON.parse((await run(['results', 'FULL300', '--from', '2026-05-10', '--to', '2026-05-11', '--json'])).out);
    expect(json).toMatchObject({ from: '2026-05-09T16:00:00.000Z', to: '2026-05-10T16:00:00.000Z', holdout: { incrementalRevenueFen: 14000 } });
    const missing = await run(['results', 'NOPE']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('NOPE');
  }, 180_000);

  it('issues a template to a segment by name, then skips those who already hold one', async () => {
    const first = await run(['issue', '--segment', 'VIP名单', '--template', 'WELCOME5']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/^Issued WELCOME5 to segment VIP名单: 5 issued, 0 held out, 0 skipped \(run [0-9a-f-]{36}\)\n$/);
    const again = await run(['issue', '--segment', 'vip_list', '--template', 'WELCOME5', '--holdout', '0']);
    expect(again.out).toMatch(/^Issued WELCOME5 to segment VIP名单: 0 issued, 0 held out, 5 skipped \(run [0-9a-f-]{36}\)\n$/);
    for (const [args, message, code] of [
      [['--segment', 'VIP名单', '--template', 'WELCOME5', '--holdout', '95'], '--holdout: a whole percent from 0 to 90', 2],
      [['--segment', 'nobody', '--template', 'WELCOME5'], '--segment: no segment nobody', 1],
      [['--segment', 'vip_list', '--template', 'NOPE'], 'NOPE', 1],
    ] as const) {
      const res = await run(['issue', ...args]);
      expect(res.code, res.out).toBe(code);
      expect(res.err).toContain(message);
    }
  }, 180_000);

  it('prices a cart file as a receipt, and refuses a bad cart naming the fields', async () => {
    const res = await run(['simulate', '--cart', 'cart.json']);
    expect(res.code, res.err).toBe(0);
    const quote = JSON.parse((await run(['simulate', '--cart', 'cart.json', '--json'])).out);
    // 457.00: 满300减50, split 398 : 59 → 43.54 and 6.46 (4354.49 and 645.51, the fen left to the larger remainder).
    expect(quote).toMatchObject({ subtotalFen: 45700, discountFen: 5000, totalFen: 40700, payableFen: 40700 });
    expect(res.out.split('\n')).toEqual([
      'pos S1, guest, priced at 2026-05-10T04:00:00.000Z',
      '  1  SKU-A    2 ×    199.00      398.00      −43.54      354.46',
      '  2  SKU-B    1 ×     59.00       59.00       −6.46       52.54',
      'Discounts:',
      '  promotion FULL300 满300减50: −50.00 (≥ ¥300.00)',
      'Subtotal 457.00',
      'Discount −50.00',
      'Total 407.00',
      'Payable 407.00',
      'Explanation:',
      ...quote.explanation.en.map((e: string) => `  ${e}`),
      '',
    ]);
    expect(quote.explanation.en.length).toBeGreaterThan(0);
    const bad = await run(['simulate', '--cart', 'bad-cart.json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('bad-cart.json: not a cart');
    expect(bad.err).toContain('  channel: ');
    expect(bad.err).toContain('  lines: ');
  }, 180_000);
});

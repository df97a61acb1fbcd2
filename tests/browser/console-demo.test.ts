import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { openBrowser, skipReason, type Browser } from '../support/browser.js';
import { query } from '../../src/platform/db/database.js';
import { DemoOptionsInput, DemoService } from '../../src/modules/demo/index.js';

/** The console on the demo brand (`kemai demo`): find one of its customers by phone and open the 360. */
describe.skipIf(skipReason)('console on the demo data', () => {
  let t: TestApp;
  let b: Browser;
  let base: string;
  const ADMIN = { username: 'demo.admin', displayName: '演示管理员', password: 'Kemai-Demo-2026', role: 'admin' as const };

  beforeAll(async () => {
    t = await createTestApp();
    await new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers }).seed(
      DemoOptionsInput.parse({ customers: 300, seed: 'browser' }),
      undefined,
      new Date('2025-11-30T12:00:00+08:00'),
    );
    await t.kemai.access.createStaff(ADMIN);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    b = await openBrowser();
  }, 180_000);
  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('finds the demo customer with the most orders by phone and shows the same figures as the database', async () => {
    // The person with the most non-cancelled orders, their phone, name and order count, straight from the tables.
    const [who] = await query<{ id: string; phone: string; name: string; orders: number }>(
      t.kemai.database.db,
      sql`select c.id, c.name, count(*)::int as orders, p.value as phone
          from orders.orders o
          join customers.customers c on c.id = o.customer_id
          join lateral (select i.value from customers.identifiers i where i.customer_id = c.id and i.type = 'phone'
                        order by i.is_primary desc, i.created_at limit 1) p on true
          where o.status <> 'cancelled' and c.status = 'active' and c.name is not null
          group by c.id, c.name, p.value
          order by count(*) desc, c.id limit 1`,
    );
    expect(who!.orders).toBeGreaterThan(1);
    const { page } = b;
    await page.goto(base);
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page.locator('.user-name').waitFor();
    await page.goto(`${base}/customers`);
    // Typed the way a person reads it off a receipt: the local number with spaces.
    const local = who!.phone.replace(/^\+86/, '');
    await page.getByRole('searchbox').fill(`${local.slice(0, 3)} ${local.slice(3, 7)} ${local.slice(7)}`);
    await page.getByRole('searchbox').press('Enter');
    const row = page.locator('table.table tbody tr');
    await page.locator('.card-head h2', { hasText: local.slice(0, 3) }).waitFor();
    // The list shows a spinner until this search's page arrives; then exactly one person.
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe(who!.name);
    expect(cells[4]).toBe(String(who!.orders));
    await b.shot('demo-search-zh');
    await row.getByRole('link', { name: who!.name }).click();
    await page.getByTestId('customer-name').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${who!.id}`);
    expect(await page.getByTestId('stat-orders').textContent()).toBe(String(who!.orders));
    await b.shot('demo-customer-360-zh');
  }, 120_000);
});

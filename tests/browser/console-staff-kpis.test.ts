import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { skipReason } from '../support/browser.js';
import { demoBrowser, signIn, type DemoBrowser } from '../support/demo-browser.js';

/**
 * The 门店与导购 (stores and guides) page on the demo brand in Debian's chromium: per-store KPIs with target badges, the
 * chart against 90 %, the leaderboard; a store manager sees their own store only.
 */
if (skipReason) console.warn(`staff KPI browser tests skipped: ${skipReason}`);

const ANALYST = { username: 'zhao.analyst', displayName: '赵分析', password: 'Kemai-Analyst-2025', role: 'analyst' as const };
const MANAGER = { username: 'qian.manager', displayName: '钱店长', password: 'Kemai-Manager-2025', role: 'store_manager' as const };
// The demo brand's orders run up to 30 November 2025: its last full week.
const WEEK = '2025-W47';

describe.skipIf(skipReason)('stores and guides console page in a browser', () => {
  let d: DemoBrowser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    d = await demoBrowser({ seed: 'staff-kpis-browser', customers: 80, staff: [ANALYST, MANAGER] });
    ({ page, base } = d);
    const r = await d.t.app.inject({ method: 'PATCH', url: `/api/v1/staff/${MANAGER.username}`, headers: d.t.admin, payload: { storeCode: 'SH01' } });
    expect(r.statusCode, r.body).toBe(200);
  }, 300_000);
  afterAll(async () => d?.close());

  const pick = async () => {
    await page.locator('input[type=week]').fill(WEEK);
    await page.locator('[data-testid=kpi-table] tbody tr').first().waitFor();
  };
  const noMissingKeys = async () => {
    const text = await page.locator('body').innerText();
    expect(text.match(/\bstaffKpis\.[a-zA-Z_.]+/g) ?? []).toEqual([]);
  };

  it('an analyst sees every store’s KPIs for the chosen week, with the leaderboard', async () => {
    await signIn(page, base, ANALYST);
    await page.goto(`${base}/staff/kpis`);
    await page.locator('[data-testid=staff-kpis-page] h1').waitFor();
    expect(await page.locator('h1').innerText()).toBe('门店与导购');
    await pick();
    const api = await d.t.app.inject({ url: `/api/v1/staff/kpis?period=${WEEK}&groupBy=store`, headers: d.t.admin });
    const stores = api.json().items as Array<{ key: string; customersServed: number }>;
    const rows = page.locator('[data-testid=kpi-table]').first().locator('tbody tr');
    expect(await rows.count()).toBe(stores.length);
    const busiest = [...stores].sort((a, b) => b.customersServed - a.customersServed)[0]!;
    expect(busiest.customersServed).toBeGreaterThan(0);
    const cells = await page.locator(`[data-testid=kpi-table] tr[data-key="${busiest.key}"] td`).allInnerTexts();
    expect(cells[0]).toBe(busiest.key);
    expect(cells[1]).toBe(String(busiest.customersServed));
    await page.locator('[data-testid=leaderboard]').waitFor();
    await noMissingKeys();
    await d.browser.shot('staff-kpis-analyst');
    await page.locator('.topbar button.btn-ghost').click();
    await page.locator('input[name=username]').waitFor();
  }, 120_000);

  it('a store manager sees their own store only', async () => {
    await signIn(page, base, MANAGER);
    await page.goto(`${base}/staff/kpis`);
    await page.locator('[data-testid=staff-kpis-page] h1').waitFor();
    await pick();
    const keys = await page.locator('[data-testid=kpi-table]').first().locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    expect(keys).toEqual(['SH01']);
    expect(await page.locator('select[aria-label]').count()).toBe(1); // the metric picker only, no store picker
    await noMissingKeys();
    await d.browser.shot('staff-kpis-manager');
  }, 120_000);
});

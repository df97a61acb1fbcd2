import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedInsightsBrand } from '../support/insights-brand.js';
import { openBrowser, skipReason, type Browser } from '../support/browser.js';

/**
 * The dashboard and the orders list in Debian's chromium against the real server, on the hand-built
 * brand of tests/support/insights-brand.ts (figures worked out there and in the insights tests).
 */
if (skipReason) console.warn(`dashboard browser tests skipped: ${skipReason}`);

const ADMIN = { username: 'wu.admin', displayName: '吴管理', password: 'Kemai-Admin-2025' };

describe.skipIf(skipReason)('dashboard and orders in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;

  const shot = (name: string) => browser.shot(name);
  const kpi = (key: string) => page.locator(`[data-kpi=${key}]`);
  const kpiValue = (key: string) => kpi(key).locator('.kpi-value').textContent();
  const kpiDelta = (key: string) => kpi(key).locator('.delta').textContent();
  const chartsDrawn = () => page.locator('.chart canvas').nth(3).waitFor();

  beforeAll(async () => {
    t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' });
    await seedInsightsBrand(t);
    await t.kemai.access.createStaff({ ...ADMIN, role: 'admin' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await openBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the last 30 days of data with exact, formatted figures (Chinese)', async () => {
    await page.goto(`${base}/`);
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page.getByRole('heading', { name: '经营概览' }).waitFor();
    await chartsDrawn();
    // 2025-10-13 – 11-11 (the latest order's day) against 09-13 – 10-12.
    expect(await page.getByTestId('dash-period').innerText()).toBe('2025/10/13 至 2025/11/11环比上期：2025/09/13 至 2025/10/12');
    expect(await page.locator('.dash-kpi .kpi-label').allTextContents()).toEqual([
      '会员总数', '活跃会员（近 90 天）', '新增会员', '复购率', '销售额', '订单数', '客单价', '会员销售占比',
    ]);
    expect(await page.locator('.dash-kpi .kpi-value').allTextContents()).toEqual([
      '3', // A, B, C
      '3',
      '2', // A (10-25), B (11-03)
      '33.3%', // A bought three times, B and C once
      '¥1,440.00', // 100 + 200 + 300 + 150 + 80 + 40 + 70 + 500
      '8',
      '¥180.00',
      '57.6%', // 830.00 of 1,440.00 by members
    ]);
    expect(await kpiDelta('members')).toBe('▲上升 200%'); // C alone by 10-12
    expect(await kpiDelta('revenueFen')).toBe('上期无数据');
    expect(await kpi('members').locator('.dash-kpi-was').textContent()).toBe('上期 1');
    await shot('dashboard-zh');
  });

  it('switches to the last 7 days and to last year', async () => {
    await page.getByRole('button', { name: '近 7 天' }).click();
    await page.getByTestId('dash-period').filter({ hasText: '2025/11/05 至 2025/11/11' }).waitFor();
    expect(new URL(page.url()).search).toBe('?range=7');
    // 11-05 – 11-11: A3 300 + G2 70 + C2 80 + G3 500; 10-29 – 11-04: G1 40 + A2 200 + B1 150.
    expect(await kpiValue('revenueFen')).toBe('¥950.00');
    expect(await kpiDelta('revenueFen')).toBe('▲上升 143.6%');
    expect(await kpiValue('orders')).toBe('4');
    expect(await kpiDelta('orders')).toBe('▲上升 33.3%');
    expect(await kpiValue('memberSalesShare')).toBe('40%'); // 380.00 of 950.00
    expect(await kpiDelta('memberSalesShare')).toBe('▼下降 49.7 个百分点'); // 350/390 = 89.7% before
    await page.getByRole('button', { name: '同比去年' }).click();
    await page.getByTestId('dash-period').filter({ hasText: '同比去年：2024/11/05 至 2024/11/11' }).waitFor();
    expect(await kpiDelta('revenueFen')).toBe('上期无数据');
    await page.getByRole('button', { name: '环比上期' }).click();
    await page.getByTestId('dash-period').filter({ hasText: '环比上期' }).waitFor();
  });

  it('picks a custom period', async () => {
    await page.getByRole('button', { name: '自定义' }).click();
    await page.getByLabel('开始日期').fill('2025-11-01');
    await page.getByLabel('结束日期').fill('2025-11-10');
    await page.getByRole('button', { name: '确定' }).click();
    await page.getByTestId('dash-period').filter({ hasText: '2025/11/01 至 2025/11/10' }).waitFor();
    expect(await kpiValue('revenueFen')).toBe('¥800.00');
    expect(await kpiValue('activeMembers')).toBe('3');
    expect(await kpiValue('newMembers')).toBe('1');
  });

  it('clicks a figure through to the customers behind it', async () => {
    await kpi('activeMembers').click();
    await page.waitForURL((u) => u.pathname === '/customers');
    expect(new URL(page.url()).searchParams.get('active')).toBe('90d');
    expect(new URL(page.url()).searchParams.get('asOf')).toBe('2025-11-10');
    await page.locator('table.table tbody tr').nth(2).waitFor();
    expect(await page.locator('table.table tbody tr').count()).toBe(3);
    await page.goBack();
    await page.getByRole('heading', { name: '经营概览' }).waitFor();
  });

  it('clicks orders through to the orders list and sorts it', async () => {
    await kpi('orders').click();
    await page.waitForURL((u) => u.pathname === '/orders');
    expect(new URL(page.url()).search).toBe('?from=2025-11-01&to=2025-11-10');
    const rows = page.locator('table.table tbody tr');
    await rows.nth(4).waitFor();
    // Newest first: C2, G2, A3, B2 (cancelled, still listed), B1, A2.
    expect(await page.locator('.card-head .muted').textContent()).toBe('共 6 单');
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['C2', 'G2', 'A3', 'B2', 'B1', 'A2']);
    expect(await rows.first().locator('td').allTextContents()).toEqual([
      '2025/11/10 23:30', 'C2', '小程序', '—', '查看档案', '1', '¥80.00', '—', '已完成',
    ]);
    await page.getByRole('button', { name: '实付金额' }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'paid');
    // The previous page stays on screen until the sorted one arrives: wait for the new first row.
    await page.locator('tbody tr:first-child td:nth-child(7)', { hasText: '¥70.00' }).waitFor();
    expect(await rows.locator('td:nth-child(7)').allTextContents()).toEqual(['¥70.00', '¥80.00', '¥150.00', '¥200.00', '¥300.00', '¥999.00']);
    await page.getByRole('button', { name: '实付金额' }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === '-paid');
    await page.locator('tbody tr:first-child td:nth-child(7)', { hasText: '¥999.00' }).waitFor();
    await page.locator('select[name=channel]').selectOption('pos');
    await page.locator('.card-head .muted', { hasText: '共 3 单' }).waitFor();
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['A2', 'B1', 'G2']);
    await shot('orders-zh');
    await rows.filter({ hasText: 'A2' }).getByRole('link', { name: '查看档案' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/customers/'));
    await page.getByTestId('customer-name').waitFor();
  });

  it('reads the same in English, on a laptop and a tablet', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.goto(`${base}/?range=30`);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await chartsDrawn();
    expect(await page.locator('.dash-kpi .kpi-label').allTextContents()).toEqual([
      'Members', 'Active members (90 days)', 'New members', 'Repurchase rate', 'Revenue', 'Orders', 'Average order value', 'Member share of sales',
    ]);
    expect(await kpiValue('revenueFen')).toBe('¥1,440.00');
    expect(await kpiDelta('members')).toBe('▲up 200%');
    await shot('dashboard-en');
    await page.setViewportSize({ width: 820, height: 1180 });
    await page.waitForTimeout(300);
    await shot('dashboard-tablet-en');
    // Nothing wider than the window at tablet width.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
    await page.goto(`${base}/orders?from=2025-10-01&to=2025-11-30`);
    await page.locator('table.table tbody tr').nth(8).waitFor();
    expect(await page.locator('.card-head .muted').textContent()).toBe('9 orders');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(820);
    await shot('orders-tablet-en');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.waitForTimeout(300);
    await shot('orders-en');
  });
});

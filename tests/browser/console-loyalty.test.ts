import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { openBrowser, SHOTS, skipReason, type Browser } from '../support/browser.js';

/**
 * The loyalty pages (programme rules, tiers, points liability) and the membership card and points
 * statement on the customer 360, in Debian's chromium against the real server. Points come from
 * real orders through the real subscribers (default programme: 10 points per ¥100, floored per
 * order, 7 days pending; default tiers: explorer 0 / follower 1,000 / advocate 5,000 growth, 1 per ¥1).
 */
if (skipReason) console.warn(`loyalty browser tests skipped: ${skipReason}`);

const ADMIN = { username: 'wu.admin', displayName: '吴管理', password: 'Kemai-Admin-2025' };
const ANALYST = { username: 'he.analyst', displayName: '何分析', password: 'Kemai-Analyst-2025' };
const DAY = 86_400_000;

describe.skipIf(skipReason)('loyalty console in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let lin: string;

  const shot = async (name: string) => {
    // From the top: a full-page shot of a scrolled page draws the sticky bars mid-page.
    await page.evaluate('window.scrollTo(0, 0)');
    return browser.shot(name);
  };
  /** A dialog: the window as a person sees it (a full-page shot draws the backdrop over the window only). */
  const shotWindow = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png` });
  const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
  const ymd = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const text = (testId: string) => page.getByTestId(testId).innerText();

  async function order(externalId: string, customer: Record<string, string>, placedAt: string, unitPrice: string) {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: t.admin,
      payload: { channel: 'pos', externalId, storeCode: 'SH01', placedAt, customer, lines: [{ sku: 'DRESS-01', quantity: 1, unitPrice }] },
    });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return (r.json() as { customerId: string }).customerId;
  }

  beforeAll(async () => {
    t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' });
    // 林晓雯: ¥1,288 forty days ago (128 points, released) and ¥399 two days ago (39 pending); growth 1,687 → follower.
    lin = await order('L-1', { phone: '13800000001', name: '林晓雯' }, ago(40), '1288.00');
    await order('L-2', { phone: '13800000001' }, ago(2), '399.00');
    // 陈思远: ¥5,600 (560 points; growth 5,600 → advocate). 周可: ¥80 (8 points; explorer).
    await order('C-1', { phone: '13800000002', name: '陈思远' }, ago(40), '5600.00');
    await order('Z-1', { phone: '13800000003', name: '周可' }, ago(40), '80.00');
    const badge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/loyalty/badges',
      headers: t.admin,
      payload: { code: 'first-order', name: '首单达人', rule: { source: 'orders', count: 1, period: 'ever' } },
    });
    expect(badge.statusCode, badge.body).toBe(201);
    await t.kemai.events.drain();
    const evaluated = await t.app.inject({ method: 'POST', url: '/api/v1/loyalty/badges/evaluate', headers: t.admin, payload: {} });
    expect(evaluated.statusCode, evaluated.body).toBe(200);
    await t.kemai.access.createStaff({ ...ADMIN, role: 'admin' });
    await t.kemai.access.createStaff({ ...ANALYST, role: 'analyst' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await openBrowser({ width: 1366, height: 900 });
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the membership card with the exact balance, tier progress, badge and referral code (Chinese)', async () => {
    await page.goto(`${base}/`);
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page.getByRole('heading', { name: '经营概览' }).waitFor();
    expect(await page.locator('.nav-group').allTextContents()).toContain('会员忠诚度');
    expect(await page.locator('nav .nav-item .nav-label').allTextContents()).toEqual(
      expect.arrayContaining(['积分规则', '会员等级', '积分负债']),
    );

    await page.goto(`${base}/customers/${lin}`);
    await page.getByTestId('customer-name').waitFor();
    await page.getByTestId('points-available').waitFor();
    expect(await text('points-available')).toBe('128');
    expect(await text('points-pending')).toBe('39');
    expect(await text('points-held')).toBe('0');
    expect(await page.getByTestId('membership').getByText('可抵 ¥1.28').count()).toBe(1);
    await page.getByTestId('member-tier').waitFor();
    expect(await text('member-tier')).toBe('追随者');
    expect(await text('tier-progress')).toBe('再累积 3,313 成长值 升级为倡导者');
    expect(await text('member-badges')).toContain('首单达人');
    expect(await text('referral-code')).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);

    const rows = page.getByTestId('points-statement').locator('tbody tr');
    await rows.first().waitFor();
    // Newest first: the ¥399 order (pending for 7 days), then the ¥1,288 order (its 7 days long past: available at once).
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['获得', '获得']);
    expect(await rows.locator('[data-testid=running-balance]').allTextContents()).toEqual(['128', '128']);
    expect(await rows.first().locator('td:nth-child(4)').innerText()).toBe('冻结 +39');
    expect(await rows.first().locator('td:nth-child(3)').innerText()).toContain('订单');
    await shot('loyalty-360-zh');
  });

  it('adjusts points: a refusal next to the field, then the new balance and the statement line', async () => {
    await page.getByRole('button', { name: '调整积分' }).click();
    const dialog = page.getByRole('dialog', { name: '调整积分' });
    await dialog.locator('input[name=points]').fill('-500');
    await dialog.getByRole('button', { name: '保存调整' }).click();
    // No reason: refused in the form, nothing sent.
    expect(await dialog.locator('.field-error').allTextContents()).toEqual(['请填写原因']);
    await dialog.locator('input[name=reason]').fill('门店活动补偿');
    await dialog.getByRole('button', { name: '保存调整' }).click();
    // More than the balance: the API's refusal, next to the points.
    await dialog.locator('.field-error', { hasText: '可用积分只有 128' }).waitFor();
    await shotWindow('loyalty-adjust-refused-zh');
    await dialog.locator('input[name=points]').fill('50');
    await dialog.getByRole('button', { name: '保存调整' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('points-available').filter({ hasText: '178' }).waitFor();
    const first = page.getByTestId('points-statement').locator('tbody tr').first();
    await first.filter({ hasText: '门店活动补偿' }).waitFor();
    expect(await first.locator('td:nth-child(2)').innerText()).toBe('调整');
    expect(await first.locator('td:nth-child(3)').innerText()).toContain('员工 · 门店活动补偿');
    expect(await first.locator('td:nth-child(4)').innerText()).toBe('+50');
    expect(await first.locator('[data-testid=running-balance]').innerText()).toBe('178');
    expect(await page.getByTestId('points-statement').locator('.card-head .muted').innerText()).toBe('共 3 条');
  });

  it('shows the tiers with member counts and runs a review dry run', async () => {
    await page.getByRole('link', { name: '会员等级' }).click();
    await page.getByRole('heading', { name: '会员等级', level: 1 }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await text('tier-count-explorer')).toBe('1');
    expect(await text('tier-count-follower')).toBe('1');
    expect(await text('tier-count-advocate')).toBe('1');
    expect(await text('tier-members-total')).toBe('3');
    expect(await page.locator('[data-tier=follower]').innerText()).toContain('1,000 成长值 起');
    expect(await page.locator('[data-tier=advocate]').innerText()).toContain('会员折扣 5%');
    await page.getByTestId('review-dry-run').click();
    await page.getByTestId('review-result').waitFor();
    expect(await page.getByTestId('review-result').innerText()).toContain('试运行：没有改动任何数据。');
    expect(await page.getByTestId('tier-sets').innerText()).toContain('探索者 → 追随者 → 倡导者');
    await shot('loyalty-tiers-zh');
  });

  it('shows the points liability by expiry month and counts the nightly expiry', async () => {
    await page.getByRole('link', { name: '积分负债' }).click();
    await page.getByRole('heading', { name: '积分负债' }).waitFor();
    // 128 + 39 pending + 560 + 8 + 50 adjusted = 785 points; 100 points = ¥1.
    expect(await text('liability-outstanding')).toBe('785');
    expect(await text('liability-available')).toBe('746');
    expect(await text('liability-pending')).toBe('39');
    expect(await text('liability-cash')).toBe('¥7.85');
    await page.locator('.chart canvas').first().waitFor();
    const months = await page.getByTestId('liability-months').locator('tbody td:nth-child(2)').allTextContents();
    expect(months.map((m) => Number(m.replace(/,/g, ''))).reduce((a, b) => a + b, 0)).toBe(785);
    // Far in the future every award has lapsed (24 months): the dry run counts them and changes nothing.
    await page.locator('input[name=asOf]').fill('2035-01-01');
    await page.getByTestId('expiry-dry-run').click();
    await page.getByTestId('expiry-result').waitFor();
    // Five awards: 128, 560, 8 and the +50 adjustment available, the 39 still pending, over three members.
    expect(await page.getByTestId('expiry-result').locator('dd').allTextContents()).toEqual(['746', '39', '3', '5']);
    expect(await text('liability-outstanding')).toBe('785');
    await shot('loyalty-liability-zh');
  });

  it('shows the programme rules in words and creates a version, with server errors next to their field', async () => {
    await page.getByRole('link', { name: '积分规则', exact: true }).click();
    await page.getByRole('heading', { name: '积分规则' }).waitFor();
    expect(await text('program-version')).toBe('当前使用默认规则（尚未创建版本）');
    expect(await text('rule-earn')).toBe('每实付 ¥100 得 10 积分');
    expect(await text('rule-cash')).toBe('100 积分 = ¥1');
    await shot('loyalty-program-zh');

    await page.getByRole('button', { name: '新建版本' }).click();
    const dialog = page.getByRole('dialog', { name: '新建积分规则版本' });
    await dialog.locator('input[name=earnPoints]').fill('12');
    await dialog.locator('input[name=effectiveDate]').fill(ymd(new Date(Date.now() - 3 * DAY)));
    await dialog.getByRole('button', { name: '创建版本' }).click();
    await dialog.locator('.field-error', { hasText: '不能早于现在' }).waitFor();
    expect(await dialog.locator('.settings-field.invalid > span').allTextContents()).toEqual(['生效时间']);
    await dialog.locator('input[name=effectiveDate]').fill(ymd(new Date(Date.now() + 2 * DAY)));
    await dialog.locator('input[name=pendingDays]').fill('400');
    await dialog.getByRole('button', { name: '创建版本' }).click();
    // The rules' own check (0–365 days) answers from the server, under the field it names.
    await dialog.locator('.settings-field.invalid input[name=pendingDays]').waitFor();
    expect(await dialog.locator('.field-error').allTextContents()).toEqual(['请输入 0 到 365 之间的数']);
    await shotWindow('loyalty-program-form-zh');
    await dialog.locator('input[name=pendingDays]').fill('14');
    await dialog.locator('input[name=note]').fill('双十二活动');
    await dialog.getByRole('button', { name: '创建版本' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByTestId('program-versions').locator('tbody tr').first();
    await row.waitFor();
    expect(await row.locator('td').first().innerText()).toBe('v1待生效');
    expect(await row.innerText()).toContain('每实付 ¥100 得 12 积分');
    expect(await row.innerText()).toContain('双十二活动');
    // Still the defaults until the version's day comes.
    expect(await text('rule-earn')).toBe('每实付 ¥100 得 10 积分');
    expect(await text('program-version')).toMatch(/^当前使用默认规则（尚未创建版本）\s*下一版：第 1 版，\d{4}\/\d{2}\/\d{2} 00:00 起$/);
  });

  it('reads the same in English, on a laptop and a tablet', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Programme rules' }).waitFor();
    expect(await text('rule-earn')).toBe('10 points per ¥100 paid');
    await shot('loyalty-program-en');

    await page.goto(`${base}/customers/${lin}`);
    await page.getByTestId('points-available').filter({ hasText: '178' }).waitFor();
    await page.getByTestId('member-tier').filter({ hasText: 'Follower' }).waitFor();
    expect(await text('tier-progress')).toBe('3,313 growth more to Advocate');
    const first = page.getByTestId('points-statement').locator('tbody tr').first();
    expect(await first.locator('td:nth-child(2)').innerText()).toBe('Adjustment');
    expect(await page.getByRole('heading', { name: 'Points statement' }).count()).toBe(1);
    await shot('loyalty-360-en');

    await page.goto(`${base}/loyalty/tiers`);
    await page.getByRole('heading', { name: 'Tiers', level: 1 }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('.loyalty-tier-card h3').allTextContents()).toEqual(['Explorer', 'Follower', 'Advocate']);
    expect(await text('tier-count-advocate')).toBe('1');
    await shot('loyalty-tiers-en');

    await page.goto(`${base}/loyalty/liability`);
    await page.getByRole('heading', { name: 'Points liability' }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await text('liability-cash')).toBe('¥7.85');
    await shot('loyalty-liability-en');

    await page.setViewportSize({ width: 768, height: 1024 });
    for (const [path, name] of [
      [`/customers/${lin}`, 'loyalty-360-tablet-en'],
      ['/loyalty/tiers', 'loyalty-tiers-tablet-en'],
      ['/loyalty/liability', 'loyalty-liability-tablet-en'],
      ['/loyalty/program', 'loyalty-program-tablet-en'],
    ] as const) {
      await page.goto(`${base}${path}`);
      await page.locator('h1').first().waitFor();
      await page.waitForTimeout(400);
      // Nothing wider than the window at tablet width.
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(768);
      await shot(name);
    }
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '积分规则' }).waitFor();
    await shot('loyalty-program-tablet-zh');
    await page.goto(`${base}/customers/${lin}`);
    await page.getByTestId('points-available').waitFor();
    await page.waitForTimeout(400);
    await shot('loyalty-360-tablet-zh');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('shows an analyst (loyalty:read only) the same figures without the admin and write actions', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.locator('input[name=username]').fill(ANALYST.username);
    await page.locator('input[name=password]').fill(ANALYST.password);
    await page.locator('button[type=submit]').click();
    await page.getByRole('link', { name: '积分规则', exact: true }).click();
    await page.getByRole('heading', { name: '积分规则' }).waitFor();
    expect(await page.getByRole('button', { name: '新建版本' }).count()).toBe(0);
    await page.goto(`${base}/customers/${lin}`);
    await page.getByTestId('points-available').filter({ hasText: '178' }).waitFor();
    await page.getByTestId('points-statement').locator('tbody tr').first().waitFor();
    expect(await page.getByRole('button', { name: '调整积分' }).count()).toBe(0);
    await page.goto(`${base}/loyalty/tiers`);
    await page.getByTestId('tier-count-follower').waitFor();
    expect(await text('tier-count-follower')).toBe('1');
    expect(await page.getByTestId('review-dry-run').count()).toBe(0);
    expect(await page.getByTestId('tier-sets').count()).toBe(0);
    await page.goto(`${base}/loyalty/liability`);
    expect(await text('liability-outstanding')).toBe('785');
    expect(await page.getByTestId('expiry-dry-run').count()).toBe(0);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CONSOLE_DIR } from '../../src/app/console.js';

/**
 * The console in a real browser against the real server: Debian's chromium driven by
 * playwright-core (which never downloads a browser of its own). Builds nothing: web/dist comes
 * from `npm install` (prepare).
 */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = '/tmp/kemai-shots';
const skip = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))
    ? `${CONSOLE_DIR} is missing (npm run build:web)`
    : null;
if (skip) console.warn(`console browser tests skipped: ${skip}`);

const STAFF = { username: 'lin.xiao', displayName: '林晓', password: 'Kemai-Store-2025' };
const ANALYST = { username: 'zhao.analyst', displayName: '赵分析', password: 'Kemai-Numbers-2025' };

describe.skipIf(skip)('console in a browser', () => {
  let t: TestApp;
  let base: string;
  let profileDir: string;
  let context: BrowserContext;
  let page: Page;
  let customerId: string;

  const api = async (url: string, payload: unknown) => {
    const res = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as object });
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const signIn = async (user: { username: string; password: string }) => {
    await page.locator('input[name=username]').fill(user.username);
    await page.locator('input[name=password]').fill(user.password);
    await page.locator('button[type=submit]').click();
  };
  const signOut = async () => {
    await page.locator('.topbar .btn-ghost').click();
    await page.locator('input[name=username]').waitFor();
  };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    fs.mkdirSync(SHOTS, { recursive: true });

    await t.kemai.access.createStaff({ ...STAFF, role: 'store_manager' });
    await t.kemai.access.createStaff({ ...ANALYST, role: 'analyst' });
    await api('/api/v1/stores/batch', {
      items: [
        { code: 'SH01', name: '上海南京西路店', city: '上海' },
        { code: 'BJ02', name: '北京三里屯店', city: '北京' },
      ],
    });
    await api('/api/v1/products/batch', {
      items: [
        { sku: 'A100', name: '真丝衬衫', category: '服装/女装/衬衫', listPrice: '199.00' },
        { sku: 'B200', name: '保湿面霜', category: '美妆/护肤/面霜', listPrice: '129.00' },
        { sku: 'C300', name: '有机燕麦', category: '食品/早餐/谷物', listPrice: '39.90' },
      ],
    });
    await api('/api/v1/customers', {
      phone: '13800138000',
      name: '王芳',
      gender: 'female',
      birthday: '1990-05-01',
      city: '上海',
      occupation: '设计师',
      tags: ['高价值', '护肤'],
      consents: [
        { channel: 'sms', purpose: 'marketing', status: 'granted', recordedAt: '2025-10-01T09:00:00+08:00' },
        { channel: 'wechat', purpose: 'service', status: 'granted', recordedAt: '2025-10-01T09:00:00+08:00' },
      ],
    });
    const first = await api('/api/v1/orders', {
      channel: 'pos',
      externalId: 'SH01-20251101-0001',
      storeCode: 'SH01',
      placedAt: '2025-11-01T10:00:00+08:00',
      customer: { phone: '13800138000', name: '王芳' },
      lines: [
        { sku: 'A100', quantity: 2, unitPrice: '199.00' },
        { sku: 'B200', quantity: 1, unitPrice: '129.00' },
      ],
      paidAmount: '527.00',
    });
    customerId = first.customerId;
    await api('/api/v1/orders', {
      channel: 'miniprogram',
      externalId: 'MP-20251111-0042',
      placedAt: '2025-11-11T20:15:00+08:00',
      customer: { phone: '+86 138 0013 8000', memberNo: 'M000123' },
      lines: [{ sku: 'C300', quantity: 3, unitPrice: '39.90' }],
      paidAmount: '119.70',
    });
    await api('/api/v1/returns', {
      channel: 'pos',
      externalId: 'SH01-R-0001',
      order: { channel: 'pos', externalId: 'SH01-20251101-0001' },
      returnedAt: '2025-11-03T15:00:00+08:00',
      reason: '尺码不合适',
      lines: [{ sku: 'A100', quantity: 1 }],
    });
    await api('/api/v1/events', {
      type: 'store_visit',
      occurredAt: '2025-11-05T14:00:00+08:00',
      customer: { phone: '13800138000' },
      storeCode: 'BJ02',
    });
    await api('/api/v1/orders/batch', {
      items: ['online', 'online', 'app', 'pos'].map((channel, i) => ({
        channel,
        externalId: `OTHER-${i}`,
        storeCode: channel === 'pos' ? 'BJ02' : undefined,
        placedAt: `2025-11-0${i + 2}T12:00:00+08:00`,
        customer: { phone: `1390000000${i}`, name: ['李娜', '张伟', '陈静', '刘洋'][i] },
        lines: [{ sku: 'B200', quantity: i + 1, unitPrice: '129.00' }],
      })),
    });
    // Same name, birthday and city, no shared identifier: a suspected duplicate for review.
    await api('/api/v1/customers', { phone: '13700001111', name: '周敏', birthday: '1988-03-08', city: '杭州' });
    await api('/api/v1/customers', { email: 'zhoumin@example.com', name: '周敏', birthday: '1988-03-08', city: '杭州' });

    profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      // Charts honour reduced motion, so screenshots show them drawn, not mid-animation.
      reducedMotion: 'reduce',
      viewport: { width: 1366, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
    await t?.close();
  });

  it('signs in through the form, in the browser language (Chinese)', async () => {
    await page.goto(`${base}/customers`);
    await expect(page.locator('h1').textContent()).resolves.toBe('登录');
    await shot('01-sign-in-zh');
    await signIn({ username: STAFF.username, password: 'wrong-password' });
    await expect(page.getByRole('alert').textContent()).resolves.toBe('用户名或密码错误。');
    await signIn(STAFF);
    await page.locator('.user-name').waitFor();
    expect(await page.locator('.user-name').textContent()).toBe('林晓');
    expect(await page.locator('.user-role').textContent()).toBe('店长');
    // Deep link kept through sign-in; a store manager may review duplicates.
    expect(new URL(page.url()).pathname).toBe('/customers');
    expect(await page.locator('.sidebar nav a').allTextContents()).toEqual(['概览', '客户', '疑似重复', '订单', '门店', '商品', '积分规则', '会员等级', '积分负债', 'RFM 分析', '分群列表', '聚类分析', '流失与价值预测', '购物篮分析', '需求预测', '促销活动', '优惠券', '收银模拟', '促销效果', '旅程', '消息模板', '消息记录', '导购任务', '工单', '回复模板', '满意度调查', '舆情总览', '声量明细', '关键词热度', '舆情预警', '危机处置', '门店与导购']);
  });

  it('finds a customer by phone and opens the 360 with the exact name and order count', async () => {
    await page.getByRole('searchbox').fill('138 0013 8000');
    await page.getByRole('searchbox').press('Enter');
    const row = page.locator('table.table tbody tr');
    await page.locator('.card-head h2', { hasText: '138 0013 8000' }).waitFor();
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    // Name, phone, member number, city, orders, net spend (527.00 + 119.70 − 199.00 refunded).
    expect((await row.locator('td').allTextContents()).slice(0, 6)).toEqual(['王芳', '138 0013 8000', 'M000123', '上海', '2', '¥447.70']);
    await shot('02-search-zh');
    await row.getByRole('link', { name: '王芳' }).click();

    await page.getByTestId('customer-name').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/customers/${customerId}`);
    expect(await page.getByTestId('customer-name').textContent()).toBe('王芳');
    expect(await page.getByTestId('stat-orders').textContent()).toBe('2');
    // Net spend: 527.00 + 119.70 − the refunded shirt 199.00.
    expect(await page.locator('.kpi', { hasText: '累计消费' }).locator('.kpi-value').textContent()).toBe('¥447.70');
    // Each order earned points: the loyalty entry stands right after (above) its order.
    expect(await page.locator('.tl-kind').allTextContents()).toEqual(['获得积分', '订单', '行为', '退货', '获得积分', '订单']);
    expect(await page.locator('.bars li .bar-label').allTextContents()).toEqual(['服装 / 女装', '美妆 / 护肤', '食品 / 早餐', '上海南京西路店']);
    expect(await page.locator('section', { hasText: '身份标识' }).locator('tbody tr td:nth-child(2)').allTextContents()).toEqual([
      'M000123',
      '138 0013 8000',
    ]);
    expect(await page.locator('.consents li').allTextContents()).toEqual(['短信 · 营销接口 · 2025/10/01已同意', '微信 · 服务接口 · 2025/10/01已同意']);
    await shot('03-customer-360-zh');
  });

  it('switches to English, and the choice survives a reload', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('.card-head h2', { hasText: 'Timeline' }).waitFor();
    await page.locator('.kpi-label', { hasText: 'Referral code' }).waitFor();
    expect(await page.locator('.kpi-label').allTextContents()).toEqual([
      'Orders', 'Net spend', 'Average order', 'Returns', 'Activities',
      'Available points', 'Pending', 'On hold', 'Lifetime', 'Badges', 'Referral code',
    ]);
    expect(await page.locator('.kpi-note').allTextContents()).toEqual(['11/01/2025 – 11/11/2025', 'after ¥199.00 refunded', 'last 11/05/2025']);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await page.getByTestId('customer-name').waitFor();
    expect(await page.locator('.sidebar nav a').allTextContents()).toEqual([
      'Overview', 'Customers', 'Duplicates', 'Orders', 'Stores', 'Products', 'Programme rules', 'Tiers', 'Points liability', 'RFM analysis', 'Segments', 'Clusters', 'Churn & CLV', 'Basket analysis', 'Demand forecast', 'Promotions', 'Coupons', 'Checkout simulator', 'Results', 'Journeys', 'Templates', 'Message log', 'Guide tasks', 'Tickets', 'Reply templates', 'Surveys', 'Listening dashboard', 'Mentions', 'Keyword heat', 'Alerts', 'Crises', 'Stores & guides',
    ]);
    expect(await page.locator('.tl-kind').allTextContents()).toEqual(['Points earned', 'Order', 'Activity', 'Return', 'Points earned', 'Order']);
    await shot('04-customer-360-en');
    await page.setViewportSize({ width: 820, height: 1180 });
    await shot('05-customer-360-tablet-en');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('draws the dashboard for the 30 days up to the latest order', async () => {
    await page.getByRole('link', { name: 'Overview' }).click();
    // Each chart mounts its own canvas once the lazily loaded ECharts chunk arrives.
    await page.locator('.chart canvas').nth(3).waitFor();
    expect(await page.locator('.chart canvas').count()).toBe(4);
    // Paid for the six orders: 527.00 + 119.70 + 129.00 × (1 + 2 + 3 + 4) (tests/browser/console-dashboard.test.ts has the rest).
    expect(await page.locator('[data-kpi=orders] .kpi-value').textContent()).toBe('6');
    expect(await page.locator('[data-kpi=revenueFen] .kpi-value').textContent()).toBe('¥1,936.70');
    await shot('06-overview-en');
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '经营概览' }).waitFor();
    expect(await page.locator('[data-kpi=revenueFen] .kpi-label').textContent()).toBe('销售额');
    await shot('07-overview-zh');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  it('merges a suspected duplicate from the review list', async () => {
    await page.getByRole('link', { name: 'Duplicates' }).click();
    const item = page.locator('.dup-item');
    await item.first().waitFor();
    expect(await item.count()).toBe(1);
    expect(await item.locator('.dup-person a').allTextContents()).toEqual(['周敏', '周敏']);
    await shot('08-duplicates-en');
    await item.getByRole('button', { name: 'Merge' }).click();
    await page.getByText('No suspected duplicates').waitFor();
    const merged = await t.app.inject({ url: '/api/v1/customers?q=%E5%91%A8%E6%95%8F', headers: t.admin });
    expect(merged.json().items).toHaveLength(1);
  });

  it('shows an analyst masked contact details and no duplicates review', async () => {
    await signOut();
    await signIn(ANALYST);
    await page.locator('.user-name').waitFor();
    expect(await page.locator('.sidebar nav a').allTextContents()).toEqual([
      'Overview', 'Customers', 'Orders', 'Stores', 'Products', 'Programme rules', 'Tiers', 'Points liability', 'RFM analysis', 'Segments', 'Segment builder', 'Clusters', 'Churn & CLV',
      'Basket analysis', 'Demand forecast', 'Promotions', 'Coupons', 'Checkout simulator', 'Results', 'Journeys', 'Templates', 'Message log', 'Guide tasks', 'Tickets', 'Reply templates', 'Surveys', 'Listening dashboard', 'Mentions', 'Keyword heat', 'Alerts', 'Crises', 'Stores & guides',
    ]);
    await page.getByRole('link', { name: 'Customers', exact: true }).click();
    await page.getByRole('searchbox').fill('13800138000');
    await page.getByRole('searchbox').press('Enter');
    await page.locator('.card-head h2', { hasText: '13800138000' }).waitFor();
    await page.locator('table.table tbody tr').first().waitFor();
    expect((await page.locator('table.table tbody tr td').allTextContents()).slice(0, 5)).toEqual(['王*', '138****8000', 'M000123', '上海', '2']);
    await shot('09-search-masked-en');
    await page.goto(`${base}/customers/duplicates`);
    await page.getByText('Nothing to see here').waitFor();
  });

  it('makes a person with a generated password choose a new one first', async () => {
    const { password } = await t.kemai.access.createStaff({ username: 'new.guide', displayName: '新导购', role: 'guide' });
    await signOut();
    await signIn({ username: 'new.guide', password });
    await page.locator('input[name=newPassword]').waitFor();
    await shot('10-change-password-en');
    await page.locator('input[name=currentPassword]').fill(password);
    await page.locator('input[name=newPassword]').fill('short');
    await page.locator('input[name=repeatPassword]').fill('short');
    await page.locator('button[type=submit]').click();
    expect(await page.getByRole('alert').textContent()).toBe('The new password needs at least 10 characters.');
    await page.locator('input[name=newPassword]').fill('Guide-Chosen-2025');
    await page.locator('input[name=repeatPassword]').fill('Guide-Chosen-2025');
    await page.locator('button[type=submit]').click();
    await page.locator('.user-name').waitFor();
    expect(await page.locator('.user-name').textContent()).toBe('新导购');
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'new.guide', password: 'Guide-Chosen-2025' } });
    expect(login.statusCode).toBe(200);
    expect(login.json().staff.mustChangePassword).toBe(false);
  });
});

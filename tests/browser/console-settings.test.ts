/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CONSOLE_DIR } from '../../src/app/console.js';

/** Settings in a real browser: staff accounts, a role without PII at work, API keys, roles, language. */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = '/tmp/kemai-shots';
const skip = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))
    ? `${CONSOLE_DIR} is missing (npm run build:web)`
    : null;
if (skip) console.warn(`console settings browser tests skipped: ${skip}`);

const ADMIN = { username: 'wang.admin', displayName: '王管理', password: 'Kemai-Admin-2025' };
const ANALYST = { username: 'zhao.fenxi', displayName: '赵分析' };

async function openBrowser(locale: string): Promise<{ context: BrowserContext; page: Page; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    locale,
    timezoneId: 'Asia/Shanghai',
    reducedMotion: 'reduce',
    viewport: { width: 1280, height: 860 },
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()), dir };
}

async function signIn(page: Page, user: { username: string; password: string }) {
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('button[type=submit]').click();
}

describe.skipIf(skip)('console settings in a browser', () => {
  let t: TestApp;
  let base: string;
  let admin: { context: BrowserContext; page: Page; dir: string };
  let page: Page;
  let analystPassword = '';
  let customerId = '';
  const shot = (name: string, p: Page = page) => p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const rows = () => page.locator('table.table tbody tr');
  /** Nothing wider than the window or its table's box: no sideways scrolling at this width. */
  const fits = () =>
    page.evaluate(() => ({
      page: document.documentElement.scrollWidth <= window.innerWidth,
      tables: [...document.querySelectorAll('.table-wrap')].every((w) => w.scrollWidth <= w.clientWidth),
    }));
  const cells = (row: number) => rows().nth(row).locator('td').allInnerTexts();

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    fs.mkdirSync(SHOTS, { recursive: true });
    await t.kemai.access.createStaff({ ...ADMIN, role: 'admin' });
    for (const [username, displayName, role, storeCode] of [
      ['lin.xiao', '林晓', 'store_manager', 'SH01'],
      ['chen.jing', '陈静', 'marketer', null],
      ['liu.yang', '刘洋', 'service_agent', null],
      ['zhang.wei', '张伟', 'guide', 'BJ02'],
    ] as const)
      await t.kemai.access.createStaff({ username, displayName, role, storeCode, password: 'Kemai-Staff-2025' });
    const customer = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: t.admin,
      payload: { phone: '13800138000', email: 'wangfang@example.com', name: '王芳', city: '上海' },
    });
    expect(customer.statusCode, customer.body).toBeLessThan(300);
    customerId = customer.json().id;
    const pos = await t.kemai.access.createApiKey({ name: '上海南京西路店 POS', role: 'store_manager', storeCode: 'SH01', createdBy: ADMIN.username });
    await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${pos.key}` } });
    await t.kemai.access.createApiKey({ name: '天猫旗舰店', scopes: ['orders:write', 'customers:write', 'catalog:read'], createdBy: ADMIN.username });
    admin = await openBrowser('zh-CN');
    page = admin.page;
  });

  afterAll(async () => {
    await admin?.context.close();
    if (admin?.dir) fs.rmSync(admin.dir, { recursive: true, force: true });
    await t?.close();
  });

  it('shows Settings to an administrator and creates a staff member, showing the one-time password once', async () => {
    await page.goto(`${base}/settings/staff`);
    await signIn(page, ADMIN);
    await page.getByRole('heading', { name: '员工账号' }).waitFor();
    expect(await page.locator('.sidebar nav a').allTextContents()).toContain('设置');
    expect(await page.locator('.settings-tab').allTextContents()).toEqual(['通用', '员工账号', 'API 密钥', '角色与权限', '审计日志']);
    await rows().nth(4).waitFor();
    expect(await rows().count()).toBe(5);
    expect(await page.locator('.pager .muted').textContent()).toBe('第 1–5 条，共 5 条');

    await page.getByRole('button', { name: '添加员工' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=username]').fill('赵');
    await dialog.getByRole('button', { name: '创建账号' }).click();
    // The API's own schema refuses it in the browser, in the reader's language; nothing is sent.
    expect(await dialog.locator('.field-error').allTextContents()).toEqual(['2–64 位字母、数字、点、短横线或下划线。', '请选择角色。']);
    expect((await t.app.inject({ url: '/api/v1/staff', headers: t.admin })).json().total).toBe(5);

    await dialog.locator('input[name=username]').fill(ANALYST.username);
    await dialog.locator('input[name=displayName]').fill(ANALYST.displayName);
    await dialog.locator('select[name=role]').selectOption('analyst');
    expect(await dialog.locator('.settings-field', { hasText: '角色' }).locator('small').textContent()).toBe('查看数据和列表用于分析；联系方式脱敏。');
    await shot('settings-staff-create-zh');
    await dialog.getByRole('button', { name: '创建账号' }).click();
    await page.getByRole('heading', { name: '赵分析的账号已创建' }).waitFor();
    analystPassword = (await page.getByTestId('one-time-secret').textContent()) ?? '';
    expect(analystPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    await shot('settings-staff-password-zh');
    await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.getByRole('button', { name: '复制' }).click();
    await page.getByRole('button', { name: '已复制' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(analystPassword);
    await page.getByRole('button', { name: '完成' }).click();
    await expect(page.getByTestId('one-time-secret').count()).resolves.toBe(0);

    const row = rows().filter({ hasText: ANALYST.username });
    await row.waitFor();
    expect((await row.locator('td').allInnerTexts()).slice(1, 4)).toEqual(['分析师', '全部门店', '待首次登录']);
    expect(await page.locator('.pager .muted').textContent()).toBe('第 1–6 条，共 6 条');
    await shot('settings-staff-zh');
    expect(await fits()).toEqual({ page: true, tables: true });
  });

  it('signs the analyst in on another browser: new password first, then masked phones and no settings', async () => {
    const other = await openBrowser('zh-CN');
    try {
      const p = other.page;
      await p.goto(`${base}/customers/${customerId}`);
      await signIn(p, { username: ANALYST.username, password: analystPassword });
      await p.locator('input[name=newPassword]').waitFor();
      await p.locator('input[name=currentPassword]').fill(analystPassword);
      await p.locator('input[name=newPassword]').fill('Analyst-Own-2025');
      await p.locator('input[name=repeatPassword]').fill('Analyst-Own-2025');
      await p.locator('button[type=submit]').click();
      await p.locator('.user-name').waitFor();
      expect(await p.locator('.user-role').textContent()).toBe('分析师');
      expect(await p.locator('.sidebar nav a').allTextContents()).not.toContain('设置');
      await p.getByTestId('customer-name').waitFor();
      expect(await p.getByTestId('customer-name').textContent()).toBe('王*');
      const values = await p.locator('section', { hasText: '身份标识' }).locator('tbody tr td:nth-child(2)').allTextContents();
      expect(values.sort()).toEqual(['138****8000', 'w***@example.com']);
      await shot('settings-analyst-masked-zh', p);
      await p.goto(`${base}/settings/staff`);
      await p.getByText('暂无可访问内容').waitFor();
      expect(await p.locator('.settings-tab').allTextContents()).toEqual([]);

      // The administrator disables the account: the analyst's open session ends.
      await page.locator('tbody tr', { hasText: ANALYST.username }).getByRole('button', { name: '停用' }).click();
      await page.getByRole('heading', { name: '停用赵分析的账号？' }).waitFor();
      await page.getByRole('dialog').getByRole('button', { name: '停用' }).click();
      await page.locator('tbody tr', { hasText: ANALYST.username }).getByText('已停用').waitFor();
      await p.reload();
      await p.locator('input[name=username]').waitFor();
      const refused = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: ANALYST.username, password: 'Analyst-Own-2025' } });
      expect(refused.statusCode).toBe(401);
    } finally {
      await other.context.close();
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  });

  it('refuses to demote the last active administrator, in words', async () => {
    await page.locator('tbody tr', { hasText: ADMIN.username }).getByRole('button', { name: '编辑' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('select[name=role]').selectOption('marketer');
    await dialog.getByRole('button', { name: '保存修改' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toBe('这是最后一位在用的管理员。请先将其他人设为管理员，再进行此操作。');
    await dialog.getByRole('button', { name: '取消' }).click();
    expect((await t.app.inject({ url: '/api/v1/staff?q=wang.admin', headers: t.admin })).json().items[0].role).toBe('admin');
  });

  it('creates an API key with a role, shows it once, and revokes it after confirmation', async () => {
    await page.getByRole('link', { name: 'API 密钥' }).click();
    await page.getByRole('heading', { name: 'API 密钥', level: 2 }).waitFor();
    await rows().nth(1).waitFor();
    expect(await rows().count()).toBe(2);
    expect((await cells(0)).slice(1, 5)).toEqual([
      '3 项权限\n写入订单和退货、新建和编辑客户资料、查看门店和商品',
      expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\n由 wang\.admin 创建$/),
      '从未使用',
      '有效',
    ]);
    expect((await cells(0))[0]).toMatch(/^天猫旗舰店\nkm_[0-9a-f]{4}…[0-9a-f]{6}$/);
    expect((await cells(1)).slice(1, 4)).toEqual(['店长 · SH01\n按角色授权', expect.stringMatching(/由 wang\.admin 创建$/), '刚刚']);

    await page.getByRole('button', { name: '创建 API 密钥' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name=name]').fill('会员小程序');
    await dialog.getByRole('radio', { name: '自选权限' }).click();
    await dialog.getByRole('button', { name: '创建密钥' }).click();
    expect(await dialog.locator('.field-error').allTextContents()).toEqual(['请至少选择一项权限。']);
    await dialog.getByRole('radio', { name: '按角色授权' }).click();
    await dialog.locator('select[name=role]').selectOption('guide');
    // A guide's key belongs to a store (store scoping): refused without one, naming the field.
    await dialog.getByRole('button', { name: '创建密钥' }).click();
    expect(await dialog.locator('.field-error').allTextContents()).toEqual(['导购或店长的密钥需要填写所属门店编码。']);
    await dialog.locator('input[name=storeCode]').fill('SH01');
    await dialog.getByRole('button', { name: '创建密钥' }).click();
    await page.getByRole('heading', { name: 'API 密钥“会员小程序”已创建' }).waitFor();
    const key = (await page.getByTestId('one-time-secret').textContent()) ?? '';
    expect(key).toMatch(/^km_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('.dialog .facts dd').textContent()).toBe('导购（按角色授权）');
    await shot('settings-keys-created-zh');
    const me = await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key}` } });
    expect(me.json()).toMatchObject({ kind: 'apikey', name: '会员小程序' });
    expect(me.json().scopes.sort()).toEqual(['catalog:read', 'customers:read', 'customers:write', 'events:read', 'events:write', 'insights:read', 'journeys:read', 'listening:read', 'loyalty:read', 'loyalty:write', 'messaging:read', 'messaging:write', 'orders:read', 'pii:read', 'promotions:read', 'promotions:write', 'segments:read', 'service:read', 'service:write', 'surveys:read']);
    await page.getByRole('button', { name: '完成' }).click();

    const row = rows().filter({ hasText: '会员小程序' });
    await row.waitFor();
    // The list was read before the key was first used.
    expect((await row.locator('td').allInnerTexts()).slice(1, 5)).toEqual(['导购 · SH01\n按角色授权', expect.stringMatching(/由 wang\.admin 创建$/), '从未使用', '有效']);
    await shot('settings-keys-zh');

    await row.getByRole('button', { name: '吊销' }).click();
    await page.getByRole('heading', { name: '吊销密钥“会员小程序”？' }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: '取消' }).click();
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(200);
    await row.getByRole('button', { name: '吊销' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '吊销' }).click();
    await row.getByText(/已吊销$/).waitFor();
    expect((await row.locator('td').allInnerTexts()).slice(3, 5)).toEqual(['刚刚', expect.stringMatching(/^\d{4}\/\d{2}\/\d{2} 已吊销$/)]);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
    await page.locator('select[name=status]').selectOption('active');
    await row.waitFor({ state: 'detached' });
    expect(new URL(page.url()).search).toBe('?status=active');
    await expect(rows().count()).resolves.toBe(2);
  });

  it('shows the roles matrix and switches the language from the settings page', async () => {
    await page.getByRole('link', { name: '角色与权限' }).click();
    await page.locator('table.settings-matrix').waitFor();
    expect(await page.locator('.settings-matrix thead th').allTextContents()).toEqual(['权限', '管理员', '营销人员', '分析师', '店长', '导购', '客服']);
    const pii = page.locator('.settings-matrix tbody tr', { hasText: 'pii:read' });
    expect(await pii.locator('td .settings-yes').count()).toBe(4);
    await shot('settings-roles-zh');
    expect(await fits()).toEqual({ page: true, tables: true });

    await page.getByRole('link', { name: '通用' }).click();
    await shot('settings-general-zh');
    await page.getByLabel('English').check();
    await page.getByRole('heading', { name: 'General', level: 2 }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot('settings-general-en');
    await page.getByRole('link', { name: 'Roles & permissions' }).click();
    await page.locator('table.settings-matrix').waitFor();
    expect(await page.locator('.settings-matrix tbody th[scope=row]').first().textContent()).toBe('View customers and their 360customers:read');
    await shot('settings-roles-en');
    await page.getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('heading', { name: 'Staff accounts' }).waitFor();
    await rows().filter({ hasText: ANALYST.username }).waitFor();
    expect((await rows().filter({ hasText: ANALYST.username }).locator('td').allInnerTexts()).slice(1, 4)).toEqual(['Analyst', 'All stores', 'Disabled']);
    await shot('settings-staff-en');
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 2 }).waitFor();
    await shot('settings-keys-en');
    expect(await fits()).toEqual({ page: true, tables: true });
    await page.setViewportSize({ width: 820, height: 1180 });
    await shot('settings-keys-tablet-en');
    expect(await fits()).toEqual({ page: true, tables: true });
    await page.getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('heading', { name: 'Staff accounts' }).waitFor();
    await shot('settings-staff-tablet-en');
    expect(await fits()).toEqual({ page: true, tables: true });
    await page.getByRole('link', { name: 'Roles & permissions' }).click();
    await page.locator('table.settings-matrix').waitFor();
    await shot('settings-roles-tablet-en');
    expect(await fits()).toEqual({ page: true, tables: true });
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});

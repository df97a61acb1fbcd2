/// <reference lib="dom" />
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CHROMIUM, skipReason } from '../support/browser.js';

/** Administrators' security tools in a real browser: rotating an API key, the audit log, a customer's export and erasure. */
const SHOTS = '/tmp/shots';
if (skipReason) console.warn(`console security browser tests skipped: ${skipReason}`);

const ADMIN = { username: 'wang.admin', displayName: '王管理', password: 'Kemai-Admin-2025' };
const MARKETER = { username: 'chen.yingxiao', displayName: '陈营销', password: 'Kemai-Marketer-2025' };

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
    acceptDownloads: true,
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()), dir };
}

async function signIn(page: Page, user: { username: string; password: string }) {
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  await page.locator('button[type=submit]').click();
  await page.locator('.user-name').waitFor();
}

describe.skipIf(skipReason)('console security tools in a browser', () => {
  let t: TestApp;
  let base: string;
  const browsers: Array<{ context: BrowserContext; dir: string }> = [];
  let page: Page;
  let customerId = '';
  let posKey = '';
  const shot = (name: string, p: Page = page) => p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const rows = (p: Page = page) => p.locator('table.table tbody tr');
  const me = (key: string) => t.app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    fs.mkdirSync(SHOTS, { recursive: true });
    await t.kemai.access.createStaff({ ...ADMIN, role: 'admin' });
    await t.kemai.access.createStaff({ ...MARKETER, role: 'marketer' });
    const customer = await t.app.inject({
      method: 'POST',
      url: '/api/v1/customers',
      headers: t.admin,
      payload: { phone: '13800138000', email: 'wangfang@example.com', name: '王芳', city: '上海' },
    });
    expect(customer.statusCode, customer.body).toBe(201);
    customerId = customer.json().id;
    posKey = (await t.kemai.access.createApiKey({ name: '南京西路店 POS', role: 'analyst', createdBy: ADMIN.username })).key;
    const b = await openBrowser('zh-CN');
    browsers.push(b);
    page = b.page;
  });

  afterAll(async () => {
    for (const b of browsers) {
      await b.context.close();
      fs.rmSync(b.dir, { recursive: true, force: true });
    }
    await t?.close();
  });

  it('rotates an API key: the new key is shown once and works, the old one works until the grace period ends', async () => {
    await page.goto(`${base}/settings/api-keys`);
    await signIn(page, ADMIN);
    const row = rows().filter({ hasText: '南京西路店 POS' });
    await row.waitFor();
    await row.getByRole('button', { name: '轮换' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: '轮换密钥“南京西路店 POS”' }).waitFor();
    await dialog.locator('input[name=graceHours]').fill('200');
    await dialog.getByRole('button', { name: '轮换密钥' }).click();
    // Out of bounds: refused in the form, nothing sent.
    expect(await dialog.locator('.field-error').allTextContents()).toEqual(['请填写 0 到 168 之间的小时数']);
    expect((await t.app.inject({ url: '/api/v1/api-keys', headers: t.admin })).json().total).toBe(1);
    await dialog.locator('input[name=graceHours]').fill('2');
    await shot('security-rotate-zh');
    await dialog.getByRole('button', { name: '轮换密钥' }).click();

    await page.getByRole('heading', { name: '“南京西路店 POS”的新密钥' }).waitFor();
    const key = (await page.getByTestId('one-time-secret').textContent()) ?? '';
    expect(key).toMatch(/^km_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    expect(await page.getByTestId('rotate-old-key').textContent()).toMatch(/^旧密钥 km_[0-9a-f]{4}…[0-9a-f]{6} 在 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2} 之前仍然有效。$/);
    await shot('security-rotated-zh');
    expect((await me(key)).json()).toMatchObject({ kind: 'apikey', name: '南京西路店 POS', role: 'analyst' });
    expect((await me(posKey)).statusCode).toBe(200);
    await page.getByRole('button', { name: '完成' }).click();

    // Two keys by that name now: the new one can be rotated, the old one shows when it stops and cannot.
    const both = rows().filter({ hasText: '南京西路店 POS' });
    await both.nth(1).waitFor();
    const statuses = (await both.locator('td:nth-child(5)').allInnerTexts()).sort();
    expect(statuses).toEqual([expect.stringMatching(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2} 失效$/), '有效']);
    expect(await both.getByRole('button', { name: '轮换' }).count()).toBe(1);
  });

  it('shows the audit log to administrators with the chain intact, filtered by action, paged by URL', async () => {
    await page.getByRole('link', { name: '审计日志' }).click();
    await page.getByRole('heading', { name: '审计日志', level: 2 }).waitFor();
    const total = (await t.app.inject({ url: '/api/v1/audit/verify', headers: t.admin })).json() as { rows: number; headSeq: number };
    await page.getByTestId('audit-chain').getByText('哈希链完整').waitFor();
    expect(await page.getByTestId('audit-chain').locator('span').first().textContent()).toBe(`哈希链完整：共 ${total.rows} 条，最新为第 ${total.headSeq} 条`);
    await rows().first().waitFor();
    expect(await rows().count()).toBe(total.rows);
    const first = await rows().first().locator('td').allInnerTexts();
    expect(first[3]).toBe('access.apikey_rotate');
    expect(first[2]).toBe(`staff:${(await t.kemai.access.listStaff()).find((s) => s.username === ADMIN.username)!.id}`);

    await page.locator('input[name=action]').fill('access.apikey_rotate');
    await page.getByRole('button', { name: '筛选', exact: true }).click();
    await page.waitForURL(/action=access\.apikey_rotate/);
    await expect.poll(() => rows().count()).toBe(1);
    await shot('security-audit-zh');
    await page.getByRole('button', { name: '清除筛选' }).click();
    await expect.poll(() => rows().count()).toBe(total.rows);
    expect(new URL(page.url()).search).toBe('');
  });

  it("exports a customer's data as a JSON file and erases them after the reason and the id's end are typed", async () => {
    await page.goto(`${base}/customers/${customerId}`);
    await page.getByTestId('customer-name').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: '导出数据' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`customer-${customerId}.json`);
    const doc = JSON.parse(fs.readFileSync((await file.path())!, 'utf8')) as { format: string; customerId: string };
    expect(doc).toMatchObject({ format: 'kemai-dsr-export/1', customerId });
    await page.getByText(`已保存为 customer-${customerId}.json`).waitFor();

    await page.getByRole('button', { name: '删除个人信息' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: '删除该客户的个人信息' }).waitFor();
    await dialog.getByRole('button', { name: '删除个人信息' }).click();
    const tail = customerId.replace(/-/g, '').slice(-6);
    expect(await dialog.locator('.field-error').allTextContents()).toEqual(['请填写原因（最多 500 个字符）', `请输入 ${tail}，即该客户 ID 的最后几位`]);
    expect((await t.app.inject({ url: `/api/v1/customers/${customerId}`, headers: t.admin })).json().profile.status).toBe('active');
    await dialog.locator('textarea[name=reason]').fill('删除申请 T-1024');
    await dialog.locator('input[name=confirm]').fill(tail);
    await shot('security-erase-zh');
    await dialog.getByRole('button', { name: '删除个人信息' }).click();
    await page.getByRole('heading', { name: '个人信息已删除' }).waitFor();
    expect(await page.getByTestId('erase-result').textContent()).toMatch(/^删除时间 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}。已清除的记录：$/);
    expect(await page.getByRole('dialog').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot('security-erased-zh');
    await page.getByRole('button', { name: '完成' }).click();
    const after = (await t.app.inject({ url: `/api/v1/customers/${customerId}`, headers: t.admin })).json();
    expect(after.profile.status).toBe('erased');
    // An erased profile can still be exported (what is left), not erased again.
    await page.getByRole('button', { name: '导出数据' }).waitFor();
    expect(await page.getByRole('button', { name: '删除个人信息' }).count()).toBe(0);
  });

  it('says where the chain broke when an entry was edited behind its back', async () => {
    const edited = (await t.app.inject({ url: '/api/v1/audit?action=access.apikey_rotate', headers: t.admin })).json().items[0].seq as number;
    await t.kemai.database.db.execute(sql`update platform.audit_log set details = '{"graceHours": 9999}'::jsonb where seq = ${edited}`);
    await page.goto(`${base}/settings/audit`);
    await page.getByTestId('audit-chain').getByText('哈希链在').waitFor();
    expect(await page.getByTestId('audit-chain').locator('span').first().innerText()).toMatch(
      new RegExp(`^哈希链在第 ${edited} 条断开：记录内容与其哈希不一致（记录被修改）\\n.+`),
    );
    await shot('security-audit-broken-zh');
  });

  it('in English, and hidden from a marketer, who has neither audit:read nor privacy:admin', async () => {
    const en = await openBrowser('en');
    browsers.push(en);
    await en.page.goto(`${base}/settings/audit`);
    await signIn(en.page, ADMIN);
    await en.page.getByTestId('audit-chain').getByText('Chain broken at entry').waitFor();
    await rows(en.page).first().waitFor();
    expect(await en.page.locator('.settings-tab').allTextContents()).toContain('Audit log');
    await shot('security-audit-en', en.page);
    await en.page.goto(`${base}/settings/api-keys`);
    const row = rows(en.page).filter({ hasText: '南京西路店 POS' }).filter({ has: en.page.getByRole('button', { name: 'Rotate' }) });
    await row.getByRole('button', { name: 'Rotate' }).click();
    await en.page.getByRole('dialog').getByRole('heading', { name: 'Rotate the key “南京西路店 POS”' }).waitFor();
    await shot('security-rotate-en', en.page);
    await en.page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: t.admin, payload: { phone: '13900139000', name: '李雷' } });
    await en.page.goto(`${base}/customers/${other.json().id}`);
    await en.page.getByRole('button', { name: 'Export data' }).waitFor();
    await en.page.getByRole('button', { name: 'Erase' }).click();
    await en.page.getByRole('dialog').getByRole('heading', { name: "Erase this customer's personal data" }).waitFor();
    await shot('security-erase-en', en.page);

    const marketer = await openBrowser('zh-CN');
    browsers.push(marketer);
    await marketer.page.goto(`${base}/customers/${other.json().id}`);
    await signIn(marketer.page, MARKETER);
    await marketer.page.getByTestId('customer-name').waitFor();
    expect(await marketer.page.getByRole('button', { name: '导出数据' }).count()).toBe(0);
    expect(await marketer.page.getByRole('button', { name: '删除个人信息' }).count()).toBe(0);
    await marketer.page.goto(`${base}/settings/audit`);
    await marketer.page.getByText('暂无可访问内容').waitFor();
  });
});

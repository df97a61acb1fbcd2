import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { CONSOLE_DIR } from '../../src/app/console.js';

/** The Data pages in Debian's chromium: import a file through the page, then the stores and products lists. */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = '/tmp/kemai-shots';
const FIXTURE = path.resolve('tests/fixtures/import/products-console.csv');
const skip = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))
    ? `${CONSOLE_DIR} is missing (npm run build:web)`
    : null;
if (skip) console.warn(`console import browser tests skipped: ${skip}`);

const ADMIN = { username: 'chen.admin', displayName: '陈静', password: 'Kemai-Admin-2025' };

const STORES = [
  ['SH01', '上海南京西路店', '上海', '静安区', '南京西路1266号', '2019-05-01'],
  ['SH02', '上海徐家汇店', '上海', '徐汇区', '虹桥路1号', '2020-09-18'],
  ['SH03', '上海五角场店', '上海', '杨浦区', '邯郸路600号', '2021-04-30'],
  ['BJ01', '北京三里屯店', '北京', '朝阳区', '三里屯路19号', '2018-11-11'],
  ['BJ02', '北京西单店', '北京', '西城区', '西单北大街131号', '2022-01-08'],
  ['HZ01', '杭州湖滨店', '杭州', '上城区', '延安路258号', '2020-06-18'],
  ['SZ01', '深圳万象城店', '深圳', '罗湖区', '宝安南路1881号', '2021-12-12'],
  ['CD01', '成都太古里店', '成都', '锦江区', '中纱帽街8号', '2023-03-15'],
] as const;

const PRODUCTS = Array.from({ length: 26 }, (_, i) => {
  const kinds = [
    ['服装/女装/连衣裙', '真丝连衣裙', 'Kemai', 599],
    ['服装/男装/衬衫', '牛津纺衬衫', 'Kemai', 259],
    ['美妆/护肤/面霜', '保湿面霜', 'Lumi', 129],
    ['母婴/奶粉/婴儿奶粉', '婴儿配方奶粉 900g', 'Nuo', 268],
    ['食品/早餐/谷物', '有机燕麦片', 'Grainy', 39.9],
  ] as const;
  const [category, name, brand, price] = kinds[i % kinds.length]!;
  return { sku: `K${String(2001 + i)}`, name: `${name} ${Math.floor(i / kinds.length) + 1}号`, category, brand, listPrice: price.toFixed(2), consumable: i % 5 >= 3 };
});

describe.skipIf(skip)('console data pages in a browser', () => {
  let t: TestApp;
  let base: string;
  let profileDir: string;
  let importDir: string;
  let context: BrowserContext;
  let page: Page;

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const post = async (url: string, items: unknown[]) => {
    const res = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: { items } });
    expect(res.json().summary.error, res.body).toBe(0);
  };

  beforeAll(async () => {
    importDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-console-imports-'));
    t = await createTestApp({ KEMAI_IMPORT_DIR: importDir });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    fs.mkdirSync(SHOTS, { recursive: true });
    await t.kemai.access.createStaff({ ...ADMIN, role: 'admin' });
    await post(
      '/api/v1/stores/batch',
      STORES.map(([code, name, city, district, address, openedOn], i) => ({ code, name, city, district, address, openedOn, status: i === 2 ? 'closed' : 'open' })),
    );
    await post('/api/v1/products/batch', PRODUCTS);

    profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      reducedMotion: 'reduce',
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
    await t?.kemai.imports.settled();
    await t?.close();
    if (importDir) fs.rmSync(importDir, { recursive: true, force: true });
  });

  it('imports a CSV with one bad row through the page: mapping, preview, progress to the end, and the error report', async () => {
    await page.goto(`${base}/data/import`);
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page.getByRole('heading', { name: '数据导入' }).waitFor();
    expect(await page.locator('.nav-group').allTextContents()).toEqual(['数据', '会员忠诚度', '客户分群', '预测洞察', '促销', '客户旅程', '客户服务', '舆情']);
    await page.locator('.dropzone').waitFor();
    await shot('import-upload-zh');

    await page.locator('input[type=file]').setInputFiles(FIXTURE);
    await page.locator('table.mapping-table').waitFor();
    expect(await page.locator('select[name=kind]').inputValue()).toBe('products');
    // Chinese column names matched to the product fields, with the first row's values beside them.
    expect(await page.locator('table.mapping-table tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-field'), (r.querySelector('select') as unknown as { value: string }).value, r.lastElementChild!.textContent]))).toEqual([
      ['sku', 'col:货号', 'P1001'],
      ['name', 'col:品名', '真丝衬衫'],
      ['category', 'col:类目', '服装/女装/衬衫'],
      ['brand', 'col:品牌', 'Kemai'],
      ['listPrice', 'col:零售价', '199.00'],
    ]);
    expect(await page.locator('table.preview-table thead th').allTextContents()).toEqual(['行号', '商品编码', '名称', '品类', '品牌', '吊牌价']);
    expect(await page.locator('table.preview-table tbody tr').nth(3).locator('td').allTextContents()).toEqual(['5', 'P1004', '羊绒围巾', '服装/配饰/围巾', 'Kemai', '12.345']);
    await shot('import-mapping-zh');

    await page.getByRole('button', { name: '开始导入' }).click();
    await page.locator('.import-progress[data-status=completed]').waitFor();
    expect(await page.locator('.import-progress .progress-phase').textContent()).toBe('导入完成');
    expect(await page.locator('.import-progress [role=progressbar]').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.locator('.import-progress .kpi').evaluateAll((els) => els.map((e) => [e.querySelector('.kpi-label')!.textContent, e.querySelector('.kpi-value')!.textContent]))).toEqual([
      ['读取行数', '5'],
      ['成功导入', '4'],
      ['已跳过', '0'],
      ['失败', '1'],
      ['新建', '4'],
      ['更新', '0'],
      ['无变化', '0'],
    ]);
    expect(await page.locator('.import-actions .muted').textContent()).toBe('有 1 行未能导入，错误报告列出了每一行的行号、列名和原因。');
    // The recent list shows the finished import.
    await page.locator('section', { hasText: '最近导入' }).locator('tbody tr .badge-ok').waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载错误报告' }).click()]);
    expect(download.suggestedFilename()).toBe('products-console.errors.csv');
    const report = fs.readFileSync((await download.path())!, 'utf8');
    expect(report.trim().split('\n')).toEqual(['line,field,reason', '5,零售价,"listPrice: not an amount with at most 2 decimals: ""12.345"""']);
    await shot('import-zh');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Import data' }).waitFor();
    expect(await page.locator('.import-progress .progress-phase').textContent()).toBe('Done');
    await shot('import-en');
    await page.setViewportSize({ width: 820, height: 1180 });
    await shot('import-tablet-en');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lists stores with search and server-side sorting', async () => {
    await page.getByRole('link', { name: 'Stores', exact: true }).click();
    await page.getByRole('heading', { name: 'Stores', exact: true }).waitFor();
    const codes = () => page.locator('table.table tbody tr td:first-child').allTextContents();
    await page.locator('table.table tbody tr').first().waitFor();
    expect(await codes()).toEqual(['BJ01', 'BJ02', 'CD01', 'HZ01', 'SH01', 'SH02', 'SH03', 'SZ01']);
    expect(await page.locator('.card-head .muted').textContent()).toBe('8 stores');
    await page.getByRole('button', { name: /Opened/ }).click();
    await page.waitForURL(/sort=openedOn/);
    await page.getByRole('button', { name: /Opened/ }).click();
    await page.waitForURL(/sort=-openedOn/);
    await expect.poll(codes).toEqual(['CD01', 'BJ02', 'SZ01', 'SH03', 'SH02', 'HZ01', 'SH01', 'BJ01']);
    await shot('stores-en');
    await page.getByRole('searchbox').fill('上海');
    await page.getByRole('searchbox').press('Enter');
    await expect.poll(codes).toEqual(['SH03', 'SH02', 'SH01']);
    expect(await page.locator('tbody .badge-muted').allTextContents()).toEqual(['Closed']);
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '门店', exact: true }).waitFor();
    await page.getByRole('searchbox').fill('');
    await page.getByRole('searchbox').press('Enter');
    await expect.poll(codes).toHaveLength(8);
    await shot('stores-zh');
  });

  it('lists products by page with prices in yuan', async () => {
    await page.getByRole('link', { name: '商品' }).click();
    await page.getByRole('heading', { name: '商品', exact: true }).waitFor();
    await page.locator('table.table tbody tr').first().waitFor();
    expect(await page.locator('.card-head .muted').textContent()).toBe('共 30 个商品');
    expect(await page.locator('table.table tbody tr').count()).toBe(25);
    expect(await page.locator('.pager .muted').textContent()).toBe('第 1–25 条，共 30 条');
    await page.getByRole('button', { name: /吊牌价/ }).click();
    await page.waitForURL(/sort=listPrice/);
    await page.getByRole('button', { name: /吊牌价/ }).click();
    await page.waitForURL(/sort=-listPrice/);
    await expect.poll(() => page.locator('table.table tbody tr').first().locator('td').allTextContents()).toEqual(['K2001', '真丝连衣裙 1号', '服装 › 女装 › 连衣裙', 'Kemai', '¥599.00', '']);
    await shot('products-zh');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Products', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/page=2/);
    await expect.poll(() => page.locator('table.table tbody tr').count()).toBe(5);
    expect(await page.locator('table.table tbody tr').last().locator('td').allTextContents()).toEqual(['P1005', '婴儿湿巾', '母婴 › 洗护 › 湿巾', '—', '¥19.90', '']);
    await shot('products-en');
    await page.setViewportSize({ width: 820, height: 1180 });
    await shot('products-tablet-en');
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});

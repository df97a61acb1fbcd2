import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { openBrowser, SHOTS, skipReason, type Browser } from '../support/browser.js';
import { DemoOptionsInput, DemoService } from '../../src/modules/demo/index.js';

/**
 * The segments pages on the demo brand, in Debian's chromium against the real server: run RFM and
 * read the heatmap and class figures the API gives, build a rule in the builder and see the live
 * count the preview endpoint gives for the same rule, save it, find it in the list and open it,
 * run clustering. Every expected figure is read from the API in the test, none is guessed.
 */
if (skipReason) console.warn(`segments browser tests skipped: ${skipReason}`);

const ADMIN = { username: 'seg.admin', displayName: '分群管理员', password: 'Kemai-Segments-2026', role: 'admin' as const };
const ANALYST = { username: 'seg.analyst', displayName: '何分析', password: 'Kemai-Analyst-2026', role: 'analyst' as const };
const AS_OF = '2025-11-30';

interface GridBody {
  cells: Array<{ r: number; f: number; customers: number; monetaryFen: number }>;
}
interface SummaryBody {
  run: { customers: number };
  classes: Array<{ key: string; customers: number; monetaryFen: number }>;
  segments: Array<{ key: string; customers: number }>;
}

describe.skipIf(skipReason)('segments console in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;

  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    return browser.shot(name);
  };
  const get = async <T>(url: string): Promise<T> => {
    const r = await t.app.inject({ method: 'GET', url, headers: t.admin });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as T;
  };
  const post = async <T>(url: string, payload: unknown): Promise<T> => {
    const r = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as object });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json() as T;
  };
  const n = (s: string) => Number(s.replace(/[,\s]/g, ''));

  beforeAll(async () => {
    t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' });
    await new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers }).seed(
      DemoOptionsInput.parse({ customers: 300, seed: 'segments-browser' }),
      undefined,
      new Date('2025-11-30T12:00:00+08:00'),
    );
    await t.kemai.events.drain();
    await t.kemai.access.createStaff(ADMIN);
    await t.kemai.access.createStaff(ANALYST);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await openBrowser({ width: 1366, height: 900 });
    page = browser.page;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('runs RFM from the page and shows the grid, classes, segments and value matrix the API computed (Chinese)', async () => {
    await page.goto(`${base}/`);
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page.locator('.user-name').waitFor();
    expect(await page.locator('.nav-group').allTextContents()).toContain('客户分群');
    await page.getByRole('link', { name: 'RFM 分析' }).click();
    await page.getByRole('heading', { name: 'RFM 分析', level: 1 }).waitFor();
    await page.getByText('还没有运行过 RFM').waitFor();
    await shot('segments-rfm-empty-zh');

    await page.locator('input[name=asOf]').fill(AS_OF);
    await page.getByTestId('rfm-run-button').click();
    await page.getByTestId('rfm-scored').waitFor();
    await page.locator('.chart canvas').first().waitFor();

    const grid = await get<GridBody>('/api/v1/segments/rfm/grid');
    const summary = await get<SummaryBody>('/api/v1/segments/rfm/summary');
    expect(summary.run.customers).toBeGreaterThan(100);
    expect(await page.getByTestId('rfm-run').innerText()).toContain('截至 2025/11/30');
    expect(n(await page.getByTestId('rfm-scored').innerText())).toBe(summary.run.customers);
    // The heatmap's data, cell by cell, as the page holds it for screen readers.
    const cells = await page.getByTestId('rfm-grid').locator('tr').evaluateAll((rows) =>
      rows.map((r) => ({
        r: Number(r.getAttribute('data-r')),
        f: Number(r.getAttribute('data-f')),
        customers: Number(r.children[0]!.textContent),
        monetaryFen: Number(r.children[1]!.textContent),
      })),
    );
    expect(cells).toEqual(grid.cells);
    expect(cells.reduce((s, c) => s + c.customers, 0)).toBe(summary.run.customers);
    for (const c of summary.classes) expect(n(await page.getByTestId(`class-count-${c.key}`).innerText()), c.key).toBe(c.customers);
    for (const s of summary.segments) expect(n(await page.getByTestId(`segment-count-${s.key}`).innerText()), s.key).toBe(s.customers);
    const total = summary.classes.reduce((s, c) => s + c.monetaryFen, 0);
    const high = summary.classes.find((c) => c.key === 'high_value')!;
    expect(await page.getByTestId('class-revenue-share-high_value').innerText()).toBe(
      `占金额 ${new Intl.NumberFormat('zh-CN', { style: 'percent', maximumFractionDigits: 1 }).format(high.monetaryFen / total)}`,
    );
    expect(await page.locator('[data-class=high_value]').innerText()).toContain('配备专属客户经理');
    const matrix = await get<{ quadrants: Array<{ key: string; customers: number }> }>('/api/v1/segments/value-matrix');
    for (const q of matrix.quadrants) expect(n(await page.getByTestId(`quadrant-count-${q.key}`).innerText()), q.key).toBe(q.customers);
    // Until a cell is clicked, the fullest one lists its customers (the preview of r = R and f = F).
    const fullest = grid.cells.reduce((a, b) => (b.customers > a.customers ? b : a));
    await page.getByTestId('rfm-cell').locator('h2', { hasText: `R ${fullest.r} · F ${fullest.f}` }).waitFor();
    await page.getByTestId('customer-sample').waitFor();
    expect(await page.getByTestId('customer-sample').locator('li').count()).toBe(Math.min(10, fullest.customers));
    await shot('segments-rfm-zh');
  });

  it('builds a rule with AND and a class condition; the live count is the preview count; saves it and lists it', async () => {
    await page.getByRole('link', { name: '分群构建器' }).click();
    await page.getByRole('heading', { name: '分群构建器' }).waitFor();
    // The first condition becomes "lifetime orders ≥ 3".
    const first = page.getByTestId('rule-condition').first();
    await first.locator('select[name=kind]').selectOption('lifetime');
    await first.locator('select[name=measure]').selectOption('orders');
    await first.locator('select[name=op]').selectOption('gte');
    await first.locator('input[name=value]').fill('3');
    // AND the value class is high value or potential.
    await page.getByTestId('rule-root').locator('> .seg-group-foot [data-testid=add-condition]').selectOption('rfm_label');
    const second = page.getByTestId('rule-condition').nth(1);
    await second.locator('select[name=field]').selectOption('value_class');
    await second.getByLabel('高价值客户').check();
    await second.getByLabel('潜力客户').check();

    const rule = {
      all: [
        { kind: 'lifetime', measure: 'orders', op: 'gte', value: 3 },
        { kind: 'rfm_label', field: 'value_class', in: ['high_value', 'potential'] },
      ],
    };
    const expected = await post<{ count: number; sample: Array<{ id: string }> }>('/api/v1/segments/preview', { version: 1, rule });
    expect(expected.count).toBeGreaterThan(0);
    await page.locator('[data-testid=live-panel][data-state=fresh]').waitFor();
    await page.getByTestId('live-count').filter({ hasText: new RegExp(`^${new Intl.NumberFormat('zh-CN').format(expected.count)}$`) }).waitFor();
    expect(await page.getByTestId('customer-sample').locator('li').count()).toBe(expected.sample.length);
    await shot('segments-builder-zh');

    // A window of 0 days is refused by the server, next to the condition it names.
    await page.getByTestId('rule-root').locator('> .seg-group-foot [data-testid=add-condition]').selectOption('purchase');
    const third = page.getByTestId('rule-condition').nth(2);
    await third.locator('input[name=days]').fill('0');
    await third.locator('.seg-issues').filter({ hasText: '最近：不能小于 1' }).waitFor();
    expect(await page.getByTestId('live-error').innerText()).toBe('请修改标红的条件。');
    await third.getByRole('button', { name: '删除条件' }).click();
    await page.getByTestId('live-count').filter({ hasText: new RegExp(`^${new Intl.NumberFormat('zh-CN').format(expected.count)}$`) }).waitFor();

    await page.locator('input[name=name]').fill('高频高价值');
    await page.locator('input[name=code]').fill('frequent_valuable');
    await page.getByTestId('segment-save').click();
    await page.getByTestId('segment-name').filter({ hasText: '高频高价值' }).waitFor();
    expect(n(await page.getByTestId('segment-size').innerText())).toBe(expected.count);
    expect(await page.getByTestId('segment-rule').innerText()).toBe('累计订单数 ≥ 3 且 价值分类为 高价值客户、潜力客户');
    await page.getByTestId('segment-members').locator('tbody tr').first().waitFor();
    expect(await page.getByTestId('segment-members').locator('tbody tr').count()).toBe(Math.min(25, expected.count));
    await shot('segments-detail-zh');

    await page.getByRole('link', { name: '分群列表' }).first().click();
    const row = page.getByTestId('segment-list').locator('tr[data-code=frequent_valuable]');
    await row.waitFor();
    expect(await row.locator('td').first().innerText()).toContain('高频高价值');
    expect(n(await row.getByTestId('segment-size').innerText())).toBe(expected.count);
    const listed = await get<{ items: Array<{ code: string; size: number }> }>('/api/v1/segments');
    expect(await page.getByTestId('segment-list').locator('tbody tr').count()).toBe(listed.items.length);
    await shot('segments-list-zh');
  });

  it('refuses a static list whose lines name nobody, by line, in the reader\'s language', async () => {
    await page.goto(`${base}/segments/builder`);
    await page.getByTestId('static-list').waitFor();
    await page.locator('input[name=staticName]').fill('活动名单');
    await page.locator('input[name=staticCode]').fill('event_guests');
    await page.locator('textarea[name=content]').fill('13900000000\n13900000001');
    await page.getByTestId('static-save').click();
    await page.getByTestId('static-errors').waitFor();
    expect(await page.getByTestId('static-errors').locator('li').allTextContents()).toEqual([
      '第 1 行：没有使用此手机号的客户',
      '第 2 行：没有使用此手机号的客户',
    ]);
  });

  it('builds a rule on a prediction: the churn-risk band of the latest CLV fit', async () => {
    const fit = await post<{ customers: number }>('/api/v1/insights/clv/runs', {});
    expect(fit.customers).toBeGreaterThan(0);
    await page.goto(`${base}/segments/builder`);
    const first = page.getByTestId('rule-condition').first();
    await first.locator('select[name=kind]').selectOption('prediction');
    await first.locator('select[name=model]').selectOption('churn_risk');
    await first.getByLabel('中').check();
    const expected = await post<{ count: number }>('/api/v1/segments/preview', { version: 1, rule: { kind: 'prediction', model: 'churn', labels: ['high', 'medium'] } });
    await page.locator('[data-testid=live-panel][data-state=fresh]').waitFor();
    await page.getByTestId('live-count').filter({ hasText: new RegExp(`^${new Intl.NumberFormat('zh-CN').format(expected.count)}$`) }).waitFor();
    await first.locator('select[name=model]').selectOption('clv');
    await first.locator('select[name=op]').selectOption('gte');
    await first.locator('input[name=value]').fill('500');
    const byClv = await post<{ count: number }>('/api/v1/segments/preview', { version: 1, rule: { kind: 'prediction', model: 'clv', op: 'gte', value: 500 } });
    await page.getByTestId('live-count').filter({ hasText: new RegExp(`^${new Intl.NumberFormat('zh-CN').format(byClv.count)}$`) }).waitFor();
    await shot('segments-builder-prediction-zh');
  });

  it('runs clustering with a chosen k and shows each cluster with its size', async () => {
    await page.getByRole('link', { name: '聚类分析' }).click();
    await page.getByRole('heading', { name: '客户聚类' }).waitFor();
    await page.locator('select[name=kMode]').selectOption('k');
    await page.locator('input[name=k]').fill('4');
    await page.locator('input[name=seed]').fill('7');
    await page.getByTestId('cluster-run-button').click();
    await page.getByTestId('cluster-cards').waitFor();
    await page.locator('.chart canvas').first().waitFor();
    const latest = await get<{ k: number; customers: number; clusters: Array<{ size: number }> }>('/api/v1/segments/clusters/latest');
    expect(latest.k).toBe(4);
    const sizes = (await page.getByTestId('cluster-size').allTextContents()).map(n);
    expect(sizes).toEqual(latest.clusters.map((c) => c.size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(latest.customers);
    await page.waitForTimeout(300);
    await shot('segments-clusters-zh');
  });

  it('reads the same in English', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Customer clusters' }).waitFor();
    await page.waitForTimeout(300);
    await shot('segments-clusters-en');
    await page.goto(`${base}/segments/rfm`);
    await page.getByRole('heading', { name: 'RFM analysis', level: 1 }).waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.locator('[data-class=high_value]').innerText()).toContain('Assign a dedicated account manager');
    await page.waitForTimeout(300);
    await shot('segments-rfm-en');
    await page.goto(`${base}/segments/builder`);
    await page.getByRole('heading', { name: 'Segment builder' }).waitFor();
    await page.getByTestId('live-count').waitFor();
    await shot('segments-builder-en');
    await page.goto(`${base}/segments/frequent_valuable`);
    await page.getByTestId('segment-members').waitFor();
    expect(await page.getByTestId('segment-rule').innerText()).toBe('Lifetime orders ≥ 3 AND Value class is High value, Potential');
    await shot('segments-detail-en');
    await page.goto(`${base}/segments`);
    await page.getByTestId('segment-list').waitFor();
    await shot('segments-list-en');
  }, 120_000);

  it('fits a tablet', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    for (const path of ['/segments/rfm', '/segments/builder', '/segments/clusters', '/segments']) {
      await page.goto(`${base}${path}`);
      await page.locator('h1').first().waitFor();
      await page.waitForTimeout(400);
      expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(768);
      await shot(`segments-tablet${path.replace(/\//g, '-')}-en`);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.getByRole('button', { name: '中文' }).click();
  }, 120_000);

  it('shows an analyst the figures without the run buttons; members come masked', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.locator('input[name=username]').fill(ANALYST.username);
    await page.locator('input[name=password]').fill(ANALYST.password);
    await page.locator('button[type=submit]').click();
    await page.locator('.user-name').waitFor();
    await page.goto(`${base}/segments/rfm`);
    await page.getByTestId('rfm-scored').waitFor();
    expect(await page.getByTestId('rfm-run-button').count()).toBe(0);
    await page.goto(`${base}/segments/frequent_valuable`);
    const phone = page.getByTestId('segment-members').locator('tbody tr').first().locator('td:nth-child(2)');
    await phone.waitFor();
    expect(await phone.innerText()).toContain('*');
    expect(await page.getByTestId('segment-refresh').count()).toBe(0);
    expect(SHOTS).toBe('/tmp/kemai-shots');
  });
});

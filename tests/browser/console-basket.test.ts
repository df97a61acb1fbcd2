import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { openBrowser, skipReason, type Browser } from '../support/browser.js';
import { seedBasketBrand } from '../support/basket-brand.js';

/**
 * The basket analysis page on the hand-counted shop of tests/support/basket-brand.ts, in Debian's chromium against the
 * real server: the start state, a run with the KPIs and rules counted by hand (product names, not SKUs), sorting,
 * the network and the matrix drawn, an item's bought-together panel, the bundles, a refused threshold, Chinese.
 */
if (skipReason) console.warn(`basket browser tests skipped: ${skipReason}`);

const ADMIN = { username: 'basket.admin', displayName: '购物篮分析员', password: 'Kemai-Basket-2026', role: 'admin' as const };

describe.skipIf(skipReason)('basket analysis console in a browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;

  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.waitForTimeout(400);
    return browser.shot(name);
  };
  const row = (i: number) => page.getByTestId('rules-table').locator('tbody tr').nth(i);
  const rowText = async (i: number) => [
    await row(i).getByTestId('rule-lhs').innerText(),
    await row(i).getByTestId('rule-rhs').innerText(),
    await row(i).getByTestId('rule-support').innerText(),
    await row(i).getByTestId('rule-confidence').innerText(),
    await row(i).getByTestId('rule-lift').innerText(),
  ];
  /** Pixels the chart's canvas has drawn (alpha > 0): an empty canvas has none. */
  const drawn = () =>
    page.getByTestId('basket-chart').locator('canvas').first().evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });

  beforeAll(async () => {
    t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
    await seedBasketBrand(t);
    await t.kemai.access.createStaff(ADMIN);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await openBrowser({ width: 1366, height: 900 });
    page = browser.page;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('runs the rules the baskets give: KPIs, the first rule by name and its measures, sorting', async () => {
    await page.goto(`${base}/`);
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page.locator('.user-name').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'Basket analysis' }).click();
    await page.getByRole('heading', { name: 'Basket analysis', level: 1 }).waitFor();
    await page.getByTestId('basket-start').getByText('Pick the orders and find the rules').waitFor();
    await shot('basket-start-en');

    // A refused threshold is named and nothing runs.
    await page.locator('input[name=minSupport]').fill('0');
    await page.getByTestId('basket-run').click();
    expect(await page.getByTestId('basket-form-error').innerText()).toBe('Min support: a fraction above 0 up to 1, e.g. 0.01 for 1%.');
    expect(await page.getByTestId('basket-start').count()).toBe(1);

    await page.locator('input[name=minSupport]').fill('0.1');
    await page.locator('input[name=minConfidence]').fill('0.3');
    await page.locator('input[name=minLift]').fill('1');
    // The mining state, held open by delaying the real request until it has been seen.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/v1/basket/rules', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByTestId('basket-run').click();
    await page.getByTestId('basket-mining').getByText('Mining the baskets…').waitFor();
    expect(await page.getByTestId('basket-run').innerText()).toBe('Mining…');
    expect(await page.getByTestId('basket-run').isDisabled()).toBe(true);
    release();
    await page.getByTestId('kpi-baskets').waitFor({ timeout: 30_000 });
    await page.unroute('**/api/v1/basket/rules');
    expect(await page.getByTestId('basket-run').innerText()).toBe('Find rules');
    expect(await page.getByTestId('basket-form-error').count()).toBe(0);
    // 12 orders; 7 products; 7 single items and 5 pairs in at least 2 baskets; 10 rules, all with lift ≥ 1.
    expect(await page.getByTestId('kpi-baskets').innerText()).toBe('12');
    expect(await page.getByTestId('kpi-rules').innerText()).toBe('10');
    expect(await page.getByTestId('kpi-items').innerText()).toBe('7');
    expect(await page.getByTestId('kpi-itemsets').innerText()).toBe('12');
    expect(await page.locator('.kpi', { has: page.getByTestId('kpi-baskets') }).locator('.kpi-note').innerText()).toBe('a rule needs at least 2');

    // Best lift first: filter paper ⇒ coffee beans, 2 of 12 baskets, always, lift 12·2 / (2·3) = 4.
    await expect.poll(() => rowText(0)).toEqual(['手冲滤纸', '云南咖啡豆', '16.7%', '100%', '4.00']);
    expect(await row(0).getAttribute('data-rule')).toBe('FILTER-P=>COFFEE-YN');
    expect(await rowText(1)).toEqual(['云南咖啡豆', '手冲滤纸', '16.7%', '66.7%', '4.00']);
    expect(await rowText(2)).toEqual(['紫砂茶杯', '西湖龙井绿茶', '25%', '100%', '3.00']);
    expect(await page.getByTestId('rules-table').locator('tbody tr').count()).toBe(10);
    expect(await page.getByTestId('rules-page').innerText()).toBe('1–10 of 10');
    expect(await row(0).locator('td').nth(5).innerText()).toBe('∞');

    // By support (descending), ties by lift and confidence: the cup ⇒ tea rule (3 baskets, confidence 1).
    await page.getByTestId('sort-support').click();
    await expect.poll(() => rowText(0)).toEqual(['紫砂茶杯', '西湖龙井绿茶', '25%', '100%', '3.00']);
    // Again: ascending — the most support last; ties still by lift, then confidence, so tea ⇒ cup (3, 3/4) is the last.
    await page.getByTestId('sort-support').click();
    await expect.poll(async () => (await rowText(9)).slice(0, 3)).toEqual(['西湖龙井绿茶', '紫砂茶杯', '25%']);
    expect((await rowText(0)).slice(0, 3)).toEqual(['手冲滤纸', '云南咖啡豆', '16.7%']);
    await page.getByTestId('sort-lift').click();
    await expect.poll(() => row(0).getAttribute('data-rule')).toBe('FILTER-P=>COFFEE-YN');

    // Min lift 1.2 leaves out the two bread / milk rules (lift 1).
    await page.locator('input[name=minLift]').fill('1.2');
    await page.getByTestId('basket-run').click();
    await expect.poll(() => page.getByTestId('kpi-rules').innerText()).toBe('8');
    expect(await page.locator('.kpi', { has: page.getByTestId('kpi-rules') }).locator('.kpi-note').innerText()).toBe('10 mined, lift ≥ 1.2 shown');
  }, 120_000);

  it('draws the network and the matrix, opens an item’s bought-together panel, lists the bundles', async () => {
    await page.getByTestId('basket-chart').locator('canvas').first().waitFor();
    await expect.poll(drawn, { timeout: 10_000 }).toBeGreaterThan(2000);
    expect(await page.getByTestId('together-panel').innerText()).toContain('Pick an item');
    await shot('basket-network-en');

    // Tea: the cup in 3 of its 4 baskets (milk, in 1, is below 2 baskets).
    await row(2).getByTestId('rule-rhs').getByRole('button', { name: '西湖龙井绿茶' }).click();
    const panel = page.getByTestId('together-panel');
    await panel.getByRole('heading', { name: 'Bought with 西湖龙井绿茶' }).waitFor();
    await panel.getByTestId('together-list').waitFor();
    expect(await panel.getByTestId('together-list').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-item')))).toEqual(['CUP-ZS']);
    expect(await panel.getByTestId('together-list').innerText()).toContain('紫砂茶杯');
    expect(await panel.getByTestId('together-list').innerText()).toContain('lift 3.00');
    expect(await panel.getByTestId('together-list').innerText()).toContain('75% of its baskets · 3 of 12 baskets');
    expect(await panel.locator('p').first().innerText()).toBe('Other items in the baskets that hold it, by lift · in 4 of 12 baskets');

    // Bundles by lift: coffee + filter 4, bread + jam 3, cup + tea 3, coffee + milk 4/3, bread + milk 1.
    const bundles = page.getByTestId('basket-bundles');
    await bundles.locator('[data-bundle]').first().waitFor();
    expect(await bundles.locator('[data-bundle]').evaluateAll((els) => els.map((e) => e.getAttribute('data-bundle')))).toEqual([
      'COFFEE-YN+FILTER-P',
      'BREAD-WW+JAM-SB',
      'CUP-ZS+TEA-LJ',
      'COFFEE-YN+MILK-1L',
      'BREAD-WW+MILK-1L',
    ]);
    expect(await bundles.locator('[data-bundle]').first().innerText()).toContain('云南咖啡豆');
    // A bundle's item opens its panel too.
    await bundles.locator('[data-bundle="BREAD-WW+JAM-SB"]').getByRole('button', { name: '草莓果酱' }).click();
    await panel.getByRole('heading', { name: 'Bought with 草莓果酱' }).waitFor();
    await expect.poll(() => panel.getByTestId('together-list').locator('li').first().getAttribute('data-item')).toBe('BREAD-WW');
    await shot('basket-together-en');

    await page.getByTestId('view-matrix').click();
    await page.getByTestId('basket-chart').getByRole('heading', { name: 'Lift matrix' }).waitFor();
    await page.waitForTimeout(300);
    expect(await drawn()).toBeGreaterThan(2000);
    await shot('basket-matrix-en');
  }, 120_000);

  it('recommends for a customer found by phone, as the API does, with each reason', async () => {
    const [found] = (await t.app.inject({ method: 'GET', url: '/api/v1/customers?q=13900000108', headers: t.admin })).json().items;
    const api = await t.app.inject({ method: 'GET', url: `/api/v1/basket/customers/${found.id}/recommendations?level=sku&limit=8`, headers: t.admin });
    expect(api.statusCode, api.body).toBe(200);
    const recs = api.json().recommendations as Array<{ item: string; name: string }>;
    expect(recs.length).toBeGreaterThan(0);
    // K08 (coffee and filter paper) is the customer's: neither is offered back within the year.
    expect(recs.map((r) => r.item)).not.toContain('COFFEE-YN');
    const card = page.getByTestId('basket-customer');
    await card.getByText('Find a customer to see what to offer them').waitFor();
    await card.locator('input[name=customerSearch]').fill('13900000108');
    await card.locator(`[data-customer="${found.id}"]`).click();
    await card.getByTestId('customer-recs').waitFor();
    expect(await card.getByTestId('customer-recs').locator('li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-item')))).toEqual(recs.map((r) => r.item));
    expect(await card.getByTestId('customer-recs').locator('li').first().locator('.basket-rec-name').innerText()).toBe(recs[0]!.name);
    await shot('basket-customer-en');
  }, 120_000);

  it('reads in Chinese with the same figures', async () => {
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '购物篮分析', level: 1 }).waitFor();
    expect(await page.locator('nav .nav-item', { hasText: '购物篮分析' }).count()).toBe(1);
    expect(await page.getByTestId('kpi-baskets').innerText()).toBe('12');
    expect(await page.locator('.kpi', { has: page.getByTestId('kpi-rules') }).locator('.kpi-note').innerText()).toBe('共挖掘 10 条，显示提升度 ≥ 1.2');
    expect(await rowText(0)).toEqual(['手冲滤纸', '云南咖啡豆', '16.7%', '100%', '4.00']);
    expect(await page.getByTestId('rules-table').locator('thead').innerText()).toContain('提升度');
    await page.getByTestId('view-network').click();
    await page.getByTestId('basket-chart').getByRole('heading', { name: '商品关联网络' }).waitFor();
    await expect.poll(drawn, { timeout: 10_000 }).toBeGreaterThan(2000);
    expect(await page.getByTestId('together-panel').getByRole('heading').innerText()).toBe('与「草莓果酱」一起购买');
    await shot('basket-zh');

    // Brand level: 宜兴 ⇒ 西湖 and 西湖 ⇒ 宜兴 lead (lift 12·3 / (3·4) = 3); brands are their own names.
    await page.locator('select[name=level]').selectOption('brand');
    await page.locator('input[name=minLift]').fill('');
    await page.getByTestId('basket-run').click();
    await expect.poll(() => page.getByTestId('kpi-items').innerText()).toBe('5');
    expect(await page.locator('.kpi', { has: page.getByTestId('kpi-rules') }).locator('.kpi-note').innerText()).toBe('共挖掘 6 条，全部显示');
    await expect.poll(() => rowText(0)).toEqual(['宜兴', '西湖', '25%', '100%', '3.00']);

    // Nothing reaches 90 % of the baskets: the empty state says what a rule needs.
    await page.locator('input[name=minSupport]').fill('0.9');
    await page.getByTestId('basket-run').click();
    await page.getByTestId('basket-empty').waitFor();
    expect(await page.getByTestId('basket-empty').innerText()).toBe('在这些阈值下没有规则\n共 12 个购物篮，规则至少需要其中 11 个。请降低最小支持度、置信度或提升度。');
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { skipReason } from '../support/browser.js';
import { demoBrowser, signIn, type DemoBrowser } from '../support/demo-browser.js';

/**
 * The promotions area of the console (list, builder with its live preview, coupons with their code pool and issuing,
 * the checkout simulator, results, the 360's wallet) on the demo brand, in Debian's chromium against the real server.
 * The demo's promotions run from 13 days before its last day (29 November 2025) to 45 days after.
 */
if (skipReason) console.warn(`promotions browser tests skipped: ${skipReason}`);

const MARKETER = { username: 'gao.marketing', displayName: '高营销', password: 'Kemai-Promo-2025', role: 'marketer' as const };
const ANALYST = { username: 'qian.analyst', displayName: '钱分析', password: 'Kemai-Reader-2025', role: 'analyst' as const };

describe.skipIf(skipReason)('promotions console in a browser', () => {
  let d: DemoBrowser;
  let page: Page;
  let base: string;
  let customer: { id: string; phone: string; name: string };
  let templateId = '';

  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    return d.browser.shot(name);
  };
  const api = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const r = await d.t.app.inject({ method, url, headers: d.t.admin, ...(payload ? { payload } : {}) });
    expect(r.statusCode, `${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };
  /** No i18n key shows through as text (a missing key renders as itself). */
  const noMissingKeys = async () => {
    const text = await page.locator('body').innerText();
    expect(text.match(/\bpromotions\.[a-zA-Z_.]+/g) ?? []).toEqual([]);
  };

  beforeAll(async () => {
    d = await demoBrowser({ seed: 'promotions-browser', customers: 200, staff: [MARKETER, ANALYST] });
    ({ page, base } = d);
    const c = (await api('GET', '/api/v1/customers?limit=50')).items.find((x: { phone: string | null; name: string | null }) => x.phone && x.name);
    customer = { id: c.id, phone: c.phone, name: c.name };
    await signIn(page, base, MARKETER);
  });

  afterAll(async () => {
    await d?.close();
  });

  it('lists the demo promotions with their rules in words, limits and status', async () => {
    await page.getByRole('link', { name: '促销活动' }).click();
    await page.getByTestId('promo-table').waitFor();
    const codes = await page.locator('[data-testid=promo-table] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-code')));
    expect([...codes].sort()).toEqual([
      'DEMO-618-PAST', 'DEMO-BIRTHDAY', 'DEMO-D11-DRAFT', 'DEMO-FLASH-NUTS', 'DEMO-GIFT399', 'DEMO-MEMBER-SERUM', 'DEMO-MJ300', 'DEMO-NEW30', 'DEMO-PICKUP10', 'DEMO-REPEAT2', 'DEMO-WOMEN-2PCS',
    ]);
    const row = (code: string) => page.locator(`tr[data-code="${code}"]`);
    expect(await row('DEMO-MJ300').getByTestId('promo-rule').innerText()).toBe('满300减50 · 满500减100');
    expect(await row('DEMO-WOMEN-2PCS').getByTestId('promo-rule').innerText()).toBe('满2件8折');
    expect(await row('DEMO-D11-DRAFT').getByTestId('promo-rule').innerText()).toBe('每满300减40 · 最多优惠400元');
    expect(await row('DEMO-BIRTHDAY').getByTestId('promo-rule').innerText()).toBe('9折 · 最多优惠200元');
    expect(await row('DEMO-MJ300').locator('.promo-status').innerText()).toBe('进行中');
    expect(await row('DEMO-GIFT399').locator('[data-usage=uses]').innerText()).toBe('次数\n0 / 500');
    expect(await row('DEMO-D11-DRAFT').locator('button').allInnerTexts()).toEqual(['启用', '结束']);
    expect(await row('DEMO-618-PAST').locator('button').count()).toBe(0);
    await noMissingKeys();
    await shot('promo-01-list-zh');

    await page.locator('.promo-tab[data-status=draft]').click();
    await page.locator('[data-testid=promo-table] tbody tr').first().waitFor();
    await expect.poll(() => page.locator('[data-testid=promo-table] tbody tr').count()).toBe(1);
    await page.locator('.promo-tab[data-status=all]').click();
  });

  it('builds a 满减 promotion with a live preview of the exact discount per line, refuses a taken code, saves a draft', async () => {
    await page.getByTestId('promo-new').click();
    await page.getByTestId('promo-preview').waitFor();
    // The preview starts on a sample cart from the catalogue.
    await page.locator('[data-testid=preview-lines] tbody tr').first().waitFor();
    await noMissingKeys();
    await shot('promo-02-builder-sample-zh');

    await page.locator('input[name=name]').fill('周末满200减30');
    await page.locator('input[name=code]').fill('DEMO-MJ300');
    await page.locator('input[name=tier-0-min]').fill('200');
    await page.locator('input[name=tier-0-off]').fill('30');
    await page.locator('[data-tier="1"] .promo-remove').click();
    // The sample cart: two lines at typed prices.
    while ((await page.locator('.promo-preview .promo-cart-line').count()) > 2) await page.locator('.promo-preview .promo-cart-line .promo-remove').last().click();
    await page.locator('input[name=line-0-sku]').fill('WEEKEND-A');
    await page.locator('input[name=line-0-qty]').fill('2');
    await page.locator('input[name=line-0-price]').fill('100.00');
    await page.locator('input[name=line-1-sku]').fill('WEEKEND-B');
    await page.locator('input[name=line-1-qty]').fill('1');
    await page.locator('input[name=line-1-price]').fill('100.00');

    const preview = page.getByTestId('promo-preview');
    await expect.poll(() => preview.getAttribute('data-state')).toBe('fresh');
    await expect.poll(() => page.getByTestId('preview-total').innerText()).toBe('¥270.00');
    expect(await page.getByTestId('preview-rule').innerText()).toBe('满200减30 · 全场');
    expect(await page.getByTestId('preview-discount').innerText()).toBe('−¥30.00');
    // ¥30 split over what each line pays: ¥200 → ¥20, ¥100 → ¥10.
    expect(await page.getByTestId('line-discount').allInnerTexts()).toEqual(['−¥20.00', '−¥10.00']);
    expect(await page.getByTestId('preview-explanation').innerText()).toBe('范围内 ¥300.00 满足条件：顾客共省 ¥30.00。');

    // Below the threshold: no discount, said so.
    await page.locator('input[name=line-0-qty]').fill('1');
    await page.locator('input[name=line-1-price]').fill('99.99');
    await expect.poll(() => page.getByTestId('preview-total').innerText()).toBe('¥199.99');
    await expect.poll(() => page.getByTestId('preview-explanation').innerText()).toBe('本购物车未达到条件，不享受此优惠。');
    await page.locator('input[name=line-0-qty]').fill('2');
    await page.locator('input[name=line-1-price]').fill('100.00');
    await expect.poll(() => page.getByTestId('preview-total').innerText()).toBe('¥270.00');

    // A discount not below its threshold is marked on its field before anything is sent.
    await page.locator('input[name=tier-0-off]').fill('200');
    await page.getByTestId('promo-save').click();
    await expect.poll(() => page.locator('.promo-f.invalid .field-error').allInnerTexts()).toEqual(['优惠金额须小于门槛']);
    await page.locator('input[name=tier-0-off]').fill('30');

    // The API refuses a taken code: shown on the code field.
    await page.getByTestId('promo-save').click();
    await expect.poll(() => page.locator('.promo-f.invalid .field-error').allInnerTexts()).toEqual(['该编码已被使用']);
    await shot('promo-03-builder-errors-zh');

    await page.locator('input[name=code]').fill('WEEKEND-200-30');
    await page.locator('[data-name=channels] .promo-check', { hasText: '门店' }).click();
    await page.locator('input[name=perCustomerLimit]').fill('1');
    await page.getByTestId('promo-save').click();
    await page.getByTestId('promo-saved').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/promotions\/[0-9a-f-]{36}$/);
    const saved = await api('GET', '/api/v1/promotions/WEEKEND-200-30');
    expect(saved).toMatchObject({
      status: 'draft',
      name: '周末满200减30',
      definition: { scope: { kind: 'order' }, rule: { kind: 'threshold', tiers: [{ minFen: 20000, offFen: 3000 }] } },
      conditions: { channels: ['pos'] },
      perCustomerLimit: 1,
    });
    await shot('promo-04-builder-saved-zh');

    await page.locator('button[data-action=active]').click();
    await expect.poll(async () => (await api('GET', '/api/v1/promotions/WEEKEND-200-30')).status).toBe('active');
    await page.getByRole('link', { name: '促销活动' }).first().click();
    await page.locator('tr[data-code="WEEKEND-200-30"]').waitFor();
    expect(await page.locator('tr[data-code="WEEKEND-200-30"] [data-testid=promo-rule]').innerText()).toBe('满200减30');
    // Pause it again: the simulator below prices the demo's own promotions.
    await page.locator('tr[data-code="WEEKEND-200-30"] button[data-action=paused]').click();
    await expect.poll(() => page.locator('tr[data-code="WEEKEND-200-30"] .promo-status').innerText()).toBe('已暂停');

    // Edit: the form opens with what was saved; a change is saved as a new version.
    await page.locator('tr[data-code="WEEKEND-200-30"] .promo-name').click();
    await page.locator('input[name=tier-0-off]').waitFor();
    expect(await page.locator('input[name=tier-0-min]').inputValue()).toBe('200');
    expect(await page.locator('input[name=code]').isDisabled()).toBe(true);
    await page.locator('input[name=tier-0-off]').fill('40');
    await page.getByTestId('promo-save').click();
    await page.getByTestId('promo-saved').waitFor();
    const edited = await api('GET', '/api/v1/promotions/WEEKEND-200-30');
    expect(edited.definition.rule.tiers).toEqual([{ minFen: 20000, offFen: 4000 }]);
    expect(edited.version).toBe(saved.version + 1);
    await shot('promo-04b-builder-edit-zh');
  });

  it('creates a coupon template, generates codes, issues one to a customer, looks it up, shows it in the 360 wallet', async () => {
    await page.getByRole('link', { name: '优惠券' }).click();
    await page.getByTestId('template-new').click();
    await page.locator('input[name=name]').fill('无门槛立减20元');
    await page.locator('input[name=code]').fill('FREE20');
    await page.locator('input[name=off]').fill('20');
    await page.locator('input[name=validDays]').fill('30');
    await noMissingKeys();
    await shot('promo-05-template-new-zh');
    await page.getByTestId('template-save').click();
    await page.getByTestId('template-summary').waitFor();
    templateId = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.locator('.promo-ticket-value').innerText()).toBe('立减20元');

    await page.locator('input[name=count]').fill('5');
    await page.locator('input[name=prefix]').fill('W');
    await page.getByTestId('pool-generate').click();
    await page.getByTestId('pool-generated').waitFor();
    expect(await page.getByTestId('pool-generated').innerText()).toMatch(/^已生成 5 个券码（批次 .+）。$/);
    await expect.poll(() => page.getByTestId('pool-available').innerText()).toBe('可用券码 5 个');
    await expect.poll(() => page.locator('[data-testid=coupon-table] tbody tr').count()).toBe(5);

    // Import: a bad line refuses the file, named by its line; fixed, both codes land in the pool.
    await page.locator('textarea[name=csv]').fill('code\nSPRING-0001\nSPRING 0002');
    await page.getByTestId('pool-import').click();
    await expect.poll(() => page.getByTestId('pool-import-error').innerText()).toBe('第 3 行：not a code (letters, digits, _ . -; at most 64)');
    // The corrected file chosen through the file button: its text replaces what was pasted.
    await page.getByTestId('pool-file').setInputFiles({ name: 'spring.csv', mimeType: 'text/csv', buffer: Buffer.from('code\nSPRING-0001\nSPRING-0002\n') });
    await expect.poll(() => page.locator('textarea[name=csv]').inputValue()).toBe('code\nSPRING-0001\nSPRING-0002\n');
    expect(await page.getByText('spring.csv').count()).toBe(1);
    await page.getByTestId('pool-import').click();
    await expect.poll(() => page.getByTestId('pool-imported').innerText()).toMatch(/^已导入 2 个券码（批次 .+）。$/);
    await expect.poll(() => page.getByTestId('pool-available').innerText()).toBe('可用券码 7 个');

    await page.locator('input[name=issue-customer]').fill(customer.phone);
    await page.getByTestId('issue-customer-search').click();
    await page.locator(`button[data-customer="${customer.id}"]`).click();
    await page.getByTestId('issue-submit').click();
    await page.getByTestId('issue-done').waitFor();
    const held = (await api('GET', `/api/v1/coupons?customerId=${customer.id}`)).items;
    expect(held.map((c: { templateId: string; status: string }) => [c.templateId, c.status])).toEqual([[templateId, 'issued']]);
    const code = held[0].code as string;
    // Valid 30 days from issue, to the end of the 30th day (Shanghai): the notice names that last day.
    const shanghai = (ms: number) => new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
    expect(await page.getByTestId('issue-done').innerText()).toBe(`已发放 ${code}，有效期至 ${shanghai(Date.now() + 30 * 86_400_000)}。`);
    await expect.poll(() => page.locator(`[data-testid=coupon-table] tr[data-code="${code}"] .promo-coupon-status`).innerText()).toBe('已发放');
    await noMissingKeys();
    await shot('promo-06-template-zh');

    // Look the code up and void… not this one: the wallet shows it next.
    await page.getByRole('link', { name: '优惠券' }).first().click();
    await page.locator(`tr[data-code="FREE20"]`).waitFor();
    await page.locator('input[name=lookupCode]').fill(code.toLowerCase());
    await page.locator('[data-testid=coupon-lookup] button[type=submit]').click();
    await page.getByTestId('coupon-found').waitFor();
    expect(await page.getByTestId('coupon-found').getAttribute('data-status')).toBe('issued');
    await shot('promo-07-coupons-zh');

    await page.goto(`${base}/customers/${customer.id}`);
    await page.getByTestId('coupon-wallet').locator(`[data-code="${code}"]`).waitFor();
    expect(await page.getByTestId('coupon-wallet').locator(`[data-code="${code}"] strong`).innerText()).toBe('无门槛立减20元');
    await page.getByTestId('coupon-wallet').scrollIntoViewIfNeeded();
    await d.browser.page.screenshot({ path: '/tmp/kemai-shots/promo-08-wallet-zh.png' });

    // Void it from the look-up: the wallet then shows it void.
    await page.goto(`${base}/coupons`);
    await page.locator('input[name=lookupCode]').fill(code);
    await page.locator('[data-testid=coupon-lookup] button[type=submit]').click();
    await page.locator('input[name=voidReason]').fill('发错了');
    await page.getByTestId('coupon-void').click();
    await expect.poll(() => page.getByTestId('coupon-found').getAttribute('data-status')).toBe('void');
    expect((await api('GET', `/api/v1/coupons/${code}`)).status).toBe('void');

    // A segment of 40 other customers, 25 % held out: the run's figures as the API recorded them.
    const ids = (await api('GET', '/api/v1/customers?limit=100')).items.map((x: { id: string }) => x.id).filter((id: string) => id !== customer.id).slice(0, 40);
    await api('POST', '/api/v1/segments/static', { code: 'coupon_trial', name: '发券试点', of: 'id', content: ids.join('\n') });
    await page.goto(`${base}/coupons/${templateId}`);
    await page.locator('button[data-issue-to=segment]').click();
    await page.locator('select[name=segment]').selectOption({ label: '发券试点（40 人）' });
    await page.locator('input[name=holdout]').fill('25');
    await page.getByTestId('issue-submit').click();
    await page.getByTestId('issue-run').waitFor();
    const run = (await api('GET', `/api/v1/coupon-issue-runs?templateId=${templateId}`)).items[0];
    expect(run.issued + run.heldOut + run.skipped).toBe(40);
    expect(run.heldOut).toBeGreaterThan(0);
    expect(await page.getByTestId('issue-run').locator('strong').allInnerTexts()).toEqual([String(run.issued), String(run.heldOut), String(run.skipped)]);
    await shot('promo-08b-issue-segment-zh');
  });

  it('prices a known cart in the checkout simulator: 满500减100, then the 满399 gift on what is left', async () => {
    await page.getByRole('link', { name: '收银模拟' }).click();
    await page.locator('input[name=at]').fill('2025-12-01T12:00');
    await page.locator('input[name=sim-0-sku]').fill('TILL-A');
    await page.locator('input[name=sim-0-qty]').fill('2');
    await page.locator('input[name=sim-0-price]').fill('250.00');
    await page.getByTestId('sim-price').click();
    await page.getByTestId('sim-quote').waitFor();
    // ¥500: 满500减100 first (priority 300), then 满399赠 on the ¥400 left (priority 400).
    expect(await page.getByTestId('sim-payable').innerText()).toBe('¥400.00');
    expect(await page.getByTestId('sim-discount').innerText()).toBe('−¥100.00');
    expect(await page.getByTestId('sim-payable').innerText()).toBe('¥400.00');
    expect(await page.locator('[data-testid=sim-quote] .promo-gift-row').count()).toBe(1);
    expect(await page.locator('[data-testid=sim-applied] li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-code')).sort())).toEqual(['DEMO-GIFT399', 'DEMO-MJ300']);
    expect(await page.getByTestId('sim-explanation').innerText()).toContain('合计 ¥500.00，优惠 −¥100.00，应付 ¥400.00');
    await noMissingKeys();
    await shot('promo-09-simulator-zh');

    // Now (after 13 January 2026 the demo's promotions are over): a customer's coupon from the wallet is the only discount.
    const other = (await api('GET', '/api/v1/customers?limit=50')).items.find((x: { id: string; phone: string | null }) => x.phone && x.id !== customer.id);
    const coupon = (await api('POST', `/api/v1/coupon-templates/${templateId}/issue`, { customerId: other.id })).coupon;
    await page.locator('input[name=at]').fill('');
    await page.locator('input[name=sim-customer]').fill(other.phone);
    await page.getByTestId('sim-customer-search').click();
    await page.locator(`button[data-customer="${other.id}"]`).click();
    await page.locator('.promo-wallet-pick button', { hasText: coupon.code }).click();
    await page.getByTestId('sim-price').click();
    await expect.poll(() => page.getByTestId('sim-payable').innerText()).toBe('¥480.00');
    expect(await page.locator('[data-testid=sim-applied] li').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-code')))).toEqual([coupon.code]);
    expect(await page.locator('[data-testid=sim-quote] [data-sku=TILL-A] .promo-off').innerText()).toBe('无门槛立减20元 −¥20.00');
    await shot('promo-09b-simulator-coupon-zh');
  });

  it('shows results against the holdout', async () => {
    await page.getByRole('link', { name: '促销效果' }).click();
    await page.locator('select[name=promotion]').selectOption({ label: '全场满300减50，满500减100 · 进行中' });
    await page.getByTestId('results-kpis').waitFor();
    await page.getByTestId('holdout-comparison').locator('canvas').waitFor();
    await noMissingKeys();
    await shot('promo-10-results-zh');
    await page.locator('button[data-tab=run]').click();
    await page.getByTestId('run-kpis').waitFor();
    expect(await page.getByTestId('run-kpis').locator('.kpi-label').allInnerTexts()).toEqual(['发放', '核销', '核销率', '销售额', '优惠成本']);
    await page.getByTestId('holdout-comparison').locator('canvas').waitFor();
    await noMissingKeys();
    await shot('promo-10b-results-run-zh');
    await page.locator('button[data-tab=promotion]').click();
  });

  it('renders every page in English without missing keys', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'Promotions', exact: true }).click();
    await page.getByTestId('promo-table').waitFor();
    expect(await page.locator('tr[data-code="DEMO-MJ300"] [data-testid=promo-rule]').innerText()).toBe('¥50 off ¥300 · ¥100 off ¥500');
    expect(await page.locator('tr[data-code="DEMO-WOMEN-2PCS"] [data-testid=promo-rule]').innerText()).toBe('20% off 2+ items');
    await noMissingKeys();
    await shot('promo-11-list-en');
    await page.getByTestId('promo-new').click();
    await page.locator('[data-testid=preview-lines] tbody tr').first().waitFor();
    await page.locator('.promo-kind[data-kind=gift]').click();
    expect(await page.getByTestId('preview-rule').innerText()).toBe('Complete the rule to see it priced — Gift SKU: Enter a SKU');
    await page.locator('input[name=gift-0-sku]').fill('GIFT-MUG');
    await page.locator('input[name=gift-0-name]').fill('Travel mug');
    await page.locator('input[name=gift-0-value]').fill('39.90');
    // The sample cart is well over ¥300: the mug is added free, worth ¥39.90, and nothing comes off the lines.
    await expect.poll(() => page.getByTestId('preview-gift-value').innerText()).toBe('¥39.90');
    expect(await page.locator('[data-gift="GIFT-MUG"] td').first().innerText()).toBe('Gift Travel mug × 1');
    expect(await page.getByTestId('preview-discount').innerText()).toBe('−¥0.00');
    await noMissingKeys();
    await shot('promo-12-builder-en');
    await page.goto(`${base}/coupons/${templateId}`);
    await page.getByTestId('template-summary').waitFor();
    expect(await page.locator('.promo-ticket-value').innerText()).toBe('¥20 off');
    await noMissingKeys();
    await shot('promo-13-template-en');
    await page.getByRole('link', { name: 'Checkout simulator' }).click();
    await page.locator('input[name=at]').fill('2025-12-01T12:00');
    await page.locator('input[name=sim-0-sku]').fill('TILL-A');
    await page.locator('input[name=sim-0-qty]').fill('2');
    await page.locator('input[name=sim-0-price]').fill('250.00');
    await page.getByTestId('sim-price').click();
    await page.getByTestId('sim-quote').waitFor();
    expect(await page.getByTestId('sim-payable').innerText()).toBe('¥400.00');
    expect(await page.getByTestId('sim-explanation').innerText()).toContain('Subtotal ¥500.00, discounts −¥100.00, total ¥400.00');
    await noMissingKeys();
    await shot('promo-14-simulator-en');
    await page.setViewportSize({ width: 820, height: 1180 });
    await shot('promo-14b-simulator-tablet-en');
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.getByRole('link', { name: 'Results' }).click();
    await page.getByTestId('results-kpis').waitFor();
    await noMissingKeys();
    await shot('promo-15-results-en');
    await page.goto(`${base}/customers/${customer.id}`);
    await page.getByTestId('coupon-wallet').locator('.promo-wallet-item').first().waitFor();
    await noMissingKeys();
  });

  it('shows an analyst the promotions and coupons to read, nothing to change', async () => {
    await page.locator('.topbar .btn-ghost').click();
    await signIn(page, base, ANALYST);
    await page.getByRole('link', { name: 'Promotions', exact: true }).click();
    await page.getByTestId('promo-table').waitFor();
    expect(await page.getByTestId('promo-new').count()).toBe(0);
    expect(await page.locator('[data-testid=promo-table] button').count()).toBe(0);
    await page.locator('tr[data-code="DEMO-MJ300"] .promo-name').click();
    await page.getByTestId('promo-preview').waitFor();
    expect(await page.getByTestId('promo-save').count()).toBe(0);
    await page.goto(`${base}/coupons/${templateId}`);
    await page.getByTestId('template-summary').waitFor();
    expect(await page.getByTestId('code-pool').count()).toBe(0);
    expect(await page.getByTestId('issue').count()).toBe(0);
  });
});

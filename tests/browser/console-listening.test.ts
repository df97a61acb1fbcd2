import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { skipReason } from '../support/browser.js';
import { demoBrowser, signIn, type DemoBrowser } from '../support/demo-browser.js';

/**
 * The social listening console on the demo brand, in Debian's chromium against the real server: the overview's tiles
 * against the previous period, the mention stream with its sentiment chips, keyword chips that filter and a linked
 * customer, keyword heat, a crisis with its statement clock worked from statement to affected customers, compensation
 * and closing, and the post-mortem; in Chinese and English. The mentions are sent through the API a few hours back
 * from now, with texts the sentiment model reads unambiguously.
 */
if (skipReason) console.warn(`listening browser tests skipped: ${skipReason}`);

const MARKETER = { username: 'zhao.pr', displayName: '赵公关', password: 'Kemai-Listening-2025', role: 'marketer' as const };
const HOUR = 3_600_000;
const NEGATIVE = '羽绒服洗一次就严重起球，质量太差了，非常失望，要求退货';
const POSITIVE = '店员服务特别热情，衣服质量很好，非常满意，下次还来';

describe.skipIf(skipReason)('listening console in a browser', () => {
  let d: DemoBrowser;
  let page: Page;
  let base: string;
  let customerId: string;
  let crisisId: string;

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
    expect(text.match(/\blistening\.[a-zA-Z_]+\.[a-zA-Z_.]+/g) ?? []).toEqual([]);
  };
  const tile = (id: string) => page.locator(`[data-kpi=${id}]`);

  beforeAll(async () => {
    d = await demoBrowser({ seed: 'listening-browser', customers: 40, staff: [MARKETER] });
    ({ page, base } = d);
    const people = (await api('GET', '/api/v1/customers?limit=20')).items as Array<{ id: string; phone: string | null }>;
    const withPhone = people.find((p) => p.phone);
    expect(withPhone).toBeDefined();
    customerId = withPhone!.id;
    const now = Date.now();
    const mention = (i: number, text: string, hoursAgo: number, extra: object = {}) => ({
      source: (['weibo', 'xiaohongshu', 'douyin', 'dianping'] as const)[i % 4],
      externalId: `lb-${i}`,
      author: `网友${i}`,
      text,
      postedAt: new Date(now - hoursAgo * HOUR).toISOString(),
      region: i % 2 ? '广东' : '上海',
      storeCode: 'SH001',
      sku: 'D-1001',
      likes: i,
      comments: 1,
      shares: 0,
      ...extra,
    });
    // The last 24 hours: 6 negative, 4 positive (60 %); the 24 before: 1 negative, 4 positive (20 %).
    const items = [
      ...[1, 2, 3, 4, 5].map((h, i) => mention(i, NEGATIVE, h)),
      mention(5, NEGATIVE, 6, { identifiers: { phone: withPhone!.phone }, author: '会员顾客' }),
      ...[8, 10, 12, 14].map((h, i) => mention(10 + i, POSITIVE, h)),
      mention(20, NEGATIVE, 30),
      ...[28, 32, 34, 36].map((h, i) => mention(21 + i, POSITIVE, h)),
    ];
    const stored = await api('POST', '/api/v1/listening/mentions', { items });
    expect(stored.inserted).toBe(15);
    expect(stored.sentiment).toEqual({ positive: 8, neutral: 0, negative: 7 });
    expect(stored.linked).toBe(1);
    await signIn(page, base, MARKETER);
  });

  afterAll(async () => {
    await d?.close();
  });

  it('shows the overview for 24 hours: mentions and negative share against the day before, charts, the map and the word cloud', async () => {
    expect(await page.locator('.nav-group').allTextContents()).toContain('舆情');
    await page.getByRole('link', { name: '舆情总览', exact: true }).click();
    await page.getByRole('heading', { name: '舆情总览' }).waitFor();
    await page.locator('[data-period="24h"]').click();
    await expect.poll(() => tile('mentions').locator('.kpi-value').innerText()).toBe('10');
    expect(await tile('mentions').locator('.delta').textContent()).toBe('▲100%');
    expect(await tile('mentions').locator('.dash-kpi-was').innerText()).toBe('上期 5');
    expect(await tile('negativeShare').locator('.kpi-value').innerText()).toBe('60%');
    expect(await tile('negativeShare').locator('.delta').textContent()).toBe('▲40 个百分点');
    expect(await tile('negativeShare').locator('.dash-kpi-was').innerText()).toBe('上期 20%');
    const overview = await api('GET', `/api/v1/listening/overview?from=${new Date(Date.now() - 24 * HOUR).toISOString()}`);
    expect(await tile('openAlerts').locator('.kpi-value').innerText()).toBe(String(overview.openAlerts));
    expect(await tile('openCrises').locator('.kpi-value').innerText()).toBe('0');
    // Trend, source ring and the province tile map each draw a canvas.
    await page.locator('.chart canvas').nth(2).waitFor();
    expect(await page.getByTestId('word-cloud').locator('[data-term="起球"]').count()).toBe(1);
    await noMissingKeys();
    await shot('listening-01-overview-zh');
  });

  it('lists the mentions with sentiment chips; a keyword chip filters and is marked in the text; the linked customer is a link', async () => {
    await page.getByRole('link', { name: '声量明细', exact: true }).click();
    await page.getByTestId('mention-list').waitFor();
    await page.locator('[data-period="24h"]').click();
    const rows = page.locator('.ls-mention');
    await expect.poll(() => rows.count()).toBe(10);
    // Newest first: the negative one an hour ago.
    expect(await rows.first().locator('.ls-senti-label').innerText()).toBe('负面');
    expect(await rows.first().locator('.ls-source-name').innerText()).toBe('微博');
    await page.locator('select[name=sentiment]').selectOption('positive');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await rows.locator('.ls-senti-label').allTextContents()).toEqual(['正面', '正面', '正面', '正面']);
    await page.locator('select[name=sentiment]').selectOption('');
    await expect.poll(() => rows.count()).toBe(10);
    await rows.first().locator('.ls-kw[data-keyword="起球"]').click();
    await expect.poll(() => new URL(page.url()).searchParams.get('keyword')).toBe('起球');
    await expect.poll(() => rows.count()).toBe(6);
    expect(await page.getByTestId('active-filters').locator('.chip').innerText()).toBe('关键词: 起球 ×');
    expect(await rows.first().locator('mark').first().innerText()).toBe('起球');
    const linked = page.locator(`.ls-mention [data-testid=mention-customer]`);
    expect(await linked.count()).toBe(1);
    expect(await linked.getAttribute('href')).toBe(`/customers/${customerId}`);
    await noMissingKeys();
    await shot('listening-02-mentions-zh');
  });

  it('shows keyword heat with the trending table', async () => {
    await page.getByRole('link', { name: '关键词热度', exact: true }).click();
    await page.getByTestId('terms-table').waitFor();
    const row = page.locator('tr[data-term="起球"]');
    await page.locator('[data-period="24h"]').click();
    await expect.poll(() => row.locator('td').nth(1).innerText()).toBe('6');
    expect(await row.locator('td').nth(2).innerText()).toBe('1');
    expect(await row.locator('td').nth(3).textContent()).toBe('▲500%');
    await noMissingKeys();
    await shot('listening-03-keywords-zh');
  });

  it('works a crisis: the statement clock, a statement, affected customers, compensation with points, closing and the report', async () => {
    const owner = (await d.t.kemai.access.listStaff()).find((s) => s.username === MARKETER.username)!;
    const opened = await api('POST', '/api/v1/listening/crises', { title: '羽绒服起球', severity: 'high', ownerId: owner.id, sku: 'D-1001' });
    crisisId = opened.id;
    await page.getByRole('link', { name: '危机处置', exact: true }).click();
    await page.getByTestId('crises-table').waitFor();
    expect(await page.locator('.ls-crises tbody tr').count()).toBe(1);
    expect(await page.locator('.ls-crises .ls-crisis-status').innerText()).toBe('待响应');
    // Opening the crisis told the console: one unread notice in the bell, which leads to the crisis and is then read.
    expect((await api('GET', '/api/v1/listening/notifications?unread=true')).unread).toBe(1);
    await expect.poll(() => page.getByTestId('notice-count').textContent()).toBe('1');
    await page.getByTestId('notice-bell').click();
    expect(await page.getByTestId('notice-list').locator('.ls-notice-kind').allTextContents()).toEqual(['危机']);
    await page.getByTestId('notice-list').locator('a').first().click();
    await page.getByTestId('crisis-meta').waitFor();
    await expect.poll(() => page.getByTestId('notice-count').count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe(`/listening/crises/${crisisId}`);
    expect(await page.locator('h1').innerText()).toBe(`#${opened.number} 羽绒服起球`);
    expect(await page.getByTestId('crisis-meta').locator('.ls-crisis-status').innerText()).toBe('待响应');
    expect(await page.getByTestId('crisis-meta').locator('.ls-sev').innerText()).toBe('高');
    const statement = page.locator('[data-deadline=statement] [data-testid=deadline-clock]');
    expect(await statement.getAttribute('data-tone')).toBe('ok');
    expect(await statement.innerText()).toMatch(/^还剩 5\d分钟$/);
    expect(await page.locator('[data-deadline=update]').innerText()).toContain('发布声明后每 4 小时一次');
    await noMissingKeys();
    await shot('listening-04-crisis-open-zh');

    await page.locator('textarea[name=post]').fill('我们已下架该批次羽绒服，购买过的顾客可无理由退换。');
    await page.getByTestId('post-submit').click();
    await expect.poll(() => statement.getAttribute('data-tone')).toBe('done');
    expect(await statement.innerText()).toBe('按时完成');
    expect(await page.getByTestId('crisis-meta').locator('.ls-crisis-status').innerText()).toBe('处置中');
    expect(await page.locator('[data-deadline=update] [data-testid=deadline-clock]').innerText()).toMatch(/^还剩 3小时5\d分$/);
    expect(await page.locator('.tl[data-kind=statement] .ls-prose').innerText()).toBe('我们已下架该批次羽绒服，购买过的顾客可无理由退换。');

    await page.getByTestId('affected-refresh').click();
    await page.getByTestId('affected-list').waitFor();
    expect(await page.locator('[data-testid=affected-list] li').count()).toBe(1);
    expect(await page.locator(`[data-testid=affected-list] li[data-customer="${customerId}"] .chip`).allTextContents()).toEqual(['声量']);
    await page.getByTestId('compensate-open').click();
    await page.locator('input[name=points]').fill('200');
    await page.getByTestId('compensate-form').locator('button[type=submit]').click();
    await page.getByTestId('compensated').waitFor();
    expect(await page.getByTestId('compensated').innerText()).toContain('已补偿 1 位客户：积分 200。');
    await expect.poll(() => page.locator('[data-testid=affected-list] .ls-given').innerText()).toBe('积分 200');

    await page.locator('textarea[name=summary]').fill('批次质量问题，已下架并补偿受影响客户。');
    await page.getByTestId('crisis-close').click();
    await expect.poll(() => page.getByTestId('crisis-meta').locator('.ls-crisis-status').innerText()).toBe('已结束');
    await page.getByTestId('report-toggle').click();
    await page.getByTestId('crisis-report').locator('[data-fact=statementMet] dd').waitFor();
    expect(await page.locator('[data-fact=statementMet] dd').innerText()).toBe('是');
    expect(await page.locator('[data-fact=compensation] dd').innerText()).toBe('1 位客户：积分 200');
    await noMissingKeys();
    await shot('listening-05-crisis-closed-zh');
  });

  it('reads the same in English', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Post-mortem report' }).waitFor();
    expect(await page.getByTestId('crisis-meta').locator('.ls-crisis-status').innerText()).toBe('Closed');
    expect(await page.locator('[data-deadline=statement] [data-testid=deadline-clock]').innerText()).toBe('done on time');
    expect(await page.locator('[data-fact=statementMet] dd').innerText()).toBe('Yes');
    await shot('listening-06-crisis-en');
    await page.getByRole('link', { name: 'Listening dashboard', exact: true }).click();
    await page.getByRole('heading', { name: 'Listening overview' }).waitFor();
    await page.locator('[data-period="24h"]').click();
    await expect.poll(() => tile('mentions').locator('.kpi-label').innerText()).toBe('Mentions');
    await expect.poll(() => tile('mentions').locator('.kpi-value').innerText()).toBe('10');
    expect(await tile('negativeShare').locator('.delta').textContent()).toBe('▲40 pp');
    expect(await tile('negativeShare').locator('.dash-kpi-was').innerText()).toBe('previous period 20%');
    await page.getByRole('link', { name: 'Mentions', exact: true }).click();
    await page.getByTestId('mention-list').waitFor();
    expect(await page.locator('.ls-mention').first().locator('.ls-senti-label').innerText()).toBe('Negative');
    expect(await page.locator('.ls-mention').first().locator('.ls-source-name').innerText()).toBe('Weibo');
    await noMissingKeys();
    await shot('listening-07-mentions-en');
  });

  it('acknowledges a spike alert and opens its crisis from the alerts page', async () => {
    const owner = (await d.t.kemai.access.listStaff()).find((s) => s.username === MARKETER.username)!;
    await api('POST', '/api/v1/listening/rules', { name: '衬衫差评突增', scopeType: 'product', scopeKey: 'X-9009', metric: 'volume', windowMinutes: 60, increasePct: 300, minCount: 5, alpha: 0.01, ownerId: owner.id });
    // Eight complaints about a shirt no one mentioned before, all within this hour; the scan finds the spike.
    const at = new Date().toISOString();
    const burst = Array.from({ length: 8 }, (_, i) => ({ source: 'weibo', externalId: `burst-${i}`, text: '这件衬衫穿一次就开线了，质量太差，非常失望', postedAt: at, sku: 'X-9009', region: '浙江' }));
    expect((await api('POST', '/api/v1/listening/mentions', { items: burst })).inserted).toBe(8);
    expect((await api('POST', '/api/v1/listening/scan', {})).opened).toBe(1);
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const row = page.locator('[data-testid=alerts-table] tbody tr', { hasText: '衬衫差评突增' });
    await row.waitFor();
    expect(await row.locator('.ls-alert-state').innerText()).toBe('New');
    expect([await row.locator('.ls-scope-type').textContent(), await row.locator('.ls-scope-key').textContent()]).toEqual(['Product', 'X-9009']);
    expect(await row.locator('.ls-finding-main').innerText()).toMatch(/^8 vs [\d.]+ expected$/);
    await row.getByTestId('alert-ack').click();
    await expect.poll(() => row.locator('.ls-alert-state').innerText()).toBe('Acknowledged');
    await noMissingKeys();
    await shot('listening-08-alerts-en');
    await row.getByTestId('alert-crisis').click();
    await page.getByTestId('crisis-meta').waitFor();
    expect(await page.locator('h1').innerText()).toMatch(/^#2 衬衫差评突增/);
    expect(await page.getByTestId('crisis-meta').innerText()).toContain(`Owner ${MARKETER.displayName}`);
    expect(await page.locator('[data-deadline=statement] [data-testid=deadline-clock]').innerText()).toMatch(/^due in 5\dm$/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { skipReason } from '../support/browser.js';
import { demoBrowser, signIn, type DemoBrowser } from '../support/demo-browser.js';

/**
 * The journeys and messaging area of the console (journey list with the ready-made journeys, the visual builder,
 * stats against the holdout, templates with their preview, the message log, the 360's messages, guide tasks, channels
 * and policy) on the demo brand, in Debian's chromium against the real server. The demo's last day is 30 November 2025.
 */
if (skipReason) console.warn(`journeys browser tests skipped: ${skipReason}`);

const MARKETER = { username: 'zhou.marketing', displayName: '周营销', password: 'Kemai-Journey-2025', role: 'marketer' as const };
/** The day after the demo's last: the win-back journey's inactivity scan runs at 10:00 Shanghai time. */
const NOW = new Date('2025-12-01T10:30:00+08:00');

describe.skipIf(skipReason)('journeys console in a browser', () => {
  let d: DemoBrowser;
  let page: Page;
  let base: string;
  let winBack: { id: string };
  let stats: { entered: number; treated: number; holdout: number; messages: Record<string, number>; uplift: { treated: { customers: number }; holdout: { customers: number }; conversion: { low: number | null } } };
  let messaged: string;

  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    return d.browser.shot(name);
  };
  const api = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const r = await d.t.app.inject({ method, url, headers: d.t.admin, ...(payload ? { payload } : {}) });
    expect(r.statusCode, `${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };
  /** No i18n key shows through as text (a missing key renders as itself). */
  const noMissingKeys = async () => {
    const text = await page.locator('body').innerText();
    expect(text.match(/\b(journeys|messaging)\.[a-zA-Z_.]+/g) ?? []).toEqual([]);
  };
  const n = (v: number) => v.toLocaleString('zh-CN');

  beforeAll(async () => {
    d = await demoBrowser({ seed: 'journeys-browser', customers: 200, staff: [MARKETER] });
    ({ page, base } = d);
    // A running win-back journey with people in it: installed and published through the API, then its inactivity scan
    // and its steps run on the day after the demo, and the messages it planned dispatched (the log adapter).
    winBack = (await api('POST', '/api/v1/journeys/blueprints/win_back/install', {})).journey;
    await api('POST', `/api/v1/journeys/${winBack.id}/publish`, {});
    await d.t.kemai.journeys.scanTriggers(NOW);
    await d.t.kemai.journeys.runDue(NOW);
    // A day and a half later (past quiet hours and everyone's usual hour).
    await d.t.kemai.messaging.dispatcher.dispatchAll(new Date(NOW.getTime() + 28 * 3600_000));
    // A guide task: the quarterly callback's template sent to one customer through the guide_task channel.
    await api('POST', '/api/v1/journeys/blueprints/quarterly_callback/install', {});
    const someone = (await api('GET', '/api/v1/customers?limit=5')).items[0];
    await api('POST', '/api/v1/messaging/messages', { customerId: someone.id, template: 'bp_callback_task', channel: 'guide_task' });
    await d.t.kemai.messaging.dispatcher.dispatchAll();
    expect((await api('GET', '/api/v1/messaging/guide-tasks?status=open')).items).toHaveLength(1);
    stats = await api('GET', `/api/v1/journeys/${winBack.id}/stats`);
    expect(stats.entered).toBeGreaterThan(0);
    await signIn(page, base, MARKETER);
  });

  afterAll(async () => {
    await d?.close();
  });

  it('lists the journeys with the ready-made ones below, and the nav group', async () => {
    expect(await page.locator('.nav-group').allTextContents()).toEqual(['数据', '会员忠诚度', '客户分群', '预测洞察', '促销', '客户旅程', '客户服务', '舆情']);
    await page.getByRole('link', { name: '旅程', exact: true }).click();
    await page.getByTestId('journey-table').waitFor();
    const row = page.locator('tr[data-code=win_back]');
    expect(await row.locator('.jr-status').innerText()).toBe('运行中');
    // The trigger in words once the journey's definition has loaded.
    await expect.poll(() => row.getByTestId('journey-trigger').innerText()).toContain('90 天未购买');
    expect(await row.getByTestId('journey-entered').innerText()).toBe(n(stats.entered));
    await page.locator('[data-blueprint]').nth(8).waitFor();
    expect(await page.locator('[data-blueprint]').evaluateAll((els) => els.map((e) => e.getAttribute('data-blueprint')))).toEqual([
      'welcome', 'second_purchase', 'win_back', 'birthday', 'tier_upgrade', 'quarterly_callback', 'referral', 'complaint_care', 'birthday_call',
    ]);
    await noMissingKeys();
    await shot('journeys-01-list-zh');
  });

  it('installs the welcome journey, edits a step on the flow, checks it on the server and publishes it', async () => {
    await page.locator('[data-blueprint=welcome] [data-action=install]').click();
    await page.getByTestId('flow').waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/journeys\/[0-9a-f-]{36}$/);
    expect(await page.locator('.jr-card[data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).toEqual(['trigger', 'thanks_coupon', 'thanks', 'wait_guide', 'guide']);
    expect(await page.locator('.jr-card[data-step=trigger] .jr-card-title').innerText()).toBe('首次购买');
    await noMissingKeys();
    await shot('journeys-02-builder-installed-zh');

    // The wait: 3 days → 5 days.
    await page.locator('.jr-card[data-step=wait_guide]').click();
    await page.locator('input[name=wait-days]').fill('5');
    expect(await page.locator('.jr-card[data-step=wait_guide] .jr-card-sub').innerText()).toBe('等待 5 天');
    // A branch after the guide: bought since entering → end; otherwise a points step.
    await page.locator('[data-slot="after:guide"] .jr-add').click();
    await page.locator('[data-slot="after:guide"] [data-add=branch]').click();
    await page.locator('.jr-lanes').waitFor();
    expect(await page.locator('.jr-lane-head').allInnerTexts()).toEqual(['1\n进入后已购买', '其他']);
    await page.locator('[data-slot="lane:branch_1:else"] .jr-add').click();
    await page.locator('[data-slot="lane:branch_1:else"] [data-add=points]').click();
    await page.locator('input[name=points]').fill('200');
    // An empty reason is refused by the server, on the card it names.
    await page.getByTestId('journey-validate').click();
    await page.getByTestId('journey-issues').waitFor();
    expect(await page.locator('.jr-card.invalid').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).toEqual(['points_1']);
    await shot('journeys-03-builder-invalid-zh');
    await page.locator('input[name=points-reason]').fill('新客回访礼');
    await page.getByTestId('journey-validate').click();
    await page.getByTestId('journey-valid').waitFor();
    await page.locator('.jr-card[data-step=points_1]').click();
    await shot('journeys-04-builder-branch-zh');

    await page.getByTestId('journey-save').click();
    await page.getByTestId('journey-saved').waitFor();
    const saved = await api('GET', '/api/v1/journeys/welcome');
    const def = saved.versions[0].definition;
    expect(def.steps.find((s: { id: string }) => s.id === 'wait_guide')).toMatchObject({ days: 5 });
    expect(def.steps.find((s: { id: string }) => s.id === 'guide')).toMatchObject({ next: 'branch_1' });
    expect(def.steps.find((s: { id: string }) => s.id === 'branch_1')).toMatchObject({ type: 'branch', branches: [{ when: [{ type: 'purchased', value: true }], next: null }], else: 'points_1' });
    expect(def.steps.find((s: { id: string }) => s.id === 'points_1')).toMatchObject({ type: 'points', points: 200, reason: '新客回访礼' });

    await page.getByTestId('journey-publish').click();
    await page.getByTestId('publish-confirm').click();
    await expect.poll(async () => (await api('GET', '/api/v1/journeys/welcome')).status).toBe('active');
    await page.getByRole('link', { name: '客户旅程' }).first().click();
    await page.getByTestId('journey-table').waitFor();
    await expect.poll(() => page.locator('tr[data-code=welcome] .jr-status').innerText()).toBe('运行中');
    expect(await page.locator('tr[data-code=welcome] [data-action]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')))).toEqual(['stats', 'pause']);
    await shot('journeys-05-list-published-zh');
  });

  it('shows the win-back journey’s numbers: entered, treated against holdout, reach per step, messages', async () => {
    await page.goto(`${base}/journeys/${winBack.id}/stats`);
    await page.getByTestId('journey-kpis').waitFor();
    expect(await page.locator('[data-kpi=entered] .kpi-value').innerText()).toBe(n(stats.entered));
    expect(await page.locator('[data-arm=treated] td').nth(1).innerText()).toBe(n(stats.uplift.treated.customers));
    expect(await page.locator('[data-arm=holdout] td').nth(1).innerText()).toBe(n(stats.uplift.holdout.customers));
    expect(stats.treated + stats.holdout).toBe(stats.entered);
    // Nobody has converted the day after: nothing to call significant (too few people for an interval, or one spanning 0).
    expect(await page.locator('[data-testid=journey-uplift] .jr-sig').first().getAttribute('data-significant')).toBe(stats.uplift.conversion.low === null ? 'unknown' : 'false');
    await page.locator('[data-testid=step-funnel] canvas').waitFor();
    expect(await page.locator('[data-testid=step-table] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step')))).toEqual(['winback_coupon', 'offer', 'wait_14', 'back', 'reminder']);
    const total = Object.values(stats.messages).reduce((a, b) => a + b, 0);
    expect(await page.getByTestId('message-status').locator('.card-head .muted').innerText()).toBe(`共 ${n(total)} 条`);
    await noMissingKeys();
    await shot('journeys-06-stats-zh');

    // The builder shows the live counts on the cards.
    await page.goto(`${base}/journeys/${winBack.id}`);
    await page.locator('.jr-card[data-step=trigger] .jr-live strong').waitFor();
    expect(await page.locator('.jr-card[data-step=trigger] .jr-live strong').innerText()).toBe(n(stats.entered));
    await shot('journeys-07-builder-live-zh');
  });

  it('edits a template and previews it for a customer', async () => {
    await page.getByRole('link', { name: '消息模板' }).click();
    await page.getByTestId('template-table').waitFor();
    await page.locator('tr[data-code=bp_winback] a').click();
    await page.locator('textarea[name=body]').waitFor();
    await page.locator('.jr-tab[data-channel=sms]').click();
    expect(await page.getByTestId('sms-count').innerText()).toMatch(/^\d+ 字 · 共 \d+ 条（每条 \d+ 字）$/);
    const c = (await api('GET', '/api/v1/customers?limit=50')).items.find((x: { name: string | null }) => x.name);
    await page.locator('input[name=preview-customer]').fill(c.name);
    await page.getByTestId('preview-customer-search').click();
    await page.locator(`[data-customer="${c.id}"]`).click();
    await page.getByTestId('preview-body').waitFor();
    expect(await page.getByTestId('preview-body').innerText()).not.toContain('{{');
    // The preview follows the draft as it is typed.
    await page.locator('textarea[name=body]').fill('{{name|朋友}}，好久不见，周末见！');
    await expect.poll(() => page.getByTestId('preview-body').innerText()).toMatch(/^[^{]+，好久不见，周末见！$/);
    await noMissingKeys();
    await shot('journeys-08-template-zh');
  });

  it('filters the message log and shows a customer’s messages on the 360', async () => {
    await page.getByRole('link', { name: '消息记录' }).click();
    await page.getByTestId('message-table').waitFor();
    // The guide task's message and the win-back journey's; the journey filter keeps the latter.
    const total = Object.values(stats.messages).reduce((a, b) => a + b, 0);
    await expect.poll(() => page.locator('[data-testid=message-table] tbody tr').count()).toBe(total + 1);
    await page.locator('select[name=journeyId]').selectOption(winBack.id);
    await expect.poll(() => page.locator('[data-testid=message-table] tbody tr').count()).toBe(total);
    // The commonest status of the win-back journey's messages: only those rows stay.
    const [status, count] = Object.entries(stats.messages).sort((a, b) => b[1] - a[1])[0]!;
    await page.locator('select[name=status]').selectOption(status);
    await expect.poll(async () => page.locator('[data-testid=message-table] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))).toEqual(Array(count).fill(status));
    // Addresses are masked.
    for (const to of await page.getByTestId('to-masked').allInnerTexts()) expect(to).toMatch(/\*|—/);
    await noMissingKeys();
    await shot('journeys-09-message-log-zh');
    const first = (await api('GET', `/api/v1/messaging/messages?journeyId=${winBack.id}&limit=1`)).items[0];
    messaged = first.customerId;
    await page.goto(`${base}/customers/${messaged}`);
    await page.getByTestId('customer-messages').locator('li').first().waitFor();
    await page.getByTestId('customer-journeys').locator('li').first().waitFor();
    expect(await page.getByTestId('customer-journeys').locator('li').count()).toBeGreaterThan(0);
    await shot('journeys-10-customer-360-zh');
  });

  it('switches to English: journeys, stats, channels and policy', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.goto(`${base}/journeys`);
    await page.getByTestId('journey-table').waitFor();
    expect(await page.locator('.nav-group').allTextContents()).toEqual(['Data', 'Loyalty', 'Segments', 'Insights', 'Promotions', 'Journeys', 'Service', 'Listening']);
    expect(await page.locator('tr[data-code=win_back] .jr-status').innerText()).toBe('Running');
    await expect.poll(() => page.locator('tr[data-code=win_back]').getByTestId('journey-trigger').innerText()).toContain('No purchase for 90 days');
    await noMissingKeys();
    await shot('journeys-11-list-en');
    await page.goto(`${base}/journeys/${winBack.id}/stats`);
    await page.getByTestId('journey-kpis').waitFor();
    expect(await page.locator('[data-kpi=entered] .kpi-label').innerText()).toBe('Entered');
    await shot('journeys-12-stats-en');
    await page.goto(`${base}/journeys/${winBack.id}`);
    await page.getByTestId('flow').waitFor();
    await page.locator('.jr-card[data-step=back]').click();
    await shot('journeys-13-builder-en');
    await page.getByRole('link', { name: 'Channels & policy' }).click();
    await page.getByTestId('policy').waitFor();
    await page.locator('[data-channel=sms]').waitFor();
    await noMissingKeys();
    await shot('journeys-14-channels-en');
    await page.getByRole('link', { name: 'Guide tasks' }).click();
    await page.getByTestId('task-list').waitFor();
    await shot('journeys-15-tasks-en');
    // The guide completes it: reached, with a note.
    await page.locator('[data-action=complete]').click();
    await page.locator('.jr-outcome', { hasText: 'Reached' }).click();
    await page.locator('textarea[name=note]').fill('Coming on Saturday');
    await page.getByTestId('task-confirm').click();
    await page.getByText('No open tasks').waitFor();
    await page.locator('.jr-tab[data-status=done]').click();
    await page.getByTestId('task-list').waitFor();
    expect(await page.locator('.jr-task .badge', { hasText: 'Reached' }).count()).toBe(1);
    const done = (await api('GET', '/api/v1/messaging/guide-tasks?status=done')).items;
    expect(done).toMatchObject([{ status: 'done', outcome: 'reached', note: 'Coming on Saturday' }]);
    await shot('journeys-16-tasks-done-en');
  });
});

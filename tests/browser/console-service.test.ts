import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { query } from '../../src/platform/db/database.js';
import { skipReason } from '../support/browser.js';
import { demoBrowser, signIn, type DemoBrowser } from '../support/demo-browser.js';

/**
 * The service and surveys area of the console on the demo brand, in Debian's chromium against the real server: the
 * ticket inbox with live SLA clocks and its filters; a ticket worked from reply (an empathy template) to compensation
 * (proposed by an agent, approved by a store manager, the coupon in its results) to resolution with a root cause; a
 * survey built in the builder, answered on the public page through a signed link without sign-in, and its results;
 * in Chinese and English.
 */
if (skipReason) console.warn(`service browser tests skipped: ${skipReason}`);

const AGENT = { username: 'liu.service', displayName: '刘客服', password: 'Kemai-Service-2025', role: 'service_agent' as const };
const MANAGER = { username: 'chen.manager', displayName: '陈店长', password: 'Kemai-Manager-2025', role: 'store_manager' as const };
const ANALYST = { username: 'wu.analyst', displayName: '吴分析', password: 'Kemai-Analyst-2025', role: 'analyst' as const };
const MIN = 60_000;

describe.skipIf(skipReason)('service and surveys console in a browser', () => {
  let d: DemoBrowser;
  let page: Page;
  let base: string;
  let customer: { id: string; name: string };
  let order: { id: string; externalId: string };
  const tk: Record<'breached' | 'warning' | 'main' | 'suggestion', { id: string; number: number }> = {} as never;

  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    return d.browser.shot(name);
  };
  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const r = await d.t.app.inject({ method, url, headers: d.t.admin, ...(payload ? { payload } : {}) });
    expect(r.statusCode, `${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };
  const newTicket = async (body: object) => (await api('POST', '/api/v1/service/tickets', body)).ticket as { id: string; number: number };
  /** No i18n key shows through as text (a missing key renders as itself). */
  const noMissingKeys = async () => {
    const text = await page.locator('body').innerText();
    expect(text.match(/\b(service|surveys)\.[a-zA-Z_]+\.[a-zA-Z_.]+/g) ?? []).toEqual([]);
  };
  const signOut = async () => {
    await page.locator('.topbar button.btn-ghost').click();
    await page.locator('input[name=username]').waitFor();
  };
  const row = (n: number) => page.locator(`tr[data-number="${n}"]`);

  beforeAll(async () => {
    d = await demoBrowser({ seed: 'service-browser', customers: 60, staff: [AGENT, MANAGER, ANALYST] });
    ({ page, base } = d);
    await api('POST', '/api/v1/service/setup', {});
    // The ready-made surveys and the survey_invite message template a survey needs to be activated.
    await api('POST', '/api/v1/surveys/defaults', {});
    // Clocks around the clock (the default policy counts business hours): the test's clocks do not depend on the hour it runs.
    await api('POST', '/api/v1/service/sla-policies', {
      code: 'round_the_clock',
      name: '全天候 Around the clock',
      priority: 1,
      calendar: null,
      ackMinutes: 60,
      firstReplyMinutes: 24 * 60,
      resolveMinutes: { minor: 72 * 60, medium: 48 * 60, severe: 24 * 60, default: 72 * 60 },
      warnPercent: 75,
    });
    // A customer with an order: the ticket's customer, shown beside it.
    const people = (await api('GET', '/api/v1/customers?limit=30')).items as Array<{ id: string; name: string }>;
    for (const p of people) {
      const c = await api('GET', `/api/v1/customers/${p.id}`);
      const o = c.timeline.items.find((x: { kind: string }) => x.kind === 'order');
      if (o && c.profile.name) {
        customer = { id: c.id, name: c.profile.name };
        order = { id: o.id, externalId: o.externalId };
        break;
      }
    }
    expect(customer).toBeDefined();
    // The store manager approves for their store's customers (store scoping): the ticket's customer is put in SH01.
    const [open] = await query<{ store_code: string | null }>(
      d.t.kemai.database.db,
      sql`select store_code from staff.assignments where customer_id = ${customer.id} and ended_at is null`,
    );
    if (open?.store_code !== 'SH01') await d.t.kemai.staff.assign(customer.id, { staffId: null, storeCode: 'SH01' }, 'test');
    await d.t.kemai.access.updateStaff(MANAGER.username, { storeCode: 'SH01' });
    const now = Date.now();
    tk.breached = await newTicket({
      kind: 'complaint',
      channel: 'api',
      severity: 'severe',
      category: 'quality_issue',
      subject: '羽绒服洗一次就严重起球',
      description: '第一次水洗后整件起球，要求退货退款。',
      contact: { name: '孙丽', phone: '+8613900002222' },
      receivedAt: new Date(now - 3 * 60 * MIN).toISOString(),
    });
    tk.warning = await newTicket({
      kind: 'inquiry',
      channel: 'api',
      subject: '会员积分什么时候到账？',
      contact: { name: '赵敏', phone: '+8613900001111' },
      receivedAt: new Date(now - 50 * MIN).toISOString(),
    });
    tk.suggestion = await newTicket({ kind: 'suggestion', channel: 'wechat', subject: '希望门店增加自助结账', customerId: customer.id, receivedAt: new Date(now - 5 * MIN).toISOString() });
    tk.main = await newTicket({
      kind: 'complaint',
      channel: 'phone',
      severity: 'medium',
      category: 'damaged_product',
      subject: '收到的保温杯外壳凹陷',
      description: '快递送到时外包装完好，打开后杯身有明显凹陷。',
      customerId: customer.id,
      orderId: order.id,
      receivedAt: new Date(now - 20 * MIN).toISOString(),
    });
    // An earlier, resolved ticket of the same customer.
    const earlier = await newTicket({ kind: 'inquiry', channel: 'staff', subject: '能否开具电子发票？', customerId: customer.id, receivedAt: new Date(now - 30 * 24 * 60 * MIN).toISOString() });
    await api('POST', `/api/v1/service/tickets/${earlier.id}/status`, { status: 'resolved', resolution: '已开具并发送到邮箱' });
    // The SLA job: the breach (and escalation) and the warning are raised.
    await d.t.kemai.sla.scan(new Date());
    await d.t.kemai.events.drain();
    await signIn(page, base, AGENT);
  });

  afterAll(async () => {
    await d?.close();
  });

  it('shows the inbox with SLA clocks per row: red when breached, amber when warned, green when running', async () => {
    expect(await page.locator('.nav-group').allTextContents()).toContain('客户服务');
    await page.getByRole('link', { name: '工单', exact: true }).click();
    await page.getByTestId('ticket-table').waitFor();
    expect(await page.locator('.sv-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-number'))))).toEqual(
      // The next SLA due first: the overdue acknowledgement, the one due in ten minutes, then first replies in a day.
      [tk.breached.number, tk.warning.number, tk.main.number, tk.suggestion.number],
    );
    const clock = (n: number) => row(n).locator('[data-testid=ticket-clock] .sv-clock');
    expect(await clock(tk.breached.number).getAttribute('data-tone')).toBe('breach');
    expect(await clock(tk.breached.number).textContent()).toMatch(/^受理已超时 2小时\d+分$/);
    expect(await clock(tk.warning.number).getAttribute('data-tone')).toBe('warn');
    expect(await clock(tk.warning.number).textContent()).toMatch(/^受理剩余 \d分\d\d秒$/);
    expect(await clock(tk.main.number).getAttribute('data-tone')).toBe('ok');
    expect(await clock(tk.main.number).textContent()).toMatch(/^首次回复剩余 23小时\d+分$/);
    // The clock ticks in the page.
    const before = await clock(tk.warning.number).textContent();
    await expect.poll(() => clock(tk.warning.number).textContent(), { timeout: 3000 }).not.toBe(before);
    expect(await row(tk.breached.number).locator('td').nth(1).innerText()).toContain('羽绒服洗一次就严重起球');
    expect(await row(tk.breached.number).getByTestId('ticket-customer').innerText()).toBe('孙丽');
    expect(await row(tk.breached.number).locator('.sv-sev').innerText()).toBe('严重');
    expect(await row(tk.warning.number).locator('.sv-kind').innerText()).toBe('咨询');
    expect(await page.locator('[data-kpi=breached] .kpi-value').innerText()).toBe('1');
    expect(await page.locator('[data-kpi=warning] .kpi-value').innerText()).toBe('1');
    expect(await page.locator('[data-kpi=open] .kpi-value').innerText()).toBe('4');
    await noMissingKeys();
    await shot('service-01-inbox-zh');
  });

  it('filters the inbox: SLA breached, warning, kind, search by number, the resolved tab', async () => {
    const numbers = () => page.locator('.sv-table tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-number'))));
    await page.locator('[data-kpi=breached]').click();
    await expect.poll(numbers).toEqual([tk.breached.number]);
    expect(new URL(page.url()).searchParams.get('sla')).toBe('breached');
    await page.locator('select[name=sla]').selectOption('warning');
    await expect.poll(numbers).toEqual([tk.warning.number]);
    await page.getByRole('button', { name: '清除筛选' }).click();
    await page.locator('select[name=kind]').selectOption('complaint');
    await expect.poll(numbers).toEqual([tk.breached.number, tk.main.number]);
    await page.locator('select[name=severity]').selectOption('medium');
    await expect.poll(numbers).toEqual([tk.main.number]);
    await page.getByRole('button', { name: '清除筛选' }).click();
    await page.locator('input[name=q]').fill(`T-${tk.suggestion.number}`);
    await page.locator('input[name=q]').press('Enter');
    await expect.poll(numbers).toEqual([tk.suggestion.number]);
    await page.getByRole('button', { name: '清除筛选' }).click();
    await page.locator('[data-tab=resolved]').click();
    await expect.poll(numbers).toHaveLength(1);
    expect(await page.locator('.sv-table tbody tr .sv-status').innerText()).toBe('已解决');
    await page.locator('[data-tab=live]').click();
    await expect.poll(numbers).toHaveLength(4);
  });

  it('opens a ticket with its clocks and the customer beside it, replies with an empathy template and adds a note', async () => {
    await row(tk.main.number).locator('.sv-ref').click();
    await page.getByTestId('ticket-head').waitFor();
    expect(await page.getByTestId('ticket-ref').innerText()).toBe(`T-${tk.main.number}`);
    expect(await page.getByTestId('ticket-subject').innerText()).toBe('收到的保温杯外壳凹陷');
    // Taken by phone: acknowledged at creation; the first reply and the resolution run.
    const clock = (target: string) => page.locator(`.sv-clock-card[data-target=${target}]`);
    expect(await clock('ack').getAttribute('data-tone')).toBe('met');
    expect(await clock('first_reply').getAttribute('data-tone')).toBe('ok');
    expect(await clock('resolve').locator('.sv-clock-text').innerText()).toMatch(/^剩余 1天23小时$/);
    expect(await page.getByTestId('side-customer-name').innerText()).toBe(customer.name);
    expect(await page.getByTestId('side-order').innerText()).toContain(order.externalId);
    expect(await page.getByTestId('side-tickets').innerText()).toContain('希望门店增加自助结账');
    await shot('service-02-ticket-zh');

    // The empathy template for damaged products, rendered for this ticket by the server.
    const options = await page.locator('select[name=template] option').allTextContents();
    expect(options[1]).toBe('商品问题致歉');
    await page.locator('select[name=template]').selectOption('apology_damaged');
    await expect.poll(() => page.locator('textarea[name=reply]').inputValue()).toContain(`T-${tk.main.number}`);
    const text = await page.locator('textarea[name=reply]').inputValue();
    expect(text.startsWith(`${customer.name}您好，收到有问题的商品一定让您很失望`)).toBe(true);
    await page.getByTestId('reply-send').click();
    await page.locator('.sv-ev[data-kind=reply]').waitFor();
    expect(await page.locator('.sv-ev[data-kind=reply] .sv-ev-text').innerText()).toBe(text);
    expect(await clock('first_reply').getAttribute('data-tone')).toBe('met');

    await page.locator('[data-mode=note]').click();
    await page.locator('textarea[name=reply]').fill('已请仓库核对同批次库存的包装。');
    await page.getByTestId('reply-send').click();
    await page.locator('.sv-ev[data-kind=note]').waitFor();
    expect(await page.locator('.sv-ev[data-kind=note] .badge').innerText()).toBe('内部');
    const detail = await api('GET', `/api/v1/service/tickets/${tk.main.id}`);
    expect(detail.timeline.filter((e: { kind: string }) => e.kind === 'reply' || e.kind === 'note').map((e: { kind: string; visibility: string; body: string }) => [e.kind, e.visibility, e.body])).toEqual([
      ['reply', 'public', text],
      ['note', 'internal', '已请仓库核对同批次库存的包装。'],
    ]);
    await noMissingKeys();
  });

  it('proposes the medium compensation as an agent; a store manager approves it and sees the coupon', async () => {
    const option = page.locator('.sv-comp-option[data-option=exchange_coupon_10]');
    expect(await option.locator('.sv-comp-option-value').innerText()).toBe('¥10.00');
    await option.click();
    expect(await page.locator('.sv-comp-propose .muted.small').last().innerText()).toBe('该方案需主管审批。');
    await page.locator('input[name=comp-note]').fill('商品破损，按政策换货并补偿');
    await page.locator('[data-action=propose]').click();
    await page.locator('[data-testid=compensation-item][data-status=proposed]').waitFor();
    expect(await page.getByTestId('awaiting-approval').innerText()).toBe('等待主管审批');
    await shot('service-03-compensation-proposed-zh');

    await signOut();
    await signIn(page, base, MANAGER);
    await page.goto(`${base}/service/tickets/${tk.main.id}`);
    await page.locator('[data-testid=compensation-item][data-status=proposed]').waitFor();
    await page.locator('[data-action=approve]').click();
    await page.locator('[data-testid=compensation-item][data-status=executed]').waitFor();
    const comps = (await api('GET', `/api/v1/service/tickets/${tk.main.id}/compensations`)).items;
    expect(comps).toHaveLength(1);
    expect(comps[0]).toMatchObject({ status: 'executed', totalFen: 1000, proposedBy: `staff:${AGENT.username}` });
    const coupon = comps[0].results.find((r: { type: string }) => r.type === 'coupon');
    expect(coupon.couponCode).toMatch(/\S+/);
    expect(await page.getByTestId('compensation-results').locator('li').allInnerTexts()).toEqual(['✓已登记：换货 · 商品破损，按政策换货并补偿', `✓已发放优惠券 ${coupon.couponCode}（¥10.00）`]);
    await page.locator('.sv-ev[data-kind=compensation_executed]').waitFor();
    await shot('service-04-compensation-executed-zh');
  });

  it('resolves the ticket with a resolution and a root cause', async () => {
    await page.locator('[data-action=resolve]').click();
    await page.locator('textarea[name=resolution]').fill('已为顾客换货，并发放 ¥10 补偿券。');
    await page.locator('label.sv-cause', { hasText: '仓库包装' }).click();
    await page.locator('button[type=submit][form=resolve-form]').click();
    await expect.poll(() => page.locator('[data-testid=ticket-head] .sv-status').innerText()).toBe('已解决');
    expect(await page.getByTestId('ticket-root-causes').innerText()).toContain('仓库包装');
    const ev = page.locator('.sv-ev[data-kind=status]').first();
    expect(await ev.locator('.sv-ev-text').innerText()).toBe('已为顾客换货，并发放 ¥10 补偿券。');
    expect(await ev.locator('.muted.small').last().innerText()).toBe('处理中 → 已解决 · 根本原因：仓库包装');
    const detail = await api('GET', `/api/v1/service/tickets/${tk.main.id}`);
    expect(detail.ticket).toMatchObject({ status: 'resolved', rootCauses: ['warehouse_packing'] });
    expect(await page.locator('.sv-clock-card[data-target=resolve]').getAttribute('data-tone')).toBe('met');
    await noMissingKeys();
    await shot('service-05-ticket-resolved-zh');
    // The review report counts it under its root cause, with the compensation paid.
    await page.goto(`${base}/service/review`);
    await page.getByTestId('review-table').waitFor();
    const cause = page.locator('[data-testid=review-table] tr[data-key=warehouse_packing] td');
    expect(await cause.allInnerTexts()).toEqual(['仓库包装', '1', expect.stringMatching(/%$/), expect.stringMatching(/小时$/), '100%', '¥10.00']);
    await page.locator('.sv-review-grid canvas').waitFor();
    await noMissingKeys();
    await shot('service-05b-review-zh');
    // The 360's service card lists the customer's tickets and links to them.
    await page.goto(`${base}/customers/${customer.id}`);
    await page.getByTestId('customer-tickets').waitFor();
    const card = page.getByTestId('customer-tickets');
    await expect.poll(() => card.locator('li').count()).toBe(3);
    await card.locator(`li[data-number="${tk.main.number}"] a`).click();
    await page.getByTestId('ticket-head').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/service/tickets/${tk.main.id}`);
  });

  it('builds a survey: NPS, CSAT and a comment, reordered, previewed, activated', async () => {
    await signOut();
    await signIn(page, base, AGENT);
    await page.getByRole('link', { name: '满意度调查', exact: true }).click();
    await page.getByTestId('survey-new').click();
    await page.locator('input[name=code]').fill('store_visit');
    await page.locator('input[name=name]').fill('门店体验调查');
    await page.locator('input[name=name-en]').fill('Store visit survey');
    await page.locator('select[name=trigger]').selectOption('manual');
    await page.locator('[data-add=text]').click();
    await page.locator('input[name=q-title-zh]').fill('还有什么想告诉我们的吗？');
    await page.locator('input[name=q-title-en]').fill('Anything else you would like to tell us?');
    await page.locator('[data-add=csat]').click();
    // The CSAT question moves up to second place.
    await page.locator('.sy-q[data-question=csat_1] [data-action=up]').click();
    expect(await page.locator('.sy-q').evaluateAll((els) => els.map((e) => e.getAttribute('data-question')))).toEqual(['nps_1', 'csat_1', 'text_1']);
    expect(await page.locator('[data-testid=survey-preview] .sq').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))).toEqual(['nps', 'csat', 'text']);
    await page.locator('[data-preview=en]').click();
    expect(await page.locator('[data-testid=survey-preview] .sq-title').first().innerText()).toContain('How likely are you to recommend us');
    await noMissingKeys();
    await shot('service-06-survey-builder-zh');
    await page.getByTestId('survey-publish').click();
    await page.getByTestId('survey-table').waitFor();
    await expect.poll(() => page.locator('tr[data-code=store_visit] .sy-status').innerText()).toBe('启用中');
    const s = await api('GET', '/api/v1/surveys/store_visit');
    expect(s).toMatchObject({ status: 'active', trigger: 'manual' });
    expect(s.questions.map((q: { id: string; type: string; required: boolean }) => [q.id, q.type, q.required])).toEqual([
      ['nps_1', 'nps', true],
      ['csat_1', 'csat', true],
      ['text_1', 'text', false],
    ]);
  });

  it('answers the survey on the public page through a signed link, without signing in, on a phone', async () => {
    const people = (await api('GET', '/api/v1/customers?limit=5')).items as Array<{ id: string }>;
    const invitees = [customer.id, people.find((p) => p.id !== customer.id)!.id];
    expect((await api('POST', '/api/v1/surveys/store_visit/send', { customerIds: invitees })).invited).toBe(2);
    const rows = await query<{ id: string; customer_id: string }>(
      d.t.kemai.database.db,
      sql`select i.id, i.customer_id from surveys.invitations i join surveys.surveys s on s.id = i.survey_id where s.code = 'store_visit'`,
    );
    const link = (who: string) => new URL(d.t.kemai.surveys.links.url(rows.find((r) => r.customer_id === who)!.id));
    const first = link(invitees[0]!);
    expect(first.pathname).toMatch(/^\/s\/[\w.-]+$/);
    const token = first.pathname.slice(3);

    await signOut();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}${first.pathname}`);
    await page.getByTestId('public-survey').waitFor();
    expect(await page.locator('input[name=username]').count()).toBe(0);
    expect(await page.locator('.sp-title').innerText()).toBe('门店体验调查');
    expect(await page.locator('.sq-title').allInnerTexts()).toEqual([
      expect.stringContaining('您有多大可能把我们推荐给朋友或同事？'),
      expect.stringContaining('您对这次服务满意吗？'),
      expect.stringContaining('还有什么想告诉我们的吗？'),
    ]);
    // Required questions are asked for before anything is sent.
    await page.getByTestId('survey-submit').click();
    expect(await page.locator('.sq-invalid').evaluateAll((els) => els.map((e) => e.getAttribute('data-question')))).toEqual(['nps_1', 'csat_1']);
    await shot('service-07-public-survey-missing-zh');
    await page.locator('[data-question=nps_1] [data-value="9"]').click();
    await page.locator('[data-question=csat_1] [data-value="4"]').click();
    await page.locator('textarea[name=q-text_1]').fill('导购很专业，但结账排队太久。');
    await shot('service-08-public-survey-zh');
    await page.getByTestId('survey-submit').click();
    await page.locator('[data-state=thanks]').waitFor();
    expect(await page.locator('.sp-state h1').innerText()).toBe('感谢您的反馈！');
    await shot('service-09-public-survey-thanks-zh');
    // The link answers once.
    await page.reload();
    await page.locator('[data-state=answered]').waitFor();
    expect(await page.locator('.sp-state h1').innerText()).toBe('已提交');
    // An altered link is refused.
    await page.goto(`${base}/s/${token.slice(0, -2)}xx`);
    await page.locator('[data-state=invalid]').waitFor();
    expect(await page.locator('.sp-state h1').innerText()).toBe('链接无效');

    // The second customer answers in English.
    await page.goto(`${base}${link(invitees[1]!).pathname}`);
    await page.getByTestId('public-survey').waitFor();
    await page.locator('[data-lang=en]').click();
    await expect.poll(() => page.locator('.sq-title').first().innerText()).toContain('How likely are you to recommend us to a friend or colleague?');
    expect(await page.locator('.sp-title').innerText()).toBe('Store visit survey');
    expect(await page.getByTestId('survey-submit').innerText()).toBe('Submit');
    await page.locator('[data-question=nps_1] [data-value="3"]').click();
    await page.locator('[data-question=csat_1] [data-value="2"]').click();
    await shot('service-10-public-survey-en');
    await page.getByTestId('survey-submit').click();
    await page.locator('[data-state=thanks]').waitFor();
    expect(await page.locator('.sp-state h1').innerText()).toBe('Thank you!');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('shows the survey’s results: NPS with promoters and detractors, CSAT, response rate, verbatims', async () => {
    await page.goto(`${base}/`);
    await page.evaluate(() => localStorage.setItem('kemai.lang', 'zh-CN'));
    await signIn(page, base, AGENT);
    const s = await api('GET', '/api/v1/surveys/store_visit');
    const results = await api('GET', `/api/v1/surveys/${s.id}/results?by=week`);
    expect(results.total).toMatchObject({ responses: 2, nps: { promoters: 1, passives: 0, detractors: 1, nps: 0 }, csat: { n: 2, satisfied: 1, csat: 50, mean: 3 } });
    await page.goto(`${base}/surveys/${s.id}/results`);
    await page.getByTestId('survey-summary').waitFor();
    expect(await page.getByTestId('nps-score').textContent()).toBe('0');
    expect(await page.getByTestId('promoters').innerText()).toBe('1');
    expect(await page.getByTestId('detractors').innerText()).toBe('1');
    expect(await page.getByTestId('csat').innerText()).toBe('50%');
    expect(await page.getByTestId('responses').innerText()).toBe('2');
    // The verbatims come from their own request: wait for them rather than read an empty list.
    await page.getByTestId('verbatim').first().waitFor();
    expect(await page.getByTestId('verbatim').allInnerTexts()).toEqual([expect.stringContaining('导购很专业，但结账排队太久。')]);
    await page.getByTestId('survey-trend').waitFor();
    await page.locator('[data-testid=survey-split] table').waitFor();
    await noMissingKeys();
    await shot('service-11-survey-results-zh');
  });

  it('reads in English: inbox, ticket, reply templates, results', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'Tickets', exact: true }).click();
    await page.getByTestId('ticket-table').waitFor();
    expect(await page.locator('.nav-group').allTextContents()).toContain('Service');
    expect(await row(tk.breached.number).locator('[data-testid=ticket-clock] .sv-clock-text').innerText()).toMatch(/^overdue 2h \d+m$/);
    expect(await row(tk.warning.number).locator('.sv-kind').innerText()).toBe('Inquiry');
    await noMissingKeys();
    await shot('service-12-inbox-en');
    await row(tk.breached.number).locator('.sv-ref').click();
    await page.getByTestId('ticket-head').waitFor();
    expect(await page.locator('.sv-clock-card[data-target=ack] .sv-clock-card-label').innerText()).toBe('Acknowledge');
    expect(await page.locator('.sv-ev[data-kind=sla_breach] .sv-ev-kind').first().innerText()).toBe('SLA breached');
    expect(await page.locator('.sv-comp-option[data-option=full_refund_plus] strong').innerText()).toContain('Full refund');
    await noMissingKeys();
    await shot('service-13-ticket-en');
    await page.getByRole('link', { name: 'Reply templates', exact: true }).click();
    await page.getByTestId('reply-templates').waitFor();
    expect(await page.locator('.sv-template[data-code=apology_damaged] h2').innerText()).toBe('Sorry about the product');
    await noMissingKeys();
    await shot('service-14-reply-templates-en');
    await page.getByRole('link', { name: 'Surveys', exact: true }).click();
    await page.getByTestId('survey-table').waitFor();
    expect(await page.locator('tr[data-code=store_visit] [data-testid=survey-responded]').innerText()).toBe('2');
    await page.locator('tr[data-code=store_visit] [data-action=results]').click();
    await page.getByTestId('survey-summary').waitFor();
    expect(await page.locator('[data-group=promoters] dt').innerText()).toBe('Promoters (9–10)');
    await noMissingKeys();
    await shot('service-15-survey-results-en');
  });

  it('shows an analyst the inbox read-only, with contacts masked', async () => {
    await signOut();
    await signIn(page, base, ANALYST);
    await page.goto(`${base}/service/tickets`);
    await page.getByTestId('ticket-table').waitFor();
    expect(await row(tk.breached.number).getByTestId('ticket-customer').innerText()).toBe('孙*');
    expect(await row(tk.warning.number).getByTestId('ticket-customer').innerText()).toBe('赵*');
    expect(await page.getByTestId('ticket-new').count()).toBe(0);
    await row(tk.warning.number).locator('.sv-ref').click();
    await page.getByTestId('ticket-head').waitFor();
    expect(await page.getByTestId('reply-box').count()).toBe(0);
    expect(await page.getByTestId('ticket-actions').count()).toBe(0);
  });
});

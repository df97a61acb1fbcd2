import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createHttpApp } from '../../platform/http/app.js';
import { installAuth } from '../../platform/http/auth.js';
import { newId } from '../../platform/ids.js';
import { SmtpAdapter } from '../messaging/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import type { MentionAnalyzer } from './analyzer.js';
import { CrisesService, type CrisisDetail } from './crises.service.js';
import { registerCrisesRoutes } from './http/crises.routes.js';
import type { MentionInput } from './listening.schemas.js';
import { MentionsService } from './mentions.service.js';
import { NotificationsService } from './notifications.service.js';

// Loyalty's subscribers are left out so the ledger holds only what crises write (the services stay real).
let t: TestApp;
let api: FastifyInstance;
let crises: CrisesService;
let mentions: MentionsService;
let now = new Date('2026-11-20T02:00:00Z');
const clock = { now: () => now };
let writer: { authorization: string }; // listening:read + listening:write
let reader: { authorization: string }; // listening:read
let ownerId: string;

const db = () => t.kemai.database.db;
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(db(), s);
const plus = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);

/**
 * A test fixture, not the part under test (sentiment has its own tests): '差' makes a text negative, '好' positive,
 * anything else neutral; the keywords are the text's space-separated words of two characters or more.
 */
const fixtureAnalyzer: MentionAnalyzer = {
  analyze: (texts) =>
    texts.map((text) => {
      const label = text.includes('差') ? 'negative' : text.includes('好') ? 'positive' : 'neutral';
      return { lang: 'zh', label, score: label === 'negative' ? -0.8 : label === 'positive' ? 0.8 : 0, aspects: [], keywords: text.split(/\s+/).filter((w) => w.length >= 2) };
    }),
};

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false, poolSize: 10 });
  const notifications = new NotificationsService({ db: db(), channels: t.kemai.messaging.channels, smtp: new SmtpAdapter(), clock });
  crises = new CrisesService({ db: db(), clock, notifications, coupons: t.kemai.coupons, ledger: t.kemai.ledger });
  mentions = new MentionsService({ db: db(), customers: t.kemai.customers, analyzer: () => fixtureAnalyzer, clock });
  api = await createHttpApp({ logger: t.kemai.log, bodyLimitBytes: t.kemai.config.bodyLimitBytes, version: 'test' });
  installAuth(api, (token) => t.kemai.access.authenticate(token));
  registerCrisesRoutes(api, crises);
  await api.ready();
  writer = await t.keyWith(['listening:read', 'listening:write']);
  reader = await t.keyWith(['listening:read']);
  ownerId = (await t.kemai.access.createStaff({ username: 'pr-lead', role: 'marketer' })).staff.id;
});
afterAll(async () => {
  await api?.close();
  await t?.close();
});

const post = (url: string, headers: { authorization: string }, payload?: unknown) =>
  api.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const get = (url: string, headers: { authorization: string } = reader) => api.inject({ method: 'GET', url, headers });
const issuesOf = (res: { json(): { error: { details?: { issues?: Array<{ path: string }> } } } }) => res.json().error.details?.issues?.map((i) => i.path) ?? [];

async function openCrisis(body: Record<string, unknown>): Promise<CrisisDetail> {
  const res = await post('/api/v1/listening/crises', writer, { ownerId, ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
const say = async (id: string, kind: string, body = `${kind} text`) => {
  const res = await post(`/api/v1/listening/crises/${id}/posts`, writer, { kind, body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};
const noticesOf = (crisisId: string) =>
  rows<{ kind: string; channel: string; target: string; subject: string; status: string }>(
    sql`select kind, channel, target, subject, status from listening.notifications where crisis_id = ${crisisId} order by created_at, kind, channel`,
  );
const kinds = async (crisisId: string) => (await rows<{ kind: string }>(sql`select kind from listening.crisis_events where crisis_id = ${crisisId} order by at, id`)).map((r) => r.kind);
const zero = { statementDueSoon: 0, statementMissed: 0, updateDueSoon: 0, updateMissed: 0 };
/** Two scans at once, their counts added up. */
async function twoScans() {
  const [a, b] = await Promise.all([crises.scanDeadlines(), crises.scanDeadlines()]);
  return { statementDueSoon: a.statementDueSoon + b.statementDueSoon, statementMissed: a.statementMissed + b.statementMissed, updateDueSoon: a.updateDueSoon + b.updateDueSoon, updateMissed: a.updateMissed + b.updateMissed };
}

describe('deadlines with a fake clock', () => {
  const T0 = new Date('2026-11-20T02:00:00Z');

  it('the statement is due at +60 min: one reminder at +45 even with two concurrent scans, the miss at +60 once; a statement at +30 misses nothing; updates are due every 240 min after it', async () => {
    now = T0;
    const late = await openCrisis({ title: '无声明 No statement yet', sku: 'Z9' });
    const prompt = await openCrisis({ title: '及时声明 Statement on time', keyword: '断货' });
    const opened = (await get(`/api/v1/listening/crises/${late.id}`)).json();
    expect(opened).toMatchObject({ status: 'open', severity: 'high', ownerId, openedAt: T0.toISOString(), statementDueAt: plus(T0, 60).toISOString(), statementAt: null, nextUpdateDueAt: null });
    expect(opened.deadlines).toEqual([{ kind: 'statement', dueAt: plus(T0, 60).toISOString(), doneAt: null, state: 'ok' }]);
    expect(opened.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened']);
    expect(await noticesOf(late.id)).toEqual([{ kind: 'crisis', channel: 'console', target: 'console', subject: `危机 #${late.number} 已开启 Crisis #${late.number} opened: 无声明 No statement yet`, status: 'sent' }]);

    now = plus(T0, 30);
    const answered = await say(prompt.id, 'statement', '我们已下架相关产品 We have withdrawn the product');
    expect(answered).toMatchObject({ status: 'responding', statementAt: now.toISOString(), nextUpdateDueAt: plus(T0, 270).toISOString() });
    expect(await crises.scanDeadlines()).toEqual(zero);
    now = plus(T0, 44);
    expect(await crises.scanDeadlines()).toEqual(zero);

    now = plus(T0, 45);
    expect(await twoScans()).toEqual({ ...zero, statementDueSoon: 1 });
    expect((await get(`/api/v1/listening/crises/${late.id}`)).json().deadlines[0].state).toBe('due_soon');
    now = plus(T0, 46);
    expect(await crises.scanDeadlines()).toEqual(zero);

    now = plus(T0, 60);
    expect(await twoScans()).toEqual({ ...zero, statementMissed: 1 });
    expect(await crises.scanDeadlines()).toEqual(zero);
    const missed = (await get(`/api/v1/listening/crises/${late.id}`)).json();
    expect(missed.severity).toBe('high');
    expect(missed.deadlines[0].state).toBe('overdue');
    expect(missed.timeline.map((e: { kind: string; actor: string; detail: unknown }) => [e.kind, e.actor, e.detail])).toEqual([
      ['opened', expect.stringMatching(/^apikey:/), expect.objectContaining({ number: late.number, statementDueAt: plus(T0, 60).toISOString() })],
      ['deadline_missed', 'system', { deadline: 'statement', dueAt: plus(T0, 60).toISOString(), missed: true, severity: 'high' }],
    ]);
    expect((await noticesOf(late.id)).map((n) => [n.kind, n.subject])).toEqual([
      ['crisis', `危机 #${late.number} 已开启 Crisis #${late.number} opened: 无声明 No statement yet`],
      ['deadline', `危机 #${late.number}: statement due in 15 min`],
      ['deadline', `危机 #${late.number}: 声明 statement overdue`],
    ]);
    expect((await noticesOf(prompt.id)).map((n) => n.kind)).toEqual(['crisis']);

    // The update cadence of the crisis that answered at +30: due at +270.
    now = plus(T0, 255);
    expect(await twoScans()).toEqual({ ...zero, updateDueSoon: 1 });
    now = plus(T0, 270);
    expect(await twoScans()).toEqual({ ...zero, updateMissed: 1 });
    expect((await noticesOf(prompt.id)).map((n) => n.subject)).toEqual([
      `危机 #${prompt.number} 已开启 Crisis #${prompt.number} opened: 及时声明 Statement on time`,
      `危机 #${prompt.number}: update due in 15 min`,
      `危机 #${prompt.number}: 进展更新 progress update overdue`,
    ]);

    now = plus(T0, 280);
    const updated = await say(prompt.id, 'update');
    expect(updated.nextUpdateDueAt).toBe(plus(T0, 520).toISOString());
    expect(updated.timeline.at(-1)).toMatchObject({ kind: 'update', detail: { dueAt: plus(T0, 270).toISOString(), onTime: false, nextUpdateDueAt: plus(T0, 520).toISOString() } });
    const lateStatement = await say(late.id, 'statement');
    expect(lateStatement.timeline.at(-1).detail).toMatchObject({ first: true, onTime: false, minutes: 280 });
    now = plus(T0, 300);
    expect(await crises.scanDeadlines()).toEqual(zero);

    const onTime = (await get(`/api/v1/listening/crises/${prompt.id}/report`)).json();
    expect(onTime.statement).toEqual({ dueMinutes: 60, minutes: 30, met: true });
    expect(onTime.updates).toEqual({ count: 1, onTime: 0, onTimeRate: 0, missedDeadlines: 1 });
    const missedReport = (await get(`/api/v1/listening/crises/${late.id}/report`)).json();
    expect(missedReport.statement).toEqual({ dueMinutes: 60, minutes: 280, met: false });
    expect(missedReport.updates).toEqual({ count: 0, onTime: 0, onTimeRate: null, missedDeadlines: 1 });

    for (const c of [late, prompt]) expect((await post(`/api/v1/listening/crises/${c.id}/close`, writer, { summary: 'done' })).statusCode).toBe(200);
    now = plus(T0, 600);
    expect(await crises.scanDeadlines()).toEqual(zero);
  });

  it('closing needs a statement (409 naming it); a closed crisis takes no posts (409)', async () => {
    now = new Date('2026-11-21T02:00:00Z');
    const c = await openCrisis({ title: 'Close me', storeCode: 'S09' });
    const early = await post(`/api/v1/listening/crises/${c.id}/close`, writer, { summary: 'nothing happened' });
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: 'listening.statement_required', message: `crisis #${c.number} cannot be closed without a statement: post one (kind statement) first` });
    const update = await post(`/api/v1/listening/crises/${c.id}/posts`, writer, { kind: 'update', body: 'x' });
    expect(update.statusCode).toBe(409);
    expect(update.json().error.code).toBe('listening.statement_first');
    await say(c.id, 'statement');
    await say(c.id, 'note', 'internal');
    now = plus(now, 10);
    const closed = (await post(`/api/v1/listening/crises/${c.id}/close`, writer, { summary: 'resolved' })).json();
    expect(closed).toMatchObject({ status: 'closed', closedAt: now.toISOString(), summary: 'resolved', deadlines: [{ kind: 'statement', state: 'done' }] });
    expect(await kinds(c.id)).toEqual(['opened', 'statement', 'note', 'closed']);
    for (const kind of ['note', 'statement']) {
      const res = await post(`/api/v1/listening/crises/${c.id}/posts`, writer, { kind, body: 'late' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('listening.crisis_closed');
    }
    expect((await post(`/api/v1/listening/crises/${c.id}/close`, writer, { summary: 'again' })).statusCode).toBe(409);
  });
});

describe('opening', () => {
  it('bad input is 400 naming the field; reading needs listening:read, opening listening:write; an unknown crisis is 404', async () => {
    for (const [payload, path] of [
      [{ ownerId, title: '' }, 'title'],
      [{ title: 'x' }, 'ownerId'],
      [{ title: 'x', ownerId: newId() }, 'ownerId'],
      [{ title: 'x', ownerId, severity: 'huge' }, 'severity'],
      [{ title: 'x', ownerId, statementWithinMinutes: 0 }, 'statementWithinMinutes'],
      [{ title: 'x', ownerId, targetNegativeShare: 2 }, 'targetNegativeShare'],
    ] as const) {
      const res = await post('/api/v1/listening/crises', writer, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(issuesOf(res)).toContain(path);
    }
    expect((await post('/api/v1/listening/crises', reader, { title: 'x', ownerId })).statusCode).toBe(403);
    expect((await get('/api/v1/listening/crises', await t.keyWith(['service:read']))).statusCode).toBe(403);
    const missing = await get(`/api/v1/listening/crises/${newId()}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('listening.crisis_not_found');
  });

  it('an alert opens one crisis: its scope, the rule’s title, owner and notify; a second opening (even concurrent) is 409 naming the crisis', async () => {
    now = new Date('2026-11-22T02:00:00Z');
    const ruleId = newId();
    await rows(
      sql`insert into listening.rules (id, name, scope_type, metric, increase_pct, min_count, notify, opens_crisis, owner_id, created_by)
          values (${ruleId}, '单品负面占比飙升', 'product', 'negative_share', 200, 20, '{"console": true, "emails": ["pr@example.com"], "webhooks": []}'::jsonb, true, ${ownerId}, 'test')`,
    );
    const alertId = newId();
    await rows(
      sql`insert into listening.alerts (id, rule_id, scope_type, scope_key, opened_at, last_seen_at, finding, peak, state)
          values (${alertId}, ${ruleId}, 'product', 'A200', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, '{}', '{}', '{}')`,
    );
    const [a, b] = await Promise.all([post(`/api/v1/listening/alerts/${alertId}/crisis`, writer, {}), post(`/api/v1/listening/alerts/${alertId}/crisis`, writer, { severity: 'critical' })]);
    const [ok, refused] = a.statusCode === 201 ? [a, b] : [b, a];
    expect([ok.statusCode, refused.statusCode]).toEqual([201, 409]);
    const c = ok.json();
    expect(c).toMatchObject({ title: '单品负面占比飙升 · product A200', sku: 'A200', keyword: null, scope: { type: 'product', key: 'A200' }, alertId, ownerId });
    expect(refused.json().error).toMatchObject({ code: 'listening.alert_has_crisis', message: `the alert already opened crisis #${c.number}` });
    expect(await rows(sql`select crisis_id from listening.alerts where id = ${alertId}`)).toEqual([{ crisis_id: c.id }]);
    expect((await noticesOf(c.id)).map((n) => [n.kind, n.channel, n.target, n.status])).toEqual([
      ['crisis', 'console', 'console', 'sent'],
      ['crisis', 'email', 'pr@example.com', 'pending'],
    ]);

    // The spike scan's opener: the rule's owner, in the scan's transaction; no owner, no crisis.
    const second = newId();
    await rows(
      sql`insert into listening.alerts (id, rule_id, scope_type, scope_key, opened_at, last_seen_at, finding, peak, state)
          values (${second}, ${ruleId}, 'product', 'A300', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, '{}', '{}', '{}')`,
    );
    const contradicts = await post('/api/v1/listening/crises', writer, { title: 'x', ownerId, alertId: second, sku: 'OTHER' });
    expect(contradicts.statusCode).toBe(400);
    expect(issuesOf(contradicts)).toEqual(['sku']);
    const opened = await db().transaction((tx) => crises.openForAlert(tx, { id: second }));
    expect((await crises.get(opened!)).sku).toBe('A300');
    await rows(sql`update listening.rules set owner_id = null where id = ${ruleId}`);
    const third = newId();
    await rows(
      sql`insert into listening.alerts (id, rule_id, scope_type, scope_key, opened_at, last_seen_at, finding, peak, state)
          values (${third}, ${ruleId}, 'product', 'A400', ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, '{}', '{}', '{}')`,
    );
    expect(await db().transaction((tx) => crises.openForAlert(tx, { id: third }))).toBeNull();
    const noOwner = await post(`/api/v1/listening/alerts/${third}/crisis`, writer, {});
    expect(noOwner.statusCode).toBe(400);
    expect(issuesOf(noOwner)).toEqual(['ownerId']);
  });
});

describe('a product crisis from opening to the post-mortem', () => {
  const OPEN = new Date('2026-11-24T02:00:00Z'); // 10:00 in Shanghai
  const customers: Record<string, string> = {};
  let crisisId = '';
  let seq = 0;
  const phone = (n: number) => `1380013${String(n).padStart(4, '0')}`;
  const mention = (postedAt: Date, text: string, extra: Partial<MentionInput> = {}): MentionInput => ({ source: 'weibo', externalId: `w-${++seq}`, text, postedAt: postedAt.toISOString(), sku: 'A100', ...extra });

  async function order(n: number, sku: string, placedAt: string): Promise<{ orderId: string; customerId: string }> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: t.admin,
      payload: { channel: 'online', externalId: `O-${n}`, placedAt, customer: { phone: phone(n) }, lines: [{ sku, quantity: 1, unitPrice: '99.00' }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { orderId: res.json().id, customerId: res.json().customerId };
  }
  async function ticket(o: { customerId: string; sku?: string; orderId?: string; subject?: string }) {
    await rows(
      sql`insert into service.tickets (id, kind, channel, subject, sku, customer_id, order_id, received_at, created_by)
          values (${newId()}, 'complaint', 'api', ${o.subject ?? '投诉 Complaint'}, ${o.sku ?? null}, ${o.customerId}, ${o.orderId ?? null}, '2026-11-20T08:00:00Z', 'test')`,
    );
  }

  beforeAll(async () => {
    // c1 bought A100 and posts about it; c2 (B200 only) posts; c3 complains about A100; c4 bought A100 and complains
    // through that order; c6 bought A100 127 days ago; c7 bought and complains about B200 only.
    customers.c1 = (await order(1, 'A100', '2026-11-01T10:00:00+08:00')).customerId;
    customers.c2 = (await order(2, 'B200', '2026-11-02T10:00:00+08:00')).customerId;
    customers.c3 = (await order(3, 'B200', '2026-11-03T10:00:00+08:00')).customerId;
    const o4 = await order(4, 'A100', '2026-10-01T10:00:00+08:00');
    customers.c4 = o4.customerId;
    customers.c6 = (await order(6, 'A100', '2026-07-20T10:00:00+08:00')).customerId;
    customers.c7 = (await order(7, 'B200', '2026-11-05T10:00:00+08:00')).customerId;
    await ticket({ customerId: customers.c3, sku: 'A100' });
    await ticket({ customerId: customers.c4, orderId: o4.orderId });
    await ticket({ customerId: customers.c7, sku: 'B200', subject: 'A100 的包装' });
    // Before opening: the hour 01:00 UTC has 10 mentions of A100, 4 negative (c2 wrote one); B200 and a day-old A100 post are out of scope.
    await mentions.ingestValid([
      ...Array.from({ length: 10 }, (_, i) => mention(new Date(Date.parse('2026-11-24T01:00:00Z') + i * 5 * 60_000), i < 4 ? '发霉 差' : '包装 好', i === 0 ? { identifiers: { phone: phone(2) } } : {})),
      mention(new Date('2026-11-24T01:30:00Z'), '发霉 差', { sku: 'B200' }),
      mention(new Date('2026-11-23T01:30:00Z'), '发霉 差'),
    ]);
  });

  it('opens with the negative share of the 24 hours before it (from the hourly stats): 40 %', async () => {
    now = OPEN;
    const c = await openCrisis({ title: 'A100 发霉 Mouldy A100', sku: 'A100', batch: 'B20261101', severity: 'critical' });
    crisisId = c.id;
    expect(c).toMatchObject({ status: 'open', severity: 'critical', sku: 'A100', batch: 'B20261101', startNegativeShare: 0.4, targetNegativeShare: 0.05, negativeShare: { start: 0.4, latest: 0.4, target: 0.05 } });
    expect(c.counts).toEqual({ mentions: 10, affected: 0, compensated: 0 });
    // After opening: the hour 02:00 has 12 mentions, 9 negative (c1 wrote one); 05:00–09:59 20 mentions, 1 negative.
    await mentions.ingestValid([
      ...Array.from({ length: 12 }, (_, i) =>
        mention(new Date(Date.parse('2026-11-24T02:00:00Z') + i * 4 * 60_000), i < 9 ? '发霉 差' : i < 11 ? '客服 还行' : '客服', i === 0 ? { identifiers: { phone: phone(1) } } : {}),
      ),
      ...Array.from({ length: 20 }, (_, i) => mention(new Date(Date.parse('2026-11-24T05:10:00Z') + i * 15 * 60_000), i === 0 ? '发霉 差' : '包装 好')),
    ]);
    // A crisis of a product at a store combines two filters: its start share comes from the mentions themselves.
    const atStore = await crises.open({ title: 'A150 at S01', ownerId, sku: 'A150', storeCode: 'S01' }, 'test');
    expect(atStore.startNegativeShare).toBeNull();
    await mentions.ingestValid([
      mention(new Date('2026-11-24T01:50:00Z'), '发霉 差', { sku: 'A150', storeCode: 'S01' }),
      mention(new Date('2026-11-24T01:55:00Z'), '包装 好', { sku: 'A150', storeCode: 'S01' }),
      mention(new Date('2026-11-24T01:56:00Z'), '发霉 差', { sku: 'A150', storeCode: 'S02' }),
    ]);
    expect((await crises.open({ title: 'A150 at S01 again', ownerId, sku: 'A150', storeCode: 'S01' }, 'test')).startNegativeShare).toBe(0.5);
  });

  it('finds the affected customers through mentions, tickets and orders, merged and idempotent; a longer lookback adds the older buyer', async () => {
    now = plus(OPEN, 20);
    const refresh = (body?: unknown) => post(`/api/v1/listening/crises/${crisisId}/affected/refresh`, writer, body ?? {});
    const first = await refresh();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ customers: 4, added: 4, byReason: { mention: 2, ticket: 2, order: 2 } });
    expect((await refresh()).json()).toEqual({ customers: 4, added: 0, byReason: { mention: 2, ticket: 2, order: 2 } });
    expect((await refresh({ lookbackDays: 150 })).json()).toEqual({ customers: 5, added: 1, byReason: { mention: 2, ticket: 2, order: 3 } });
    expect(issuesOf(await refresh({ lookbackDays: 0 }))).toEqual(['lookbackDays']);
    const page = (await get(`/api/v1/listening/crises/${crisisId}/affected?pageSize=10`)).json();
    expect(page.total).toBe(5);
    const byCustomer = Object.fromEntries(page.items.map((i: { customerId: string; reasons: string[] }) => [i.customerId, i.reasons]));
    expect(byCustomer).toEqual({
      [customers.c1!]: ['mention', 'order'],
      [customers.c2!]: ['mention'],
      [customers.c3!]: ['ticket'],
      [customers.c4!]: ['order', 'ticket'],
      [customers.c6!]: ['order'],
    });
    expect((await get(`/api/v1/listening/crises/${crisisId}/affected?page=2&pageSize=3`)).json().items).toHaveLength(2);
    expect((await kinds(crisisId)).filter((k) => k === 'affected')).toHaveLength(2);
  });

  it('statement at +30, an update on time at +200', async () => {
    now = plus(OPEN, 30);
    await say(crisisId, 'statement', '致歉声明 Our apology');
    now = plus(OPEN, 200);
    const c = await say(crisisId, 'update', '已召回批次 B20261101 Batch recalled');
    expect(c.timeline.at(-1).detail).toEqual({ dueAt: plus(OPEN, 270).toISOString(), onTime: true, nextUpdateDueAt: plus(OPEN, 440).toISOString() });
  });

  it('compensates every affected customer exactly once: two concurrent runs give one coupon and one points entry each; a customer who cannot take it is reported, the others paid', async () => {
    now = plus(OPEN, 240);
    // c2's profile was merged into c1's after the refresh: a coupon for c2 is refused.
    await t.kemai.customers.mergeCustomers(customers.c1!, customers.c2!, { actor: 'test', reason: 'same person' });
    const input = { couponAmountFen: 1000, points: 200, note: '质量问题补偿' };
    const runs = await Promise.all([crises.compensate(crisisId, input, 'staff:a'), crises.compensate(crisisId, input, 'staff:b')]);
    runs.sort((x, y) => y.compensated - x.compensated);
    expect(runs.map((r) => [r.compensated, r.alreadyCompensated, r.couponFen, r.points])).toEqual([
      [4, 0, 4000, 800],
      [0, 4, 0, 0],
    ]);
    for (const r of runs) expect(r.failures).toEqual([{ customerId: customers.c2, code: 'promotions.customer_not_found', message: `no active customer ${customers.c2}` }]);
    const paid = async () =>
      (
        await rows<{ coupons: number; ledger: number }>(
          sql`select (select count(*)::int from promotions.coupons where idempotency_key like ${`compensation:crisis:${crisisId}:%`}) as coupons,
                     (select count(*)::int from loyalty.ledger_entries where idempotency_key like ${`adjust:crisis:${crisisId}:%`}) as ledger`,
        )
      )[0];
    expect(await paid()).toEqual({ coupons: 4, ledger: 4 });
    const events = await rows<{ detail: unknown; body: string }>(sql`select detail, body from listening.crisis_events where crisis_id = ${crisisId} and kind = 'compensation'`);
    expect(events).toEqual([{ detail: { customers: 4, couponFen: 4000, points: 800, failures: 1 }, body: '质量问题补偿' }]);

    // The process stopped after paying c3 but before recording it: the retry records the same coupon and pays nothing more.
    const [before] = await rows<{ compensation: { couponId: string; ledgerEntryId: string } }>(sql`select compensation from listening.crisis_affected where crisis_id = ${crisisId} and customer_id = ${customers.c3!}`);
    expect(before!.compensation).toEqual({
      by: expect.stringMatching(/^staff:[ab]$/),
      note: '质量问题补偿',
      couponId: expect.any(String),
      couponCode: expect.any(String),
      templateCode: 'COMP-1000',
      couponFen: 1000,
      ledgerEntryId: expect.any(String),
      points: 200,
    });
    await rows(sql`update listening.crisis_affected set compensated_at = null, compensation = null where crisis_id = ${crisisId} and customer_id = ${customers.c3!}`);
    const retry = await crises.compensate(crisisId, input, 'staff:a');
    expect([retry.compensated, retry.couponFen, retry.points, retry.failures.length]).toEqual([1, 1000, 200, 1]);
    const [after] = await rows<{ compensation: { couponId: string; ledgerEntryId: string } }>(sql`select compensation from listening.crisis_affected where crisis_id = ${crisisId} and customer_id = ${customers.c3!}`);
    expect([after!.compensation.couponId, after!.compensation.ledgerEntryId]).toEqual([before!.compensation.couponId, before!.compensation.ledgerEntryId]);
    expect(await paid()).toEqual({ coupons: 4, ledger: 4 });
    const statement = await rows<{ points: number }>(sql`select points from loyalty.ledger_entries where customer_id = ${customers.c4!}`);
    expect(statement).toEqual([{ points: 200 }]);

    const named = await post(`/api/v1/listening/crises/${crisisId}/compensate`, writer, { points: 10, customerIds: [customers.c4, customers.c7] });
    expect(named.statusCode).toBe(400);
    expect(issuesOf(named)).toEqual(['customerIds.1']);
    expect(issuesOf(await post(`/api/v1/listening/crises/${crisisId}/compensate`, writer, { couponAmountFen: 100, couponTemplateCode: 'X' }))).toEqual(['couponTemplateCode']);
    expect(issuesOf(await post(`/api/v1/listening/crises/${crisisId}/compensate`, writer, { note: 'nothing' }))).toEqual(['points']);
    expect(issuesOf(await post(`/api/v1/listening/crises/${crisisId}/compensate`, writer, { couponTemplateCode: 'NOPE' }))).toEqual(['couponTemplateCode']);
    const again = (await post(`/api/v1/listening/crises/${crisisId}/compensate`, writer, { points: 10, customerIds: [customers.c4] })).json();
    expect(again).toEqual({ compensated: 0, alreadyCompensated: 1, couponFen: 0, points: 0, failures: [] });
    expect(await paid()).toEqual({ coupons: 4, ledger: 4 });
  });

  it('tracks the negative share by hour and day: start 40 %, peak 75 % at 02:00, 5 % in the last 6 hours (monitoring)', async () => {
    now = plus(OPEN, 470); // 09:50 UTC
    const hourly = (await get(`/api/v1/listening/crises/${crisisId}/negative-share?bucket=hour`)).json();
    expect(hourly).toMatchObject({ bucket: 'hour', from: '2026-11-23T02:00:00.000Z', to: '2026-11-24T10:00:00.000Z', start: 0.4, peak: { share: 0.75, at: '2026-11-24T02:00:00.000Z' }, latest: 0.05, target: 0.05 });
    expect(hourly.series).toHaveLength(32);
    expect(hourly.series.filter((p: { mentions: number }) => p.mentions > 0)).toEqual([
      { at: '2026-11-24T01:00:00.000Z', mentions: 10, negatives: 4, share: 0.4 },
      { at: '2026-11-24T02:00:00.000Z', mentions: 12, negatives: 9, share: 0.75 },
      ...[5, 6, 7, 8, 9].map((h) => ({ at: `2026-11-24T0${h}:00:00.000Z`, mentions: 4, negatives: h === 5 ? 1 : 0, share: h === 5 ? 0.25 : 0 })),
    ]);
    const daily = (await get(`/api/v1/listening/crises/${crisisId}/negative-share?bucket=day`)).json();
    expect(daily.series).toEqual([
      { at: '2026-11-23', mentions: 0, negatives: 0, share: null },
      { at: '2026-11-24', mentions: 42, negatives: 14, share: 0.3333 },
    ]);
    const c = (await get(`/api/v1/listening/crises/${crisisId}`)).json();
    expect(c.status).toBe('monitoring');
    expect((await get('/api/v1/listening/crises?status=monitoring')).json().items.map((i: { id: string }) => i.id)).toEqual([crisisId]);
    expect(issuesOf(await get(`/api/v1/listening/crises/${crisisId}/negative-share?bucket=week`))).toEqual(['querystring.bucket']);
  });

  it('closes at +480 min and reports exact figures', async () => {
    now = plus(OPEN, 480);
    const closed = (await post(`/api/v1/listening/crises/${crisisId}/close`, writer, { summary: '批次召回，负面回落至 5 %' })).json();
    expect(closed.status).toBe('closed');
    expect(closed.timeline.at(-1)).toMatchObject({ kind: 'closed', detail: { endNegativeShare: 0.05, targetNegativeShare: 0.05 } });
    now = plus(OPEN, 2000); // read later: the figures stop at the close
    const report = (await get(`/api/v1/listening/crises/${crisisId}/report`)).json();
    expect(report.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'affected', 'affected', 'statement', 'update', 'compensation', 'compensation', 'closed']);
    expect({ ...report, timeline: undefined, crisis: undefined }).toEqual({
      durationMinutes: 480,
      statement: { dueMinutes: 60, minutes: 30, met: true },
      updates: { count: 1, onTime: 1, onTimeRate: 1, missedDeadlines: 0 },
      peakHour: { at: '2026-11-24T02:00:00.000Z', mentions: 12 },
      negativeShare: { start: 0.4, peak: { share: 0.75, at: '2026-11-24T02:00:00.000Z' }, end: 0.05, target: 0.05, reachedTarget: true },
      affected: { customers: 5, byReason: { mention: 2, ticket: 2, order: 3 } },
      compensation: { customers: 4, couponFen: 4000, points: 800 },
      mentions: 42,
      topKeywords: [
        { keyword: '包装', mentions: 25 },
        { keyword: '发霉', mentions: 14 },
        { keyword: '客服', mentions: 3 },
        { keyword: '还行', mentions: 2 },
      ],
    });
    expect(report.crisis).toMatchObject({ id: crisisId, status: 'closed', closedAt: plus(OPEN, 480).toISOString(), summary: '批次召回，负面回落至 5 %' });
  });
});

describe('openapi', () => {
  it('documents the crisis routes from their zod schemas', async () => {
    const doc = (await api.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/listening/alerts/{id}/crisis',
      '/api/v1/listening/crises',
      '/api/v1/listening/crises/{id}',
      '/api/v1/listening/crises/{id}/affected',
      '/api/v1/listening/crises/{id}/affected/refresh',
      '/api/v1/listening/crises/{id}/close',
      '/api/v1/listening/crises/{id}/compensate',
      '/api/v1/listening/crises/{id}/negative-share',
      '/api/v1/listening/crises/{id}/posts',
      '/api/v1/listening/crises/{id}/report',
    ]);
    const compensate = doc.paths['/api/v1/listening/crises/{id}/compensate'].post;
    expect(compensate.tags).toEqual(['listening']);
    expect(Object.keys(compensate.requestBody.content['application/json'].schema.properties).sort()).toEqual(['couponAmountFen', 'couponTemplateCode', 'customerIds', 'note', 'points']);
  });
});

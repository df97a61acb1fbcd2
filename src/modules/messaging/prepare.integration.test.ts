import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query, type Database, type Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { openTestDatabase } from '../../../tests/support/test-db.js';
import type { Channel, Locale, QueuedMessage, SendDecision, VariableProvider } from './messaging.contract.js';
import { jitterMinutes } from './domain/policy.js';
import { verifyUnsubscribeToken } from './domain/unsubscribe-token.js';
import { Preparer } from './prepare.js';
import { VariableRegistry } from './variables.js';

// Wednesday 2026-03-04 10:30 in Shanghai.
const NOW = new Date('2026-03-04T02:30:00Z');
const SECRET = 'test-secret-0123456789';
const ALL: ReadonlySet<Channel> = new Set(['sms', 'email', 'wechat', 'app_push', 'guide_task']);

/** A provider of our own for the test: counts its calls and the customers it was asked about. */
class CouponProvider implements VariableProvider {
  readonly names = ['bestCoupon'] as const;
  calls: string[][] = [];
  async load(_db: Db, customerIds: readonly string[], locale: (c: string) => Locale) {
    this.calls.push([...customerIds].sort());
    return new Map(customerIds.map((c) => [c, { bestCoupon: locale(c) === 'en' ? 'TEN-OFF' : '满100减10' }]));
  }
}

describe('Preparer.prepare (send-time checks) against the database', () => {
  let database: Database;
  let db: Db;
  let preparer: Preparer;
  const provider = new CouponProvider();
  const tpl = { promo: newId(), notice: newId(), task: newId(), coupon: newId(), old: newId() };
  const c = Object.fromEntries(
    ['granted', 'none', 'optedOut', 'caps', 'senior', 'young', 'prefers', 'history', 'quiet', 'merged', 'usual', 'guide', 'allWithdrawn', 'en'].map((k) => [k, newId()]),
  ) as Record<string, string>;

  const msg = (customerId: string, over: Partial<QueuedMessage> = {}): QueuedMessage => ({
    id: newId(),
    customerId,
    channel: 'sms',
    purpose: 'marketing',
    templateId: tpl.promo,
    locale: 'zh-CN',
    variables: {},
    sendAfter: NOW,
    expiresAt: new Date(NOW.getTime() + 72 * 3_600_000),
    attempts: 1,
    ...over,
  });
  const prepare = (batch: QueuedMessage[], now = NOW, enabled = ALL) => preparer.prepare(db, batch, now, enabled);
  const only = async (m: QueuedMessage, now = NOW) => {
    const d = await prepare([m], now);
    expect(d).toHaveLength(1);
    return d[0]!;
  };
  const brief = (d: SendDecision) =>
    d.action === 'send' ? { action: 'send', channel: d.channel, to: d.toMasked } : d.action === 'block' ? { action: 'block', reason: d.reason } : { action: 'defer', reason: d.reason, until: d.until.toISOString() };

  beforeAll(async () => {
    database = await openTestDatabase();
    db = database.db;
    const registry = new VariableRegistry();
    registry.register(provider);
    preparer = new Preparer({ timeZone: 'Asia/Shanghai', brand: '小熊母婴', publicUrl: 'https://crm.example', secret: SECRET, variables: registry });

    await query(db, sql`insert into messaging.templates (id, code, name, purpose, contents, provider_ids, created_by) values
      (${tpl.promo}, 'promo', 'Promo', 'marketing', ${JSON.stringify({
        sms: { 'zh-CN': { body: '{{name|亲爱的会员}}，{{brand}}春季上新，{{tierName}}专享，积分{{pointsBalance}}。退订回TD' }, en: { body: 'Hi {{name|member}}' } },
        email: { 'zh-CN': { subject: '{{name}}，春季上新', body: '<p>{{name}}</p>' } },
        wechat: { 'zh-CN': { body: '春季上新 {{name}}' } },
        app_push: { 'zh-CN': { body: '春季上新' } },
      })}::jsonb, '{"wechat":"WX-TPL-1"}'::jsonb, 'test'),
      (${tpl.notice}, 'notice', 'Notice', 'service', ${JSON.stringify({ sms: { 'zh-CN': { body: '您的工单已处理' } } })}::jsonb, '{}'::jsonb, 'test'),
      (${tpl.task}, 'task', 'Callback', 'marketing', ${JSON.stringify({ guide_task: { 'zh-CN': { subject: '回访 {{name}}', body: '季度回访' } } })}::jsonb, '{}'::jsonb, 'test'),
      (${tpl.coupon}, 'coupon', 'Coupon', 'marketing', ${JSON.stringify({ sms: { 'zh-CN': { body: '送您 {{bestCoupon}}，券码 {{coupon.code}}' }, en: { body: 'Yours: {{bestCoupon}} {{coupon.code}}' } } })}::jsonb, '{}'::jsonb, 'test'),
      (${tpl.old}, 'old', 'Old', 'marketing', '{"sms":{"zh-CN":{"body":"x"}}}'::jsonb, '{}'::jsonb, 'test')`);
    await query(db, sql`update messaging.templates set status = 'archived' where id = ${tpl.old}`);

    const people: Array<[string, string, string | null, Record<string, unknown>]> = [
      [c.granted!, '王芳', '1990-05-01', {}],
      [c.none!, '李雷', null, {}],
      [c.optedOut!, '韩梅梅', null, {}],
      [c.caps!, '张伟', null, {}],
      [c.senior!, '刘奶奶', '1960-01-01', {}],
      [c.young!, '小周', '2000-01-01', {}],
      [c.prefers!, '陈晨', '2000-01-01', { preferredChannel: 'email' }],
      [c.history!, '赵敏', '2000-01-01', {}],
      [c.quiet!, '孙丽', null, {}],
      [c.merged!, '周杰', null, {}],
      [c.usual!, '吴昊', null, {}],
      [c.guide!, '郑爽', null, {}],
      [c.allWithdrawn!, '钱多', null, {}],
      [c.en!, 'Emma', null, { locale: 'en' }],
    ];
    await query(db, sql`insert into customers.customers (id, name, birthday, attributes)
      select x.id, x.name, x.birthday, x.attributes from jsonb_to_recordset(${JSON.stringify(people.map(([id, name, birthday, attributes]) => ({ id, name, birthday, attributes })))}::jsonb)
        as x(id uuid, name text, birthday date, attributes jsonb)`);
    await query(db, sql`update customers.customers set status = 'merged', merged_into = ${c.granted} where id = ${c.merged}`);
    // Every customer has a phone (138000000NN), some an email, an openid and a device.
    const ids: Array<[string, string, string]> = Object.values(c).map((id, i) => [id, 'phone', `+86138000000${String(i).padStart(2, '0')}`]);
    for (const k of ['senior', 'young', 'prefers', 'history', 'granted']) {
      ids.push([c[k]!, 'email', `${k}@example.com`], [c[k]!, 'wechat_openid', `oWx-${k}-openid`], [c[k]!, 'device_id', `dev-${k}`]);
    }
    await query(db, sql`insert into customers.identifiers (customer_id, type, value, source)
      select x.id, x.type, x.value, 'test' from jsonb_to_recordset(${JSON.stringify(ids.map(([id, type, value]) => ({ id, type, value })))}::jsonb) as x(id uuid, type text, value text)`);
    const consent = (customerId: string, channel: string, status: string, at: string, purpose = 'marketing') => ({ customerId, channel, status, at, purpose });
    const consents = [
      consent(c.granted!, 'sms', 'granted', '2026-01-01T00:00:00Z'),
      consent(c.optedOut!, 'all', 'granted', '2026-01-01T00:00:00Z'),
      consent(c.optedOut!, 'sms', 'withdrawn', '2026-02-01T00:00:00Z'),
      consent(c.allWithdrawn!, 'sms', 'granted', '2026-01-01T00:00:00Z'),
      consent(c.allWithdrawn!, 'all', 'withdrawn', '2026-02-01T00:00:00Z'),
      ...['caps', 'senior', 'young', 'prefers', 'history', 'quiet', 'merged', 'usual', 'guide', 'en'].map((k) => consent(c[k]!, 'all', 'granted', '2026-01-01T00:00:00Z')),
      // A grant recorded after now does not count yet.
      consent(c.none!, 'sms', 'granted', '2026-03-05T00:00:00Z'),
    ];
    await query(db, sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
      select x.customer_id, gen_random_uuid(), x.channel, x.purpose, x.status, 'test', x.at
      from jsonb_to_recordset(${JSON.stringify(consents.map((k) => ({ ...k, customer_id: k.customerId })))}::jsonb)
        as x(customer_id uuid, channel text, purpose text, status text, at timestamptz)`);
    // Orders: the usual-hour customer buys at 19:xx twice and 12:xx once (local); the guide customer first at S02, later at S05.
    const orders = [
      [c.usual!, '2026-02-10T11:05:00Z', 'S01'],
      [c.usual!, '2026-02-20T11:40:00Z', 'S01'],
      [c.usual!, '2026-02-25T04:10:00Z', 'S01'],
      [c.usual!, '2024-01-01T04:10:00Z', 'S01'], // over a year ago: not counted
      [c.guide!, '2025-06-01T03:00:00Z', 'S02'],
      [c.guide!, '2026-01-01T03:00:00Z', 'S05'],
    ] as const;
    await query(db, sql`insert into orders.orders (id, customer_id, channel, external_id, store_code, placed_at, gross_fen, paid_fen, line_count, content_hash)
      select gen_random_uuid(), x.customer_id, 'pos', 'T' || x.n, x.store, x.at, 1000, 1000, 1, 'h'
      from jsonb_to_recordset(${JSON.stringify(orders.map(([customer_id, at, store], n) => ({ customer_id, at, store, n })))}::jsonb) as x(customer_id uuid, at timestamptz, store text, n int)`);
    // Tiers: the granted customer in the built-in set (not stored: its preset names), the senior one in a stored set.
    await query(db, sql`insert into loyalty.tier_sets (code, version, name, definition, active, effective_from, created_by) values
      ('vip2', 1, 'VIP', '{"measure":"growth","tiers":[{"code":"gold","name":{"zh-CN":"旧金卡","en":"Old gold"},"threshold":0}]}', false, '2025-01-01T00:00:00Z', 'test'),
      ('vip2', 2, 'VIP', '{"measure":"growth","tiers":[{"code":"gold","name":{"zh-CN":"金卡","en":"Gold"},"threshold":0}]}', true, '2026-01-01T00:00:00Z', 'test')`);
    await query(db, sql`insert into loyalty.accounts (customer_id, available, tier_set, tier_code) values
      (${c.granted}, 320, 'membership', 'follower'), (${c.senior}, 1200, 'vip2', 'gold')`);
    // The history customer's email was delivered 10 days ago (and a wechat one 300 days ago, too old to count).
    await query(db, sql`insert into messaging.messages (id, customer_id, channel, purpose, locale, dedupe_key, status, source_kind, send_after, sent_at, delivered_at)
      values (${newId()}, ${c.history}, 'email', 'service', 'zh-CN', 'h1', 'delivered', 'api', '2026-02-22T02:00:00Z', '2026-02-22T02:00:00Z', '2026-02-22T02:01:00Z'),
             (${newId()}, ${c.history}, 'wechat', 'service', 'zh-CN', 'h2', 'delivered', 'api', '2025-05-08T02:00:00Z', '2025-05-08T02:00:00Z', '2025-05-08T02:01:00Z')`);
  });
  afterAll(async () => database.close());

  it('sends with the text rendered from the customer’s data, the address masked and a signed unsubscribe link', async () => {
    const m = msg(c.granted!);
    const d = await only(m);
    expect(d.action).toBe('send');
    if (d.action !== 'send') return;
    expect(d.channel).toBe('sms');
    expect(d.toMasked).toBe('138****0000');
    expect(d.message.to).toBe('+8613800000000');
    expect(d.message.body).toBe('王芳，小熊母婴春季上新，追随者专享，积分320。退订回TD');
    expect(d.message.subject).toBeNull();
    expect(d.message.providerTemplateId).toBeNull();
    const url = String(d.message.variables.unsubscribeUrl);
    expect(url.startsWith('https://crm.example/api/v1/messaging/unsubscribe?token=')).toBe(true);
    expect(verifyUnsubscribeToken(url.split('token=')[1]!, SECRET)).toEqual({ messageId: m.id, channel: 'sms' });
  });

  it('blocks without consent, after an opt-out (channel or all), for merged customers and archived templates', async () => {
    const decisions = await prepare([
      msg(c.none!),
      msg(c.optedOut!),
      msg(c.optedOut!, { channel: 'auto' }),
      msg(c.allWithdrawn!),
      msg(c.merged!),
      msg(c.granted!, { templateId: tpl.old }),
      msg(c.granted!, { channel: 'email' }),
    ]);
    expect(decisions.map(brief)).toEqual([
      { action: 'block', reason: 'no_consent' },
      { action: 'block', reason: 'opted_out' },
      // auto: sms withdrawn, the all grant covers the other channels but it has no email/openid/device → the most specific: opted_out
      { action: 'block', reason: 'opted_out' },
      { action: 'block', reason: 'opted_out' },
      { action: 'block', reason: 'customer_inactive' },
      { action: 'block', reason: 'template_archived' },
      { action: 'block', reason: 'no_consent' },
    ]);
  });

  it('caps: the 2nd marketing message of a day is blocked (this batch’s counted), a service one is not; a sent one today counts', async () => {
    const batch = [msg(c.caps!), msg(c.caps!, { sendAfter: new Date(NOW.getTime() + 1) }), msg(c.caps!, { templateId: tpl.notice, purpose: 'service', sendAfter: new Date(NOW.getTime() + 2) })];
    expect((await prepare(batch)).map(brief)).toEqual([
      { action: 'send', channel: 'sms', to: '138****0003' },
      { action: 'block', reason: 'frequency_cap' },
      { action: 'send', channel: 'sms', to: '138****0003' },
    ]);
    // One marketing message sent at 08:00 local today: the next one is over the day's cap; tomorrow it is fine.
    await query(db, sql`insert into messaging.messages (id, customer_id, channel, purpose, locale, dedupe_key, status, source_kind, send_after, sent_at)
      values (${newId()}, ${c.caps}, 'sms', 'marketing', 'zh-CN', 'cap1', 'sent', 'api', '2026-03-04T00:00:00Z', '2026-03-04T00:00:00Z')`);
    expect(brief(await only(msg(c.caps!)))).toEqual({ action: 'block', reason: 'frequency_cap' });
    expect(brief(await only(msg(c.caps!), new Date('2026-03-05T02:30:00Z')))).toEqual({ action: 'send', channel: 'sms', to: '138****0003' });
  });

  it('auto: preference, then history, then age, then the policy order; only enabled channels of the template', async () => {
    const auto = (id: string) => msg(id, { channel: 'auto' });
    const decisions = await prepare([auto(c.senior!), auto(c.young!), auto(c.prefers!), auto(c.history!), auto(c.granted!)]);
    expect(decisions.map(brief)).toEqual([
      { action: 'send', channel: 'sms', to: '138****0004' },
      { action: 'send', channel: 'wechat', to: 'oWx-***id' },
      { action: 'send', channel: 'email', to: 'p***@example.com' },
      { action: 'send', channel: 'email', to: 'h***@example.com' },
      // granted: only an SMS consent, age 35 → the policy order skips wechat/app_push/email without consent
      { action: 'send', channel: 'sms', to: '138****0000' },
    ]);
    const wechat = decisions[1]!;
    if (wechat.action === 'send') expect(wechat.message.providerTemplateId).toBe('WX-TPL-1');
    const email = decisions[2]!;
    if (email.action === 'send') {
      expect(email.message.subject).toBe('陈晨，春季上新');
      expect(email.message.variables._html).toBe('<p>陈晨</p>');
    }
    // WeChat switched off: the young customer gets the next of the policy order (app push).
    expect(brief((await prepare([auto(c.young!)], NOW, new Set(['sms', 'email', 'app_push'])))[0]!)).toEqual({ action: 'send', channel: 'app_push', to: 'dev-***ng' });
  });

  it('quiet hours defer marketing to 09:00 plus the customer’s jitter; service goes; past the expiry it expires', async () => {
    const night = new Date('2026-03-04T14:00:00Z'); // 22:00
    const m = msg(c.quiet!);
    expect(brief(await only(m, night))).toEqual({
      action: 'defer',
      reason: 'quiet_hours',
      until: new Date(Date.parse('2026-03-05T01:00:00Z') + jitterMinutes(c.quiet!) * 60_000).toISOString(),
    });
    expect(brief(await only(msg(c.quiet!, { templateId: tpl.notice, purpose: 'service' }), night))).toEqual({ action: 'send', channel: 'sms', to: '138****0008' });
    expect(brief(await only(msg(c.quiet!, { expiresAt: new Date('2026-03-04T20:00:00Z') }), night))).toEqual({ action: 'block', reason: 'expired' });
    expect(brief(await only(msg(c.quiet!, { expiresAt: new Date('2026-03-04T02:00:00Z') })))).toEqual({ action: 'block', reason: 'expired' });
  });

  it('usual hour: deferred to the mode of the customer’s order hours (19:00), the default 10:00 without orders', async () => {
    expect(brief(await only(msg(c.usual!, { variables: { _sendAt: 'usual_hour' } })))).toEqual({ action: 'defer', reason: 'usual_hour', until: '2026-03-04T11:00:00.000Z' });
    expect(brief(await only(msg(c.usual!, { variables: { _sendAt: 'usual_hour' } }), new Date('2026-03-04T11:20:00Z')))).toEqual({
      action: 'send',
      channel: 'sms',
      to: '138****0010',
    });
    // No orders: 10:00 local; at 10:30 that is now.
    expect(brief(await only(msg(c.quiet!, { variables: { _sendAt: 'usual_hour' } })))).toEqual({ action: 'send', channel: 'sms', to: '138****0008' });
    expect(brief(await only(msg(c.quiet!, { variables: { _sendAt: 'usual_hour' } }), new Date('2026-03-04T03:00:00Z')))).toEqual({
      action: 'defer',
      reason: 'usual_hour',
      until: '2026-03-05T02:00:00.000Z',
    });
  });

  it('guide tasks: no consent needed, the address is the home store (first order’s)', async () => {
    const d = await only(msg(c.guide!, { channel: 'guide_task', templateId: tpl.task }));
    expect(brief(d)).toEqual({ action: 'send', channel: 'guide_task', to: 'S02' });
    if (d.action === 'send') expect([d.message.subject, d.message.body, d.message.variables.unsubscribeUrl]).toEqual(['回访 郑爽', '季度回访', '']);
    const none = await only(msg(c.none!, { channel: 'guide_task', templateId: tpl.task }), new Date('2026-03-04T14:00:00Z'));
    expect(brief(none)).toEqual({ action: 'send', channel: 'guide_task', to: '' });
  });

  it('a batch of 1,000 messages for 1,000 customers takes one query per kind of fact', async () => {
    const many = Array.from({ length: 1000 }, () => newId());
    await query(db, sql`insert into customers.customers (id, name) select id, '客' || n from unnest(${sql.param(many)}::uuid[]) with ordinality as t(id, n)`);
    await query(db, sql`insert into customers.identifiers (customer_id, type, value, source)
      select id, 'phone', '+861390000' || lpad(n::text, 4, '0'), 'test' from unnest(${sql.param(many)}::uuid[]) with ordinality as t(id, n)`);
    await query(db, sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
      select id, gen_random_uuid(), case when n % 2 = 0 then 'all' else 'sms' end, 'marketing', case when n % 10 = 0 then 'withdrawn' else 'granted' end, 'test', '2026-01-01T00:00:00Z'
      from unnest(${sql.param(many)}::uuid[]) with ordinality as t(id, n)`);
    let statements = 0;
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'execute') return (...args: unknown[]) => (statements++, (target.execute as (...a: unknown[]) => unknown).apply(target, args));
        return Reflect.get(target, prop, receiver);
      },
    });
    const batch = many.map((id, i) => msg(id, { channel: i % 3 === 0 ? 'auto' : 'sms', templateId: i % 4 === 0 ? tpl.coupon : tpl.promo, variables: { coupon: { code: `C${i}` } } }));
    const started = performance.now();
    const decisions = await preparer.prepare(counting as Db, batch, NOW, ALL);
    const ms = performance.now() - started;
    expect(decisions).toHaveLength(1000);
    const counts = { send: 0, block: 0, defer: 0 };
    for (const d of decisions) counts[d.action]++;
    expect(counts).toEqual({ send: 900, block: 100, defer: 0 });
    // policy, templates, profiles, identifiers, consents, caps, history (no usual-hour or guide-task messages here; the
    // test's provider reads no table, once for the 250 coupon-template customers).
    expect(statements).toBe(7);
    expect(provider.calls.at(-1)).toHaveLength(250);
    const again = performance.now();
    await preparer.prepare(db, batch, NOW, ALL);
    console.log(`prepare: 1,000 messages in ${ms.toFixed(0)} ms (first), ${(performance.now() - again).toFixed(0)} ms (again), ${statements} statements`);
  });

  it('variable providers: called once per batch, only for customers whose text names their variables; planner values win', async () => {
    provider.calls = [];
    const decisions = await prepare([
      msg(c.granted!, { templateId: tpl.coupon, variables: { coupon: { code: 'AB12' } } }),
      msg(c.en!, { templateId: tpl.coupon, locale: 'en', variables: { coupon: { code: 'CD34' } } }),
      msg(c.senior!, { channel: 'auto' }),
    ]);
    expect(provider.calls).toEqual([[c.granted!, c.en!].sort()]);
    expect(decisions.map((d) => (d.action === 'send' ? d.message.body : d.action))).toEqual(['送您 满100减10，券码 AB12', 'Yours: TEN-OFF CD34', '刘奶奶，小熊母婴春季上新，金卡专享，积分1200。退订回TD']);
    provider.calls = [];
    await prepare([msg(c.granted!)]);
    expect(provider.calls).toEqual([]);
  });
});

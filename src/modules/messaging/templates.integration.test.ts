import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

describe('message templates and the contact policy over HTTP', () => {
  let t: TestApp;
  let reader: { authorization: string };
  let writer: { authorization: string };
  const customerId = newId();
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method, url, payload: payload as never, headers });

  const promo = {
    code: 'spring',
    name: '春季上新',
    purpose: 'marketing',
    contents: {
      sms: { 'zh-CN': { body: '{{name|亲爱的会员}}，{{brand}}春季上新，券码{{coupon.code}}，{{nearestStore|欢迎到店}}。退订回TD' }, en: { body: 'Hi {{name|member}}, code {{coupon.code}}' } },
      email: { 'zh-CN': { subject: '{{name}}，春季上新', body: '<p>{{name}}您好</p>' } },
      wechat: { 'zh-CN': { body: '春季上新 {{name}} {{mystery}}' } },
    },
  };

  beforeAll(async () => {
    t = await createTestApp({ KEMAI_BRAND_NAME: '小熊母婴' });
    reader = await t.keyWith(['messaging:read']);
    writer = await t.keyWith(['messaging:read', 'messaging:write']);
    await query(t.kemai.database.db, sql`insert into customers.customers (id, name) values (${customerId}, '王芳')`);
  });
  afterAll(async () => t.close());

  it('refuses bad contents naming each field, writing nothing', async () => {
    const res = await call('POST', '/api/v1/messaging/templates', {
      code: 'bad',
      name: 'Bad',
      contents: {
        email: { 'zh-CN': { body: 'no subject' } },
        sms: { en: { body: 'x'.repeat(501) } },
        fax: { 'zh-CN': { body: 'x' } },
        wechat: { 'zh-CN': { body: 'hi {{name' } },
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues).toEqual([
      { path: 'contents.email.zh-CN.subject', message: 'an email needs a subject' },
      { path: 'contents.sms.zh-CN', message: 'is required for every channel' },
      { path: 'contents.sms.en.body', message: 'an SMS is at most 500 characters (has 501)' },
      { path: 'contents.fax', message: 'unknown channel (one of sms, email, wechat, app_push, guide_task)' },
      { path: 'contents.wechat.zh-CN.body', message: 'a {{ is not closed by }}' },
    ]);
    expect((await call('GET', '/api/v1/messaging/templates')).json().items).toEqual([]);
  });

  it('creates, lists, versions, archives; writers write, readers read', async () => {
    expect((await call('POST', '/api/v1/messaging/templates', promo, reader)).statusCode).toBe(403);
    const created = await call('POST', '/api/v1/messaging/templates', promo, writer);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ code: 'spring', version: 1, status: 'active', channels: ['sms', 'email', 'wechat'], createdBy: expect.stringContaining('apikey:') });
    expect(created.json().variables).toEqual(['name', 'brand', 'coupon.code', 'nearestStore', 'mystery']);
    expect((await call('POST', '/api/v1/messaging/templates', promo, writer)).json().error.code).toBe('messaging.template_exists');
    await call('POST', '/api/v1/messaging/templates', { code: 'care', name: 'Care', purpose: 'service', contents: { sms: { 'zh-CN': { body: '工单已处理' } } } });

    const v2 = await call('PUT', '/api/v1/messaging/templates/spring', { name: '春季上新 v2', expectedVersion: 1 }, writer);
    expect(v2.json()).toMatchObject({ name: '春季上新 v2', version: 2 });
    expect((await call('PUT', '/api/v1/messaging/templates/spring', { name: 'x', expectedVersion: 1 })).json().error.code).toBe('messaging.template_changed');
    const bad = await call('PUT', '/api/v1/messaging/templates/spring', { contents: { email: { en: { subject: 'x', body: 'y' } } } });
    expect(bad.json().error.details.issues).toEqual([{ path: 'contents.email.zh-CN', message: 'is required for every channel' }]);
    expect((await call('GET', '/api/v1/messaging/templates/spring', undefined, reader)).json().version).toBe(2);

    expect((await call('GET', '/api/v1/messaging/templates?channel=email')).json().items.map((x: { code: string }) => x.code)).toEqual(['spring']);
    expect((await call('GET', '/api/v1/messaging/templates')).json().items.map((x: { code: string }) => x.code)).toEqual(['care', 'spring']);
    const archived = await call('POST', '/api/v1/messaging/templates/care/archive', undefined, writer);
    expect(archived.json().status).toBe('archived');
    expect((await call('GET', '/api/v1/messaging/templates?status=active')).json().items.map((x: { code: string }) => x.code)).toEqual(['spring']);
    expect((await call('PUT', '/api/v1/messaging/templates/care', { name: 'again' })).json().error.code).toBe('messaging.template_archived');
  });

  it('previews with a real customer’s data, the name masked without pii:read, and lists the unknown variables', async () => {
    const body = { customerId, channel: 'sms', locale: 'zh-CN', variables: { coupon: { code: 'AB12' } } };
    const full = (await call('POST', '/api/v1/messaging/templates/spring/preview', body)).json();
    expect(full).toMatchObject({ channel: 'sms', locale: 'zh-CN', subject: null, html: null, missing: [] });
    expect(full.body).toBe('王芳，小熊母婴春季上新，券码AB12，欢迎到店。退订回TD');
    const masked = (await call('POST', '/api/v1/messaging/templates/spring/preview', body, reader)).json();
    expect(masked.body).toBe('王*，小熊母婴春季上新，券码AB12，欢迎到店。退订回TD');
    const wechat = (await call('POST', '/api/v1/messaging/templates/spring/preview', { customerId, channel: 'wechat', locale: 'en' })).json();
    expect(wechat).toMatchObject({ locale: 'zh-CN', body: '春季上新 王芳 ', missing: ['mystery'] });
    expect(wechat.warnings).toEqual([
      { path: 'providerIds.wechat', message: 'WeChat template messages need the template id from the WeChat admin console' },
      { path: 'contents.wechat.en', message: 'no en text: customers with it get zh-CN' },
    ]);
    const email = (await call('POST', '/api/v1/messaging/templates/spring/preview', { channel: 'email', locale: 'zh-CN' })).json();
    expect([email.subject, email.html]).toEqual(['王芳，春季上新', '<p>王芳您好</p>']);
    const none = await call('POST', '/api/v1/messaging/templates/spring/preview', { channel: 'app_push', locale: 'zh-CN' });
    expect(none.json().error.details.issues).toEqual([{ path: 'channel', message: 'the template has text for sms, email, wechat' }]);
    const draft = await call('POST', '/api/v1/messaging/templates/new-one/preview', { channel: 'sms', locale: 'en', contents: { sms: { 'zh-CN': { body: '您好 {{name}}' } } } });
    expect(draft.json().body).toBe('您好 王芳');
  });

  it('policy: defaults, partial changes by messaging:admin only, bad values named', async () => {
    const initial = (await call('GET', '/api/v1/messaging/policy', undefined, reader)).json();
    expect(initial).toEqual({
      caps: { day: 1, week: 3, month: 8 },
      quietHours: { start: '21:00', end: '09:00', service: false },
      consent: 'opt_in',
      channelOrder: ['wechat', 'app_push', 'sms', 'email'],
      defaultHour: 10,
      updatedAt: null,
      updatedBy: null,
    });
    expect((await call('PUT', '/api/v1/messaging/policy', { caps: { day: 2 } }, writer)).statusCode).toBe(403);
    const changed = (await call('PUT', '/api/v1/messaging/policy', { caps: { day: 2 }, quietHours: { start: '22:00' }, consent: 'opt_out' })).json();
    expect(changed).toMatchObject({ caps: { day: 2, week: 3, month: 8 }, quietHours: { start: '22:00', end: '09:00', service: false }, consent: 'opt_out', defaultHour: 10 });
    expect(changed.updatedBy).toContain('apikey:');
    const bad = await call('PUT', '/api/v1/messaging/policy', { quietHours: { end: '25:00' }, channelOrder: ['sms', 'sms'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['quietHours.end']);
    const dup = await call('PUT', '/api/v1/messaging/policy', { channelOrder: ['sms', 'sms'] });
    expect(dup.json().error.details.issues).toEqual([{ path: 'channelOrder', message: 'each channel at most once' }]);
    expect((await call('GET', '/api/v1/messaging/policy')).json().caps).toEqual({ day: 2, week: 3, month: 8 });
  });
});

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { query } from '../../platform/db/database.js';
import { BLUEPRINTS, type BlueprintsService } from './blueprints.js';

let t: TestApp;
let blueprints: BlueprintsService;
const send = async (method: 'POST' | 'GET', url: string, payload?: unknown, headers: Record<string, string> = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  blueprints = t.kemai.blueprints;
});
afterAll(async () => t?.close());

describe('installing blueprints', () => {
  it('creates each journey once as a draft with its templates in both languages and its coupons', async () => {
    const { db } = t.kemai.database;
    for (const b of BLUEPRINTS) {
      const first = await blueprints.install(b.code, {}, 'user:test');
      expect(first.created, b.code).toBe(true);
      expect(first.journey, b.code).toMatchObject({ code: b.journey.code, status: 'draft', blueprint: b.code });
      expect(first.templates, b.code).toEqual({ created: b.templates.map((x) => x.code), existing: [] });
      expect(first.coupons, b.code).toEqual({ created: b.coupons.map((x) => x.code), existing: [] });
      const again = await blueprints.install(b.code, {}, 'user:test');
      expect(again, b.code).toEqual({ journey: first.journey, created: false, templates: { created: [], existing: [] }, coupons: { created: [], existing: [] } });
    }
    const journeys = await query<{ code: string; status: string; holdout_percent: number; n: number }>(
      db,
      sql`select j.code, j.status, j.holdout_percent, (select count(*)::int from journeys.versions v where v.journey_id = j.id) as n
            from journeys.journeys j order by j.code collate "C"`,
    );
    expect(journeys.map((j) => [j.code, j.status, j.holdout_percent, j.n])).toEqual(
      [...BLUEPRINTS].map((b) => b.journey.code).sort().map((c) => [c, 'draft', 10, 1]),
    );
    const templates = await query<{ code: string; locales: string[] }>(
      db,
      sql`select t.code, array(select distinct l from jsonb_each(t.contents) c, jsonb_object_keys(c.value) l order by 1) as locales
            from messaging.templates t order by t.code collate "C"`,
    );
    expect(templates.length).toBe(BLUEPRINTS.reduce((n, b) => n + b.templates.length, 0));
    for (const x of templates) expect(x.locales, x.code).toEqual(['en', 'zh-CN']);
    const coupons = await query<{ code: string }>(db, sql`select code from promotions.coupon_templates order by code collate "C"`);
    expect(coupons.map((c) => c.code)).toEqual(['BP-BIRTHDAY-GIFT', 'BP-REPURCHASE-10', 'BP-WELCOME-THANKS', 'BP-WINBACK']);
  });

  it('installs a second copy under another code, keeping the templates that exist, and refuses a code taken by another blueprint', async () => {
    const copy = await blueprints.install('welcome', { code: 'welcome_b', name: '新客欢迎 B' }, 'user:test');
    expect(copy.created).toBe(true);
    expect(copy.journey).toMatchObject({ code: 'welcome_b', name: '新客欢迎 B', blueprint: 'welcome' });
    expect(copy.templates).toEqual({ created: [], existing: ['bp_welcome_thanks', 'bp_welcome_guide'] });
    expect(copy.coupons).toEqual({ created: [], existing: ['BP-WELCOME-THANKS'] });
    await expect(blueprints.install('birthday', { code: 'welcome' })).rejects.toMatchObject({ code: 'journeys.code_taken' });
    await expect(blueprints.install('nope')).rejects.toMatchObject({ code: 'journeys.blueprint_not_found' });
  });
});

describe('routes', () => {
  it('lists the blueprints in the asked language with their install state, and installs with journeys:write', async () => {
    const reader = await t.keyWith(['journeys:read']);
    const list = await send('GET', '/api/v1/journeys/blueprints?locale=en', undefined, reader);
    expect(list.statusCode, list.body).toBe(200);
    const items = (list.json() as { items: Array<{ code: string; name: string; names: Record<string, string>; trigger: string; installed: boolean; journeyId: string | null }> }).items;
    expect(items.map((i) => i.code)).toEqual(BLUEPRINTS.map((b) => b.code));
    const winBack = items.find((i) => i.code === 'win_back')!;
    expect(winBack).toMatchObject({ name: '90 days without a purchase: personal win-back coupon', trigger: 'Inactivity: 90 days without an order, at 10:00', installed: true });
    expect(winBack.names['zh-CN']).toBe('90天未购：个性化召回券');
    const zh = await send('GET', '/api/v1/journeys/blueprints', undefined, { ...reader, 'accept-language': 'zh-CN,zh;q=0.9' });
    expect((zh.json() as { items: Array<{ name: string }> }).items[0]!.name).toBe('新客欢迎：首购感谢券');

    expect((await send('POST', '/api/v1/journeys/blueprints/referral/install', { code: 'referral_2' }, reader)).statusCode).toBe(403);
    const writer = await t.keyWith(['journeys:write']);
    const made = await send('POST', '/api/v1/journeys/blueprints/referral/install', { code: 'referral_2' }, writer);
    expect(made.statusCode, made.body).toBe(201);
    expect((made.json() as { journey: { code: string } }).journey.code).toBe('referral_2');
    const replay = await send('POST', '/api/v1/journeys/blueprints/referral/install', { code: 'referral_2' }, writer);
    expect(replay.statusCode, replay.body).toBe(200);
    const bad = await send('POST', '/api/v1/journeys/blueprints/referral/install', { code: 'no spaces' }, writer);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('code');
  });
});

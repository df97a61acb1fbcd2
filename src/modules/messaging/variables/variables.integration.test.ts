import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import type { Locale } from '../messaging.contract.js';
import { EARTH_RADIUS_KM, haversineKm, NearbyStoresProvider, RecommendationProvider, ReferralLinkProvider, TierProvider, WinBackOfferProvider, winBackDiscount } from './index.js';

/**
 * The personalisation variables on a small brand.
 *
 * Stores around K = (31.2, 121.4): N1 1.2 km due north, E1 about 2.9 km due east, S1 4 km due south, W1 2 km due west
 * but closed. Along a meridian the great-circle distance is R·Δφ exactly, so N1 is 1.2 km and S1 4 km.
 *
 * Baskets (10 yuan a line; N = 12 orders): P1 {A,C}; P2 {A,C}; P3 {A,E}; P4 {E}, {E}; R1 {B} then {A}; R2 {D};
 * P5 {F}, {F}; R4 {C} then {A}. Counts A 5, C 3, E 3, F 2, B 1, D 1. Rules (count ≥ ceil(0.005·12) = 1, confidence ≥ 0.1,
 * lift > 1): A ⇒ C conf 2/5, lift 2·12/(5·3) = 1.6, score 2/5 − 3/12 = 0.15; A ⇒ E lift 12/15 < 1 (left out).
 * R1's latest order {A} → C (普洱). R2's {D} has no rule → best seller of 酸奶 not bought → F (希腊酸奶).
 * R4 bought C already → favourite category 茶 (A and C, 20 yuan) → its best seller not bought: E (白茶).
 */
let t: TestApp;
const ids: Record<string, string> = {};
const send = async (method: 'POST' | 'GET', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: t.admin, ...(payload === undefined ? {} : { payload: payload as object }) });

const K = { lat: 31.2, lng: 121.4 };
const deg = (km: number) => (km / EARTH_RADIUS_KM) * (180 / Math.PI);
const PHONES: Record<string, string> = {
  K1: '13900001001', K2: '13900001002', K3: '13900001003', K4: '13900001004',
  P1: '13900002001', P2: '13900002002', P3: '13900002003', P4: '13900002004', P5: '13900002005',
  R1: '13900003001', R2: '13900003002', R3: '13900003003', R4: '13900003004',
};

async function order(externalId: string, placedAt: string, skus: string[], who: string) {
  const res = await send('POST', '/api/v1/orders', {
    channel: 'pos', externalId, storeCode: 'N1', placedAt, customer: { phone: PHONES[who] },
    lines: skus.map((sku) => ({ sku, quantity: 1, unitPrice: '10.00' })),
  });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  const eastLng = K.lng + deg(2.9) / Math.cos((K.lat * Math.PI) / 180);
  const stores = await send('POST', '/api/v1/stores/batch', {
    items: [
      { code: 'N1', name: '北一店', lat: K.lat + deg(1.2), lng: K.lng },
      { code: 'E1', name: '东一店', lat: K.lat, lng: eastLng },
      { code: 'S1', name: '南一店', lat: K.lat - deg(4), lng: K.lng },
      { code: 'W1', name: '西一店', lat: K.lat, lng: K.lng - deg(2) / Math.cos((K.lat * Math.PI) / 180), status: 'closed' },
      { code: 'X1', name: '无坐标店' },
    ],
  });
  expect(stores.statusCode, stores.body).toBe(200);
  const products = await send('POST', '/api/v1/products/batch', {
    items: [
      { sku: 'A', name: '龙井', category: '食品/饮料/茶' },
      { sku: 'B', name: '牛奶', category: '食品/乳品/牛奶' },
      { sku: 'C', name: '普洱', category: '食品/饮料/茶' },
      { sku: 'D', name: '酸奶', category: '食品/乳品/酸奶' },
      { sku: 'E', name: '白茶', category: '食品/饮料/茶' },
      { sku: 'F', name: '希腊酸奶', category: '食品/乳品/酸奶' },
    ],
  });
  expect(products.statusCode, products.body).toBe(200);
  const attrs: Record<string, Record<string, unknown>> = {
    K1: { location: K },
    K3: { location: { lat: '31.2', lng: '121.4' } },
    K4: { location: K },
  };
  for (const [key, phone] of Object.entries(PHONES)) {
    const c = await send('POST', '/api/v1/customers', { phone, ...(attrs[key] ? { attributes: attrs[key] } : {}) });
    expect(c.statusCode, c.body).toBeLessThan(300);
    ids[key] = (c.json() as { id: string }).id;
  }
  // K2 has no location of their own: the latest store visit (S1, after an older one at N1) places them.
  for (const [ext, store, at] of [['v1', 'N1', '2026-03-01T02:00:00Z'], ['v2', 'S1', '2026-03-05T02:00:00Z']] as const) {
    const e = await send('POST', '/api/v1/events', { type: 'store_visit', occurredAt: at, customer: { phone: PHONES.K2 }, storeCode: store, source: 'test', externalId: ext });
    expect(e.statusCode, e.body).toBeLessThan(300);
  }
  await order('O1', '2026-03-01T03:00:00Z', ['A', 'C'], 'P1');
  await order('O2', '2026-03-01T03:00:00Z', ['A', 'C'], 'P2');
  await order('O3', '2026-03-01T03:00:00Z', ['A', 'E'], 'P3');
  await order('O4', '2026-03-01T03:00:00Z', ['E'], 'P4');
  await order('O5', '2026-03-08T03:00:00Z', ['E'], 'P4');
  await order('O6', '2026-03-01T03:00:00Z', ['B'], 'R1');
  await order('O7', '2026-03-09T03:00:00Z', ['A'], 'R1');
  await order('O8', '2026-03-01T03:00:00Z', ['D'], 'R2');
  await order('O9', '2026-03-01T03:00:00Z', ['F'], 'P5');
  await order('O10', '2026-03-08T03:00:00Z', ['F'], 'P5');
  await order('O11', '2026-03-01T03:00:00Z', ['C'], 'R4');
  await order('O12', '2026-03-09T03:00:00Z', ['A'], 'R4');
  await t.kemai.events.drain();
});
afterAll(async () => t?.close());

const zh = (): Locale => 'zh-CN';

describe('haversine', () => {
  it('is R·Δ in radians along a meridian and along the equator, and between two demo stores', () => {
    expect(haversineKm({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111.19508023353292, 9);
    expect(haversineKm({ lat: 0, lng: 0 }, { lat: 0, lng: 1 })).toBeCloseTo(111.19508023353292, 9);
    expect(haversineKm({ lat: 31.2, lng: 121.4 }, { lat: 31.2 + deg(1.2), lng: 121.4 })).toBeCloseTo(1.2, 9);
    // The demo's 上海南京西路店 and 上海陆家嘴店.
    expect(haversineKm({ lat: 31.2292, lng: 121.454 }, { lat: 31.2362, lng: 121.5052 })).toBeCloseTo(4.9299, 4);
  });
});

describe('nearby stores', () => {
  it('names the open stores within 3 km, nearest first, from the profile location or the latest store visit', async () => {
    const p = new NearbyStoresProvider();
    const got = await p.load(t.kemai.database.db, [ids.K1!, ids.K2!, ids.K3!, ids.K4!, ids.P1!], (c) => (c === ids.K4 ? 'en' : 'zh-CN'));
    expect(got.get(ids.K1!)).toEqual({
      nearbyStores: '北一店、东一店',
      nearestStore: '北一店',
      nearestStoreKm: '1.2',
      nearbyStoresLine: '离您最近的门店：北一店（1.2 公里）。',
    });
    expect(got.get(ids.K4!)).toEqual({
      nearbyStores: '北一店, 东一店',
      nearestStore: '北一店',
      nearestStoreKm: '1.2',
      nearbyStoresLine: 'Your nearest store: 北一店 (1.2 km).',
    });
    // At S1 itself: N1 is 5.2 km away, K's stores further.
    expect(got.get(ids.K2!)).toEqual({ nearbyStores: '南一店', nearestStore: '南一店', nearestStoreKm: '0.0', nearbyStoresLine: '离您最近的门店：南一店（0.0 公里）。' });
    // A location that is not numbers is ignored; no location and no visit: nothing.
    expect(got.has(ids.K3!)).toBe(false);
    expect(got.has(ids.P1!)).toBe(false);
    expect(got.size).toBe(3);
  });

  it('keeps only the first of two stores 1.2 km and 4 km away', async () => {
    const p = new NearbyStoresProvider({ max: 1 });
    const got = await p.load(t.kemai.database.db, [ids.K1!], zh);
    expect(got.get(ids.K1!)?.nearbyStores).toBe('北一店');
    const narrow = await new NearbyStoresProvider({ radiusKm: 2 }).load(t.kemai.database.db, [ids.K1!], zh);
    expect(narrow.get(ids.K1!)?.nearbyStores).toBe('北一店');
    expect(await new NearbyStoresProvider().load(t.kemai.database.db, [], zh)).toEqual(new Map());
  });
});

describe('recommendation', () => {
  it('cross-sells the latest order, else the favourite category\'s best seller not bought', async () => {
    const p = new RecommendationProvider(t.kemai.basket);
    const got = await p.load(t.kemai.database.db, [ids.R1!, ids.R2!, ids.R3!, ids.R4!], zh);
    expect(got.get(ids.R1!)).toEqual({ recommendation: '普洱', recommendationSku: 'C' });
    expect(got.get(ids.R2!)).toEqual({ recommendation: '希腊酸奶', recommendationSku: 'F' });
    expect(got.get(ids.R4!)).toEqual({ recommendation: '白茶', recommendationSku: 'E' });
    expect(got.has(ids.R3!)).toBe(false);
  });
});

describe('win-back offer', () => {
  it('is the favourite category without a churn model, and an offer by score and average order with one', async () => {
    const p = new WinBackOfferProvider();
    const before = await p.load(t.kemai.database.db, [ids.R4!, ids.R3!], (c) => (c === ids.R4 ? 'zh-CN' : 'en'));
    expect(before.get(ids.R4!)).toEqual({ favouriteCategory: '茶', averageOrder: 10, winBackOffer: '为您精选：茶' });
    expect(before.has(ids.R3!)).toBe(false);

    await t.kemai.database.db.execute(
      (await import('drizzle-orm')).sql`insert into insights.churn_scores (customer_id, run_id, probability, top_factors)
        values (${ids.R4!}, gen_random_uuid(), 0.82, '[]'::jsonb), (${ids.R1!}, gen_random_uuid(), 0.3, '[]'::jsonb)`,
    );
    const after = await p.load(t.kemai.database.db, [ids.R4!, ids.R1!], (c) => (c === ids.R1 ? 'en' : 'zh-CN'));
    expect(after.get(ids.R4!)).toEqual({ favouriteCategory: '茶', averageOrder: 10, churnScore: 0.82, winBackOffer: '您常买的茶：满50元减10元' });
    // R1: 茶 (A) and 牛奶 (B) 10 yuan each, one line each: the name first in code-point order, 牛 (U+725B) before 茶 (U+8336).
    expect(after.get(ids.R1!)).toEqual({ favouriteCategory: '牛奶', averageOrder: 10, churnScore: 0.3, winBackOffer: 'Your favourite, 牛奶: 5 yuan off 50 yuan' });
  });

  it('rounds the spend up to 50 yuan and the discount to 5 by band', () => {
    expect(winBackDiscount(23_700, 0.75)).toEqual({ threshold: 250, off: 50, percent: 20 });
    expect(winBackDiscount(23_700, 0.5)).toEqual({ threshold: 250, off: 40, percent: 15 });
    expect(winBackDiscount(23_700, 0.1)).toEqual({ threshold: 250, off: 25, percent: 10 });
    expect(winBackDiscount(0, 0.9)).toEqual({ threshold: 50, off: 10, percent: 20 });
  });
});

describe('referral link', () => {
  it('gives each member their own code and link, the same on a second ask', async () => {
    const p = new ReferralLinkProvider(t.kemai.referrals);
    const first = await p.load(t.kemai.database.db, [ids.P1!, ids.P2!], zh);
    const again = await p.load(t.kemai.database.db, [ids.P1!], zh);
    const v = first.get(ids.P1!) as { referralLink: string; referralCode: string };
    expect(v.referralLink).toBe(`https://kemai.example/join?ref=${v.referralCode}`);
    expect(again.get(ids.P1!)).toEqual(v);
    expect((first.get(ids.P2!) as { referralCode: string }).referralCode).not.toBe(v.referralCode);
  });
});

describe('tier', () => {
  it('names the benefits of the member\'s tier in the active set, in their language', async () => {
    const { sql } = await import('drizzle-orm');
    await t.kemai.database.db.execute(
      sql`insert into loyalty.accounts (customer_id, tier_set, tier_code) values (${ids.P3!}, 'membership', 'advocate'), (${ids.P4!}, 'membership', 'follower')
          on conflict (customer_id) do update set tier_set = excluded.tier_set, tier_code = excluded.tier_code`,
    );
    const got = await new TierProvider(t.kemai.tiers).load(t.kemai.database.db, [ids.P3!, ids.P4!, ids.P5!], (c) => (c === ids.P4 ? 'en' : 'zh-CN'));
    expect(got.get(ids.P3!)).toEqual({
      tierBenefits: '购物立减5%、包邮、生日礼物、优先服务、专属搭配顾问、新品抢先购、生日积分500、生日月15%优惠',
    });
    expect(got.get(ids.P4!)).toEqual({
      tierBenefits: '3% off every purchase, free shipping, early access to new arrivals, 200 birthday points, 10% off in your birthday month',
    });
    expect(got.has(ids.P5!)).toBe(false);
  });
});

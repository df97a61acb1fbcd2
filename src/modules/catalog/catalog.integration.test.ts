import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { query } from '../../platform/db/database.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('catalog over HTTP', () => {
  it('creates, reports unchanged on replay, and updates a store', async () => {
    const body = { code: 'SH01', name: '上海南京西路店', city: '上海', district: '静安区', lat: 31.229, lng: 121.452, openedOn: '2019-05-01' };
    const a = await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: t.admin, payload: body });
    expect(a.statusCode).toBe(201);
    expect(a.json()).toMatchObject({ status: 'created', code: 'SH01' });
    const b = await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: t.admin, payload: body });
    expect(b.statusCode).toBe(200);
    expect(b.json()).toMatchObject({ status: 'unchanged', id: a.json().id });
    const c = await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: t.admin, payload: { ...body, name: '上海静安店' } });
    expect(c.json()).toMatchObject({ status: 'updated', id: a.json().id });
    const got = await t.app.inject({ method: 'GET', url: '/api/v1/stores/SH01', headers: t.admin });
    expect(got.json()).toMatchObject({ code: 'SH01', name: '上海静安店', city: '上海', lat: 31.229, openedOn: '2019-05-01' });
  });

  it('batch upserts products with per-item errors naming the field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products/batch',
      headers: t.admin,
      payload: {
        items: [
          { sku: 'A100', name: '真丝连衣裙', category: '服装/女装/连衣裙', brand: 'Kemai', listPrice: '599.00' },
          { sku: 'A101', name: '坏价格', listPrice: '12.345' },
          { sku: 'B200', name: '婴儿配方奶粉 900g', category: ['母婴', '奶粉'], listPrice: 268, consumable: true },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json.summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 1 });
    expect(json.results[1]).toMatchObject({ index: 1, status: 'error', error: { code: 'validation_failed' } });
    expect(json.results[1].error.issues[0].path).toBe('items.1.listPrice');
    const p = await t.app.inject({ method: 'GET', url: '/api/v1/products/A100', headers: t.admin });
    expect(p.json()).toMatchObject({ sku: 'A100', category: ['服装', '女装', '连衣裙'], listPrice: '599.00', consumable: false });
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/products/A101', headers: t.admin });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('catalog.product_not_found');
  });

  it('refuses a write without the catalog:write scope and a call without credentials', async () => {
    const reader = await t.keyWith(['catalog:read']);
    const denied = await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: reader, payload: { code: 'X', name: 'X' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'catalog:write' } });
    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/stores' });
    expect(anon.statusCode).toBe(401);
    expect(anon.json().error.requestId).toBe(anon.headers['x-request-id']);
  });

  it('names the field of a validation error and rejects oversized bodies with 413', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/stores', headers: t.admin, payload: { code: 'X', name: 'X', lat: 200 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    expect(bad.json().error.details.issues[0].path).toBe('lat');
    const huge = JSON.stringify({ items: Array.from({ length: 1 }, () => ({ sku: 'x'.repeat(6 * 1024 * 1024), name: 'n' })) });
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products/batch',
      headers: { ...t.admin, 'content-type': 'application/json' },
      payload: huge,
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('payload_too_large');
  });
});

describe('catalog.store_facts', () => {
  it('publishes exactly the agreed columns, with each store as last written', async () => {
    const cols = await query<{ column_name: string; data_type: string }>(
      t.kemai.database.db,
      sql`select column_name, data_type from information_schema.columns
          where table_schema = 'catalog' and table_name = 'store_facts' order by ordinal_position`,
    );
    expect(cols).toEqual([
      { column_name: 'code', data_type: 'text' },
      { column_name: 'name', data_type: 'text' },
      { column_name: 'city', data_type: 'text' },
      { column_name: 'district', data_type: 'text' },
      { column_name: 'lat', data_type: 'double precision' },
      { column_name: 'lng', data_type: 'double precision' },
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/stores/batch',
      headers: t.admin,
      payload: { items: [{ code: 'BJ02', name: '北京三里屯店', city: '北京', district: '朝阳区', lat: 39.933, lng: 116.454, address: '三里屯路19号' }, { code: 'CD01', name: '成都太古里店' }] },
    });
    expect(res.json().summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 0 });
    const rows = await query(t.kemai.database.db, sql`select * from catalog.store_facts where code in ('BJ02', 'CD01') order by code`);
    expect(rows).toEqual([
      { code: 'BJ02', name: '北京三里屯店', city: '北京', district: '朝阳区', lat: 39.933, lng: 116.454 },
      { code: 'CD01', name: '成都太古里店', city: null, district: null, lat: null, lng: null },
    ]);
  });
});

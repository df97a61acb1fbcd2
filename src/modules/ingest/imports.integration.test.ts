import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

const FIXTURES = path.resolve('tests/fixtures/import');
const LIMIT = 20_000;

let t: TestApp;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-imports-'));
  t = await createTestApp({ KEMAI_IMPORT_DIR: dir, KEMAI_IMPORT_LIMIT_BYTES: String(LIMIT) });
});
afterAll(async () => {
  await t?.kemai.imports.settled();
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function upload(fixture: string, type = 'text/csv', headers = t.admin) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/imports?name=${encodeURIComponent(fixture)}`,
    headers: { ...headers, 'content-type': type },
    payload: fs.readFileSync(path.join(FIXTURES, fixture)),
  });
}

async function finished(id: string) {
  await t.kemai.imports.settled();
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: t.admin });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const errorsCsv = async (id: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}/errors.csv`, headers: t.admin });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  return { lines: res.body.trim().split('\n'), disposition: res.headers['content-disposition'] };
};

const count = async (table: string) => (await query<{ n: number }>(t.kemai.database.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n;

describe('imports from the console (HTTP)', () => {
  it('uploads a file, previews it with a suggested mapping, imports it in the background and reports the bad row', async () => {
    const up = await upload('products-console.csv');
    expect(up.statusCode).toBe(201);
    const view = up.json();
    expect(view).toMatchObject({ name: 'products-console.csv', size: 291, format: 'csv', compressed: false, encoding: 'utf8', delimiter: ',' });
    expect(view.header).toEqual(['货号', '品名', '类目', '品牌', '零售价']);
    expect(view.preview).toHaveLength(5);
    expect(view.preview[0]).toEqual({ line: 2, values: ['P1001', '真丝衬衫', '服装/女装/衬衫', 'Kemai', '199.00'] });
    expect(view.preview[4]).toEqual({ line: 6, values: ['P1005', '婴儿湿巾', '母婴/洗护/湿巾', '', '19.90'] });
    expect(view.problems).toEqual([]);
    expect(view.suggestedMapping).toEqual({
      kind: 'products',
      preset: null,
      mapping: { fields: { sku: '货号', name: '品名', category: '类目', brand: '品牌', listPrice: '零售价' }, skip: [], encoding: 'utf8', delimiter: ',' },
    });
    expect(view.suggestedByKind.stores).toEqual({ name: '品名' });

    const again = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${view.id}/preview`, headers: t.admin });
    expect(again.json()).toEqual(view);
    const before = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${view.id}`, headers: t.admin });
    expect(before.json()).toMatchObject({ status: 'uploaded', phase: null, rows: { read: 0, imported: 0, skipped: 0, failed: 0 }, fraction: 0, error: null });

    const start = await t.app.inject({
      method: 'POST',
      url: `/api/v1/imports/${view.id}/start`,
      headers: t.admin,
      payload: { kind: 'products', mapping: view.suggestedMapping.mapping },
    });
    expect(start.statusCode).toBe(202);
    expect(start.json()).toMatchObject({ id: view.id, status: 'running', kind: 'products' });

    const done = await finished(view.id);
    expect(done).toMatchObject({
      status: 'completed',
      phase: 'done',
      kind: 'products',
      rows: { read: 5, imported: 4, skipped: 0, failed: 1 },
      records: { created: 4, updated: 0, unchanged: 0 },
      fraction: 1,
      error: null,
    });
    expect(done.rowsPerSecond).toBeGreaterThan(0);

    const report = await errorsCsv(view.id);
    expect(report.lines).toEqual(['line,field,reason', '5,零售价,"listPrice: not an amount with at most 2 decimals: ""12.345"""']);
    expect(report.disposition).toBe(`attachment; filename="errors.csv"; filename*=UTF-8''products-console.errors.csv`);

    const p = await t.app.inject({ method: 'GET', url: '/api/v1/products/P1001', headers: t.admin });
    expect(p.json()).toMatchObject({ sku: 'P1001', name: '真丝衬衫', category: ['服装', '女装', '衬衫'], brand: 'Kemai', listPrice: '199.00' });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/products/P1004', headers: t.admin })).statusCode).toBe(404);

    const twice = await t.app.inject({ method: 'POST', url: `/api/v1/imports/${view.id}/start`, headers: t.admin, payload: { kind: 'products', mapping: { fields: {} } } });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('ingest.import_completed');
  });

  it('refuses a mapping that names a column the file lacks or leaves a required field unmapped, and writes nothing', async () => {
    const view = (await upload('orders-mapped.csv')).json();
    expect(view.suggestedMapping.kind).toBe('orders');
    const runs = await count('ingest.import_runs');
    const orders = await count('orders.orders');

    const start = (mapping: unknown) => t.app.inject({ method: 'POST', url: `/api/v1/imports/${view.id}/start`, headers: t.admin, payload: { kind: 'orders', mapping } });
    const wrongColumn = await start({ fields: { ...view.suggestedMapping.mapping.fields, channel: { const: 'pos' }, externalId: 'Ticket', 'lines.sku': 'SKU' } });
    expect(wrongColumn.statusCode).toBe(400);
    expect(wrongColumn.json().error).toMatchObject({
      code: 'ingest.missing_columns',
      message: 'The file has no column "Ticket", "SKU". Its columns: Order No, Placed, Store, Item, Qty, Price, Mobile',
      details: {
        issues: [
          { path: 'mapping.fields.externalId', message: 'column "Ticket" is not in the file' },
          { path: 'mapping.fields.lines.sku', message: 'column "SKU" is not in the file' },
        ],
      },
    });

    const { externalId: _dropped, ...withoutId } = view.suggestedMapping.mapping.fields;
    const unmapped = await start({ fields: { ...withoutId, channel: { const: 'pos' } } });
    expect(unmapped.statusCode).toBe(400);
    expect(unmapped.json().error).toMatchObject({
      code: 'ingest.invalid_mapping',
      message: 'cannot import orders: missing externalId (no column named "externalId"). Columns in the file: Order No, Placed, Store, Item, Qty, Price, Mobile.',
      details: { issues: [{ path: 'mapping.fields.externalId', message: 'required: map a column or give a constant' }] },
    });

    const badKind = await t.app.inject({ method: 'POST', url: `/api/v1/imports/${view.id}/start`, headers: t.admin, payload: { kind: 'invoices', mapping: { fields: {} } } });
    expect(badKind.statusCode).toBe(400);
    expect(badKind.json().error.details.issues[0].path).toBe('kind');

    expect(await count('ingest.import_runs')).toBe(runs);
    expect(await count('orders.orders')).toBe(orders);
    const status = await t.app.inject({ method: 'GET', url: `/api/v1/imports/${view.id}`, headers: t.admin });
    expect(status.json()).toMatchObject({ status: 'uploaded', kind: null, rows: { read: 0 } });
  });

  it('reports a line that is not UTF-8 at upload and in the error report, and reads a GBK file as GB18030', async () => {
    const mixed = (await upload('stores-mixed.csv')).json();
    expect(mixed.encoding).toBe('utf8');
    expect(mixed.preview.map((r: { line: number }) => r.line)).toEqual([2, 4]);
    expect(mixed.problems).toEqual([
      { line: 3, field: '(row)', reason: 'line 3 has bytes that are not valid UTF-8; if the file is in a Chinese legacy encoding, run again with --encoding gbk' },
    ]);
    expect(mixed.suggestedMapping.kind).toBe('stores');
    await t.app.inject({ method: 'POST', url: `/api/v1/imports/${mixed.id}/start`, headers: t.admin, payload: { kind: 'stores', mapping: mixed.suggestedMapping.mapping } });
    expect(await finished(mixed.id)).toMatchObject({ status: 'completed', rows: { read: 3, imported: 2, skipped: 0, failed: 1 }, records: { created: 2, updated: 0, unchanged: 0 } });
    expect((await errorsCsv(mixed.id)).lines).toEqual([
      'line,field,reason',
      '3,(row),"line 3 has bytes that are not valid UTF-8; if the file is in a Chinese legacy encoding, run again with --encoding gbk"',
    ]);

    const gbk = (await upload('stores-gbk.csv')).json();
    expect(gbk).toMatchObject({ encoding: 'gb18030', problems: [] });
    expect(gbk.preview[1]).toEqual({ line: 3, values: ['HZ01', '杭州一店', '杭州'] });
    await t.app.inject({ method: 'POST', url: `/api/v1/imports/${gbk.id}/start`, headers: t.admin, payload: { kind: 'stores', mapping: gbk.suggestedMapping.mapping } });
    expect(await finished(gbk.id)).toMatchObject({ status: 'completed', rows: { read: 3, imported: 3, failed: 0 }, records: { created: 1, updated: 0, unchanged: 2 } });
    const hz = await t.app.inject({ method: 'GET', url: '/api/v1/stores/HZ01', headers: t.admin });
    expect(hz.json()).toMatchObject({ code: 'HZ01', name: '杭州一店', city: '杭州' });
  });

  it('recognises a preset, reads gzip and NDJSON, and lists recent imports newest first', async () => {
    const retail = (await upload('online-retail-200.csv', 'application/octet-stream')).json();
    expect(retail.suggestedMapping).toMatchObject({ kind: 'orders', preset: 'online-retail' });
    expect(retail.preview).toHaveLength(20);

    const nd = await upload('orders.ndjson.gz', 'application/gzip');
    expect(nd.statusCode).toBe(201);
    expect(nd.json()).toMatchObject({ format: 'ndjson', compressed: true, encoding: 'utf8', suggestedMapping: { kind: null, preset: null } });
    expect(nd.json().header.slice(0, 4)).toEqual(['channel', 'externalId', 'placedAt', 'customer.email']);

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/imports?page=1&pageSize=2', headers: t.admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().total).toBe(6);
    expect(list.json().items.map((i: { name: string; status: string }) => [i.name, i.status])).toEqual([
      ['orders.ndjson.gz', 'uploaded'],
      ['online-retail-200.csv', 'uploaded'],
    ]);
  });

  it('refuses a file over the limit, an empty file, and callers without the scopes, keeping nothing', async () => {
    const folders = fs.readdirSync(dir).length;
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports?name=big.csv',
      headers: { ...t.admin, 'content-type': 'text/csv' },
      payload: Buffer.alloc(LIMIT + 1, 'a'),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('ingest.file_too_large');
    const empty = await t.app.inject({ method: 'POST', url: '/api/v1/imports?name=empty.csv', headers: { ...t.admin, 'content-type': 'text/csv' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    const noName = await t.app.inject({ method: 'POST', url: '/api/v1/imports', headers: { ...t.admin, 'content-type': 'text/csv' }, payload: 'a,b\n1,2\n' });
    expect(noName.statusCode).toBe(400);
    expect(noName.json().error.details.issues[0].path).toBe('querystring.name');

    const catalogWriter = await t.keyWith(['catalog:write']);
    const denied = await upload('products-console.csv', 'text/csv', catalogWriter);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.details).toEqual({ scope: 'imports:write' });
    expect(fs.readdirSync(dir).length).toBe(folders);

    const importer = await t.keyWith(['imports:write']);
    const view = (await upload('products-console.csv', 'text/csv', importer)).json();
    const start = await t.app.inject({ method: 'POST', url: `/api/v1/imports/${view.id}/start`, headers: importer, payload: { kind: 'products', mapping: view.suggestedMapping.mapping } });
    expect(start.statusCode).toBe(403);
    expect(start.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'catalog:write' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/imports/00000000-0000-0000-0000-000000000000', headers: t.admin })).statusCode).toBe(404);
  });
});

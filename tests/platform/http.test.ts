import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { createKemai, type Kemai } from '../../src/app/kemai.js';
import { buildServer } from '../../src/app/server.js';
import { openTestDatabase } from '../support/test-db.js';

const PHONE = '13800138000';
const NAME = '王芳';
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let kemai: Kemai;
let app: FastifyInstance;
let admin: { authorization: string };
const logLines: string[] = [];

async function start(bodyLimit: number) {
  const database = await openTestDatabase();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'info', KEMAI_BODY_LIMIT_BYTES: String(bodyLimit) });
  const k = await createKemai({ config, database, log: createLogger('info', sink), migrate: false });
  const a = await buildServer(k);
  // A route whose statement fails inside the database with the caller's input bound to it.
  a.get('/test/failing-query', { config: { auth: 'public' }, schema: { hide: true } }, async (req) => {
    const { phone, name } = req.query as { phone: string; name: string };
    await k.database.db.execute(sql`select ${phone}::uuid, ${name}::int`);
  });
  await a.ready();
  return { k, a };
}

beforeAll(async () => {
  ({ k: kemai, a: app } = await start(64 * 1024));
  admin = { authorization: `Bearer ${await kemai.access.createLocalKey()}` };
});
afterAll(async () => {
  await app?.close();
  await kemai?.close();
});

/** The one error format: exactly code, message, requestId (and details when there are any). */
function expectErrorBody(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect((body.error.message as string).length).toBeGreaterThan(0);
  expect(body.error.requestId).toBe(res.headers['x-request-id']);
  expect(Object.keys(body.error).filter((k) => !['code', 'message', 'requestId', 'details'].includes(k))).toEqual([]);
  return body.error;
}

describe('health', () => {
  it('answers /healthz and /readyz without credentials', async () => {
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('reports not ready with 503 when the database is gone', async () => {
    const { k, a } = await start(1024);
    try {
      await k.database.close();
      const ready = await a.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'unavailable', checks: { database: 'down' } });
      expect((await a.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await a.close();
    }
  });
});

describe('request ids', () => {
  it('echoes a well-formed x-request-id and generates one otherwise', async () => {
    const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'pos-SH01:2025.11.01_0001' } });
    expect(given.headers['x-request-id']).toBe('pos-SH01:2025.11.01_0001');
    const none1 = await app.inject({ method: 'GET', url: '/healthz' });
    const none2 = await app.inject({ method: 'GET', url: '/healthz' });
    expect(none1.headers['x-request-id']).toMatch(UUID_V7);
    expect(none2.headers['x-request-id']).toMatch(UUID_V7);
    expect(none1.headers['x-request-id']).not.toBe(none2.headers['x-request-id']);
    for (const bad of ['has spaces', 'x'.repeat(129), '<script>', 'newline\tinside']) {
      const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).toMatch(UUID_V7);
    }
  });

  it('puts the request id in error bodies', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/stores', headers: { 'x-request-id': 'trace-42' } });
    expect(res.json().error.requestId).toBe('trace-42');
  });
});

describe('one error format', () => {
  it('404 for an unknown route', async () => {
    const e = expectErrorBody(await app.inject({ method: 'GET', url: `/api/v1/nowhere?phone=${PHONE}`, headers: admin }), 404, 'route_not_found');
    expect(e.message).toBe('No route GET /api/v1/nowhere');
  });

  it('404 for an unknown record', async () => {
    expectErrorBody(await app.inject({ method: 'GET', url: '/api/v1/stores/NOPE', headers: admin }), 404, 'catalog.store_not_found');
  });

  it('400 with field issues for invalid input', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/stores', headers: admin, payload: { code: 'X', lat: 200 } });
    const e = expectErrorBody(res, 400, 'validation_failed');
    const issues = (e.details as { issues: Array<{ path: string; message: string }> }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['lat', 'name']);
    expect(e.message).toMatch(/^Invalid request: (lat|name): /);
  });

  it('400 for a query string that does not validate, with the querystring path', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/products?limit=0', headers: admin });
    const e = expectErrorBody(res, 400, 'validation_failed');
    expect((e.details as { issues: Array<{ path: string }> }).issues[0]!.path).toBe('querystring.limit');
  });

  it('400 naming the field for a NUL character, which PostgreSQL text cannot hold, and nothing is written', async () => {
    const q = await app.inject({ method: 'GET', url: '/api/v1/customers?q=a%00b', headers: admin });
    expect((expectErrorBody(q, 400, 'validation_failed').details as { issues: unknown[] }).issues).toEqual([
      { path: 'query.q', message: 'contains a NUL character (U+0000)' },
    ]);
    const body = await app.inject({ method: 'POST', url: '/api/v1/stores', headers: admin, payload: { code: 'NUL1', name: 'x', tags: ['ok', 'b\u0000d'] } });
    const e = expectErrorBody(body, 400, 'validation_failed');
    expect(e.message).toBe('Invalid request: tags.1: contains a NUL character (U+0000)');
    expect((await app.inject({ method: 'GET', url: '/api/v1/stores/NUL1', headers: admin })).statusCode).toBe(404);
    // A batch answers per item: the good store is written, the bad one named.
    const batch = await app.inject({ method: 'POST', url: '/api/v1/stores/batch', headers: admin, payload: { items: [{ code: 'NUL2', name: '好店' }, { code: 'NUL3', name: 'x\u0000' }] } });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().summary).toEqual({ created: 1, updated: 0, unchanged: 0, error: 1 });
    expect(batch.json().results[1].error.issues).toEqual([{ path: 'items.1.name', message: 'contains a NUL character (U+0000)' }]);
  });

  it('400 for malformed JSON', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/stores',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"code": "X", ',
    });
    expectErrorBody(res, 400, 'bad_request');
  });

  it('413 for a body over the limit', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/products/batch',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: JSON.stringify({ items: [{ sku: 'A', name: 'x'.repeat(70 * 1024) }] }),
    });
    const e = expectErrorBody(res, 413, 'payload_too_large');
    expect(e.details).toBeUndefined();
  });

  it('401 without or with bad credentials, 403 without the scope', async () => {
    expectErrorBody(await app.inject({ method: 'GET', url: '/api/v1/stores' }), 401, 'auth.missing_credentials');
    expectErrorBody(
      await app.inject({ method: 'GET', url: '/api/v1/stores', headers: { authorization: 'Bearer km_not_a_key' } }),
      401,
      'auth.invalid_credentials',
    );
    const { key } = await kemai.access.createApiKey({ name: 'reader', scopes: ['catalog:read'] });
    const e = expectErrorBody(
      await app.inject({ method: 'POST', url: '/api/v1/stores', headers: { authorization: `Bearer ${key}` }, payload: { code: 'X', name: 'X' } }),
      403,
      'auth.missing_scope',
    );
    expect(e.details).toEqual({ scope: 'catalog:write' });
  });
});

describe('API documentation', () => {
  it('serves a valid OpenAPI 3.1 document', async (ctx) => {
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    // The parser dereferences in place: validate a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
    expect(Object.keys(doc.paths['/api/v1/events'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/healthz']).toBeUndefined();
    if (!doc.paths['/api/v1/orders']?.post) {
      ctx.skip('POST /api/v1/orders is not registered yet (orders module)');
      return;
    }
    const op = doc.paths['/api/v1/orders'].post;
    expect(op.requestBody.content['application/json'].schema.properties).toHaveProperty('externalId');
  });

  it('serves the docs page as HTML', async () => {
    let res = await app.inject({ method: 'GET', url: '/docs' });
    for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 3; hops++) {
      res = await app.inject({ method: 'GET', url: new URL(res.headers.location as string, 'http://x/docs/').pathname });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/swagger-ui/i);
  });
});

describe('logs', () => {
  it('never contain the phone number or name sent in query strings and bodies', async () => {
    const before = logLines.length;
    const order = {
      channel: 'pos',
      externalId: 'SH01-20251101-0001',
      storeCode: 'SH01',
      placedAt: '2025-11-01T10:00:00+08:00',
      customer: { phone: PHONE, name: NAME },
      lines: [{ sku: 'A100', quantity: 2, unitPrice: '199.00' }],
      paidAmount: '398.00',
      currency: 'CNY',
    };
    const requests = [
      app.inject({ method: 'GET', url: `/api/v1/customers?q=${PHONE}`, headers: admin }),
      app.inject({ method: 'GET', url: `/api/v1/customers?phone=%2B86${PHONE}&name=${encodeURIComponent(NAME)}`, headers: admin }),
      app.inject({ method: 'POST', url: '/api/v1/orders', headers: admin, payload: order }),
      app.inject({ method: 'POST', url: '/api/v1/orders', headers: admin, payload: { ...order, lines: [{ sku: 'A100', quantity: 2, unitPrice: '1.999' }] } }),
      app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: admin,
        payload: { type: 'login', occurredAt: '2025-11-01T10:00:00+08:00', customer: { phone: PHONE, name: NAME } },
      }),
      app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: admin,
        payload: { type: 'login', occurredAt: 'later', customer: { phone: PHONE } },
      }),
      app.inject({
        method: 'POST',
        url: '/api/v1/events',
        headers: { ...admin, 'content-type': 'application/json' },
        payload: `{"type":"login","customer":{"phone":"${PHONE}"`,
      }),
      app.inject({ method: 'POST', url: '/api/v1/stores', headers: { authorization: `Bearer km_${PHONE}` }, payload: { code: PHONE, name: NAME } }),
    ];
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.statusCode).every((s) => s < 500)).toBe(true);
    const failed = await app.inject({ method: 'GET', url: `/test/failing-query?phone=${PHONE}&name=${encodeURIComponent(NAME)}` });
    expectErrorBody(failed, 500, 'internal');

    const written = logLines.slice(before).join('\n');
    // The capture works: the requests were logged, by path.
    expect(written).toContain('"path":"/api/v1/orders"');
    expect(written).toContain('"path":"/api/v1/customers"');
    expect(written).not.toContain(PHONE);
    expect(written).not.toContain(NAME);
    expect(written).not.toContain(encodeURIComponent(NAME));
    // The failed statement is logged, with its SQLSTATE, but not the values bound to it.
    const failure = logLines
      .slice(before)
      .map((l) => JSON.parse(l) as { msg: string; err?: { message: string; query?: string; cause?: { code?: string } } })
      .find((l) => l.msg === 'unhandled error');
    expect(failure?.err).toMatchObject({ message: 'Failed query', query: 'select $1::uuid, $2::int', cause: { code: '22P02' } });
  });
});

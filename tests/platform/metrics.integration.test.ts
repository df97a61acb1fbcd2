import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, query } from '../../src/platform/db/database.js';
import { publish } from '../../src/platform/events/event-bus.js';
import { resetMetrics, startMetricsServer, watchDatabase } from '../../src/platform/metrics.js';
import { DbRunStore, directWriter, IngestService } from '../../src/modules/ingest/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { withJobs } from '../support/jobs.js';

const PHONE = '13912345678';
const TOKEN = 'metrics-token-0123456789abcdef';
const db_ = process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

/** Every sample of the exposition text: `name{a="1",b="2"}` (labels sorted) → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}
const key = (name: string, labels: Record<string, string> = {}) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')}}`;

async function scrape(): Promise<{ text: string; s: Map<string, number> }> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { text: res.body, s: samples(res.body) };
}

const order = (externalId: string, extra: Record<string, unknown> = {}) => ({
  channel: 'online',
  externalId,
  placedAt: '2025-06-18T20:15:00+08:00',
  lines: [{ sku: 'B200', quantity: 1, unitPrice: '88.00' }],
  ...extra,
});

describe(`GET /metrics on ${db_}`, () => {
  it('counts requests by route pattern and status, times them, and never shows an id, a phone or /metrics itself', async () => {
    resetMetrics();
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: t.admin, payload: { name: '王芳', phone: PHONE } });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ method: 'GET', url: `/api/v1/customers/${id}`, headers: t.admin })).statusCode).toBe(200);
    const missing = '0190c0de-0000-7000-8000-00000000abcd';
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/customers/${missing}`, headers: t.admin })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/customers?phone=${PHONE}`, headers: t.admin })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/no-such-thing/${PHONE}` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await scrape();
    const { text, s } = await scrape();
    const requests = (method: string, route: string, status: string) => s.get(key('kemai_http_requests_total', { method, route, status }));
    expect(requests('POST', '/api/v1/customers', '201')).toBe(1);
    expect(requests('GET', '/api/v1/customers/:id', '200')).toBe(3);
    expect(requests('GET', '/api/v1/customers/:id', '404')).toBe(1);
    expect(requests('GET', '/api/v1/customers', '200')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    expect(requests('GET', '/healthz', '200')).toBe(1);
    // Exactly these series (the two scrapes are not counted).
    const series = [...s.keys()].filter((k) => k.startsWith('kemai_http_requests_total{'));
    expect(series).toHaveLength(6);
    expect(text).not.toContain('route="/metrics"');

    const hist = (suffix: string, route: string, extra: Record<string, string> = {}) =>
      s.get(key(`kemai_http_request_duration_seconds_${suffix}`, { method: 'GET', route, ...extra }));
    expect(hist('count', '/api/v1/customers/:id')).toBe(4);
    expect(hist('bucket', '/api/v1/customers/:id', { le: '+Inf' })).toBe(4);
    expect(hist('bucket', '/api/v1/customers/:id', { le: '10' })).toBe(4);
    expect(hist('sum', '/api/v1/customers/:id')).toBeGreaterThan(0);
    expect(hist('sum', '/api/v1/customers/:id')).toBeLessThan(40);
    const les = [...s.keys()].filter((k) => k.startsWith('kemai_http_request_duration_seconds_bucket{') && k.includes('route="/healthz"')).map((k) => /le="([^"]+)"/.exec(k)![1]);
    expect(les.sort((a, b) => Number(a === '+Inf' ? Infinity : a) - Number(b === '+Inf' ? Infinity : b))).toEqual([
      '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf',
    ]);

    // Process metrics under the kemai_ prefix.
    expect(s.has(key('kemai_process_cpu_user_seconds_total'))).toBe(true);
    expect(text).toContain('# TYPE kemai_nodejs_heap_size_used_bytes gauge');

    for (const secret of [id, PHONE, missing, '王芳', 'no-such-thing']) expect(text).not.toContain(secret);
  });

  it('counts orders written after commit: a batch by exactly the orders created or updated, a file import as source="import"', async () => {
    resetMetrics();
    const writer = await t.keyWith(['orders:write', 'events:write']);
    const ingested = async (source: string) => (await scrape()).s.get(key('kemai_orders_ingested_total', { source })) ?? 0;
    expect(await ingested('api')).toBe(0);

    const batch = [order('M-1'), order('M-2'), order('M-3', { customer: { phone: PHONE } }), { ...order('M-4'), lines: [] }, order('M-5')];
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/orders/batch', headers: writer, payload: { items: batch } });
    expect(res.statusCode).toBe(200);
    const statuses = (res.json() as { results: Array<{ status: string }> }).results.map((r) => r.status);
    expect(statuses).toEqual(['created', 'created', 'created', 'error', 'created']);
    expect(await ingested('api')).toBe(4);

    // The same again changes nothing; one changed order is one more written.
    await t.app.inject({ method: 'POST', url: '/api/v1/orders/batch', headers: writer, payload: { items: batch } });
    expect(await ingested('api')).toBe(4);
    const single = await t.app.inject({ method: 'POST', url: '/api/v1/orders', headers: writer, payload: order('M-2', { paidAmount: '80.00' }) });
    expect(single.json()).toMatchObject({ status: 'updated' });
    expect(await ingested('api')).toBe(5);

    // A file import (the bulk path: orders written in the import's own transactions).
    const service = new IngestService(new DbRunStore(t.kemai.database.db), directWriter(t.kemai), { timeZone: 'Asia/Shanghai' });
    const mapping = {
      fields: { externalId: 'Order No', channel: { const: 'pos' }, placedAt: 'Placed', storeCode: 'Store', 'customer.phone': 'Mobile', 'lines.sku': 'Item', 'lines.quantity': 'Qty', 'lines.unitPrice': 'Price' },
      skip: [],
    };
    const summary = await service.importFile({ kind: 'orders', file: path.resolve('tests/fixtures/import/orders-mapped.csv'), mapping, chunkRows: 1 });
    expect(summary.records).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(await ingested('import')).toBe(3);
    expect(await ingested('api')).toBe(5);

    // Behaviour events: three stored, one bad.
    const events = [0, 1, 2].map((i) => ({ type: 'page_view', occurredAt: '2025-06-18T20:15:00+08:00', customer: { phone: PHONE }, source: 'web', externalId: `ev-${i}` }));
    const ev = await t.app.inject({ method: 'POST', url: '/api/v1/events/batch', headers: writer, payload: { items: [...events, { type: 'Bad Type', occurredAt: 'x', customer: {} }] } });
    expect(ev.statusCode).toBe(200);
    const { s, text } = await scrape();
    expect(s.get(key('kemai_events_ingested_total'))).toBe(3);
    expect(text).not.toContain(PHONE);
  });

  it('reads the outbox, job queues and SLA breaches from the database at scrape time', async () => {
    await t.kemai.events.drain();
    let { s } = await scrape();
    expect(s.get(key('kemai_db_up'))).toBe(1);
    expect(s.get(key('kemai_outbox_pending'))).toBe(0);
    expect(s.get(key('kemai_outbox_oldest_pending_seconds'))).toBe(0);

    // Three events nobody has handled yet, the oldest two minutes old (GETs do not start a delivery).
    const now = Date.now();
    await publish(t.kemai.database.db, 'metrics.test.happened', { n: 1 }, new Date(now - 120_000));
    await publish(t.kemai.database.db, 'metrics.test.happened', { n: 2 }, new Date(now - 60_000));
    await publish(t.kemai.database.db, 'metrics.test.happened', { n: 3 }, new Date(now));
    ({ s } = await scrape());
    expect(s.get(key('kemai_outbox_pending'))).toBe(3);
    const oldest = s.get(key('kemai_outbox_oldest_pending_seconds'))!;
    expect(oldest).toBeGreaterThanOrEqual(120);
    expect(oldest).toBeLessThan(150);
    await t.kemai.events.drain();
    ({ s } = await scrape());
    expect(s.get(key('kemai_outbox_pending'))).toBe(0);

    // SLA: breaches raised on live tickets count per target; a resolved ticket's do not.
    const service = await t.keyWith(['service:write', 'service:read']);
    const ids: string[] = [];
    for (const subject of ['one', 'two', 'three']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/service/tickets', headers: service, payload: { kind: 'inquiry', subject } });
      expect(res.statusCode).toBe(201);
      ids.push((res.json() as { ticket: { id: string } }).ticket.id);
    }
    const set = (id: string, breached: string, status?: string) =>
      t.kemai.database.db.execute(
        sql`update service.tickets set sla_breached = string_to_array(${breached}, ','), status = coalesce(${status ?? null}, status) where id = ${id}::uuid`,
      );
    await set(ids[0]!, 'ack');
    await set(ids[1]!, 'ack,resolve');
    await set(ids[2]!, 'ack,first_reply', 'resolved');
    ({ s } = await scrape());
    expect(s.get(key('kemai_sla_breaches', { kind: 'ack' }))).toBe(2);
    expect(s.get(key('kemai_sla_breaches', { kind: 'first_reply' }))).toBe(0);
    expect(s.get(key('kemai_sla_breaches', { kind: 'resolve' }))).toBe(1);

    // Jobs: three waiting in a queue of their own.
    await withJobs(t.kemai.database, async (jobs) => {
      for (let i = 0; i < 3; i++) await jobs.send('metrics-test', { i });
      ({ s } = await scrape());
      expect(s.get(key('kemai_job_queue_depth', { queue: 'metrics-test', state: 'created' }))).toBe(3);
      expect(s.get(key('kemai_job_queue_depth', { queue: 'metrics-test', state: 'retry' }))).toBe(0);
      expect(s.get(key('kemai_job_queue_depth', { queue: 'metrics-test', state: 'active' }))).toBe(0);
    });
    const [row] = await query<{ n: number | string }>(t.kemai.database.db, sql`select count(*) as n from pgboss.job where name = 'metrics-test' and state = 'created'`);
    expect(Number(row!.n)).toBe(3);
  });

  it('with the database down: kemai_db_up 0, the database gauges left out, the scrape still 200', async () => {
    // Nothing listens on port 1: every statement fails at once, as when PostgreSQL is down.
    const down = await openDatabase({ databaseUrl: 'postgres://kemai@127.0.0.1:1/none', poolSize: 1 });
    const detach = watchDatabase(down.db);
    try {
      const { s, text } = await scrape();
      expect(s.get(key('kemai_db_up'))).toBe(0);
      for (const name of ['kemai_outbox_pending', 'kemai_outbox_oldest_pending_seconds', 'kemai_sla_breaches', 'kemai_job_queue_depth'])
        expect([...s.keys()].filter((k) => k.startsWith(`${name}{`))).toEqual([]);
      expect(text).toContain('kemai_http_requests_total');
    } finally {
      detach();
      await down.close();
    }
    expect((await scrape()).s.get(key('kemai_db_up'))).toBe(1);
  });

  it('without KEMAI_METRICS_TOKEN answers loopback callers only, not through a proxy; hidden from OpenAPI', async () => {
    const far = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(far.statusCode).toBe(403);
    expect((far.json() as { error: { code: string; message: string } }).error).toMatchObject({ code: 'metrics.forbidden', message: expect.stringContaining('KEMAI_METRICS_TOKEN') });
    const proxied = await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::ffff:127.0.0.1' })).statusCode).toBe(200);
    const spec = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).not.toContain('/metrics');
  });

  it('is not rate limited', async () => {
    const limited = await createTestApp({ KEMAI_RATE_LIMIT_PER_IP: '2' });
    try {
      for (let i = 0; i < 5; i++) expect((await limited.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
      // The same caller's other public requests are.
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.app.inject({ method: 'GET', url: '/api/openapi.json' })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      expect((await limited.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('with KEMAI_METRICS_TOKEN wants the bearer token from everyone (401 otherwise)', async () => {
    const guarded = await createTestApp({ KEMAI_METRICS_TOKEN: TOKEN });
    try {
      const none = await guarded.app.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="kemai-metrics"');
      expect((none.json() as { error: { code: string } }).error.code).toBe('metrics.unauthenticated');
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).statusCode).toBe(401);
      // An API key is not the metrics token.
      expect((await guarded.app.inject({ method: 'GET', url: '/metrics', headers: guarded.admin })).statusCode).toBe(401);
      const ok = await guarded.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('kemai_db_up 1');
    } finally {
      await guarded.close();
    }
  });
});

describe('startMetricsServer (a process without the API)', () => {
  it('serves the registry on its own port, with the token when given', async () => {
    const plain = await startMetricsServer(0, '127.0.0.1', { db: t.kemai.database.db });
    try {
      const res = await fetch(`${plain.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(text).toContain('# TYPE kemai_orders_ingested_total counter');
      expect(samples(text).get(key('kemai_db_up'))).toBe(1);
      expect((await fetch(`${plain.url}/`)).status).toBe(404);
      expect((await fetch(`${plain.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await plain.close();
    }
    const guarded = await startMetricsServer(0, '127.0.0.1', { token: TOKEN });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
    // Closed: the port no longer answers.
    await expect(fetch(`${guarded.url}/metrics`)).rejects.toThrow();
  });
});

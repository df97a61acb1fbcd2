/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is walked as untyped JSON */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../src/platform/db/database.js';
import { DemoService } from '../../src/modules/demo/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Store scoping, end to end: a guide of one store walks EVERY operation in the OpenAPI document, with every path
 * parameter pointing at a customer of another store (or at that customer's order, ticket, message, coupon …) and every
 * `customerId` in the query or body naming them. No answer may contain that customer's id, phone, email or the ids
 * of their records, and no request that names them may succeed. The same walk as an admin must find them (the test
 * can see a leak), and the guide still reaches the customers of their own store.
 */

const SLOW = 600_000;
let t: TestApp;
let guide: { authorization: string };
let manager: { authorization: string };
let storeCode: string;
let foreign: string;
let own: string;
const markers = new Map<string, string>();
/** Ids of the foreign customer's records per table (`schema.table`), and one id or code per table for other params. */
const ownedIds = new Map<string, string>();
const anyIds = new Map<string, string>();

const rows = <T>(s: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, s);

interface Op {
  method: string;
  path: string;
  op: Record<string, any>;
}

beforeAll(async () => {
  t = await createTestApp();
  const demo = new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers });
  await demo.seed({ customers: 160, seed: '7', until: '2025-11-30', service: true, journeys: true });
  await t.kemai.events.drain();
  await t.kemai.staff.backfill();

  // The store with the most customers; a guide and a store manager of it.
  const [top] = await rows<{ store_code: string }>(
    sql`select store_code from staff.assignments where ended_at is null and store_code is not null group by 1 order by count(*) desc, 1 limit 1`,
  );
  storeCode = top!.store_code;
  const signIn = async (username: string, role: string) => {
    await t.kemai.access.createStaff({ username, role, storeCode, password: 'correct horse battery' });
    const s = await t.kemai.access.login(username, 'correct horse battery');
    return { authorization: `Bearer ${s.token}` };
  };
  guide = await signIn('scope-guide', 'guide');
  manager = await signIn('scope-manager', 'store_manager');

  // The foreign customer: of another store, with the most records across modules.
  const tables = await rows<{ s: string; t: string }>(
    sql`select c.table_schema as s, c.table_name as t from information_schema.columns c
        join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
        where c.column_name = 'customer_id' and c.table_schema not in ('pg_catalog', 'information_schema') order by 1, 2`,
  );
  const union = tables.map((x) => `select customer_id from "${x.s}"."${x.t}"`).join(' union all ');
  const [pick] = await rows<{ id: string }>(
    sql.raw(`select a.customer_id::text as id from staff.assignments a join (${union}) r on r.customer_id = a.customer_id
             where a.ended_at is null and a.store_code <> '${storeCode}' group by 1 order by count(*) desc, 1 limit 1`),
  );
  foreign = pick!.id;
  const [mine] = await rows<{ id: string }>(
    sql`select customer_id::text as id from staff.assignments where ended_at is null and store_code = ${storeCode} order by customer_id limit 1`,
  );
  own = mine!.id;

  markers.set('customer id', foreign);
  for (const i of await rows<{ type: string; value: string }>(
    sql`select type, value from customers.identifiers where customer_id = ${foreign} and type in ('phone', 'email', 'member_no')`,
  )) {
    markers.set(i.type, i.type === 'phone' ? i.value.replace(/^\+86/, '') : i.value);
  }
  for (const x of tables) {
    const hasId = await rows<{ n: number }>(
      sql`select count(*)::int as n from information_schema.columns where table_schema = ${x.s} and table_name = ${x.t} and column_name = 'id'`,
    );
    if (!hasId[0]!.n) continue;
    const [r] = await rows<{ id: string }>(sql.raw(`select id::text as id from "${x.s}"."${x.t}" where customer_id = '${foreign}' order by 1 limit 1`));
    if (r) {
      ownedIds.set(`${x.s}.${x.t}`, r.id);
      if (/^[0-9a-f-]{36}$/.test(r.id)) markers.set(`${x.s}.${x.t}.id`, r.id);
    }
  }
  const [coupon] = await rows<{ code: string }>(sql`select code from promotions.coupons where customer_id = ${foreign} order by code limit 1`);
  if (coupon) ownedIds.set('promotions.coupons.code', coupon.code);
}, SLOW);
afterAll(async () => t?.close());

/** The table a path segment names: `guide-tasks` → messaging.guide_tasks, `crises` → listening.crises. */
async function tableFor(segment: string): Promise<string | undefined> {
  const name = segment.replace(/-/g, '_');
  const r = await rows<{ s: string }>(
    sql`select table_schema as s from information_schema.tables where table_name = ${name} and table_type = 'BASE TABLE'
        and table_schema not in ('pg_catalog', 'information_schema') order by 1 limit 1`,
  );
  return r[0] ? `${r[0].s}.${name}` : undefined;
}

async function paramValue(path: string, name: string): Promise<string> {
  const segs = path.split('/');
  const at = segs.indexOf(`{${name}}`);
  const resource = segs[at - 1] ?? '';
  if (name === 'customerId' || (resource === 'customers' && name === 'id')) return foreign;
  const table = await tableFor(resource);
  if (table && name === 'code' && ownedIds.has(`${table}.code`)) return ownedIds.get(`${table}.code`)!;
  if (table && ownedIds.has(table)) return ownedIds.get(table)!;
  if (table) {
    const key = `${table}:${name}`;
    if (!anyIds.has(key)) {
      const col = name === 'code' || name === 'username' || name === 'channel' ? name : name === 'runId' ? 'id' : 'id';
      const has = await rows<{ n: number }>(
        sql`select count(*)::int as n from information_schema.columns where table_schema || '.' || table_name = ${table} and column_name = ${col}`,
      );
      const [r] = has[0]!.n ? await rows<{ v: string }>(sql.raw(`select ${col}::text as v from ${table} order by 1 limit 1`)) : [];
      anyIds.set(key, r?.v ?? 'unknown');
    }
    return anyIds.get(key)!;
  }
  return 'unknown';
}

/** A minimal value for a JSON schema: ids of the foreign customer wherever a customer is meant. */
function sample(schema: any, key: string, depth = 0): unknown {
  if (!schema || depth > 6) return undefined;
  if (schema.anyOf || schema.oneOf) return sample((schema.anyOf ?? schema.oneOf).find((s: any) => s.type !== 'null') ?? {}, key, depth + 1);
  if (schema.allOf) return sample(schema.allOf[0], key, depth + 1);
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type.find((x: string) => x !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries<any>(schema.properties ?? {})) {
        if ((schema.required ?? []).includes(k) || /customer/i.test(k)) out[k] = sample(s, k, depth + 1);
      }
      return out;
    }
    case 'array': {
      const one = sample(schema.items, key, depth + 1);
      return /customer/i.test(key) ? [foreign] : one === undefined ? [] : [one];
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? schema.exclusiveMinimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (/customer/i.test(key)) return foreign;
      if (schema.format === 'uuid') return foreign;
      if (schema.format === 'date-time') return '2025-11-01T00:00:00.000Z';
      if (schema.format === 'date') return '2025-11-01';
      if (schema.format === 'email') return 'someone@example.com';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return undefined;
  }
}

/** Requests that would end the guide's own session or reach outside the API. */
const SKIP = new Set(['POST /api/v1/auth/logout', 'POST /api/v1/auth/password']);

async function operations(): Promise<Op[]> {
  const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  const out: Op[] = [];
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    if (!path.startsWith('/api/v1/') || path.startsWith('/api/v1/public/')) continue;
    for (const [method, op] of Object.entries<any>(ops)) {
      if (SKIP.has(`${method.toUpperCase()} ${path}`)) continue;
      out.push({ method: method.toUpperCase(), path, op });
    }
  }
  return out;
}

async function walk(auth: { authorization: string }, readsOnly = false) {
  const leaks: string[] = [];
  const succeeded: string[] = [];
  let requests = 0;
  for (const { method, path, op } of await operations()) {
    if (readsOnly && method !== 'GET') continue;
    let url = path;
    let names = false;
    for (const p of (op.parameters ?? []).filter((x: any) => x.in === 'path')) {
      const v = await paramValue(path, p.name);
      if (v === foreign || [...ownedIds.values()].includes(v)) names = true;
      url = url.replace(`{${p.name}}`, encodeURIComponent(v));
    }
    const qs = new URLSearchParams();
    for (const p of (op.parameters ?? []).filter((x: any) => x.in === 'query')) {
      if (/customer/i.test(p.name)) {
        qs.set(p.name, foreign);
        names = true;
      } else if (p.required) qs.set(p.name, String(sample(p.schema, p.name)));
    }
    const bodySchema = op.requestBody?.content?.['application/json']?.schema;
    const payload = bodySchema ? sample(bodySchema, '') : undefined;
    if (payload && JSON.stringify(payload).includes(foreign)) names = true;
    const res = await t.app.inject({
      method: method as 'GET',
      url: qs.size ? `${url}?${qs}` : url,
      headers: { ...auth, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });
    requests++;
    // A 400 may quote the caller's own input back (the id they sent); it shows nothing they did not know.
    for (const [what, value] of markers) if (res.body.includes(value) && !(res.statusCode === 400 && what === 'customer id')) leaks.push(`${method} ${path} → ${res.statusCode} shows the ${what}`);
    if (names && res.statusCode < 300) succeeded.push(`${method} ${path} → ${res.statusCode}`);
  }
  return { leaks, succeeded, requests };
}

describe('store scoping across the whole API', () => {
  it('the foreign customer has records in many modules (the walk means something)', () => {
    expect(markers.has('phone') || markers.has('email')).toBe(true);
    expect(ownedIds.size).toBeGreaterThanOrEqual(6);
  });

  it('an admin walking the same routes sees the foreign customer (the test can see a leak)', async () => {
    // Reads only: an admin's writes would revoke keys, rotate them, run jobs.
    const { leaks, requests } = await walk(t.admin, true);
    expect(requests).toBeGreaterThan(120);
    const where = new Set(leaks.map((l) => l.split(' → ')[0]));
    expect(where.has('GET /api/v1/customers/{id}')).toBe(true);
    expect(where.has('GET /api/v1/customers')).toBe(true);
    expect(where.size).toBeGreaterThan(15);
  }, SLOW);

  it('a guide of another store cannot read or change them through any route', async () => {
    const { leaks, succeeded, requests } = await walk(guide);
    expect(requests).toBeGreaterThan(280);
    expect(leaks).toEqual([]);
    expect(succeeded).toEqual([]);
  }, SLOW);

  it('nor can a store manager of another store', async () => {
    const { leaks, succeeded } = await walk(manager);
    expect(leaks).toEqual([]);
    expect(succeeded).toEqual([]);
  }, SLOW);

  it('the guide reaches the customers of their own store, and the list holds only them', async () => {
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/customers/${own}`, headers: guide });
    expect(one.statusCode).toBe(200);
    const other = await t.app.inject({ method: 'GET', url: `/api/v1/customers/${foreign}`, headers: guide });
    expect(other.statusCode).toBe(404);
    const [{ n }] = (await rows<{ n: number }>(
      sql`select count(*)::int as n from staff.assignments a join customers.customers c on c.id = a.customer_id and c.status = 'active'
          where a.ended_at is null and a.store_code = ${storeCode}`,
    )) as [{ n: number }];
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/customers?limit=200', headers: guide });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { id: string }[];
    expect(items.length).toBe(n);
    const scoped = await rows<{ id: string }>(
      sql`select customer_id::text as id from staff.assignments where ended_at is null and store_code = ${storeCode}`,
    );
    const allowed = new Set(scoped.map((r) => r.id));
    expect(items.every((c) => allowed.has(c.id))).toBe(true);
    // The console's paged list filters in SQL: the total counts the store's customers and pages are full.
    const paged = await t.app.inject({ method: 'GET', url: '/api/v1/customers?page=1&pageSize=10&sort=name', headers: guide });
    expect(paged.json().total).toBe(n);
    expect(paged.json().items.length).toBe(Math.min(10, n));
    expect((paged.json().items as { id: string }[]).every((c) => allowed.has(c.id))).toBe(true);
  });

  it("the guide's ticket inbox holds their store's customers' tickets, with an exact total", async () => {
    for (const subject of ['尺码咨询', '退货进度'])
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/service/tickets', headers: t.admin, payload: { kind: 'inquiry', channel: 'phone', subject, customerId: own } })).statusCode).toBe(201);
    const [{ n }] = (await rows<{ n: number }>(
      sql`select count(*)::int as n from service.tickets t
          where t.status in ('new', 'open', 'pending')
            and exists (select 1 from staff.assignments a where a.customer_id = t.customer_id and a.ended_at is null and a.store_code = ${storeCode})`,
    )) as [{ n: number }];
    const [{ all }] = (await rows<{ all: number }>(sql`select count(*)::int as "all" from service.tickets where status in ('new', 'open', 'pending')`)) as [{ all: number }];
    expect(n).toBeGreaterThan(0);
    expect(all).toBeGreaterThan(n);
    const inbox = await t.app.inject({ method: 'GET', url: '/api/v1/service/tickets?limit=100', headers: guide });
    expect(inbox.statusCode).toBe(200);
    expect(inbox.json().total).toBe(n);
    expect(inbox.json().items.length).toBe(n);
  });

  it("the guide's order list holds their store's customers' orders and the store's guest sales, with an exact total", async () => {
    const [{ n }] = (await rows<{ n: number }>(
      sql`select count(*)::int as n from orders.orders o
          where exists (select 1 from staff.assignments a where a.customer_id = o.customer_id and a.ended_at is null and a.store_code = ${storeCode})
             or (o.guest and o.store_code = ${storeCode})`,
    )) as [{ n: number }];
    const [{ all }] = (await rows<{ all: number }>(sql`select count(*)::int as "all" from orders.orders`)) as [{ all: number }];
    expect(n).toBeGreaterThan(0);
    expect(all).toBeGreaterThan(n);
    const paged = await t.app.inject({ method: 'GET', url: '/api/v1/orders?page=1&pageSize=5', headers: guide });
    expect(paged.statusCode).toBe(200);
    expect(paged.json().total).toBe(n);
    expect(paged.json().items.length).toBe(Math.min(5, n));
    const feed = await t.app.inject({ method: 'GET', url: '/api/v1/orders?limit=500', headers: guide });
    expect(feed.json().items.length).toBe(n);
    // A guest sale at the guide's store opens; one at another store does not.
    const [{ sku }] = (await rows<{ sku: string }>(sql`select sku from catalog.products order by sku limit 1`)) as [{ sku: string }];
    const sale = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: t.admin,
      payload: { channel: 'pos', externalId: 'SCOPE-GUEST-1', storeCode, placedAt: '2025-11-20T10:00:00+08:00', lines: [{ sku, quantity: 1, unitPrice: '99.00' }] },
    });
    expect(sale.statusCode).toBe(201);
    const guest = async (mine: boolean) =>
      (await rows<{ id: string }>(sql`select id::text from orders.orders where guest and store_code is not null and (store_code = ${storeCode}) = ${mine} order by id limit 1`))[0];
    const here = await guest(true);
    const there = await guest(false);
    expect(here).toBeDefined();
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/orders/${here!.id}`, headers: guide })).statusCode).toBe(200);
    expect(there).toBeDefined();
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/orders/${there!.id}`, headers: guide })).statusCode).toBe(404);
  });

  it('the duplicates review shows a store manager only pairs whose both profiles are of their store', async () => {
    const mine = await rows<{ id: string }>(
      sql`select customer_id::text as id from staff.assignments where ended_at is null and store_code = ${storeCode} order by customer_id limit 2`,
    );
    const both = '01a20000-0000-7000-8000-0000000000d1';
    const mixed = '01a20000-0000-7000-8000-0000000000d2';
    await t.kemai.database.db.execute(
      sql`insert into customers.duplicate_candidates (customer_id, id, other_id, reason, score)
          values (${mine[0]!.id}, ${both}, ${mine[1]!.id}, 'same_name_birthday_city', 0.9),
                 (${mine[0]!.id}, ${mixed}, ${foreign}, 'same_name_birthday_city', 0.9)`,
    );
    const seen = async (auth: { authorization: string }) =>
      ((await t.app.inject({ method: 'GET', url: '/api/v1/customers/duplicates?limit=100', headers: auth })).json().items as { id: string }[]).map((d) => d.id);
    expect((await seen(t.admin)).filter((id) => id === both || id === mixed).sort()).toEqual([both, mixed]);
    expect((await seen(manager)).filter((id) => id === both || id === mixed)).toEqual([both]);
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/customers/duplicates/${mixed}/accept`, headers: manager })).statusCode).toBe(404);
    await t.kemai.database.db.execute(sql`delete from customers.duplicate_candidates where id in (${both}::uuid, ${mixed}::uuid)`);
  });

  it('a customer the guide registers joins their book; an existing customer of another store stays hidden', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: guide, payload: { name: '新顾客', phone: '13712345678' } });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const [a] = await rows<{ staff_id: string; store_code: string; reason: string }>(
      sql`select staff_id::text, store_code, reason from staff.assignments where customer_id = ${id} and ended_at is null`,
    );
    const [g] = await rows<{ id: string }>(sql`select id::text from access.staff where username = 'scope-guide'`);
    expect(a).toEqual({ staff_id: g!.id, store_code: storeCode, reason: 'manual' });
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/customers/${id}`, headers: guide })).statusCode).toBe(200);

    const phone = markers.get('phone') ?? markers.get('email')!;
    const type = markers.has('phone') ? 'phone' : 'email';
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: guide, payload: { [type]: phone } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ index: 0, status: 'unchanged', id: null, otherStore: true });
    expect(await rows(sql`select 1 from staff.assignments where customer_id = ${foreign} and ended_at is null and store_code = ${storeCode}`)).toEqual([]);
  });

  it('API keys with the guide or store_manager role belong to a store', async () => {
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.admin, payload: { name: 'pad', role: 'guide' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details.issues).toEqual([{ path: 'storeCode', message: 'is required for the guide role' }]);
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.admin, payload: { name: 'pos', role: 'marketer', storeCode: storeCode } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.issues[0].path).toBe('storeCode');
    const made = await t.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: t.admin, payload: { name: 'store pad', role: 'store_manager', storeCode } });
    expect(made.statusCode).toBe(201);
    expect(made.json().apiKey.storeCode).toBe(storeCode);
    const key = { authorization: `Bearer ${made.json().key}` };
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/customers/${own}`, headers: key })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/customers/${foreign}`, headers: key })).statusCode).toBe(404);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { query } from '../../src/platform/db/database.js';
import { DemoOptionsInput, DemoService } from '../../src/modules/demo/index.js';

/**
 * SQL injection and XSS attempts on every text input are harmless (issue 13).
 *
 * Walks the OpenAPI document the server serves and, for every operation, puts hostile strings into every string input:
 * path and query parameters and JSON body properties (nested objects and arrays too, up to depth 4). The rest of each
 * request is built minimally valid from the schema (enums' first value, numbers' minimum, ids of real entities of a small
 * demo brand) so the hostile value reaches the handler rather than failing validation on another field. As an admin
 * key with every scope. Every answer must be a non-5xx, JSON (or the operation's documented content type, never HTML),
 * within 4 s (pg_sleep never ran); after the run every table is still there and the rows that were there before are
 * still there.
 */

const PAYLOADS = [
  "' OR '1'='1",
  "'; drop table customers.customers; --",
  '1; select pg_sleep(5)--',
  '"><script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${7*7}',
  '\u0000',
  'A'.repeat(10_000),
  '../../etc/passwd',
];
/** Hostile strings per string input, taken round-robin from PAYLOADS. */
const PER_INPUT = Number(process.env.FUZZ_PER_INPUT ?? 2);
/** Operations whose first string input gets every payload, not just PER_INPUT of them. */
const FULL_SAMPLE_EVERY = 8;
const MAX_DEPTH = 4;
const SLOW_MS = 4000;
/** Operations slow by design (not by a payload): exempt from the SLOW_MS check, with the reason. */
const SLOW_BY_DESIGN: Record<string, string> = {
  'POST /api/v1/ops/backup': 'writes a full copy of the database; seconds on a loaded machine whatever the input',
};

/** Left out, and why. */
const SKIP: Record<string, string> = {
  'POST /api/v1/auth/logout': 'ends the caller’s session (the admin token must stay valid for the run)',
  'POST /api/v1/messaging/channels/{channel}/test': 'sends a real message through the channel adapter (SMTP, webhook, WeChat) over the network',
  'POST /api/v1/listening/feeds/{id}/poll': 'fetches the feed’s URL over the network',
};

/**
 * 5xx answers found by this test that are not injections, tolerated so the rest stays guarded; each is reported on
 * every run. Remove an entry once its cause is fixed.
 */
const KNOWN_FAILURES: Array<{ reason: string; matches: (r: Outcome) => boolean }> = [
  // Found and fixed in session 12: NUL (U+0000) in any text input gave 500 (PostgreSQL refuses it) — now 400 naming the
  // field (platform/http/app.ts); a degenerate CLV fit on a tiny brand gave 500 — now 409 insights.clv_degenerate_fit.
];

type Schema = {
  type?: string | string[];
  format?: string;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  exclusiveMinimum?: number | boolean;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
interface Param {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Param[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}
interface Op {
  method: string;
  path: string;
  op: Operation;
}
/** Where a string input sits: a path or query parameter, or a JSON pointer-like path into the body. */
type Slot = { in: 'path'; name: string } | { in: 'query'; name: string } | { in: 'body'; at: Array<string | number> };
interface Outcome {
  key: string;
  slot: string;
  payload: string;
  status: number;
  ms: number;
  contentType: string;
  body: string;
}

let t: TestApp;
let doc: { paths: Record<string, Record<string, Operation>> };
let importDir: string;
const ids: Record<string, string> = {};
let tablesBefore: string[];
let keptBefore: { customers: Set<string>; orders: Set<string>; ledger: Map<string, string> };
const outcomes: Outcome[] = [];
const baselines = new Map<string, number>();

beforeAll(async () => {
  importDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-fuzz-imports-'));
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_IMPORT_DIR: importDir });
  await new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers }).seed(
    DemoOptionsInput.parse({ customers: 40, seed: 'fuzz' }),
    undefined,
    new Date('2025-11-30T12:00:00+08:00'),
  );
  await t.kemai.events.drain();
  // Defaults a fresh install sets up, so the routes on service queues, surveys and listening rules have something to find.
  for (const url of ['/api/v1/service/setup', '/api/v1/surveys/defaults', '/api/v1/listening/rules/defaults']) {
    const r = await t.app.inject({ method: 'POST', url, headers: t.admin });
    expect(r.statusCode, url).toBeLessThan(300);
  }
  // The key the rotate and revoke routes act on: never the admin key the run uses.
  const victimKey = await t.kemai.access.createApiKey({ name: 'fuzz-victim', scopes: ['customers:read'] });
  ids.apiKey = victimKey.apiKey.id;
  const victimStaff = await t.kemai.access.createStaff({ username: 'fuzzvictim', displayName: 'Fuzz Victim', password: 'Fuzz-Victim-2025!', role: 'guide' });
  ids.staffUsername = 'fuzzvictim';
  ids.staffId = victimStaff.staff.id;

  const customers = await query<{ id: string }>(t.kemai.database.db, sql`select id from customers.customers where status = 'active' order by id limit 2`);
  ids.customer = customers[0]!.id;
  ids.otherCustomer = customers[1]!.id;
  const order = await query<{ id: string }>(t.kemai.database.db, sql`select id from orders.orders order by id limit 1`);
  ids.order = order[0]!.id;
  const store = await query<{ code: string }>(t.kemai.database.db, sql`select code from catalog.stores order by code limit 1`);
  ids.store = store[0]!.code;
  const product = await query<{ sku: string }>(t.kemai.database.db, sql`select sku from catalog.products order by sku limit 1`);
  ids.sku = product[0]!.sku;

  const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();

  tablesBefore = await tableList();
  keptBefore = await keptRows();
}, 300_000);

afterAll(async () => {
  await t?.close();
  if (importDir) fs.rmSync(importDir, { recursive: true, force: true });
});

async function tableList(): Promise<string[]> {
  const rows = await query<{ t: string }>(
    t.kemai.database.db,
    sql`select table_schema || '.' || table_name as t from information_schema.tables
        where table_schema not in ('pg_catalog', 'information_schema') order by 1`,
  );
  return rows.map((r) => r.t);
}

async function keptRows() {
  const db = t.kemai.database.db;
  const customers = new Set((await query<{ id: string }>(db, sql`select id from customers.customers`)).map((r) => r.id));
  const orders = new Set((await query<{ id: string }>(db, sql`select id from orders.orders`)).map((r) => r.id));
  const ledger = new Map(
    (await query<{ id: string; points: string }>(db, sql`select id::text as id, points::text as points from loyalty.ledger_entries`)).map((r) => [r.id, r.points]),
  );
  return { customers, orders, ledger };
}

// ---- building requests from the schema ----

const collectionCache = new Map<string, unknown[]>();

/** The items of a list route, for the ids a path needs. */
async function listItems(url: string): Promise<unknown[]> {
  if (collectionCache.has(url)) return collectionCache.get(url)!;
  let items: unknown[] = [];
  const r = await t.app.inject({ method: 'GET', url, headers: t.admin });
  if (r.statusCode === 200 && String(r.headers['content-type'] ?? '').includes('json')) {
    const body = r.json() as unknown;
    if (Array.isArray(body)) items = body;
    else if (body && typeof body === 'object') {
      for (const v of Object.values(body)) {
        if (Array.isArray(v) && v.length > 0 && typeof v[0] === 'object') {
          items = v;
          break;
        }
      }
    }
  }
  collectionCache.set(url, items);
  return items;
}

const RANDOM_UUID = '6f1c2b7e-1a2b-4c3d-8e4f-0123456789ab';

/** A real value for a path parameter: special cases, else the first item of the list route above it. */
async function pathValue(route: string, name: string, schema: Schema | undefined): Promise<string> {
  if (route.startsWith('/api/v1/api-keys/')) return ids.apiKey!;
  if (route.startsWith('/api/v1/staff/{username}')) return ids.staffUsername!;
  if (route.startsWith('/api/v1/staff/{id}')) return ids.staffId!;
  if (name === 'customerId') return ids.customer!;
  if (/^\/api\/v1\/(customers|basket\/customers)\/\{id\}/.test(route)) {
    // Routes that fold or scrub the profile act on a second customer, so the others keep theirs.
    return /\/(merge|unmerge|erase)$/.test(route) ? ids.otherCustomer! : ids.customer!;
  }
  if (route.startsWith('/api/v1/orders/{id}')) return ids.order!;
  if (route.startsWith('/api/v1/stores/{code}')) return ids.store!;
  if (route.startsWith('/api/v1/products/{sku}')) return ids.sku!;
  const first = schema && firstBranch(schema);
  if (first?.enum) return String(first.enum[0]);
  const prefix = route.slice(0, route.indexOf(`/{${name}}`));
  if (!prefix.includes('{')) {
    const items = await listItems(prefix);
    const item = items[0] as Record<string, unknown> | undefined;
    const v = item?.[name] ?? (name === 'idOrCode' ? item?.id : undefined) ?? item?.id ?? item?.code;
    if (v !== undefined && v !== null) return String(v);
  } else if (name === 'version') {
    return '1';
  }
  if (first?.format === 'uuid') return RANDOM_UUID;
  if (first?.type === 'integer' || first?.type === 'number') return String(first.minimum ?? 1);
  return 'fuzz';
}

function firstBranch(s: Schema): Schema {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const nonNull = alts.find((a) => a.type !== 'null') ?? alts[0]!;
    return firstBranch(nonNull);
  }
  if (s.allOf && s.allOf.length > 0) return firstBranch(Object.assign({}, ...s.allOf) as Schema);
  return s;
}

function isString(s: Schema): boolean {
  const b = firstBranch(s);
  return b.type === 'string' || (Array.isArray(b.type) && b.type.includes('string'));
}

const STRING_CANDIDATES = ['FUZZ1', 'fuzz1', 'fuzz', '2025-11-01', '2025-11-01T10:00:00+08:00', '13800138000', '#336699', '1', '10.00', 'A1', 'x'];

/** A plausible string for a property, by its format, pattern and name. */
function stringValue(s: Schema, name: string, counter: { n: number }): string {
  if (s.enum) return String(s.enum[0]);
  if (s.const !== undefined) return String(s.const);
  if (typeof s.default === 'string') return s.default;
  if (s.format === 'uuid') {
    if (/customer/i.test(name) || name === 'sourceId' || name === 'targetId') return ids.customer!;
    if (/order/i.test(name)) return ids.order!;
    if (/staff|assignee|owner|guide/i.test(name)) return ids.staffId!;
    return RANDOM_UUID;
  }
  if (s.format === 'date-time') return '2025-11-01T10:00:00+08:00';
  if (s.format === 'date') return '2025-11-01';
  if (s.format === 'email' || /email/i.test(name)) return `fuzz${counter.n++}@example.com`;
  if (s.format === 'uri' || /url$/i.test(name)) return 'https://example.com/fuzz';
  let v: string;
  if (/phone|mobile/i.test(name)) v = '13800138000';
  else if (/storeCode|^store$/i.test(name)) v = ids.store!;
  else if (/sku$|^item$/i.test(name)) v = ids.sku!;
  else if (/currency/i.test(name)) v = 'CNY';
  else if (/locale|lang/i.test(name)) v = 'zh-CN';
  else if (/timeZone/i.test(name)) v = 'Asia/Shanghai';
  else if (/customerId$/.test(name)) v = ids.customer!;
  else if (/code$/i.test(name)) v = `FUZZ${counter.n++}`;
  else if (/(^from|^to|At|Date|asOf)$/.test(name)) v = '2025-11-01';
  else v = 'fuzz';
  if (s.pattern) {
    const re = new RegExp(s.pattern, 'u');
    if (!re.test(v)) v = STRING_CANDIDATES.find((c) => re.test(c)) ?? v;
  }
  if (s.minLength && v.length < s.minLength) v = v.padEnd(s.minLength, 'x');
  if (s.maxLength && v.length > s.maxLength) v = v.slice(0, s.maxLength);
  return v;
}

/** A minimally valid value: required properties only (optional ones are added when fuzzed). */
function sample(schema: Schema, name: string, depth: number, counter: { n: number }): unknown {
  const s = firstBranch(schema);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.default !== undefined && typeof s.default !== 'object') return s.default;
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (type) {
    case 'string':
      return stringValue(s, name, counter);
    case 'integer':
    case 'number': {
      if (typeof s.exclusiveMinimum === 'number') return type === 'integer' ? Math.floor(s.exclusiveMinimum) + 1 : s.exclusiveMinimum + 1;
      if (typeof s.minimum === 'number') return s.minimum;
      if (typeof s.maximum === 'number' && s.maximum < 1) return s.maximum;
      return 1;
    }
    case 'boolean':
      return false;
    case 'array': {
      if (!s.items || depth >= MAX_DEPTH) return [];
      const n = Math.max(s.minItems ?? 0, 0);
      return Array.from({ length: n }, () => sample(s.items!, name, depth + 1, counter));
    }
    case 'object':
    default: {
      if (!s.properties) return {};
      const out: Record<string, unknown> = {};
      for (const req of s.required ?? []) {
        const p = s.properties[req];
        if (p) out[req] = sample(p, req, depth + 1, counter);
      }
      return out;
    }
  }
}

/** Every string input of a body schema, as paths into the body (arrays fuzzed through their first element). */
function bodySlots(schema: Schema, at: Array<string | number>, depth: number, out: Array<Array<string | number>>) {
  if (depth > MAX_DEPTH) return;
  const s = firstBranch(schema);
  if (isString(s) && !s.enum && s.const === undefined) {
    out.push(at);
    return;
  }
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (type === 'array' && s.items) bodySlots(s.items, [...at, 0], depth + 1, out);
  if (s.properties) for (const [k, p] of Object.entries(s.properties)) bodySlots(p, [...at, k], depth + 1, out);
}

/** Sets body[at] = value, creating the objects and arrays on the way from the schema's samples. */
function setAt(body: unknown, schema: Schema, at: Array<string | number>, value: unknown, counter: { n: number }): unknown {
  if (at.length === 0) return value;
  const s = firstBranch(schema);
  const [head, ...rest] = at;
  if (typeof head === 'number') {
    const arr = Array.isArray(body) ? [...body] : [];
    const itemSchema = s.items ?? {};
    const current = arr[0] ?? sample(itemSchema, '', 0, counter);
    arr[0] = setAt(current, itemSchema, rest, value, counter);
    return arr;
  }
  const obj = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  const propSchema = s.properties?.[head!] ?? {};
  const current = obj[head!] ?? sample(propSchema, head!, 0, counter);
  obj[head!] = setAt(current, propSchema, rest, value, counter);
  return obj;
}

function slotName(slot: Slot): string {
  return slot.in === 'body' ? `body.${slot.at.join('.')}` : `${slot.in}.${slot.name}`;
}

function operations(): Op[] {
  const ops: Op[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      ops.push({ method: method.toUpperCase(), path: p, op });
    }
  }
  // The routes that remove or fold things last, so the others still find what they act on.
  const destructive = (o: Op) => o.method === 'DELETE' || /\/(merge|unmerge|erase|archive|close|cancel|revoke|rotate)$/.test(o.path);
  return [...ops.filter((o) => !destructive(o)), ...ops.filter(destructive)];
}

const keyOf = (o: Op) => `${o.method} ${o.path}`;

async function send(o: Op, pathParams: Record<string, string>, queryParams: Record<string, string>, body: unknown, slot: string, payload: string) {
  let url = o.path.replace(/\{(\w+)\}/g, (_m, n: string) => encodeURIComponent(pathParams[n] ?? ''));
  const qs = new URLSearchParams(queryParams).toString();
  if (qs) url += `?${qs}`;
  const jsonBody = o.op.requestBody?.content?.['application/json'];
  const rawBody = o.op.requestBody && !jsonBody;
  const headers: Record<string, string> = { ...t.admin };
  let payloadBody: string | undefined;
  if (jsonBody) {
    headers['content-type'] = 'application/json';
    payloadBody = JSON.stringify(body ?? {});
  } else if (rawBody || (o.method === 'POST' && /import/.test(o.path))) {
    const ct = Object.keys(o.op.requestBody?.content ?? {})[0] ?? 'text/csv';
    headers['content-type'] = ct === '*/*' ? 'text/csv' : ct;
    payloadBody = typeof body === 'string' ? body : 'code\nFUZZ-1\n';
  }
  const started = performance.now();
  const res = await t.app.inject({ method: o.method as 'GET', url, headers, ...(payloadBody !== undefined ? { payload: payloadBody } : {}) });
  const ms = performance.now() - started;
  const outcome: Outcome = {
    key: keyOf(o),
    slot,
    payload,
    status: res.statusCode,
    ms,
    contentType: String(res.headers['content-type'] ?? ''),
    body: res.statusCode < 300 && o.method !== 'GET' ? res.body : res.body.slice(0, 2000),
  };
  return outcome;
}

/**
 * What an operation may answer with: JSON, and CSV, tar.gz or HTML where its summary says so (the OpenAPI document lists no
 * response content types for these, only their summaries name them).
 */
function documentedTypes(o: Op): string[] {
  const types = new Set<string>(['application/json']);
  for (const r of Object.values(o.op.responses ?? {})) for (const ct of Object.keys(r.content ?? {})) types.add(ct.split(';')[0]!.trim());
  const summary = `${(o.op as { summary?: string }).summary ?? ''}`;
  if (/\bCSV\b/.test(summary) || o.path.endsWith('.csv')) types.add('text/csv');
  if (/\btar\.gz\b/.test(summary)) types.add('application/gzip');
  if (HTML_PAGES.has(o.path)) types.add('text/html');
  return [...types];
}

/** Public pages a person opens from a message: HTML by design; hostile input must never come back as markup. */
const HTML_PAGES = new Set(['/api/v1/messaging/unsubscribe']);
const MARKUP = /<script|<img|onerror=/i;

let rr = 0;
function nextPayloads(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(PAYLOADS[rr++ % PAYLOADS.length]!);
  return out;
}

const preview = (p: string) => (p.length > 40 ? `${p.slice(0, 12)}…(${p.length} chars)` : JSON.stringify(p));

/** The first array in a list answer (`items`, `data`, …). */
function itemsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  for (const v of Object.values(body as Record<string, unknown>)) if (Array.isArray(v)) return v;
  throw new Error(`no list in ${JSON.stringify(body).slice(0, 200)}`);
}

describe('injection and markup, read back', () => {
  it("a quoted OR in a search is text to look for: it finds nothing rather than everything", async () => {
    for (const url of ['/api/v1/customers', '/api/v1/products', '/api/v1/staff', '/api/v1/service/tickets', '/api/v1/listening/mentions']) {
      const all = await t.app.inject({ method: 'GET', url, headers: t.admin });
      expect(all.statusCode, url).toBe(200);
      const r = await t.app.inject({ method: 'GET', url: `${url}?q=${encodeURIComponent("' OR '1'='1")}`, headers: t.admin });
      expect(r.statusCode, url).toBe(200);
      expect(itemsOf(r.json()), url).toEqual([]);
    }
  });

  it('markup stored in a profile comes back as the same string inside JSON, never as a page', async () => {
    const name = '"><script>alert(1)</script><img src=x onerror=alert(1)>';
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: t.admin, payload: { phone: '13900139000', name: name.slice(0, 100) } });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    const read = await t.app.inject({ method: 'GET', url: `/api/v1/customers/${id}`, headers: t.admin });
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(read.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.stringify(read.json())).toContain(JSON.stringify(name.slice(0, 100)));
  });
});

describe('hostile strings in every text input of the API', () => {
  it('never answer 5xx or HTML, never take more than 4 s, and drop nothing', async () => {
    const skipped: string[] = [];
    let opIndex = 0;
    let slotsTotal = 0;
    for (const o of operations()) {
      const key = keyOf(o);
      if (SKIP[key]) {
        skipped.push(`${key}: ${SKIP[key]}`);
        continue;
      }
      const counter = { n: crypto.randomInt(1_000_000) };
      const params = (o.op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query');
      const pathParams: Record<string, string> = {};
      for (const p of params.filter((x) => x.in === 'path')) pathParams[p.name] = await pathValue(o.path, p.name, p.schema);
      const queryParams: Record<string, string> = {};
      for (const p of params.filter((x) => x.in === 'query' && x.required)) queryParams[p.name] = String(sample(p.schema ?? { type: 'string' }, p.name, 0, counter));
      const bodySchema = o.op.requestBody?.content?.['application/json']?.schema;
      const baseBody = bodySchema ? sample(bodySchema, '', 0, counter) : undefined;

      // The minimal request on its own: how many operations the fuzzing actually reaches past validation.
      const base = await send(o, pathParams, queryParams, baseBody, '(none)', '');
      baselines.set(key, base.status);
      outcomes.push(base);

      const slots: Slot[] = [];
      for (const p of params) if (isString(p.schema ?? {})) slots.push(p.in === 'path' ? { in: 'path', name: p.name } : { in: 'query', name: p.name });
      if (bodySchema) {
        const at: Array<Array<string | number>> = [];
        bodySlots(bodySchema, [], 0, at);
        for (const a of at) slots.push({ in: 'body', at: a });
      }
      slotsTotal += slots.length;
      for (const [i, slot] of slots.entries()) {
        const full = i === 0 && opIndex % FULL_SAMPLE_EVERY === 0;
        for (const payload of full ? PAYLOADS : nextPayloads(PER_INPUT)) {
          const pp = { ...pathParams };
          const qp = { ...queryParams };
          let body = baseBody;
          if (slot.in === 'path') pp[slot.name] = payload;
          else if (slot.in === 'query') qp[slot.name] = payload;
          else body = setAt(structuredClone(baseBody ?? {}), bodySchema!, slot.at, payload, counter);
          outcomes.push(await send(o, pp, qp, body, slotName(slot), payload));
        }
      }
      opIndex++;
    }
    await t.kemai.events.drain();

    const byKey = new Map(operations().map((o) => [keyOf(o), o]));
    const failures: string[] = [];
    const known = new Map<string, string[]>();
    for (const r of outcomes) {
      const k = KNOWN_FAILURES.find((f) => f.matches(r));
      if (k) {
        known.set(k.reason, [...(known.get(k.reason) ?? []), `${r.key} ${r.slot}`]);
        continue;
      }
      const where = `${r.key} ${r.slot}=${preview(r.payload)}`;
      if (r.status >= 500) failures.push(`${where}: ${r.status} ${r.body.slice(0, 300)}`);
      if (r.ms >= SLOW_MS && !(r.key in SLOW_BY_DESIGN)) failures.push(`${where}: took ${Math.round(r.ms)} ms`);
      const ct = r.contentType.split(';')[0]!.trim();
      const allowed = documentedTypes(byKey.get(r.key)!);
      if (ct === 'text/html' && MARKUP.test(r.body)) failures.push(`${where}: the payload came back as markup`);
      if (r.body.length > 0 && r.status !== 204 && !allowed.includes(ct)) failures.push(`${where}: content type ${ct}, documented ${allowed.join(', ')}`);
      if (ct.includes('json') && r.body.length > 0 && r.body.length < 2000) {
        try {
          JSON.parse(r.body);
        } catch {
          failures.push(`${where}: body is not JSON`);
        }
      }
    }
    const reached = [...baselines.values()].filter((s) => s < 400).length;
    const slowest = [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 5).map((r) => `${r.key} ${r.slot} ${Math.round(r.ms)} ms`);
    console.log(
      `fuzzed ${baselines.size} operations, ${slotsTotal} string inputs, ${outcomes.length} requests; ` +
        `${reached} operations' minimal request passed validation; skipped:\n  ${skipped.join('\n  ')}\nslowest:\n  ${slowest.join('\n  ')}`,
    );
    for (const [reason, where] of known) console.log(`KNOWN (${where.length}): ${reason}\n  ${[...new Set(where)].join('\n  ')}`);
    expect(failures, failures.join('\n')).toEqual([]);
    expect(skipped.length).toBe(Object.keys(SKIP).length);
    // Most operations are reached past validation (a floor, so the fuzzing keeps testing the handlers).
    expect(reached / baselines.size).toBeGreaterThan(0.6);

    // Nothing dropped or emptied: the same tables, and every row that was there before still is.
    expect(await tableList()).toEqual(tablesBefore);
    const after = await keptRows();
    for (const id of keptBefore.customers) expect(after.customers.has(id), `customer ${id}`).toBe(true);
    for (const id of keptBefore.orders) expect(after.orders.has(id), `order ${id}`).toBe(true);
    for (const [id, points] of keptBefore.ledger) expect(after.ledger.get(id), `ledger entry ${id}`).toBe(points);
    // Whatever was added came from a request that succeeded and said so: new customers and orders appear in a 2xx answer.
    const okBodies = outcomes.filter((r) => r.status < 300).map((r) => r.body).join('\n');
    const unexplained = [...after.customers].filter((id) => !keptBefore.customers.has(id) && !okBodies.includes(id));
    const unexplainedOrders = [...after.orders].filter((id) => !keptBefore.orders.has(id) && !okBodies.includes(id));
    expect(unexplained).toEqual([]);
    expect(unexplainedOrders).toEqual([]);
  });
});

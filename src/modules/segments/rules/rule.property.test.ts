import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { audienceSql } from './rule.compiler.js';
import { parseRuleDefinition, type Leaf, type Op, type RuleNode } from './rule.schema.js';

/**
 * The compiled SQL against a brute-force evaluator written here, independently, over the same random
 * data: random rule trees over random small datasets of customers (some merged away), consents, products,
 * orders and lines (some cancelled, some after the as-of instant), behaviour events, loyalty accounts and
 * RFM scores. The business zone is Asia/Shanghai (UTC+8, no daylight saving), so local days are UTC+8 days.
 */

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
});
afterAll(async () => t?.close());

const ZONE_MS = 8 * 3_600_000;
const DAY = 86_400_000;
/** As-of instant: 2026-06-15 10:00 in Shanghai. */
const AS_OF = Date.parse('2026-06-15T02:00:00Z');
const localDay = (ms: number) => new Date(ms + ZONE_MS).toISOString().slice(0, 10);
const localMidnight = (day: string) => Date.parse(`${day}T00:00:00Z`) - ZONE_MS;
const shiftDay = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
const AS_OF_DAY = localDay(AS_OF);
const uuid = (kind: number, i: number) => `00000000-0000-7000-800${kind}-${i.toString(16).padStart(12, '0')}`;

// ---- data ----------------------------------------------------------------------------------------
const CITIES = ['杭州', '上海', 'Beijing'];
const TAGS = ['vip', 'new_mother', 'student'];
const CATEGORIES = ['服装', '女装', '连衣裙', '鞋'];
const SKUS = ['A', 'B', 'C', 'D'];
const BRANDS = ['Lumi', 'Basic'];
const STORES = ['S1', 'S2'];
const ORDER_CHANNELS = ['pos', 'online', 'miniprogram'] as const;
const EVENT_TYPES = ['view', 'store_visit', 'share'];
const TIERS = ['silver', 'gold'];

interface Customer {
  id: string;
  status: 'active' | 'merged';
  gender: string | null;
  birthday: string | null;
  city: string | null;
  source: string | null;
  tags: string[];
  income_band: string | null;
  attributes: Record<string, string | null>;
  created_at: number;
  first_order_at: number | null;
}
interface Consent { customer_id: string; id: string; channel: string; purpose: string; status: string; recorded_at: number }
interface Order { id: string; customer_id: string; channel: string; store_code: string | null; placed_at: number; status: string; paid_fen: number; refunded_fen: number }
interface Line { order_id: string; line_no: number; sku: string; quantity: number; paid_fen: number; returned_quantity: number; refunded_fen: number }
interface Product { sku: string; category_path: string[]; brand: string | null }
interface Event { id: string; customer_id: string; type: string; occurred_at: number; channel: string | null; store_code: string | null; sku: string | null }
interface Account { customer_id: string; available: number; pending: number; lifetime_earned: number; growth: number; tier_set: string | null; tier_code: string | null }
interface Rfm { customer_id: string; recency_days: number; frequency: number; monetary_fen: number; r: number; f: number; m: number; value_class: string; segment: string; value_quadrant: string | null }
interface Dataset { customers: Customer[]; consents: Consent[]; products: Product[]; orders: Order[]; lines: Line[]; events: Event[]; accounts: Account[]; rfm: Rfm[] }

const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null, freq: 3 });
/** An instant within ±60 days of as-of, often on a local-day boundary (the edge cases). */
const DAYS = [1, 2, 7, 30];
const instantArb = fc.oneof(
  fc.integer({ min: -60 * DAY, max: 10 * DAY }).map((d) => AS_OF + d),
  // the first instant of a `days: N` window, and the last one before it
  fc.tuple(fc.constantFrom(...DAYS), fc.constantFrom(0, 1), fc.constantFrom(0, -1000, DAY / 2)).map(([n, k, s]) => localMidnight(shiftDay(AS_OF_DAY, 1 - n + k)) + s),
  fc.integer({ min: -60, max: 3 }).map((d) => localMidnight(shiftDay(AS_OF_DAY, d))),
  fc.integer({ min: -60, max: 3 }).map((d) => localMidnight(shiftDay(AS_OF_DAY, d)) - 1000),
  fc.constant(AS_OF),
);
const birthdayArb = nullable(
  fc.oneof(
    fc.integer({ min: 0, max: 80 * 366 }).map((d) => shiftDay(AS_OF_DAY, -d)),
    fc.integer({ min: 0, max: 80 }).map((y) => `${2026 - y}-06-15`),
    fc.constantFrom('2000-02-29', '2008-02-29', '2006-06-16', '2006-06-15'),
  ),
);

const datasetArb: fc.Arbitrary<Dataset> = fc.integer({ min: 1, max: 14 }).chain((n) => {
  const cid = (i: number) => uuid(1, i);
  const customer = (i: number) =>
    fc.record({
      status: fc.constantFrom('active', 'active', 'active', 'merged') as fc.Arbitrary<'active' | 'merged'>,
      gender: nullable(fc.constantFrom('female', 'male')),
      birthday: birthdayArb,
      city: nullable(fc.constantFrom(...CITIES)),
      source: nullable(fc.constantFrom('pos', 'api')),
      tags: fc.subarray(TAGS),
      income_band: nullable(fc.constantFrom('low', 'high')),
      attributes: fc.dictionary(fc.constantFrom('registeredChannel', 'size'), nullable(fc.constantFrom('mini', 'pos', 'M'))),
      created_at: instantArb,
      first_order_at: nullable(instantArb),
    }).map((c): Customer => ({ id: cid(i), ...c }));
  const ref = fc.integer({ min: 0, max: n - 1 }).map(cid);
  return fc
    .record({
      customers: fc.tuple(...Array.from({ length: n }, (_, i) => customer(i))),
      consents: fc.array(
        fc.record({
          customer_id: ref,
          channel: fc.constantFrom('sms', 'wechat', 'all'),
          purpose: fc.constantFrom('marketing', 'service'),
          status: fc.constantFrom('granted', 'withdrawn'),
          recorded_at: fc.oneof(instantArb, fc.constant(AS_OF - DAY)),
        }),
        { maxLength: 20 },
      ),
      products: fc.uniqueArray(
        fc.record({ sku: fc.constantFrom(...SKUS.slice(0, 3)), category_path: fc.subarray(CATEGORIES), brand: nullable(fc.constantFrom(...BRANDS)) }),
        { selector: (p) => p.sku, maxLength: 3 },
      ),
      orders: fc.array(
        fc.record({
          customer_id: ref,
          channel: fc.constantFrom(...ORDER_CHANNELS),
          store_code: nullable(fc.constantFrom(...STORES)),
          placed_at: instantArb,
          status: fc.constantFrom('completed', 'completed', 'cancelled', 'partially_returned'),
          paid_fen: fc.integer({ min: 0, max: 50_000 }),
          refunded_fen: fc.constantFrom(0, 0, 1000),
          lines: fc.array(
            fc.record({
              sku: fc.constantFrom(...SKUS),
              quantity: fc.integer({ min: 1, max: 3 }),
              paid_fen: fc.integer({ min: 0, max: 30_000 }),
              returned_quantity: fc.constantFrom(0, 0, 1),
              refunded_fen: fc.constantFrom(0, 0, 500),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { maxLength: 30 },
      ),
      events: fc.array(
        fc.record({
          customer_id: ref,
          type: fc.constantFrom(...EVENT_TYPES),
          occurred_at: instantArb,
          channel: nullable(fc.constantFrom('app', 'store')),
          store_code: nullable(fc.constantFrom(...STORES)),
          sku: nullable(fc.constantFrom(...SKUS)),
        }),
        { maxLength: 30 },
      ),
      accounts: fc.uniqueArray(
        fc.record({
          customer_id: ref,
          available: fc.integer({ min: 0, max: 2000 }),
          pending: fc.integer({ min: 0, max: 500 }),
          lifetime_earned: fc.integer({ min: 0, max: 5000 }),
          growth: fc.integer({ min: 0, max: 5000 }),
          tier_set: nullable(fc.constantFrom('membership', 'vip')),
          tier_code: nullable(fc.constantFrom(...TIERS)),
        }),
        { selector: (a) => a.customer_id },
      ),
      rfm: fc.uniqueArray(
        fc.record({
          customer_id: ref,
          recency_days: fc.integer({ min: 0, max: 400 }),
          frequency: fc.integer({ min: 1, max: 10 }),
          monetary_fen: fc.integer({ min: 0, max: 100_000 }),
          r: fc.integer({ min: 1, max: 5 }),
          f: fc.integer({ min: 1, max: 5 }),
          m: fc.integer({ min: 1, max: 5 }),
          value_class: fc.constantFrom('high_value', 'potential', 'general', 'low_value'),
          segment: fc.constantFrom('champions', 'loyal', 'lost'),
          value_quadrant: nullable(fc.constantFrom('strategic', 'growth', 'basic', 'marginal')),
        }),
        { selector: (r) => r.customer_id },
      ),
    })
    .map((d) => ({
      customers: d.customers,
      consents: d.consents.map((c, i) => ({ ...c, id: uuid(2, i) })),
      products: d.products,
      orders: d.orders.map(({ lines: _lines, ...o }, i) => ({ ...o, id: uuid(3, i) })),
      lines: d.orders.flatMap((o, i) => o.lines.map((l, k) => ({ ...l, order_id: uuid(3, i), line_no: k + 1 }))),
      events: d.events.map((e, i) => ({ ...e, id: uuid(4, i) })),
      accounts: d.accounts,
      rfm: d.rfm,
    }));
});

// ---- rules ---------------------------------------------------------------------------------------
const opArb = fc.constantFrom<Op>('eq', 'ne', 'gt', 'gte', 'lt', 'lte');
const windowArb = fc.oneof(
  fc.constant({}),
  fc.record({ days: fc.oneof(fc.constantFrom(...DAYS), fc.integer({ min: 1, max: 70 })) }),
  fc
    .tuple(fc.oneof(fc.integer({ min: -65, max: 5 }), fc.constantFrom(...DAYS.map((n) => 1 - n))), fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 30 })), fc.constantFrom('both', 'from', 'to'))
    .map(([a, len, which]) => {
      const from = shiftDay(AS_OF_DAY, a);
      const to = shiftDay(from, len);
      return which === 'both' ? { from, to } : which === 'from' ? { from } : { to };
    }),
);
const some = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });
const yuanArb = fc.integer({ min: 0, max: 60_000 }).map((fen) => fen / 100);
const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({ kind: fc.constant('profile' as const), field: fc.constantFrom('gender' as const, 'city' as const, 'source' as const, 'income_band' as const), in: some(['female', 'male', ...CITIES, 'pos', 'api', 'low', 'high']) }),
  fc.record({ kind: fc.constant('attribute' as const), key: fc.constantFrom('registeredChannel', 'size'), in: fc.option(some(['mini', 'pos', 'M']), { nil: undefined }) }, { requiredKeys: ['kind', 'key'] }),
  fc.record({ kind: fc.constant('birthday_month' as const), months: some([1, 2, 3, 6, 7, 12]) }),
  fc
    .record({ min: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }), max: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }) })
    .filter((a) => (a.min !== undefined || a.max !== undefined) && (a.min === undefined || a.max === undefined || a.min <= a.max))
    .map((a) => ({ kind: 'age' as const, ...(a.min === undefined ? {} : { min: a.min }), ...(a.max === undefined ? {} : { max: a.max }) })),
  windowArb.filter((w) => Object.keys(w).length > 0).map((w) => ({ kind: 'member_since' as const, ...w })),
  fc.record({ kind: fc.constant('tag' as const), tags: some(TAGS), match: fc.constantFrom('any' as const, 'all' as const) }),
  fc.record({ kind: fc.constant('consent' as const), channel: fc.constantFrom('sms' as const, 'wechat' as const), purpose: fc.constantFrom('marketing' as const, 'service' as const) }),
  fc.record({ kind: fc.constant('tier' as const), tiers: some(TIERS), tierSet: fc.option(fc.constantFrom('membership', 'vip'), { nil: undefined }) }, { requiredKeys: ['kind', 'tiers'] }),
  fc.record({ kind: fc.constant('points' as const), measure: fc.constantFrom('available' as const, 'pending' as const, 'lifetime_earned' as const, 'growth' as const), op: opArb, value: fc.integer({ min: 0, max: 2000 }) }),
  fc.oneof(
    fc.record({ kind: fc.constant('rfm_score' as const), field: fc.constantFrom('r' as const, 'f' as const, 'm' as const), op: opArb, value: fc.integer({ min: 1, max: 5 }) }),
    fc.record({ kind: fc.constant('rfm_score' as const), field: fc.constant('monetary' as const), op: opArb, value: yuanArb }),
    fc.record({ kind: fc.constant('rfm_score' as const), field: fc.constantFrom('recency_days' as const, 'frequency' as const), op: opArb, value: fc.integer({ min: 0, max: 400 }) }),
  ),
  fc.oneof(
    fc.record({ kind: fc.constant('rfm_label' as const), field: fc.constant('value_class' as const), in: some(['high_value', 'potential', 'general', 'low_value']) }),
    fc.record({ kind: fc.constant('rfm_label' as const), field: fc.constant('segment' as const), in: some(['champions', 'loyal', 'lost']) }),
    fc.record({ kind: fc.constant('rfm_label' as const), field: fc.constant('value_quadrant' as const), in: some(['strategic', 'growth', 'basic', 'marginal']) }),
  ),
  fc.oneof(
    fc.record({ kind: fc.constant('lifetime' as const), measure: fc.constant('orders' as const), op: opArb, value: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ kind: fc.constant('lifetime' as const), measure: fc.constant('net_spend' as const), op: opArb, value: yuanArb }),
    fc.record({ kind: fc.constant('lifetime' as const), measure: fc.constantFrom('days_since_last_order' as const, 'days_since_first_order' as const), op: opArb, value: fc.integer({ min: 0, max: 70 }) }),
  ),
  fc
    .record(
      {
        window: windowArb,
        category: fc.option(some(CATEGORIES), { nil: undefined }),
        sku: fc.option(some(SKUS), { nil: undefined }),
        brand: fc.option(some(BRANDS), { nil: undefined }),
        store: fc.option(some(STORES), { nil: undefined }),
        channel: fc.option(some(ORDER_CHANNELS), { nil: undefined }),
        measure: fc.constantFrom('orders' as const, 'quantity' as const, 'amount' as const),
        op: opArb,
        count: fc.integer({ min: 0, max: 4 }),
        yuan: yuanArb,
      },
      { requiredKeys: ['window', 'measure', 'op', 'count', 'yuan'] },
    )
    .map(({ window, count, yuan, ...p }) => {
      const out: Record<string, unknown> = { kind: 'purchase', ...window, measure: p.measure, op: p.op, value: p.measure === 'amount' ? yuan : count };
      for (const k of ['category', 'sku', 'brand', 'store', 'channel'] as const) if (p[k] !== undefined) out[k] = p[k];
      return out as Leaf;
    }),
  fc
    .record(
      {
        window: windowArb,
        type: some(EVENT_TYPES),
        channel: fc.option(some(['app', 'store']), { nil: undefined }),
        store: fc.option(some(STORES), { nil: undefined }),
        sku: fc.option(some(SKUS), { nil: undefined }),
        op: opArb,
        value: fc.integer({ min: 0, max: 4 }),
      },
      { requiredKeys: ['window', 'type', 'op', 'value'] },
    )
    .map(({ window, ...e }) => {
      const out: Record<string, unknown> = { kind: 'event', ...window, type: e.type, op: e.op, value: e.value };
      for (const k of ['channel', 'store', 'sku'] as const) if (e[k] !== undefined) out[k] = e[k];
      return out as Leaf;
    }),
);
const { node: ruleArb } = fc.letrec<{ node: RuleNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie('node').map((not) => ({ not })),
  ),
}));

// ---- the brute-force evaluator ---------------------------------------------------------------------
const compare = (a: number, op: Op, b: number) =>
  op === 'eq' ? a === b : op === 'ne' ? a !== b : op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
const toFen = (yuan: number) => Math.round(yuan * 100);
function inWindow(at: number, w: { days?: number; from?: string; to?: string }): boolean {
  if (at > AS_OF) return false;
  if (w.days !== undefined && at < localMidnight(shiftDay(AS_OF_DAY, 1 - w.days))) return false;
  if (w.from !== undefined && at < localMidnight(w.from)) return false;
  if (w.to !== undefined && at >= localMidnight(shiftDay(w.to, 1))) return false;
  return true;
}
function ageOn(birthday: string, day: string): number {
  const [by, bm, bd] = birthday.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);

function evaluate(node: RuleNode, c: Customer, d: Dataset): boolean {
  if ('all' in node) return node.all.every((n) => evaluate(n, c, d));
  if ('any' in node) return node.any.some((n) => evaluate(n, c, d));
  if ('not' in node) return !evaluate(node.not, c, d);
  const leaf = node;
  const liveOrders = () => d.orders.filter((o) => o.customer_id === c.id && o.status !== 'cancelled' && o.placed_at <= AS_OF);
  switch (leaf.kind) {
    case 'profile': {
      const v = (c as unknown as Record<string, string | null>)[leaf.field];
      return v !== null && v !== undefined && leaf.in.includes(v);
    }
    case 'attribute': {
      const v = c.attributes[leaf.key];
      if (v === null || v === undefined) return false;
      return leaf.in ? leaf.in.includes(v) : true;
    }
    case 'birthday_month':
      return c.birthday !== null && leaf.months.includes(Number(c.birthday.slice(5, 7)));
    case 'age': {
      if (c.birthday === null) return false;
      const age = ageOn(c.birthday, AS_OF_DAY);
      return (leaf.min === undefined || age >= leaf.min) && (leaf.max === undefined || age <= leaf.max);
    }
    case 'member_since': {
      const since = c.first_order_at === null ? c.created_at : Math.min(c.created_at, c.first_order_at);
      return inWindow(since, leaf);
    }
    case 'tag':
      return leaf.match === 'all' ? leaf.tags.every((x) => c.tags.includes(x)) : leaf.tags.some((x) => c.tags.includes(x));
    case 'consent': {
      const latest = d.consents
        .filter((k) => k.customer_id === c.id && k.purpose === leaf.purpose && (k.channel === leaf.channel || k.channel === 'all') && k.recorded_at <= AS_OF)
        .sort((a, b) => b.recorded_at - a.recorded_at || (a.id < b.id ? 1 : -1))[0];
      return latest?.status === 'granted';
    }
    case 'tier': {
      const a = d.accounts.find((x) => x.customer_id === c.id);
      return !!a && a.tier_code !== null && leaf.tiers.includes(a.tier_code) && (leaf.tierSet === undefined || a.tier_set === leaf.tierSet);
    }
    case 'points': {
      const a = d.accounts.find((x) => x.customer_id === c.id);
      return compare(a ? a[leaf.measure] : 0, leaf.op, leaf.value);
    }
    case 'rfm_score': {
      const r = d.rfm.find((x) => x.customer_id === c.id);
      if (!r) return false;
      const v = leaf.field === 'monetary' ? r.monetary_fen : r[leaf.field];
      return compare(v, leaf.op, leaf.field === 'monetary' ? toFen(leaf.value) : leaf.value);
    }
    case 'rfm_label': {
      const r = d.rfm.find((x) => x.customer_id === c.id);
      const v = r?.[leaf.field];
      return v !== undefined && v !== null && leaf.in.includes(v);
    }
    case 'lifetime': {
      const os = liveOrders();
      if (leaf.measure === 'orders') return compare(os.length, leaf.op, leaf.value);
      if (leaf.measure === 'net_spend') return compare(os.reduce((s, o) => s + o.paid_fen - o.refunded_fen, 0), leaf.op, toFen(leaf.value));
      if (os.length === 0) return false;
      const times = os.map((o) => o.placed_at);
      const pick = leaf.measure === 'days_since_last_order' ? Math.max(...times) : Math.min(...times);
      return compare(daysBetween(localDay(pick), AS_OF_DAY), leaf.op, leaf.value);
    }
    case 'purchase': {
      const os = liveOrders().filter(
        (o) => inWindow(o.placed_at, leaf) && (!leaf.store || (o.store_code !== null && leaf.store.includes(o.store_code))) && (!leaf.channel || leaf.channel.includes(o.channel as never)),
      );
      const lineLevel = leaf.category !== undefined || leaf.sku !== undefined || leaf.brand !== undefined || leaf.measure === 'quantity';
      if (!lineLevel) {
        const v = leaf.measure === 'orders' ? os.length : os.reduce((s, o) => s + o.paid_fen - o.refunded_fen, 0);
        return compare(v, leaf.op, leaf.measure === 'amount' ? toFen(leaf.value) : leaf.value);
      }
      const ids = new Set(os.map((o) => o.id));
      const lines = d.lines.filter((l) => {
        if (!ids.has(l.order_id)) return false;
        const p = d.products.find((x) => x.sku === l.sku);
        if (leaf.category && !(p && p.category_path.some((x) => leaf.category!.includes(x)))) return false;
        if (leaf.sku && !leaf.sku.includes(l.sku)) return false;
        if (leaf.brand && !(p?.brand && leaf.brand.includes(p.brand))) return false;
        return true;
      });
      const v =
        leaf.measure === 'orders'
          ? new Set(lines.map((l) => l.order_id)).size
          : leaf.measure === 'quantity'
            ? lines.reduce((s, l) => s + l.quantity - l.returned_quantity, 0)
            : lines.reduce((s, l) => s + l.paid_fen - l.refunded_fen, 0);
      return compare(v, leaf.op, leaf.measure === 'amount' ? toFen(leaf.value) : leaf.value);
    }
    case 'event': {
      const n = d.events.filter(
        (e) =>
          e.customer_id === c.id &&
          leaf.type.includes(e.type) &&
          e.occurred_at <= AS_OF &&
          inWindow(e.occurred_at, leaf) &&
          (!leaf.channel || (e.channel !== null && leaf.channel.includes(e.channel))) &&
          (!leaf.store || (e.store_code !== null && leaf.store.includes(e.store_code))) &&
          (!leaf.sku || (e.sku !== null && leaf.sku.includes(e.sku))),
      ).length;
      return compare(n, leaf.op, leaf.value);
    }
    case 'prediction':
      return false;
  }
}

// ---- loading a dataset --------------------------------------------------------------------------------
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
async function load(d: Dataset) {
  const db = t.kemai.database.db;
  await db.execute(
    sql`truncate customers.customers, customers.consents, orders.orders, orders.order_lines, catalog.products, activity.events, loyalty.accounts, segments.rfm_scores`,
  );
  const json = (rows: unknown[]) => sql`${JSON.stringify(rows)}::jsonb`;
  const customers = d.customers.map((c) => ({ ...c, merged_into: c.status === 'merged' ? d.customers[0]!.id : null, created_at: iso(c.created_at), first_order_at: iso(c.first_order_at) }));
  await db.execute(sql`insert into customers.customers (id, status, merged_into, gender, birthday, city, source, tags, income_band, attributes, created_at, first_order_at)
    select id, status, merged_into, gender, birthday, city, source, array(select jsonb_array_elements_text(tags)), income_band, attributes, created_at, first_order_at
    from jsonb_to_recordset(${json(customers)}) as x(id uuid, status text, merged_into uuid, gender text, birthday date, city text, source text, tags jsonb, income_band text, attributes jsonb, created_at timestamptz, first_order_at timestamptz)`);
  if (d.consents.length)
    await db.execute(sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
      select customer_id, id, channel, purpose, status, 'test', recorded_at
      from jsonb_to_recordset(${json(d.consents.map((k) => ({ ...k, recorded_at: iso(k.recorded_at) })))}) as x(customer_id uuid, id uuid, channel text, purpose text, status text, recorded_at timestamptz)`);
  if (d.products.length)
    await db.execute(sql`insert into catalog.products (id, sku, name, category_path, brand)
      select id, sku, sku, array(select jsonb_array_elements_text(category_path)), brand
      from jsonb_to_recordset(${json(d.products.map((p, i) => ({ ...p, id: uuid(5, i) })))}) as x(id uuid, sku text, category_path jsonb, brand text)`);
  if (d.orders.length) {
    await db.execute(sql`insert into orders.orders (id, customer_id, channel, external_id, store_code, placed_at, status, gross_fen, paid_fen, refunded_fen, line_count, content_hash)
      select id, customer_id, channel, id::text, store_code, placed_at, status, paid_fen, paid_fen, refunded_fen, 1, 'x'
      from jsonb_to_recordset(${json(d.orders.map((o) => ({ ...o, placed_at: iso(o.placed_at) })))}) as x(id uuid, customer_id uuid, channel text, store_code text, placed_at timestamptz, status text, paid_fen bigint, refunded_fen bigint)`);
    await db.execute(sql`insert into orders.order_lines (order_id, line_no, customer_id, sku, quantity, unit_price_fen, paid_fen, returned_quantity, refunded_fen)
      select x.order_id, x.line_no, o.customer_id, x.sku, x.quantity, x.paid_fen, x.paid_fen, x.returned_quantity, x.refunded_fen
      from jsonb_to_recordset(${json(d.lines)}) as x(order_id uuid, line_no int, sku text, quantity int, paid_fen bigint, returned_quantity int, refunded_fen bigint)
      join orders.orders o on o.id = x.order_id`);
  }
  if (d.events.length)
    await db.execute(sql`insert into activity.events (id, customer_id, type, occurred_at, channel, store_code, sku)
      select id, customer_id, type, occurred_at, channel, store_code, sku
      from jsonb_to_recordset(${json(d.events.map((e) => ({ ...e, occurred_at: iso(e.occurred_at) })))}) as x(id uuid, customer_id uuid, type text, occurred_at timestamptz, channel text, store_code text, sku text)`);
  if (d.accounts.length)
    await db.execute(sql`insert into loyalty.accounts (customer_id, available, pending, lifetime_earned, growth, tier_set, tier_code)
      select * from jsonb_to_recordset(${json(d.accounts)}) as x(customer_id uuid, available bigint, pending bigint, lifetime_earned bigint, growth bigint, tier_set text, tier_code text)`);
  if (d.rfm.length)
    await db.execute(sql`insert into segments.rfm_scores (customer_id, as_of, recency_days, frequency, monetary_fen, r, f, m, value_class, segment, value_quadrant, computed_at)
      select customer_id, '2026-06-15', recency_days, frequency, monetary_fen, r, f, m, value_class, segment, value_quadrant, now()
      from jsonb_to_recordset(${json(d.rfm)}) as x(customer_id uuid, recency_days int, frequency int, monetary_fen bigint, r smallint, f smallint, m smallint, value_class text, segment text, value_quadrant text)`);
}

describe('rule compiler vs a brute-force evaluator (property-based)', () => {
  it('the compiled SQL selects exactly the customers the evaluator selects', async () => {
    const ctx = { asOf: new Date(AS_OF), timeZone: 'Asia/Shanghai', predictions: false };
    await fc.assert(
      fc.asyncProperty(datasetArb, fc.array(ruleArb, { minLength: 25, maxLength: 25 }), async (data, rules) => {
        await load(data);
        for (const rule of rules) {
          const parsed = parseRuleDefinition({ version: 1, rule });
          expect(parsed.issues).toEqual([]);
          const got = (await query<{ id: string }>(t.kemai.database.db, audienceSql(parsed.definition!, ctx))).map((r) => r.id).sort();
          const want = data.customers.filter((c) => c.status === 'active' && evaluate(parsed.definition!.rule, c, data)).map((c) => c.id).sort();
          expect(got, JSON.stringify(rule)).toEqual(want);
          // limited to some customers, as an incremental update runs it
          const among = data.customers.filter((_, i) => i % 2 === 0).map((c) => c.id);
          const some = (await query<{ id: string }>(t.kemai.database.db, audienceSql(parsed.definition!, ctx, among))).map((r) => r.id).sort();
          expect(some, `among: ${JSON.stringify(rule)}`).toEqual(want.filter((id) => among.includes(id)));
        }
      }),
      { numRuns: Number(process.env.RULE_PROPERTY_RUNS ?? 60), seed: process.env.RULE_PROPERTY_SEED ? Number(process.env.RULE_PROPERTY_SEED) : undefined },
    );
  }, 600_000);
});

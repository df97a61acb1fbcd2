/**
 * Checkout pricing (issue 9): a 20-line cart against 200 active promotions — a realistic mix of rule types (满减 tiers and
 * repeats, percent and fixed off, N件M折, 买X送Y, bundles, 满赠, member / flash prices), scopes (order, categories,
 * brands, SKUs), stacking groups, exclusives, conditions (channels, stores, members, new / returning customers) and
 * limits — measured three ways on PostgreSQL, each against the same carts with 0 promotions in the same run:
 *   (a) the pure pricing core in process: conditions checked, then bestCombination — p50 / p99 per cart;
 *   (b) CheckoutService.price, with its context loading (active set, customer, limits' state, catalogue) — p50 / p99;
 *   (c) POST /api/v1/checkout/price over real HTTP (loopback, a listening server, N concurrent clients) — requests/s,
 *       and POST /api/v1/checkout/reservations (limits counted) — reservations/s.
 * Appends the figures to bench/RESULTS.md under "Checkout pricing".
 *
 *   npm run bench:promotions
 *   npm run bench:promotions -- --carts 200 --seconds 10 --clients 8
 *   npm run bench:promotions -- --dry-run        # print only, RESULTS.md untouched
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark creates and drops its
 * own database there.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKemai, type Kemai } from '../src/app/kemai.js';
import { buildServer } from '../src/app/server.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { OrderInput } from '../src/modules/orders/index.js';
import {
  bestCombination,
  CartInput,
  ineligibility,
  type CartLine,
  type CheckoutContext,
  type Conditions,
  type NewPromotion,
  type StackablePromotion,
} from '../src/modules/promotions/index.js';
import { appendToSection } from './support/results.js';
import { mulberry32 } from './support/random.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const CARTS = Number(opt('carts', '300'));
const SECONDS = Number(opt('seconds', '10'));
const CLIENTS = Number(opt('clients', '8'));
const PROMOTIONS = Number(opt('promotions', '200'));
const LINES = 20;
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

// ------------------------------------------------------------------ data (seeded: the same on every run)

const rand = mulberry32(20261124);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const CATEGORIES = [
  ['服装', '女装'],
  ['服装', '男装'],
  ['服装', '童装'],
  ['鞋靴', '运动鞋'],
  ['美妆', '护肤'],
  ['美妆', '彩妆'],
  ['食品', '零食'],
  ['食品', '饮料'],
  ['家居', '厨具'],
  ['家居', '床品'],
];
const BRANDS = Array.from({ length: 12 }, (_, i) => `品牌${String.fromCharCode(65 + i)}`);
const PRODUCTS = Array.from({ length: 600 }, (_, i) => ({
  sku: `P${String(i).padStart(4, '0')}`,
  priceFen: between(9, 899) * 100 + pick([0, 0, 50, 90]),
  categoryPath: pick(CATEGORIES),
  brand: pick(BRANDS),
}));
const STORES = Array.from({ length: 20 }, (_, i) => `S${String(i + 1).padStart(2, '0')}`);

function scope(): NewPromotion['definition']['scope'] {
  const r = rand();
  if (r < 0.3) return { kind: 'order' };
  if (r < 0.6) return { kind: 'categories', paths: [pick(CATEGORIES).slice(0, between(1, 2)).join('/')] };
  if (r < 0.8) return { kind: 'brands', brands: [pick(BRANDS), pick(BRANDS)] };
  return { kind: 'skus', skus: Array.from({ length: between(5, 40) }, () => pick(PRODUCTS).sku) };
}

/** One promotion of the mix: the rule type by share, then scope, group, conditions, limits. */
function promotion(i: number): NewPromotion {
  const r = rand();
  let definition: NewPromotion['definition'];
  let group: string | null;
  if (r < 0.2) {
    const min = between(1, 6) * 10000;
    definition = {
      scope: scope(),
      rule: rand() < 0.3 ? { kind: 'threshold', tiers: [{ minFen: min, offFen: min / 10 }], repeat: true } : { kind: 'threshold', tiers: [{ minFen: min, offFen: min / 10 }, { minFen: min * 2, offFen: min / 4 }] },
    };
    group = 'full-reduction';
  } else if (r < 0.35) {
    definition = { scope: scope(), rule: { kind: 'percent', percent: pick([5, 8, 10, 12, 15, 20]) }, capFen: rand() < 0.5 ? between(20, 100) * 100 : null };
    group = 'discount';
  } else if (r < 0.45) {
    definition = { scope: scope(), rule: { kind: 'fixed', offFen: between(5, 50) * 100 } };
    group = 'discount';
  } else if (r < 0.57) {
    definition = { scope: { kind: 'categories', paths: [pick(CATEGORIES).join('/')] }, rule: { kind: 'quantity', minUnits: between(2, 3), percent: pick([10, 20, 30]) } };
    group = 'item';
  } else if (r < 0.67) {
    definition = { scope: rand() < 0.5 ? { kind: 'categories', paths: [pick(CATEGORIES).join('/')] } : { kind: 'brands', brands: [pick(BRANDS)] }, rule: { kind: 'buyGet', buy: between(2, 3), get: 1 } };
    group = 'item';
  } else if (r < 0.75) {
    const a = pick(PRODUCTS);
    const b = pick(PRODUCTS);
    definition = { scope: { kind: 'skus', skus: [a.sku, b.sku] }, rule: { kind: 'bundle', items: [{ sku: a.sku, quantity: 1 }, { sku: b.sku, quantity: 1 }], priceFen: Math.floor(((a.priceFen + b.priceFen) * 0.85) / 100) * 100 } };
    group = null;
  } else if (r < 0.85) {
    definition = { scope: { kind: 'order' }, rule: { kind: 'gift', minFen: between(2, 8) * 10000, gifts: [{ sku: `GIFT${i}`, quantity: 1, valueFen: between(10, 60) * 100, name: '赠品' }] } };
    group = 'gift';
  } else {
    const items = Array.from({ length: between(10, 60) }, () => pick(PRODUCTS));
    definition = { scope: { kind: 'skus', skus: items.map((p) => p.sku) }, rule: { kind: 'price', prices: items.map((p) => ({ sku: p.sku, priceFen: Math.floor(p.priceFen * 0.8) })) } };
    group = 'price';
  }
  const conditions: NewPromotion['conditions'] = {};
  const c = rand();
  if (c < 0.2) conditions.channels = ['pos'];
  else if (c < 0.35) conditions.channels = ['online', 'miniprogram'];
  if (rand() < 0.15) conditions.stores = Array.from({ length: 5 }, () => pick(STORES));
  const a = rand();
  if (a < 0.15) conditions.audience = 'members';
  else if (a < 0.2) conditions.audience = 'new';
  else if (a < 0.25) conditions.audience = 'returning';
  if (rand() < 0.1) conditions.minSubtotalFen = between(1, 5) * 10000;
  const l = rand();
  return {
    code: `BENCH${String(i).padStart(3, '0')}`,
    name: `bench promotion ${i}`,
    status: 'active',
    definition,
    conditions,
    priority: between(1, 30) * 10,
    stackGroup: rand() < 0.95 ? group : null,
    exclusive: rand() < 0.04,
    // Limits far above what the run uses: counted (a guarded update per reservation), never reached.
    ...(l < 0.15 ? { budgetFen: 1_000_000_000 } : l < 0.3 ? { totalQuantity: 10_000_000 } : l < 0.35 ? { perCustomerLimit: 1_000_000 } : {}),
  };
}

function cart(customerId: string | undefined): CartInput {
  const lines = Array.from({ length: LINES }, () => {
    const p = pick(PRODUCTS);
    return { sku: p.sku, quantity: between(1, 3), unitPrice: (p.priceFen / 100).toFixed(2), categoryPath: p.categoryPath, brand: p.brand };
  });
  return CartInput.parse({ customerId, channel: rand() < 0.6 ? 'pos' : 'online', storeCode: pick(STORES), at: '2026-11-24T12:00:00+08:00', lines });
}

// ------------------------------------------------------------------ measurement

const fmtBytes = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const quantiles = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};

/** (a) the pure core for each cart: conditions on the cart's context, then the best combination. */
function pure(promotions: Array<{ stackable: StackablePromotion; conditions: Conditions }>, carts: CartInput[]): { p50: number; p99: number; greedy: number } {
  const times: number[] = [];
  let greedy = 0;
  for (let round = 0; round < 2; round++) {
    times.length = 0;
    for (const c of carts) {
      const t0 = performance.now();
      const lines: CartLine[] = c.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceFen: l.unitPrice!, categoryPath: l.categoryPath ?? null, brand: l.brand ?? null }));
      const subtotalFen = lines.reduce((s, l) => s + l.unitPriceFen * l.quantity, 0);
      const ctx: CheckoutContext = {
        channel: c.channel,
        storeCode: c.storeCode ?? null,
        fulfillment: null,
        subtotalFen,
        month: 11,
        customer: c.customerId ? { id: c.customerId, tierCode: null, segmentIds: new Set(), birthdayMonth: null, priorOrders: 1 } : null,
      };
      const best = bestCombination(
        promotions.filter((p) => ineligibility(p.conditions, ctx) === null).map((p) => p.stackable),
        lines,
      );
      times.push(performance.now() - t0);
      if (round === 1 && best.search === 'greedy') greedy += 1;
    }
  }
  return { ...quantiles(times), greedy };
}

/** (b) CheckoutService.price per cart, one after another (after one pass to warm caches and JIT). */
async function service(kemai: Kemai, carts: CartInput[]) {
  for (const c of carts.slice(0, 20)) await kemai.checkout.price(c);
  const times: number[] = [];
  let applied = 0;
  for (const c of carts) {
    const t0 = performance.now();
    const q = await kemai.checkout.price(c);
    times.push(performance.now() - t0);
    applied += q.applied.length;
  }
  return { ...quantiles(times), appliedPerCart: applied / carts.length };
}

/** (c) N clients each sending one request after another for `seconds`: requests/s and latency. */
async function http(base: string, key: string, route: string, bodies: (i: number) => unknown, expectStatus: number, seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  const times: number[] = [];
  let n = 0;
  let bytes = 0;
  const client = async () => {
    while (performance.now() < deadline) {
      const body = JSON.stringify(bodies(n++));
      const t0 = performance.now();
      const res = await fetch(`${base}${route}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.status !== expectStatus) throw new Error(`${route}: ${res.status} ${text.slice(0, 500)}`);
      times.push(performance.now() - t0);
      bytes += Buffer.byteLength(text);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const elapsed = (performance.now() - t0) / 1000;
  return { perSecond: times.length / elapsed, requests: times.length, bytesPerResponse: bytes / times.length, ...quantiles(times) };
}

interface Round {
  promotions: number;
  pure: { p50: number; p99: number; greedy: number };
  service: { p50: number; p99: number; appliedPerCart: number };
  price: { perSecond: number; requests: number; bytesPerResponse: number; p50: number; p99: number };
  reserve: { perSecond: number; requests: number; bytesPerResponse: number; p50: number; p99: number };
}

async function main() {
  const name = `kemai_bench_promo_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never', KEMAI_TIMEZONE: 'Asia/Shanghai' });
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: true, loyalty: false });
  const app = await buildServer(kemai);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { key } = await kemai.access.createApiKey({ name: 'bench', scopes: ['promotions:read', 'promotions:write'] });
  const rounds: Round[] = [];
  try {
    // Members with one earlier order each (returning customers); a quarter of the carts are guests'.
    const members: string[] = [];
    for (let i = 0; i < 200; i++) {
      const [r] = await kemai.orders.ingestOrders(
        [OrderInput.parse({ channel: 'pos', externalId: `PRE-${i}`, placedAt: '2026-10-01T10:00:00+08:00', customer: { memberNo: `BM${i}` }, lines: [{ sku: 'P0000', quantity: 1, unitPrice: '9.00' }] })],
        { source: 'bench' },
      );
      members.push(r!.customerId!);
    }
    const carts = Array.from({ length: CARTS }, () => cart(rand() < 0.75 ? pick(members) : undefined));
    const definitions = Array.from({ length: PROMOTIONS }, (_, i) => promotion(i));
    let reservation = 0;
    const reserveBody = (i: number) => ({ ...carts[i % carts.length]!, idempotencyKey: `bench-${++reservation}`, ttlSeconds: 600 });

    for (const count of [0, PROMOTIONS]) {
      if (count > 0) for (const d of definitions) await kemai.promotions.create(d, 'bench');
      const stored = count > 0 ? (await kemai.promotions.active(new Date('2026-11-24T04:00:00Z'))) : [];
      if (stored.length !== count) throw new Error(`expected ${count} active promotions, found ${stored.length}`);
      const inputs = stored.map((a) => ({ stackable: a.promotion, conditions: a.conditions }));
      console.log(`${count} promotions: pure core …`);
      const p = pure(inputs, carts);
      console.log(`  p50 ${p.p50.toFixed(3)} ms, p99 ${p.p99.toFixed(3)} ms (${p.greedy} carts searched greedily)`);
      console.log(`${count} promotions: CheckoutService.price …`);
      const s = await service(kemai, carts);
      console.log(`  p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, ${s.appliedPerCart.toFixed(1)} applied a cart`);
      console.log(`${count} promotions: POST /checkout/price, ${CLIENTS} clients × ${SECONDS} s …`);
      const h = await http(base, key, '/api/v1/checkout/price', (i) => carts[i % carts.length], 200, SECONDS);
      console.log(`  ${h.perSecond.toFixed(0)} requests/s (p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms), ${fmtBytes(h.bytesPerResponse)} a response`);
      console.log(`${count} promotions: POST /checkout/reservations, ${CLIENTS} clients × ${SECONDS} s …`);
      const r = await http(base, key, '/api/v1/checkout/reservations', reserveBody, 201, SECONDS);
      console.log(`  ${r.perSecond.toFixed(0)} reservations/s (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms)`);
      rounds.push({ promotions: count, pure: p, service: s, price: h, reserve: r });
    }
  } finally {
    await app.close();
    await kemai.close();
    const a = new pg.Client({ connectionString: SERVER_URL });
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.end();
  }

  const [zero, full] = rounds as [Round, Round];
  const ms = (v: number) => (v < 1 ? v.toFixed(3) : v.toFixed(2));
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const table = [
    `| measure | 0 promotions (baseline) | ${PROMOTIONS} promotions | ${PROMOTIONS} ÷ 0 |`,
    '|---|---|---|---|',
    `| (a) pure core per cart, p50 / p99 | ${ms(zero.pure.p50)} / ${ms(zero.pure.p99)} ms | **${ms(full.pure.p50)} / ${ms(full.pure.p99)} ms** | ${ratio(full.pure.p50, zero.pure.p50)} / ${ratio(full.pure.p99, zero.pure.p99)} |`,
    `| (b) CheckoutService.price per cart, p50 / p99 | ${ms(zero.service.p50)} / ${ms(zero.service.p99)} ms | **${ms(full.service.p50)} / ${ms(full.service.p99)} ms** | ${ratio(full.service.p50, zero.service.p50)} / ${ratio(full.service.p99, zero.service.p99)} |`,
    `| (c) POST /checkout/price, requests/s (p50 / p99) | ${fmt(zero.price.perSecond)} (${ms(zero.price.p50)} / ${ms(zero.price.p99)} ms) | **${fmt(full.price.perSecond)}** (${ms(full.price.p50)} / ${ms(full.price.p99)} ms) | ${(full.price.perSecond / zero.price.perSecond).toFixed(2)} |`,
    `| (c) POST /checkout/price, response size | ${fmtBytes(zero.price.bytesPerResponse)} | ${fmtBytes(full.price.bytesPerResponse)} | ${(full.price.bytesPerResponse / zero.price.bytesPerResponse).toFixed(1)}× |`,
    `| (c) POST /checkout/reservations, reservations/s (p50 / p99) | ${fmt(zero.reserve.perSecond)} (${ms(zero.reserve.p50)} / ${ms(zero.reserve.p99)} ms) | **${fmt(full.reserve.perSecond)}** (${ms(full.reserve.p50)} / ${ms(full.reserve.p99)} ms) | ${(full.reserve.perSecond / zero.reserve.perSecond).toFixed(2)} |`,
  ];
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const text = [
    `### PostgreSQL — run of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, load average at the end ${load} (1/5/15 min). ` +
      `Command: \`npm run bench:promotions${args.length ? ` -- ${args.join(' ')}` : ''}\`. ${CARTS} carts of ${LINES} lines (1–3 units each, 600 SKUs over 10 categories and 12 brands, ` +
      `60 % pos / 40 % online, 20 stores, 75 % members' with one earlier order, 25 % guests'); ${PROMOTIONS} active promotions: ~20 % 满减 (tiers or repeating), 15 % percent off (half capped), ` +
      '10 % fixed off, 12 % N件M折, 10 % 买X送Y, 8 % bundles, 10 % 满赠, 15 % member / flash prices on SKU lists; scopes order / category / brand / SKU; ~95 % in one of six stacking groups, ' +
      '4 % exclusive; ~35 % with channel conditions, 15 % store lists, 25 % audience (members, new, returning), 10 % a minimum subtotal; 35 % with a limit (budget, total quantity or per customer) ' +
      `set far above the run so every reservation counts it and none is refused. (a) and (b) one cart after another after a warm-up; (c) ${CLIENTS} concurrent clients for ${SECONDS} s each over ` +
      'HTTP to the server listening on loopback in the same process, every reservation a new one (its own idempotency key). ' +
      `With ${PROMOTIONS} promotions ${full.pure.greedy} of ${CARTS} carts had too many valid combinations for the exact search (each group's best instead), ` +
      `and ${full.service.appliedPerCart.toFixed(1)} promotions applied to a cart on average. The baseline is the same carts with no promotion defined (same database, same process): ` +
      'the ratio is what the promotions themselves cost — their conditions, the search for the best combination and the limits counted — over pricing a cart at list price.',
    '',
    ...table,
    '',
  ].join('\n');
  console.log(text);
  if (args.includes('--dry-run')) return;
  appendToSection(
    RESULTS,
    '## Checkout pricing (issue 9)',
    'Pricing a 20-line cart against 200 active promotions: the pure core in process and CheckoutService.price (p50 / p99 per cart), and POST /checkout/price and /checkout/reservations over HTTP on PostgreSQL (requests/s), each against the same carts with 0 promotions in the same run.',
    text,
  );
  console.log(`appended to ${RESULTS}`);
}

await main();

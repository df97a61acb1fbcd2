/**
 * Rule segments at scale (issue 6): live count latency (POST /segments/preview's work: count + first 20) p50 / p95
 * of representative rules, and the refresh of every segment, on PostgreSQL with 1,000,000 customers.
 *
 *   npm run bench:segments-rules                 # PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 *   npm run bench:segments-rules -- --dry-run    # print only, RESULTS.md untouched
 *   npm run bench:segments-rules -- --runs 20    # timed previews per rule (default 10, after 2 warm-ups)
 *   npm run bench:segments-rules -- --engine pglite   # PGlite, 100,000 customers in a temporary data directory (--customers N)
 *
 * Data: a copy (CREATE DATABASE … TEMPLATE) of bench:segments' kemai_bench_segments_1000000 (1M customers, 4M orders,
 * ~10M lines, RFM scores of its run; `npm run bench:segments -- --engine postgres --build-only` builds it), kept as
 * kemai_bench_rules_1000000, enriched once in SQL (md5 of the row, so every build is the same): the 2,000 SKUs get
 * products (20 categories under 4 departments, 10 brands), customers a gender, birthday, city (1 of 10) and for 10% a tag,
 * 30% an SMS consent, and 3M behaviour events over 2025 (view / add_to_cart / store_visit / share).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { migrateDatabase, openDatabase, query, type Database } from '../src/platform/db/database.js';
import { createKemai } from '../src/app/kemai.js';
import { appendToSection } from './support/results.js';
import { generate } from './support/segments-data.js';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const ENGINE = opt('engine', 'postgres');
const CUSTOMERS = ENGINE === 'pglite' ? Number(opt('customers', '100000')) : 1_000_000;
const RUNS = Number(opt('runs', '10'));
const DRY = args.includes('--dry-run');
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SOURCE = 'kemai_bench_segments_1000000';
const TARGET = 'kemai_bench_rules_1000000';
const TZ = 'Asia/Shanghai';
/** The data set's last day (bench:segments' AS_OF), end of day in Shanghai. */
const AS_OF = new Date('2025-12-31T23:59:59+08:00');

const ms = (x: number) => `${x < 100 ? x.toFixed(1) : x.toFixed(0)} ms`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const urlOf = (name: string) => {
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

/** Copy the RFM bench's database (waits while other sessions use it), then enrich it; kept for reruns. */
async function ensureDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  try {
    const has = async (name: string) => (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount! > 0;
    if (await has(TARGET)) return;
    if (!(await has(SOURCE))) throw new Error(`${SOURCE} is missing: run \`npm run bench:segments -- --engine postgres --build-only\` first`);
    console.error(`copying ${SOURCE} to ${TARGET} (waits while the source is in use)…`);
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${TARGET}_build template ${SOURCE}`);
        break;
      } catch (e) {
        if (attempt > 600) throw e;
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  } finally {
    await admin.end();
  }
  const database = await openDatabase({ databaseUrl: urlOf(`${TARGET}_build`), poolSize: 2 });
  await migrateDatabase(database);
  await enrich(database);
  await database.close();
  const a = new pg.Client({ connectionString: BASE_URL });
  await a.connect();
  await a.query(`alter database ${TARGET}_build rename to ${TARGET}`);
  await a.end();
}

const u = (tag: string, col = 'g') => sql.raw(`(('x' || substr(md5('${tag}' || ${col}), 1, 8))::bit(32)::bigint / 4294967296.0)`);

async function enrich(database: Database, n = 1_000_000): Promise<void> {
  const db = database.db;
  const t0 = performance.now();
  console.error('enriching: products, profiles, consents, events…');
  await db.execute(sql`delete from catalog.products`);
  await db.execute(sql`insert into catalog.products (id, sku, name, category_path, brand)
    select md5('p' || g)::uuid, 'SKU' || lpad(g::text, 4, '0'), 'Product ' || g,
           array[(array['服装','鞋履','美妆','家居'])[1 + g % 4], 'C' || (g % 20)], 'Brand' || (g % 10)
    from generate_series(0, 1999) g`);
  await db.execute(sql`with c as (select id, row_number() over (order by id) as g from customers.customers)
    update customers.customers x set
      gender = case when ${u('g')} < 0.6 then 'female' else 'male' end,
      birthday = date '1960-01-01' + floor(${u('b')} * 16000)::int,
      city = (array['上海','北京','杭州','广州','深圳','成都','南京','武汉','西安','苏州'])[1 + floor(${u('y')} * 10)::int],
      tags = case when ${u('t')} < 0.1 then array['vip'] else '{}' end
    from c where x.id = c.id`);
  await db.execute(sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
    select id, md5('k' || id)::uuid, 'sms', 'marketing', 'granted', 'bench', timestamptz '2024-01-01 00:00:00+08'
    from customers.customers where ('x' || substr(md5('k' || id), 1, 8))::bit(32)::bigint < 0.3 * 4294967296`);
  const chunk = 500_000;
  for (let lo = 1; lo <= 3 * n; lo += chunk) {
    await db.execute(sql`insert into activity.events (id, customer_id, type, occurred_at, channel, store_code, sku, source)
      select md5('e' || g)::uuid, md5('c' || (1 + floor(${n}::int * power(${u('ec')}, 2))::int))::uuid,
             (array['view','view','add_to_cart','store_visit','share'])[1 + floor(${u('et')} * 5)::int],
             timestamptz '2025-01-01 00:00:00+08' + floor(${u('ew')} * 365 * 86400) * interval '1 second',
             case when g % 2 = 0 then 'app' else 'store' end, 'S' || lpad((1 + g % 20)::text, 2, '0'), 'SKU' || lpad((g % 2000)::text, 4, '0'), 'bench'
      from generate_series(${lo}::int, ${Math.min(3 * n, lo + chunk - 1)}::int) g`);
  }
  await db.execute(sql`analyze`);
  console.error(`  enriched in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** Representative rules: what a marketer builds in the console. */
const RULES: Array<{ code: string; name: string; rule: unknown }> = [
  { code: 'bench_hz_women', name: 'Women in Hangzhou or Shanghai, 25–40', rule: { all: [{ kind: 'profile', field: 'gender', in: ['female'] }, { kind: 'profile', field: 'city', in: ['杭州', '上海'] }, { kind: 'age', min: 25, max: 40 }] } },
  { code: 'bench_bought_30d', name: 'Bought in the last 30 days', rule: { kind: 'purchase', days: 30 } },
  { code: 'bench_beauty_90d', name: 'Bought beauty in 90 days, through POS', rule: { kind: 'purchase', days: 90, category: ['美妆'], channel: ['pos'] } },
  { code: 'bench_lapsed_vip', name: 'Lapsed good customers', rule: { all: [{ kind: 'lifetime', measure: 'orders', op: 'gte', value: 5 }, { not: { kind: 'purchase', days: 180 } }] } },
  { code: 'bench_champions_sms', name: 'Champions with SMS opt-in', rule: { all: [{ kind: 'rfm_label', field: 'segment', in: ['champions', 'loyal'] }, { kind: 'consent', channel: 'sms' }] } },
  { code: 'bench_cart_no_buy', name: 'Added to cart twice in 14 days, no purchase', rule: { all: [{ kind: 'event', type: ['add_to_cart'], days: 14, value: 2 }, { not: { kind: 'purchase', days: 14 } }] } },
  { code: 'bench_spend_brand', name: '¥1,000+ on Brand3 in 2025', rule: { kind: 'purchase', from: '2025-01-01', to: '2025-12-31', brand: ['Brand3'], measure: 'amount', op: 'gte', value: 1000 } },
  { code: 'bench_vip_or_sharers', name: 'VIP tag or shared 3+ times in 60 days', rule: { any: [{ kind: 'tag', tags: ['vip'] }, { kind: 'event', type: ['share'], days: 60, value: 3 }] } },
];

/** PGlite: a temporary data directory with the same data set at 100,000 customers, and an RFM run for the scores. */
async function openPglite(): Promise<{ database: Database; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-rules-'));
  const database = await openDatabase({ dataDir: dir });
  await migrateDatabase(database);
  console.error(`generating ${CUSTOMERS.toLocaleString('en')} customers in PGlite …`);
  await generate(database, CUSTOMERS);
  await enrich(database, CUSTOMERS);
  return { database, dir };
}

async function main() {
  let dir: string | undefined;
  let database: Database;
  if (ENGINE === 'pglite') ({ database, dir } = await openPglite());
  else {
    await ensureDatabase();
    database = await openDatabase({ databaseUrl: urlOf(TARGET), poolSize: 4 });
    await migrateDatabase(database);
  }
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: TZ });
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: false, loyalty: false });
  if (ENGINE === 'pglite') await kemai.segments.rfm.run({ asOf: '2025-12-31' }, 'bench');
  const db = database.db;
  try {
    // A rerun starts from the same state: no bench segments, no membership events.
    const old = await query<{ id: string }>(db, sql`select id from segments.segments where code like 'bench\_%'`);
    for (const o of old) await kemai.segments.lists.remove(o.id);
    await db.execute(sql`delete from platform.outbox where name like 'segments.customer.%'`);
    const [facts] = await query<{ customers: number; orders: number; lines: number; events: number }>(
      db,
      sql`select (select count(*) from customers.customers)::int as customers, (select count(*) from orders.orders)::int as orders,
                 (select count(*) from orders.order_lines)::int as lines, (select count(*) from activity.events)::int as events`,
    );

    const rows: string[] = [];
    const all: number[] = [];
    for (const r of RULES) {
      const times: number[] = [];
      let count = 0;
      for (let i = 0; i < RUNS + 2; i++) {
        const t0 = performance.now();
        const p = await kemai.segments.lists.preview({ rule: r.rule }, { asOf: AS_OF });
        const dt = performance.now() - t0;
        count = p.count;
        if (i >= 2) times.push(dt);
      }
      all.push(...times);
      rows.push(`| ${r.name} | ${count.toLocaleString('en')} | ${ms(pct(times, 50))} | ${ms(pct(times, 95))} |`);
      console.error(`  ${r.code}: ${count} customers, p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}`);
    }

    // Create them (first fill: every member enters, events published), then refresh every segment twice.
    let t0 = performance.now();
    let filled = 0;
    for (const r of RULES) {
      const c = await kemai.segments.lists.create({ code: r.code, name: r.name, rule: r.rule }, 'bench');
      filled += c.refresh.entered;
    }
    const createMs = performance.now() - t0;
    const segments = (await kemai.segments.lists.list({ active: true })).filter((s) => s.kind !== 'static').length;
    t0 = performance.now();
    const same = await kemai.segments.membership.refreshAll({ asOf: AS_OF });
    const sameMs = performance.now() - t0;
    // A month later: windows have moved, many leave (and some rules let others in).
    t0 = performance.now();
    const later = await kemai.segments.membership.refreshAll({ asOf: new Date(AS_OF.getTime() + 30 * 86_400_000) });
    const laterMs = performance.now() - t0;
    const sum = (xs: typeof same, k: 'entered' | 'exited') => xs.reduce((s, x) => s + x[k], 0).toLocaleString('en');
    const [events] = await query<{ n: number }>(db, sql`select count(*)::int as n from platform.outbox where name like 'segments.customer.%'`);

    const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
    const text = [
      `### Rule segments — ${ENGINE === 'pglite' ? 'PGlite' : 'PostgreSQL'}, run of ${new Date().toISOString().slice(0, 10)}`,
      '',
      `Machine: ${os.cpus().length} cores, Node ${process.version}, load average at the end ${load}. Command: \`npm run bench:segments-rules${ENGINE === 'pglite' ? ' -- --engine pglite' : ''}\`. ` +
        `Data: ${facts!.customers.toLocaleString('en')} customers, ${facts!.orders.toLocaleString('en')} orders / ${facts!.lines.toLocaleString('en')} lines, ` +
        `${facts!.events.toLocaleString('en')} events (bench/segments-rules.bench.ts header). As of ${AS_OF.toISOString()}.`,
      '',
      `Live count (\`kemai.segments.lists.preview\`: the rule compiled to one SQL statement, count and the first 20 ids), ${RUNS} runs per rule after 2 warm-ups:`,
      '',
      '| rule | customers | p50 | p95 |',
      '|---|---|---|---|',
      ...rows,
      `| **all rules** | | **${ms(pct(all, 50))}** | **${ms(pct(all, 95))}** |`,
      '',
      `Membership: creating the ${RULES.length} rule segments (first fill, ${filled.toLocaleString('en')} entries written to members and the log, ` +
        `entered events of 1,000 customers each) took ${(createMs / 1000).toFixed(1)} s. Refresh of all ${segments} computed segments ` +
        `(the ${RULES.length} rules and the RFM run's system segments, whose members the first refresh after an RFM run fills) ` +
        `at the same as-of (+${sum(same, 'entered')} / −${sum(same, 'exited')}): **${(sameMs / 1000).toFixed(1)} s**; ` +
        `30 days later (+${sum(later, 'entered')} / −${sum(later, 'exited')}): **${(laterMs / 1000).toFixed(1)} s**. ` +
        `${events!.n.toLocaleString('en')} segments.customer.* events in the outbox at the end.`,
      '',
    ].join('\n');
    console.log(text);
    if (DRY) return;
    appendToSection(
      RESULTS,
      '## Segments',
      'Issue 6: RFM and segment refreshes at scale (1,000,000 customers / ~10M order lines on PostgreSQL, 100,000 on PGlite), rule-segment live counts.',
      text,
    );
  } finally {
    await kemai.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();

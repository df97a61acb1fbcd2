/**
 * Loyalty figures (issue 5).
 *
 * 1. Ingest with points accrual vs the same ingest without loyalty: the batch API as a POS feed uses it (HTTP, one
 *    request of 1,000 orders after another, outbox delivery running as in production), timed until every event is
 *    delivered — so with loyalty the points, growth value and tiers of every order are written. Ratio = orders/s with
 *    loyalty ÷ orders/s without (floor 0.7). Fresh database per run; PGlite and PostgreSQL.
 * 2. At scale on PostgreSQL: a copy of the console benchmark's database (1,000,000 members, 1,600,000 orders loaded by
 *    `kemai import`, see bench/console.bench.ts — run that first): accrual for its first 100,000 orders (--accrue) the
 *    way an import delivers it (one orders.batch.imported event per 20,000 orders), every other member's loyalty
 *    history seeded directly, then the nightly expiry and the yearly tier review over every member, each against a
 *    baseline in the same run (a bare UPDATE of the same rows, rolled back).
 *
 *   npm run bench:loyalty                              # both parts
 *   npm run bench:loyalty -- --part ingest --requests 10 [--rounds 3]
 *   npm run bench:loyalty -- --part scale
 *   npm run bench:loyalty -- --dry-run                 # print only, RESULTS.md untouched
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from './support/random.js';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { openDatabase, query, type Database } from '../src/platform/db/database.js';
import { publishMany } from '../src/platform/events/event-bus.js';
import { createKemai, type Kemai } from '../src/app/kemai.js';
import { buildServer } from '../src/app/server.js';
import { ORDERS_BATCH_IMPORTED } from '../src/modules/orders/index.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const PART = opt('part', 'all');
const REQUESTS = Number(opt('requests', '10'));
const PER_REQUEST = 1000;
/** Rounds of (without, with), alternated so a change in the machine's load hits both sides; the median ratio is reported. */
const ROUNDS = Number(opt('rounds', '3'));
const ENGINES = opt('engines', 'pglite,postgres').split(',');
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SOURCE_DB = opt('source', 'kemai_bench_console_1000000');
const ACCRUE = Number(opt('accrue', '100000'));
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const DRY = args.includes('--dry-run');
const log = createLogger('silent');

/** `requests` batches plus a warm-up batch; people buy repeatedly (40% as many people as orders), 90% identified. */
function generate(requests: number) {
  const rand = mulberry32(20261124);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const people = Array.from({ length: Math.round((requests + 1) * PER_REQUEST * 0.4) }, (_, i) => `1${String(3800000000 + i * 7919).slice(-10)}`);
  const skus = Array.from({ length: 500 }, (_, i) => ({ sku: `SKU${String(i).padStart(4, '0')}`, price: 990 + Math.floor(rand() * 60000) }));
  const start = Date.parse('2026-06-01T00:00:00+08:00');
  let n = 0;
  return Array.from({ length: requests + 1 }, () =>
    Array.from({ length: PER_REQUEST }, () => {
      n += 1;
      const who = rand() < 0.9 ? pick(people) : undefined;
      return {
        channel: 'pos',
        externalId: `L-${String(n).padStart(8, '0')}`,
        storeCode: `S${String(1 + Math.floor(rand() * 10)).padStart(2, '0')}`,
        placedAt: new Date(start + Math.floor(rand() * 150 * 86_400_000)).toISOString(),
        ...(who ? { customer: { phone: who } } : {}),
        lines: Array.from({ length: 1 + Math.floor(rand() * 5) }, () => {
          const p = pick(skus);
          return { sku: p.sku, quantity: 1 + Math.floor(rand() * 3), unitPrice: (p.price / 100).toFixed(2) };
        }),
      };
    }),
  );
}

async function scratchDatabase(engine: string, template?: string): Promise<{ database: Database; drop: () => Promise<void>; url?: string }> {
  if (engine === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-loyalty-'));
    return { database: await openDatabase({ dataDir: dir }), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `kemai_bench_loyalty_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    database: await openDatabase({ databaseUrl: url.toString() }),
    drop: async () => {
      const a = new pg.Client({ connectionString: SERVER_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

async function start(database: Database, loyalty: boolean): Promise<Kemai> {
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never' });
  return createKemai({ config, database, log, migrate: true, loyalty });
}

const pending = async (k: Kemai) =>
  Number((await query<{ n: number }>(k.database.db, sql`select count(*)::int as n from platform.outbox where delivered_at is null`))[0]!.n);

/** Every event delivered (the server's own drain runs too; this waits for it and helps). */
async function settle(k: Kemai): Promise<void> {
  for (;;) {
    await k.events.drain();
    if ((await pending(k)) === 0) return;
  }
}

interface IngestRun {
  seconds: number;
  ordersPerSec: number;
  entries: number;
  points: number;
}

async function ingestOnce(engine: string, loyalty: boolean, [warmUp, ...batches]: ReturnType<typeof generate>): Promise<IngestRun> {
  const { database, drop } = await scratchDatabase(engine);
  const kemai = await start(database, loyalty);
  const app = await buildServer(kemai);
  await app.listen({ port: 0, host: '127.0.0.1' });
  kemai.events.start(200);
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { key } = await kemai.access.createApiKey({ name: 'bench', scopes: ['orders:write'] });
  const send = async (items: unknown[]) => {
    const res = await fetch(`${base}/api/v1/orders/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    const json = (await res.json()) as { summary: Record<string, number> };
    if (res.status !== 200 || json.summary.created !== items.length) throw new Error(`batch failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  };
  try {
    await send(warmUp!);
    await settle(kemai);
    const t0 = performance.now();
    for (const b of batches) await send(b);
    const sent = (performance.now() - t0) / 1000;
    await settle(kemai);
    console.log(`  ${loyalty ? 'ON ' : 'OFF'} sent at ${sent.toFixed(2)} s, settled at ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    const seconds = (performance.now() - t0) / 1000;
    const [sums] = await query<{ entries: number; points: string | number; drift: number }>(
      database.db,
      sql`select (select count(*)::int from loyalty.ledger_entries) as entries,
                 (select coalesce(sum(points + pending_points), 0) from loyalty.ledger_entries)::bigint as points,
                 (select count(*)::int from loyalty.accounts a where a.available + a.pending <>
                    (select coalesce(sum(points + pending_points), 0) from loyalty.ledger_entries e where e.customer_id = a.customer_id)) as drift`,
    );
    if (sums!.drift !== 0) throw new Error(`${sums!.drift} accounts do not equal the sum of their entries`);
    if (loyalty && sums!.entries === 0) throw new Error('loyalty on, but nothing was earned');
    return { seconds, ordersPerSec: (batches.length * PER_REQUEST) / seconds, entries: sums!.entries, points: Number(sums!.points) };
  } finally {
    await app.close();
    await kemai.close();
    await drop();
  }
}

async function partIngest(): Promise<string> {
  const data = generate(REQUESTS);
  const rows: string[] = [];
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const engine of ENGINES) {
    const runs: Array<{ off: IngestRun; on: IngestRun; ratio: number }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      const off = await ingestOnce(engine, false, data);
      const on = await ingestOnce(engine, true, data);
      const ratio = on.ordersPerSec / off.ordersPerSec;
      runs.push({ off, on, ratio });
      console.log(`${engine} round ${r + 1}: without loyalty ${off.ordersPerSec.toFixed(0)} orders/s, with ${on.ordersPerSec.toFixed(0)} orders/s (${ratio.toFixed(2)}), ${on.entries} entries`);
    }
    const mid = runs.find((x) => x.ratio === median(runs.map((y) => y.ratio)))!;
    const { off, on } = mid;
    rows.push(
      `| ${engine} | ${REQUESTS} × ${PER_REQUEST} | ${off.ordersPerSec.toFixed(0)} orders/s (${off.seconds.toFixed(1)} s) | ` +
        `${on.ordersPerSec.toFixed(0)} orders/s (${on.seconds.toFixed(1)} s) | ${on.entries.toLocaleString('en')} entries, ${on.points.toLocaleString('en')} points | ` +
        `**${mid.ratio.toFixed(2)}** | ${runs.map((x) => x.ratio.toFixed(2)).join(' / ')} |`,
    );
  }
  return [
    `### Ingest with points accrual — run of ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${os.cpus().length} cores, Node ${process.version}, load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}. ` +
      `Command: \`npm run bench:loyalty -- --part ingest --requests ${REQUESTS} --rounds ${ROUNDS}\`. HTTP batch API, one request of 1,000 orders (1–5 lines) after ` +
      'another for a pool of repeat buyers, after a warm-up request; timed until the outbox is empty. With loyalty, delivery writes ' +
      'points (ledger entries, lots, balances), growth value and tiers, referral and badge checks for every order. ' +
      `${ROUNDS} rounds of (without, with) on fresh databases, alternated so a change in load hits both sides; the round with the median ratio is shown. Floor: 0.7.`,
    '',
    '| engine | requests × orders | without loyalty | with loyalty | written | ratio (median) | every round |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await f();
  return [r, (performance.now() - t0) / 1000];
};

/** A bare UPDATE of the same rows in a transaction that is rolled back: what touching them costs at the least. */
async function baselineUpdate(db: Database['db'], statement: ReturnType<typeof sql>): Promise<number> {
  const t0 = performance.now();
  await db
    .transaction(async (tx) => {
      await tx.execute(statement);
      throw new Error('rollback');
    })
    .catch((e: Error) => {
      if (e.message !== 'rollback') throw e;
    });
  return (performance.now() - t0) / 1000;
}

async function partScale(): Promise<string> {
  const { database, drop, url } = await scratchDatabase('postgres', SOURCE_DB);
  const kemai = await start(database, true);
  const db = database.db;
  try {
    const [counts] = await query<{ members: number; orders: number; first: string; last: string }>(
      db,
      sql`select (select count(*)::int from customers.customers where status = 'active') as members,
                 (select count(*)::int from orders.orders) as orders,
                 (select min(placed_at)::text from orders.orders) as first, (select max(placed_at)::text from orders.orders) as last`,
    );
    console.log(`scale: ${url} — ${counts!.members} members, ${counts!.orders} orders (${counts!.first} … ${counts!.last})`);
    // Accrual as an import delivers it (one batch event per 20,000 orders), for the first ACCRUE orders.
    const ids = (await query<{ id: string }>(db, sql`select id from orders.orders order by id limit ${ACCRUE}`)).map((r) => r.id);
    await db.transaction(async (tx) => {
      const payloads = [];
      for (let i = 0; i < ids.length; i += 20_000) payloads.push({ source: 'import:bench', created: ids.slice(i, i + 20_000), updated: [] });
      await publishMany(tx, ORDERS_BATCH_IMPORTED, payloads);
    });
    const [, accrualSeconds] = await timed(() => settle(kemai));
    // Every other member gets a year of history written directly (the accrual above shows what writing it costs):
    // one award of 0–2,999 points at a moment in the 24 months before the data's end (expiring 24 months later, the
    // default programme), growth value 0–7,999 and the tier it qualified for — except one in ten placed a tier above
    // (the review puts them into grace) and one in twenty a tier below (the review raises them).
    const [, seedSeconds] = await timed(() =>
      db.transaction(async (tx) => {
        await tx.execute(sql`create temporary table seed on commit drop as
          select c.id as customer_id, gen_random_uuid() as entry_id, gen_random_uuid() as lot_id, gen_random_uuid() as growth_id,
                 (abs(hashtext(c.id::text)) % 3000)::bigint as points, (abs(hashtext(c.id::text || 'g')) % 8000)::bigint as growth,
                 ${counts!.last}::timestamptz - make_interval(days => abs(hashtext(c.id::text || 't')) % 730) as at,
                 abs(hashtext(c.id::text || 'r')) % 20 as r
          from customers.customers c
          where c.status = 'active' and not exists (select 1 from loyalty.accounts a where a.customer_id = c.id)`);
        await tx.execute(sql`insert into loyalty.ledger_entries (customer_id, id, kind, points, pending_points, source_type, idempotency_key, actor, occurred_at, created_at)
          select customer_id, entry_id, 'earn', points, 0, 'event', 'bench:' || entry_id::text, 'bench', at, at from seed`);
        await tx.execute(sql`insert into loyalty.lots (customer_id, id, entry_id, points, remaining, available_at, expires_at, created_at)
          select customer_id, lot_id, entry_id, points, points, at, at + interval '24 months', at from seed`);
        await tx.execute(sql`insert into loyalty.growth_entries (customer_id, id, points, source_type, idempotency_key, actor, occurred_at)
          select customer_id, growth_id, growth, 'event', 'bench:' || growth_id::text, 'bench', at from seed`);
        const tiers = ['explorer', 'follower', 'advocate'];
        await tx.execute(sql`insert into loyalty.accounts (customer_id, available, lifetime_earned, growth, tier_set, tier_code, tier_since)
          select customer_id, points, points, growth, 'membership',
                 (${sql.param(tiers)}::text[])[least(3, greatest(1, (case when growth >= 5000 then 3 when growth >= 1000 then 2 else 1 end)
                   + case when r < 2 then 1 when r = 2 then -1 else 0 end))],
                 at from seed`);
      }),
    );
    await db.execute(sql`vacuum analyze`);
    const [acc] = await query<{ accounts: number; entries: number; lots: number; points: string | number }>(
      db,
      sql`select (select count(*)::int from loyalty.accounts) as accounts, (select count(*)::int from loyalty.ledger_entries) as entries,
                 (select count(*)::int from loyalty.lots) as lots, (select sum(available + pending)::bigint from loyalty.accounts) as points`,
    );
    console.log(`accrual: ${accrualSeconds.toFixed(0)} s for ${ids.length} orders; seeded in ${seedSeconds.toFixed(0)} s — ${JSON.stringify(acc)}`);

    // Expiry: as of the first day after the data's last month, what the programme lets lapse by then.
    const asOf = new Date(Date.parse(counts!.last) + 40 * 86_400_000);
    const [dry] = await timed(() => kemai.ledger.expire(asOf, { dryRun: true }));
    const expireBase = await baselineUpdate(db, sql`update loyalty.lots set remaining = 0 where expires_at <= ${asOf.toISOString()}::timestamptz and remaining > 0`);
    const [expired, expireSeconds] = await timed(() => kemai.ledger.expire(asOf));
    console.log(`expire: ${expireSeconds.toFixed(1)} s (baseline ${expireBase.toFixed(1)} s) — ${JSON.stringify(expired)}`);
    if (expired.lots !== dry.lots) throw new Error(`dry run said ${dry.lots} lots, the run expired ${expired.lots}`);

    const reviewBase = await baselineUpdate(db, sql`update loyalty.accounts set updated_at = now()`);
    const [reviewed, reviewSeconds] = await timed(() => kemai.tiers.reviewTiers(asOf));
    console.log(`review: ${reviewSeconds.toFixed(1)} s (baseline ${reviewBase.toFixed(1)} s) — ${JSON.stringify(reviewed)}`);

    return [
      `### At scale on PostgreSQL — run of ${new Date().toISOString().slice(0, 10)}`,
      '',
      `Machine: ${os.cpus().length} cores, Node ${process.version}, load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}. ` +
        `Command: \`npm run bench:loyalty -- --part scale\`. A copy of \`${SOURCE_DB}\` (${counts!.members.toLocaleString('en')} members, ` +
        `${counts!.orders.toLocaleString('en')} orders from ${counts!.first.slice(0, 10)} to ${counts!.last.slice(0, 10)}). Baselines: a bare UPDATE of the ` +
        'same rows (lots expiring; every account) in a transaction that is rolled back.',
      '',
      '| step | time | baseline | ratio | what it did |',
      '|---|---|---|---|---|',
      `| accrual of the first ${ids.length.toLocaleString('en')} orders (orders.batch.imported, 20,000 orders per event) | **${accrualSeconds.toFixed(0)} s** (${Math.round(ids.length / accrualSeconds).toLocaleString('en')} orders/s) | — | — | points, growth value, tiers, referral and badge checks; then the other members seeded directly: ${acc!.accounts.toLocaleString('en')} accounts, ${acc!.entries.toLocaleString('en')} entries, ${acc!.lots.toLocaleString('en')} lots |`,
      `| nightly expiry as of ${asOf.toISOString().slice(0, 10)} | **${expireSeconds.toFixed(1)} s** | ${expireBase.toFixed(1)} s | ${(expireSeconds / expireBase).toFixed(1)}× | ${expired.members.toLocaleString('en')} members, ${expired.lots.toLocaleString('en')} lots, ${expired.points.toLocaleString('en')} points |`,
      `| yearly tier review over every member | **${reviewSeconds.toFixed(1)} s** | ${reviewBase.toFixed(1)} s | ${(reviewSeconds / reviewBase).toFixed(1)}× | ${JSON.stringify(reviewed).replace(/\|/g, '/')} |`,
      '',
    ].join('\n');
  } finally {
    await kemai.close();
    await drop();
  }
}

async function main() {
  const sections: string[] = [];
  if (PART === 'all' || PART === 'ingest') sections.push(await partIngest());
  if (PART === 'all' || PART === 'scale') sections.push(await partScale());
  const text = sections.join('\n');
  console.log(text);
  if (DRY) return;
  const heading = '## Loyalty';
  let current = fs.readFileSync(RESULTS, 'utf8');
  if (!current.includes(heading))
    current = `${current.trimEnd()}\n\n${heading}\n\nIssue 5: order ingest with points accrual against the same ingest without loyalty (floor 0.7), and the nightly expiry and yearly tier review over a million members on PostgreSQL.\n`;
  const at = current.indexOf(heading) + heading.length;
  const next = current.indexOf('\n## ', at);
  const insertAt = next === -1 ? current.length : next;
  current = `${current.slice(0, insertAt).trimEnd()}\n\n${text}${next === -1 ? '' : '\n'}${current.slice(insertAt)}`;
  fs.writeFileSync(RESULTS, current.endsWith('\n') ? current : `${current}\n`);
}

await main();

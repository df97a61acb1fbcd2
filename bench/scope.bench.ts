/**
 * Store scoping's cost (issue 13): the same reads through real HTTP (app.inject) as an administrator (no scope: the
 * guard does nothing) and as a guide of the busiest store (the guard resolves what the request names, filters the
 * customer list in SQL and walks the answer for customer references). A demo brand on the embedded database (PGlite)
 * or PostgreSQL. Appends the figures to bench/RESULTS.md under "Store scoping".
 *
 *   npm run bench:scope                              # 2,000 demo customers on PGlite, 200 requests per read and role
 *   npm run bench:scope -- --customers 5000 --engine postgres
 *   npm run bench:scope -- --customers 300 --requests 30 --dry-run
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createKemai } from '../src/app/kemai.js';
import { buildServer } from '../src/app/server.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase, query } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { DemoService } from '../src/modules/demo/index.js';
import { appendToSection } from './support/results.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const CUSTOMERS = Number(opt('customers', '2000'));
const REQUESTS = Number(opt('requests', '200'));
const ENGINE = opt('engine', 'pglite');
const DRY = args.includes('--dry-run');
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = 'kemai_bench_scope';
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

async function adminSql(statement: string) {
  const c = new pg.Client({ connectionString: SERVER_URL });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

async function main() {
  let url: string | undefined;
  if (ENGINE === 'postgres') {
    await adminSql(`drop database if exists ${DB_NAME}`);
    await adminSql(`create database ${DB_NAME}`);
    const u = new URL(SERVER_URL);
    u.pathname = `/${DB_NAME}`;
    url = u.toString();
  }
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_RATE_LIMIT_PER_KEY: '100000000', ...(url ? { DATABASE_URL: url } : {}) });
  const database = await openDatabase(url ? { databaseUrl: url } : {});
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: true });
  const app = await buildServer(kemai);
  await app.ready();
  try {
    const t0 = performance.now();
    const demo = new DemoService({ ...kemai, strongIdentifiers: config.strongIdentifiers });
    await demo.seed({ customers: CUSTOMERS, seed: 'scope', until: '2025-11-30', service: true });
    await kemai.events.drain();
    await kemai.staff.backfill();
    console.log(`seeded ${CUSTOMERS} customers in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

    const db = kemai.database.db;
    const [top] = await query<{ store_code: string; n: number }>(
      db,
      sql`select store_code, count(*)::int as n from staff.assignments where ended_at is null and store_code is not null group by 1 order by 2 desc, 1 limit 1`,
    );
    const store = top!.store_code;
    await kemai.access.createStaff({ username: 'bench-guide', role: 'guide', storeCode: store, password: 'bench password 1' });
    const guide = { authorization: `Bearer ${(await kemai.access.login('bench-guide', 'bench password 1')).token}` };
    const admin = { authorization: `Bearer ${await kemai.access.createLocalKey()}` };
    const [own] = await query<{ id: string }>(db, sql`select customer_id::text as id from staff.assignments where ended_at is null and store_code = ${store} order by customer_id limit 1`);
    const [total] = await query<{ n: number }>(db, sql`select count(*)::int as n from customers.customers where status = 'active'`);

    const reads: Array<[string, string]> = [
      ['customer list, page 1 of 25 by name', '/api/v1/customers?page=1&pageSize=25&sort=name'],
      ['customer 360', `/api/v1/customers/${own!.id}`],
      ['ticket list (50)', '/api/v1/service/tickets?limit=50'],
      ['message log (50)', '/api/v1/messaging/messages?limit=50'],
    ];
    const rows: string[] = [];
    for (const [label, path] of reads) {
      const p50: Record<string, number> = {};
      const p95: Record<string, number> = {};
      for (const [who, headers] of [['admin', admin], ['guide', guide]] as const) {
        const times: number[] = [];
        for (let i = 0; i < REQUESTS + 10; i++) {
          const a = performance.now();
          const r = await app.inject({ method: 'GET', url: path, headers });
          if (r.statusCode !== 200) throw new Error(`${who} ${path} → ${r.statusCode} ${r.body.slice(0, 200)}`);
          if (i >= 10) times.push(performance.now() - a);
        }
        p50[who] = pct(times, 50);
        p95[who] = pct(times, 95);
      }
      rows.push(
        `| ${label} | ${p50.admin!.toFixed(1)} ms / ${p95.admin!.toFixed(1)} ms | ${p50.guide!.toFixed(1)} ms / ${p95.guide!.toFixed(1)} ms | ${(p50.guide! / p50.admin!).toFixed(2)}× |`,
      );
      console.log(rows.at(-1));
    }
    const text = [
      `### ${new Date().toISOString().slice(0, 10)} — ${ENGINE}, ${total!.n.toLocaleString('en-US')} customers (guide's store ${store}: ${top!.n} of them), ${REQUESTS} requests per read and role, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`,
      '',
      '| read | admin p50 / p95 (baseline: no scoping) | guide p50 / p95 | guide ÷ admin (p50) |',
      '|---|---:|---:|---:|',
      ...rows,
      '',
    ].join('\n');
    console.log(text);
    if (!DRY)
      appendToSection(
        RESULTS,
        '## Store scoping',
        '`npm run bench:scope` (bench/scope.bench.ts): the same reads through HTTP (app.inject) as an administrator, whom the store-scope guard lets through untouched (the baseline), and as a guide of the busiest store, for whom it resolves the customers a request names, filters the customer list in SQL and walks each answer for customer references.',
        text,
      );
  } finally {
    await app.close();
    await kemai.close();
    if (ENGINE === 'postgres') await adminSql(`drop database if exists ${DB_NAME}`);
  }
}

await main();

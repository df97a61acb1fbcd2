/**
 * Service (issue 11), on PostgreSQL: the ticket inbox and the ticket page with 1,000,000 tickets.
 *
 * History built in SQL (bench/support/service-data.ts): 200,000 customers, 1,000,000 tickets over two years (8 % live,
 * their SLA clocks running), three timeline entries each, four queues, 30 agents. Then, through the real HTTP API of a
 * listening server (Fastify on 127.0.0.1, requests by fetch, signed in as an agent), N requests each (default 300) of:
 * - the inbox as an agent opens it (live tickets, all queues, most urgent first, page 1 of 50);
 * - "mine" (assignee = the agent), a queue's live tickets, the breached ones, a search by ticket number, every status
 *   (the console's "all" tab), a search by words of the subject;
 * - a late page (page 40) of the history (resolved and closed);
 * - the ticket page (GET /tickets/{id}: ticket, timeline, compensations, the customer's summary) of random tickets;
 * each as p50 / p95 / p99, against GET /healthz on the same server in the same run (the HTTP stack's floor).
 * Appends the figures to bench/RESULTS.md under "Service (issue 11)".
 *
 *   npm run bench:service
 *   npm run bench:service -- --tickets 100000 --requests 100 --dry-run
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark creates its own
 * database there (kemai_bench_service; kept for reruns with --keep, rebuilt with --fresh).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createKemai, type Kemai } from '../src/app/kemai.js';
import { buildServer } from '../src/app/server.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase, query, queryOne } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { appendToSection } from './support/results.js';
import { generateServiceHistory } from './support/service-data.js';
import { mulberry32 } from './support/random.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const TICKETS = Number(opt('tickets', '1000000'));
const CUSTOMERS = Number(opt('customers', String(Math.max(1000, Math.round(TICKETS / 5)))));
const AGENTS = 32;
const REQUESTS = Number(opt('requests', '300'));
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = opt('database', 'kemai_bench_service');
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const DRY = args.includes('--dry-run');
const KEEP = args.includes('--keep');
const FRESH = args.includes('--fresh');

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function dbUrl(): string {
  const u = new URL(SERVER_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
}

interface Figure {
  name: string;
  p50: number;
  p95: number;
  p99: number;
  rows: number;
}

async function measure(name: string, call: (i: number) => Promise<{ rows: number }>): Promise<Figure> {
  for (let i = 0; i < 10; i++) await call(i); // warm-up: plans cached, pages in memory
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    rows = (await call(i)).rows;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const f = { name, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), rows };
  console.log(`${name.padEnd(58)} p50 ${ms(f.p50).padStart(9)}  p95 ${ms(f.p95).padStart(9)}  p99 ${ms(f.p99).padStart(9)}  (${rows} rows)`);
  return f;
}

async function main() {
  const exists = (await (async () => {
    const client = new pg.Client({ connectionString: SERVER_URL });
    await client.connect();
    try {
      return (await client.query('select 1 from pg_database where datname = $1', [DB_NAME])).rowCount === 1;
    } finally {
      await client.end();
    }
  })()) as boolean;
  if (exists && FRESH) await admin(`drop database ${DB_NAME} with (force)`);
  const reuse = exists && !FRESH;
  if (!reuse) await admin(`create database ${DB_NAME}`);

  const log = createLogger('silent');
  const config = loadConfig({ DATABASE_URL: dbUrl(), KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off' });
  const database = await openDatabase({ databaseUrl: dbUrl(), poolSize: 10 });
  const kemai: Kemai = await createKemai({ config, database, log, migrate: true });
  const db = database.db;

  const have = Number((await queryOne<{ n: string }>(db, sql`select count(*)::text as n from service.tickets`))!.n);
  if (have !== TICKETS) {
    if (have > 0) throw new Error(`${DB_NAME} holds ${have} tickets, not ${TICKETS}: run with --fresh`);
    const t0 = performance.now();
    await generateServiceHistory(db, { customers: CUSTOMERS, tickets: TICKETS, agents: AGENTS }, (what, done) => process.stdout.write(`\r${what} ${fmt(done)}   `));
    console.log(`\nhistory built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const agent = { username: 'agent7' };
  const password = await kemai.access.resetPassword(agent.username);
  const app = await buildServer(kemai);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: agent.username, password }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const token = login.ok ? ((await login.json()) as { token?: string }).token : undefined;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : { cookie };
  const get = async (url: string): Promise<{ rows: number }> => {
    const res = await fetch(`${base}${url}`, { headers });
    if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { items?: unknown[]; timeline?: unknown[] };
    return { rows: body.items?.length ?? body.timeline?.length ?? 1 };
  };

  const random = mulberry32(11);
  const queue = (await queryOne<{ id: string }>(db, sql`select id::text from service.queues where code = 'complaints-bench'`))!.id;
  const figures: Figure[] = [];
  figures.push(await measure('baseline: GET /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    await res.arrayBuffer();
    return { rows: 1 };
  }));
  const T = '/api/v1/service/tickets';
  figures.push(await measure('inbox: live tickets, most urgent first (page 1 × 50)', () => get(`${T}?status=new,open,pending&limit=50`)));
  figures.push(await measure('inbox: mine', () => get(`${T}?status=new,open,pending&assignee=me&limit=50`)));
  figures.push(await measure('inbox: one queue', () => get(`${T}?status=new,open,pending&queue=${queue}&limit=50`)));
  figures.push(await measure('inbox: SLA breached', () => get(`${T}?sla=breached&limit=50`)));
  figures.push(await measure('inbox: search by number', (i) => get(`${T}?q=${1 + Math.floor(random() * TICKETS) + 0 * i}&status=new,open,pending,resolved,closed&limit=50`)));
  figures.push(await measure('inbox: every status (the "all" tab), page 1', () => get(`${T}?status=new,open,pending,resolved,closed&limit=50`)));
  figures.push(await measure('inbox: search by subject words (no trigram index)', (i) => get(`${T}?q=${encodeURIComponent(`订单 ${1 + ((i * 7919) % TICKETS)} 的`)}&status=new,open,pending,resolved,closed&limit=50`)));
  figures.push(await measure('history: resolved and closed, page 40 (offset 1,950)', () => get(`${T}?status=resolved,closed&offset=1950&limit=50`)));
  const ids = await query<{ id: string }>(db, sql`select md5('st' || g)::uuid::text as id from generate_series(1, ${REQUESTS + 10}::int) x cross join lateral (select 1 + floor(random() * ${TICKETS}::int)::int as g) r`);
  figures.push(await measure('ticket page: GET /tickets/{id}', (i) => get(`${T}/${ids[i % ids.length]!.id}`)));

  await app.close();
  await kemai.close();
  if (!KEEP) await admin(`drop database ${DB_NAME} with (force)`);

  const pgVersion = await (async () => {
    const client = new pg.Client({ connectionString: SERVER_URL });
    await client.connect();
    try {
      return String((await client.query('show server_version')).rows[0].server_version);
    } finally {
      await client.end();
    }
  })();
  const base0 = figures[0]!;
  const lines = [
    `### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${fmt(TICKETS)} tickets, ${fmt(CUSTOMERS)} customers, PostgreSQL ${pgVersion}, ${os.cpus().length} cores`,
    '',
    `${REQUESTS} requests each, one at a time, over HTTP to a listening server, signed in as an agent.`,
    '',
    '| request | p50 | p95 | p99 | p95 ÷ baseline p95 | rows |',
    '|---|---:|---:|---:|---:|---:|',
    ...figures.map((f) => `| ${f.name} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.p99)} | ${(f.p95 / base0.p95).toFixed(1)} | ${f.rows} |`),
    '',
  ];
  console.log(lines.join('\n'));
  if (!DRY)
    appendToSection(
      RESULTS,
      '## Service (issue 11)',
      'The ticket inbox and the ticket page with 1,000,000 tickets on PostgreSQL (`npm run bench:service`): history built in SQL, requests over real HTTP, p50 / p95 / p99 against GET /healthz on the same server in the same run.',
      lines.join('\n'),
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Console figures (issue 4): for the dashboard, the customer list and the customer 360 page, the time until the page
 * shows its content in Debian's chromium (navigation start → the page's figures on screen, no spinner left) and the
 * p50/p95 of the API calls behind it, each against a baseline measured in the same run (the sign-in page's first
 * paint; GET /healthz).
 *
 *   npm run bench:console                                   # PGlite with the 20,000-customer demo
 *   npm run bench:console -- --engine postgres --customers 1000000
 *   npm run bench:console -- --dry-run                      # print only, RESULTS.md untouched
 *
 * PGlite: a temporary data directory seeded by `kemai demo`. PostgreSQL: database kemai_bench_console_<n> on
 * BENCH_DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/test), loaded once by `kemai import` of a
 * generated order file in which n distinct members buy (kept for reruns; --fresh rebuilds it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../src/platform/config.js';
import { createLogger } from '../src/platform/logger.js';
import { openDatabase, query } from '../src/platform/db/database.js';
import { createKemai, type Kemai } from '../src/app/kemai.js';
import { buildServer } from '../src/app/server.js';
import { DemoOptionsInput, DemoService } from '../src/modules/demo/index.js';
import { mulberry32 } from './support/random.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench/RESULTS.md');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const ENGINE = opt('engine', 'pglite');
const CUSTOMERS = Number(opt('customers', ENGINE === 'pglite' ? '20000' : '1000000'));
const API_RUNS = Number(opt('requests', '60'));
const PAGE_RUNS = Number(opt('loads', '7'));
const DRY = args.includes('--dry-run');
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHROMIUM = '/usr/bin/chromium';
const ADMIN = { username: 'bench.admin', displayName: 'Bench', password: 'Kemai-Bench-2026', role: 'admin' as const };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

/** Orders of `members` distinct people (each buys at least once), 2 lines each, grouped by order. */
function generateOrders(file: string, members: number): void {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const rand = mulberry32(7);
  const out = fs.openSync(file, 'w');
  let buf = 'order_no,store,placed_at,member_no,phone,sku,qty,price\n';
  const orders = Math.round(members * 1.6);
  const start = Date.UTC(2024, 0, 1);
  for (let o = 0; o < orders; o++) {
    const m = o < members ? o : Math.floor(rand() * members);
    const store = `S${String(1 + Math.floor(rand() * 20)).padStart(2, '0')}`;
    const at = new Date(start + Math.floor(rand() * 700 * 86400) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const phone = `1${3 + Math.floor(m / 100_000_000)}${String(m % 100_000_000).padStart(9, '0')}`;
    for (let l = 0; l < 2; l++) {
      const sku = `SKU${String(Math.floor(rand() * 2000)).padStart(4, '0')}`;
      buf += `${store}-${o},${store},${at},M${String(m).padStart(7, '0')},${phone},${sku},${1 + Math.floor(rand() * 3)},${1 + Math.floor(rand() * 300)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}\n`;
    }
    if (buf.length > 1 << 20) {
      fs.writeSync(out, buf);
      buf = '';
    }
  }
  fs.writeSync(out, buf);
  fs.closeSync(out);
}

async function prepare(): Promise<{ kemai: Kemai; label: string; cleanup: () => Promise<void> }> {
  const log = createLogger('warn');
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'warn', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never' });
  if (ENGINE === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-console-'));
    const database = await openDatabase({ dataDir: dir });
    const kemai = await createKemai({ config, database, log });
    const t0 = performance.now();
    await new DemoService({ ...kemai, strongIdentifiers: kemai.config.strongIdentifiers }).seed(DemoOptionsInput.parse({ customers: CUSTOMERS }));
    console.error(`demo seeded (${CUSTOMERS} customers) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    // Measure a settled system: the demo's events delivered to their subscribers first (on PGlite the
    // one connection is shared, so requests would otherwise queue behind the delivery).
    const t1 = performance.now();
    const events = await kemai.events.drain();
    console.error(`${events} outbox events delivered in ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    return {
      kemai,
      label: `PGlite, \`kemai demo\` with ${CUSTOMERS.toLocaleString('en')} customers`,
      cleanup: async () => {
        await kemai.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `kemai_bench_console_${CUSTOMERS}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  if (exists && args.includes('--fresh')) await admin.query(`drop database ${name} with (force)`);
  if (!exists || args.includes('--fresh')) await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const database = await openDatabase({ databaseUrl: url });
  const kemai = await createKemai({ config, database, log });
  const [have] = await query<{ n: number }>(kemai.database.db, sql`select count(*)::int as n from customers.customers`);
  if (have!.n < CUSTOMERS) {
    const file = path.join(ROOT, `bench/.work/console-orders-${CUSTOMERS}.csv`);
    generateOrders(file, CUSTOMERS);
    console.error(`importing ${file} into ${name} …`);
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin/kemai.js'), 'import', 'orders', file, '--const', 'channel=pos',
        '--map', 'externalId=order_no', '--map', 'storeCode=store', '--map', 'placedAt=placed_at',
        '--map', 'customer.memberNo=member_no', '--map', 'customer.phone=phone',
        '--map', 'lines.quantity=qty', '--map', 'lines.unitPrice=price', '--json',
      ],
      { env: { ...process.env, DATABASE_URL: url, KEMAI_LOG_LEVEL: 'warn', KEMAI_JOBS: 'off' }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) throw new Error(`kemai import exited ${r.status}`);
    console.error(`imported in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  // After a bulk load autovacuum would get there in time; the bench does not wait for it.
  await kemai.database.db.execute(sql`vacuum analyze`);
  return {
    kemai,
    label: `PostgreSQL at ${new URL(BASE_URL).host}, ${CUSTOMERS.toLocaleString('en')} customers loaded by \`kemai import\` (${Math.round(CUSTOMERS * 1.6).toLocaleString('en')} orders)`,
    cleanup: () => kemai.close(),
  };
}

interface PageFigure {
  page: string;
  shownMs: number[];
  api: Array<{ call: string; times: number[] }>;
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const { kemai, label, cleanup } = await prepare();
  const app = await buildServer(kemai);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1366, height: 900 },
    locale: 'zh-CN',
  });
  try {
    // Already there when a PostgreSQL database is reused.
    await kemai.access.createStaff(ADMIN).catch(() => undefined);
    const page = browser.pages()[0] ?? (await browser.newPage());
    // Pages over a million customers, or on a busy machine, take their time: measure, do not give up.
    page.setDefaultTimeout(Number(process.env.BENCH_TIMEOUT_MS ?? 180_000));
    // Baseline page: the sign-in form (static, no data).
    const signInPaint: number[] = [];
    for (let i = 0; i < PAGE_RUNS; i++) {
      await browser.clearCookies();
      await page.goto(base, { waitUntil: 'commit' });
      await page.locator('input[name=username]').waitFor();
      signInPaint.push(await page.evaluate(() => performance.now()));
    }
    await page.locator('input[name=username]').fill(ADMIN.username);
    await page.locator('input[name=password]').fill(ADMIN.password);
    await page.locator('button[type=submit]').click();
    await page
      .locator('.user-name')
      .waitFor()
      .catch(async (e: Error) => {
        await page.screenshot({ path: '/tmp/kemai-shots/bench-sign-in-failed.png' });
        throw e;
      });

    const cookie = (await browser.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const timeApi = async (url: string) => {
      const times: number[] = [];
      for (let i = 0; i < API_RUNS; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}${url}`, { headers: { cookie } });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        times.push(performance.now() - t0);
      }
      return times;
    };
    const [someone] = await query<{ id: string }>(
      kemai.database.db,
      sql`select customer_id as id from orders.order_facts where customer_id is not null group by customer_id order by count(*) desc, customer_id limit 1`,
    );
    const shown = async (to: string, ready: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < PAGE_RUNS; i++) {
        await page.goto(`${base}${to}`, { waitUntil: 'commit' });
        await ready();
        await page.waitForFunction("!document.querySelector('.content .state-loading')");
        times.push(await page.evaluate(() => performance.now()));
      }
      return times;
    };
    const figures: PageFigure[] = [];
    const apiCalls = async (urls: string[]) => Promise.all(urls.map(async (u) => ({ call: u, times: await timeApi(u) })));
    const overviewCalls = [...new Set((await apiCallsOf(page, base, '/')).filter((u) => u.startsWith('/api/') && !u.startsWith('/api/v1/auth')))];
    figures.push({
      page: 'Dashboard `/`',
      shownMs: await shown('/', () => page.locator('.kpi-value').first().waitFor()),
      api: await apiCalls(overviewCalls),
    });
    figures.push({
      page: 'Customer list `/customers`',
      shownMs: await shown('/customers', () => page.locator('table.table tbody tr').first().waitFor()),
      api: await apiCalls(['/api/v1/customers?page=1&pageSize=25&sort=-created']),
    });
    figures.push({
      page: 'Customer 360 `/customers/:id` (the person with the most orders)',
      shownMs: await shown(`/customers/${someone!.id}`, () => page.getByTestId('customer-name').waitFor()),
      api: await apiCalls([`/api/v1/customers/${someone!.id}`]),
    });
    const health = await timeApi('/healthz');
    report(label, signInPaint, health, figures);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
    await app.close();
    await cleanup();
  }
}

/** The API requests a page makes when it loads, as the browser sends them. */
async function apiCallsOf(page: Page, base: string, to: string): Promise<string[]> {
  const seen: string[] = [];
  const onRequest = (r: { url(): string }) => {
    const u = new URL(r.url());
    if (u.origin === base) seen.push(u.pathname + u.search);
  };
  page.on('request', onRequest);
  await page.goto(`${base}${to}`, { waitUntil: 'networkidle' });
  page.off('request', onRequest);
  return seen;
}

function report(label: string, signIn: number[], health: number[], figures: PageFigure[]) {
  const base = pct(signIn, 50);
  const hp95 = pct(health, 95);
  const rows = figures.flatMap((f) =>
    f.api.map((a, i) => {
      const p95 = pct(a.times, 95);
      const pageCells = i === 0 ? `${f.page} | **${ms(pct(f.shownMs, 50))}** (${(pct(f.shownMs, 50) / base).toFixed(1)}× sign-in) ` : ' | ';
      return `| ${pageCells}| \`${a.call}\` | ${ms(pct(a.times, 50))} | **${ms(p95)}** | ${(p95 / hp95).toFixed(1)}× |`;
    }),
  );
  const section = [
    `### ${ENGINE === 'pglite' ? 'PGlite' : 'PostgreSQL'}, ${CUSTOMERS.toLocaleString('en')} customers — run of ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${label}. Machine: ${os.cpus().length} cores, Node ${process.version}, load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}. ` +
      `Command: \`npm run bench:console${ENGINE === 'pglite' ? '' : ` -- --engine postgres --customers ${CUSTOMERS}`}\`. ` +
      `Page shown: median of ${PAGE_RUNS} loads in Debian's chromium (headless, 1366×900, warm HTTP cache, signed in) from navigation start until the page's figures are on screen and no spinner is left. ` +
      `Baselines in the same run: the sign-in page shown (static, no data) ${ms(base)}; GET /healthz p95 ${ms(hp95)} (${API_RUNS} requests each, one after another, over HTTP with the session cookie).`,
    '',
    '| page | shown (median) | API call the page makes | p50 | p95 | p95 / healthz p95 |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  console.log(section);
  if (DRY) return;
  const current = fs.readFileSync(RESULTS, 'utf8');
  const head = '## Console pages';
  const intro = `${head}\n\nIssue 4: time until a page shows its content, and the p95 of the API calls behind it, with the 20,000-customer demo on PGlite and 1 million customers on PostgreSQL.\n\n`;
  let next: string;
  const at = current.indexOf(head);
  if (at === -1) next = `${current.trimEnd()}\n\n${intro}${section}`;
  else {
    const end = current.indexOf('\n## ', at + 1);
    const body = end === -1 ? current.slice(at) : current.slice(at, end + 1);
    // Keep the other engine's latest section; replace this engine's.
    const mine = ENGINE === 'pglite' ? '### PGlite' : '### PostgreSQL';
    const parts = body.split(/\n(?=### )/);
    const kept = parts.slice(1).filter((p) => !p.startsWith(mine));
    const rebuilt = `${intro}${[...kept.map((p) => p.trimEnd()), section.trimEnd()].join('\n\n')}\n`;
    next = current.slice(0, at) + rebuilt + (end === -1 ? '' : `\n${current.slice(end + 1)}`);
  }
  fs.writeFileSync(RESULTS, next);
}

await main();

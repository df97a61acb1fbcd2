/**
 * Segments figures (issue 6): an RFM run (scores, classes, named segments, value matrix, system segments) over every
 * customer, against a baseline measured in the same run on the same facts — the plain per-customer aggregate
 * (`select customer_id, max(placed_at), count(*), sum(net) … group by customer_id`) the run is built on.
 *
 *   npm run bench:segments                                        # PGlite, 100,000 customers
 *   npm run bench:segments -- --engine postgres                   # PostgreSQL, 1,000,000 customers / ~10M lines
 *   npm run bench:segments -- --engine postgres --build-only      # only build the data set (kept for reruns)
 *   npm run bench:segments -- --dry-run                           # print only, RESULTS.md untouched
 *   npm run bench:segments -- --clusters [--engine postgres]      # the clustering run instead (bench/support/clusters.ts)
 *
 * Data: generated in SQL (generate_series, setseed): n customers, 4n orders over 2024-01-01..2025-12-30 — each
 * customer buys once, the other 3n orders go to customers drawn with a skew (floor(n·u²)), 3% cancelled, 1 in 50 half
 * refunded, 1–4 lines (≈2.5 per order, so 10n lines); u is md5 of the row number, so every build is the same. PostgreSQL: database kemai_bench_segments_<n> on BENCH_DATABASE_URL's server (default
 * postgres://postgres@127.0.0.1:5432/test), kept for reruns (--fresh rebuilds it). PGlite: a temporary data directory.
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
import { baselineSql, RUN_WORK_MEM } from '../src/modules/segments/rfm/rfm.sql.js';
import { benchClusters } from './support/clusters.js';
import { generate } from './support/segments-data.js';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const ENGINE = opt('engine', 'pglite');
const CUSTOMERS = Number(opt('customers', ENGINE === 'pglite' ? '100000' : '1000000'));
const RUNS = Number(opt('runs', '3'));
const DRY = args.includes('--dry-run');
const BUILD_ONLY = args.includes('--build-only');
const FRESH = args.includes('--fresh');
/** `--clusters`: the clustering run instead of the RFM run (bench/support/clusters.ts). */
const CLUSTERS = args.includes('--clusters');
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const AS_OF = '2025-12-31';
const TZ = 'Asia/Shanghai';

const secs = (ms: number) => ms / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function openPostgres(): Promise<Database> {
  const name = `kemai_bench_segments_${CUSTOMERS}`;
  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  if (exists && FRESH) await admin.query(`drop database ${name}`);
  if (!exists || FRESH) await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString() });
  await migrateDatabase(database);
  const [have] = await query<{ n: number }>(database.db, sql`select count(*)::int as n from customers.customers`);
  if (have!.n !== CUSTOMERS) {
    if (have!.n !== 0) throw new Error(`${name} holds ${have!.n} customers, not ${CUSTOMERS}: rerun with --fresh`);
    console.error(`building ${name} (${CUSTOMERS.toLocaleString('en')} customers) …`);
    const t0 = performance.now();
    await generate(database, CUSTOMERS);
    console.error(`built in ${secs(performance.now() - t0).toFixed(0)} s`);
  }
  return database;
}

async function openPglite(): Promise<{ database: Database; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-segments-'));
  const database = await openDatabase({ dataDir: dir });
  await migrateDatabase(database);
  console.error(`generating ${CUSTOMERS.toLocaleString('en')} customers in PGlite …`);
  await generate(database, CUSTOMERS);
  return { database, dir };
}

async function main() {
  const opened = ENGINE === 'postgres' ? { database: await openPostgres(), dir: undefined } : await openPglite();
  const { database } = opened;
  if (BUILD_ONLY) {
    await database.close();
    return;
  }
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: TZ });
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: false, loyalty: false });
  try {
    if (CLUSTERS) {
      const command = `npm run bench:segments -- --clusters --engine ${ENGINE}${args.includes('--customers') ? ` --customers ${CUSTOMERS}` : ''} --runs ${RUNS}`;
      return await benchClusters({ kemai, database, engine: ENGINE, runs: RUNS, dry: DRY, asOf: AS_OF, command, results: RESULTS });
    }
    const [facts] = await query<{ orders: number; lines: number; customers: number }>(
      database.db,
      sql`select (select count(*) from orders.orders)::int as orders, (select count(*) from orders.order_lines)::int as lines,
                 (select count(*) from customers.customers)::int as customers`,
    );
    const base: number[] = [];
    const rfm: number[] = [];
    let scored = 0;
    // Alternate baseline and run so both see the same cache state; the first pair warms the cache and is not counted.
    for (let i = 0; i <= RUNS; i++) {
      let t0 = performance.now();
      const [b] = await database.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`set local work_mem = '${RUN_WORK_MEM}'`));
        return query<{ customers: number }>(tx, baselineSql());
      });
      const tb = performance.now() - t0;
      t0 = performance.now();
      const run = await kemai.segments.rfm.run({ asOf: AS_OF }, 'bench');
      const tr = performance.now() - t0;
      scored = run.customers;
      if (b!.customers !== run.customers) throw new Error(`baseline saw ${b!.customers} customers, the run ${run.customers}`);
      if (i > 0) {
        base.push(tb);
        rfm.push(tr);
      }
      console.error(`  run ${i}: baseline ${secs(tb).toFixed(2)} s, rfm ${secs(tr).toFixed(2)} s${i === 0 ? ' (warm-up)' : ''}`);
    }
    const summary = await kemai.segments.rfm.summary();
    const classes = summary.classes.map((c) => `${c.key} ${c.customers.toLocaleString('en')}`).join(', ');
    const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
    const row = `| ${ENGINE} | ${facts!.customers.toLocaleString('en')} | ${facts!.orders.toLocaleString('en')} / ${facts!.lines.toLocaleString('en')} | ${scored.toLocaleString('en')} | **${secs(median(rfm)).toFixed(2)} s** | ${secs(median(base)).toFixed(2)} s | **${(median(rfm) / median(base)).toFixed(1)}×** | ${classes} |`;
    const text = [
      `### RFM run — ${ENGINE}, run of ${new Date().toISOString().slice(0, 10)}`,
      '',
      `Machine: ${os.cpus().length} cores, Node ${process.version}, load average at the end ${load}. Command: \`npm run bench:segments -- --engine ${ENGINE}${args.includes('--customers') ? ` --customers ${CUSTOMERS}` : ''}\`. ` +
        `Median of ${RUNS} runs after a warm-up, baseline and run alternating. The run: \`kemai.segments.rfm.run({asOf: '${AS_OF}'})\` — one transaction that truncates the previous ` +
        'scores, scores every customer in one INSERT … SELECT (aggregate, three rank() windows, lookups, medians), records the cut points and ' +
        `upserts the 19 system segments with their sizes. Baseline: the plain per-customer aggregate over the same facts (max placed_at, count, sum of net paid, group by customer), with the same work_mem (${RUN_WORK_MEM}) the run sets.`,
      '',
      '| engine | customers | orders / lines | scored | RFM run | baseline aggregate | ratio | classes |',
      '|---|---|---|---|---|---|---|---|',
      row,
      '',
    ].join('\n');
    console.log(text);
    if (DRY) return;
    const heading = '## Segments';
    let current = fs.readFileSync(RESULTS, 'utf8');
    if (!current.includes(heading))
      current = `${current.trimEnd()}\n\n${heading}\n\nIssue 6: RFM and segment refreshes at scale (1,000,000 customers / ~10M order lines on PostgreSQL, 100,000 on PGlite), rule-segment live counts.\n`;
    const at = current.indexOf(heading) + heading.length;
    const next = current.indexOf('\n## ', at);
    const insertAt = next === -1 ? current.length : next;
    current = `${current.slice(0, insertAt).trimEnd()}\n\n${text}${next === -1 ? '' : '\n'}${current.slice(insertAt)}`;
    fs.writeFileSync(RESULTS, current.endsWith('\n') ? current : `${current}\n`);
  } finally {
    await kemai.close();
    if (opened.dir) fs.rmSync(opened.dir, { recursive: true, force: true });
  }
}

await main();

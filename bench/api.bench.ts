/**
 * Batch API ingest: POST /api/v1/orders/batch through real HTTP (1,000 orders of ~3 lines per
 * request, customers with repeat phones) on PostgreSQL and PGlite, against a baseline of the same
 * lines written by a plain multi-row INSERT into a bare table in the same run. Appends the figures
 * to bench/RESULTS.md under "Batch API ingest".
 *
 *   npm run bench:api                       # both engines, 20 requests each
 *   npm run bench:api -- --requests 40 --engines postgres
 *   npm run bench:api -- --requests 3 --dry-run   # print only, RESULTS.md untouched
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark
 * creates and drops its own database there.
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
import { openDatabase, type Database } from '../src/platform/db/database.js';
import { createKemai } from '../src/app/kemai.js';
import { buildServer } from '../src/app/server.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const REQUESTS = Number(opt('requests', '20'));
const PER_REQUEST = 1000;
const ENGINES = opt('engines', 'postgres,pglite').split(',');
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');

/** Deterministic data: the same orders on every run and engine. */
interface BenchOrder {
  channel: string;
  externalId: string;
  storeCode: string;
  placedAt: string;
  customer?: { phone?: string; email?: string; name?: string };
  lines: Array<{ sku: string; quantity: number; unitPrice: string; discount?: string }>;
  paidAmount?: string;
}

/** `requests` measured batches plus one warm-up batch (index 0) with its own orders. */
function generate(requests: number): BenchOrder[][] {
  const rand = mulberry32(20251101);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const prefixes = ['138', '139', '150', '151', '186', '187', '135', '136', '158', '177'];
  const surnames = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
  const given = ['芳', '伟', '娜', '敏', '静', '磊', '洋', '艳', '勇', '婷'];
  // A pool smaller than the order count: most people buy more than once.
  const people = Array.from({ length: Math.round(requests * PER_REQUEST * 0.4) }, (_, i) => ({
    phone: `${pick(prefixes)}${String(10_000_000 + i * 7919).slice(-8)}`,
    name: pick(surnames) + pick(given),
    email: rand() < 0.3 ? `user${i}@example.cn` : undefined,
  }));
  const stores = Array.from({ length: 10 }, (_, i) => `S${String(i + 1).padStart(2, '0')}`);
  const skus = Array.from({ length: 500 }, (_, i) => ({ sku: `SKU${String(i).padStart(4, '0')}`, price: 990 + Math.floor(rand() * 60000) }));
  const channels = ['pos', 'online', 'miniprogram'];
  const start = Date.parse('2024-01-01T00:00:00+08:00');
  let n = 0;
  return Array.from({ length: requests + 1 }, () =>
    Array.from({ length: PER_REQUEST }, () => {
      n += 1;
      const who = rand() < 0.9 ? pick(people) : undefined;
      const lineCount = 1 + Math.floor(rand() * 5); // 1–5, mean 3
      const lines = Array.from({ length: lineCount }, () => {
        const p = pick(skus);
        const quantity = 1 + Math.floor(rand() * 3);
        const discount = rand() < 0.2 ? Math.floor(p.price * quantity * 0.1) : 0;
        return {
          sku: p.sku,
          quantity,
          unitPrice: (p.price / 100).toFixed(2),
          ...(discount ? { discount: (discount / 100).toFixed(2) } : {}),
        };
      });
      const channel = pick(channels);
      return {
        channel,
        externalId: `${channel.toUpperCase()}-${String(n).padStart(8, '0')}`,
        storeCode: pick(stores),
        placedAt: new Date(start + Math.floor(rand() * 600 * 86_400_000)).toISOString(),
        ...(who ? { customer: { phone: who.phone, name: who.name, ...(who.email ? { email: who.email } : {}) } } : {}),
        lines,
      };
    }),
  );
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface EngineResult {
  engine: string;
  requests: number;
  orders: number;
  lines: number;
  seconds: number;
  linesPerSec: number;
  p50: number;
  p99: number;
  replayP50: number;
  baselineLinesPerSec: number;
}

async function runEngine(engine: 'postgres' | 'pglite', [warmUp, ...batches]: BenchOrder[][]): Promise<EngineResult> {
  let database: Database;
  let dropDatabase = async () => {};
  if (engine === 'postgres') {
    const name = `kemai_bench_api_${crypto.randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(SERVER_URL);
    url.pathname = `/${name}`;
    database = await openDatabase({ databaseUrl: url.toString() });
    dropDatabase = async () => {
      const a = new pg.Client({ connectionString: SERVER_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
  } else {
    database = await openDatabase({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-api-')) });
  }
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never' });
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: true });
  const app = await buildServer(kemai);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { key } = await kemai.access.createApiKey({ name: 'bench', scopes: ['orders:write'] });
  const send = async (items: BenchOrder[]) => {
    const body = JSON.stringify({ items });
    const t0 = performance.now();
    const res = await fetch(`${base}/api/v1/orders/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    const json = (await res.json()) as { summary: Record<string, number> };
    const ms = performance.now() - t0;
    if (res.status !== 200 || json.summary.error) throw new Error(`batch failed: ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
    return { ms, summary: json.summary };
  };

  try {
    // JIT, schema compilation and the catalog placeholders of the first request are not what a
    // steady feed pays.
    await send(warmUp!);
    const lines = batches.reduce((s, b) => s + b.reduce((x, o) => x + o.lines.length, 0), 0);
    const latencies: number[] = [];
    const t0 = performance.now();
    for (const batch of batches) {
      const r = await send(batch);
      if (r.summary.created !== batch.length) throw new Error(`expected ${batch.length} created, got ${JSON.stringify(r.summary)}`);
      latencies.push(r.ms);
    }
    const seconds = (performance.now() - t0) / 1000;
    // Replays of the first few requests: the idempotent path a retrying partner takes.
    const replays: number[] = [];
    for (const batch of batches.slice(0, Math.min(5, batches.length))) {
      const r = await send(batch);
      if (r.summary.unchanged !== batch.length) throw new Error(`replay changed something: ${JSON.stringify(r.summary)}`);
      replays.push(r.ms);
    }
    await kemai.events.stop();

    const baselineLinesPerSec = await baseline(database, batches);
    latencies.sort((a, b) => a - b);
    replays.sort((a, b) => a - b);
    return {
      engine,
      requests: batches.length,
      orders: batches.length * PER_REQUEST,
      lines,
      seconds,
      linesPerSec: lines / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      replayP50: percentile(replays, 50),
      baselineLinesPerSec,
    };
  } finally {
    await app.close();
    await kemai.close();
    await dropDatabase();
  }
}

/** The floor the API is compared with: the same lines, one multi-row INSERT per request, no validation, no identity. */
async function baseline(database: Database, batches: BenchOrder[][]): Promise<number> {
  const db = database.db;
  await db.execute(sql`create table bench_lines (order_id uuid not null, line_no int not null, sku text not null, quantity int not null,
    unit_price_fen bigint not null, discount_fen bigint not null, paid_fen bigint not null, primary key (order_id, line_no))`);
  const t0 = performance.now();
  let lines = 0;
  for (const batch of batches) {
    const rows = batch.flatMap((o) => {
      const orderId = crypto.randomUUID();
      return o.lines.map((l, i) => {
        const price = Math.round(Number(l.unitPrice) * 100);
        const discount = l.discount ? Math.round(Number(l.discount) * 100) : 0;
        return sql`(${orderId}, ${i + 1}, ${l.sku}, ${l.quantity}, ${price}, ${discount}, ${price * l.quantity - discount})`;
      });
    });
    lines += rows.length;
    // Bind parameters are capped at 65,535 per statement: 7 per row.
    await db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 9000) {
        await tx.execute(sql`insert into bench_lines values ${sql.join(rows.slice(i, i + 9000), sql`, `)}`);
      }
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  await db.execute(sql`drop table bench_lines`);
  return lines / seconds;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main() {
  const batches = generate(REQUESTS);
  const results: EngineResult[] = [];
  for (const engine of ENGINES) {
    if (engine !== 'postgres' && engine !== 'pglite') throw new Error(`unknown engine ${engine}`);
    console.log(`${engine}: ${REQUESTS} requests × ${PER_REQUEST} orders …`);
    const r = await runEngine(engine, batches);
    console.log(
      `${engine}: ${fmt(r.linesPerSec)} order lines/s (${fmt(r.orders / r.seconds)} orders/s), p50 ${r.p50.toFixed(0)} ms, ` +
        `p99 ${r.p99.toFixed(0)} ms, replay p50 ${r.replayP50.toFixed(0)} ms; baseline INSERT ${fmt(r.baselineLinesPerSec)} lines/s`,
    );
    results.push(r);
  }

  if (args.includes('--dry-run')) return;
  const date = new Date().toISOString().slice(0, 10);
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const table = [
    '| engine | requests × orders | order lines | order lines/s | orders/s | p50 / p99 per request | identical replay p50 | baseline multi-row INSERT lines/s | API / baseline |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.engine} | ${r.requests} × ${PER_REQUEST} | ${fmt(r.lines)} | **${fmt(r.linesPerSec)}** | ${fmt(r.orders / r.seconds)} | ` +
        `${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} ms | ${r.replayP50.toFixed(0)} ms | ${fmt(r.baselineLinesPerSec)} | ` +
        `${((100 * r.linesPerSec) / r.baselineLinesPerSec).toFixed(1)}% |`,
    ),
  ];
  const section = [
    `### Run of ${date}`,
    '',
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, load average at the end ${load} (1/5/15 min; other work shared the machine). ` +
      `Command: \`npm run bench:api${args.length ? ` -- ${args.join(' ')}` : ''}\`. One client sending requests one after another ` +
      'over HTTP to a server in the same process (outbox delivery running as in production) after one warm-up request; every ' +
      'measured request creates 1,000 new orders of 1–5 lines (mean 3) for a pool of ' +
      'people with repeat phones (90% identified, 30% of them with an email too), 500 SKUs, 10 stores. The baseline writes the ' +
      'same lines with one multi-row INSERT per request into a bare table (primary key only) in the same database.',
    '',
    ...table,
    '',
  ].join('\n');
  const heading = '## Batch API ingest';
  let text = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  if (!text.includes(heading)) {
    text = `${text.trimEnd()}\n\n${heading}\n\nFloor (issue 3): ≥ 2,000 order lines/s on PostgreSQL on the 2-core machine.\n`;
  }
  // New runs go at the end of this section, before the next "## " heading.
  const at = text.indexOf(heading) + heading.length;
  const next = text.indexOf('\n## ', at);
  const insertAt = next === -1 ? text.length : next;
  text = `${text.slice(0, insertAt).trimEnd()}\n\n${section}${next === -1 ? '' : '\n'}${text.slice(insertAt)}`;
  fs.writeFileSync(RESULTS, text.endsWith('\n') ? text : `${text}\n`);
  console.log(`appended to ${RESULTS}`);
}

await main();

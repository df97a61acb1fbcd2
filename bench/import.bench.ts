/**
 * Bulk import benchmark (issue 3): `kemai import orders` on PostgreSQL against a raw COPY of the
 * same file into a bare table with matching columns, in the same run and the same database.
 *
 *   npm run bench:import [-- --lines 5000000] [-- --only online-retail|generated]
 *
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; a fresh
 * database is created for the run and dropped after it. Figures go to bench/RESULTS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { mulberry32 } from './support/random.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const WORK = path.join(ROOT, 'bench/.work');
const ONLINE_RETAIL = path.resolve(ROOT, '../shared/data/online_retail/onlineretail.csv.gz');
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
};
const generatedLines = Number(arg('lines') ?? 5_000_000);
const only = arg('only');

interface Dataset {
  name: string;
  file: string;
  importArgs: string[];
  bareColumns: string;
}

interface Result {
  dataset: string;
  rows: number;
  copySeconds: number;
  /** COPY of the import's own output rows into tables with the same columns and indexes. */
  floorSeconds: number;
  floorRows: Record<string, number>;
  importSeconds: number;
  processSeconds: number;
  summary: {
    rows: { read: number; imported: number; skipped: number; failed: number };
    records: { created: number };
    phases: { readSeconds: number; writeSeconds: number };
  };
}

/** Deterministic order lines: 5 per order on average (1–9), 200k members, 2,000 SKUs, 20 stores. */
function generate(file: string, lines: number) {
  if (fs.existsSync(file) && fs.readFileSync(`${file}.lines`, 'utf8').trim() === `${lines} mulberry32`) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const out = fs.openSync(file, 'w');
  const rand = mulberry32(42);
  let buf = 'order_no,store,placed_at,member_no,sku,qty,price\n';
  let written = 0;
  let order = 0;
  const start = Date.UTC(2024, 0, 1);
  while (written < lines) {
    order++;
    const n = Math.min(lines - written, 1 + Math.floor(rand() * 9));
    const store = `S${String(1 + Math.floor(rand() * 20)).padStart(2, '0')}`;
    const at = new Date(start + Math.floor(rand() * 730 * 86400) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const member = rand() < 0.2 ? '' : `M${String(Math.floor(rand() * 200_000)).padStart(6, '0')}`;
    for (let i = 0; i < n; i++) {
      const sku = `SKU${String(Math.floor(rand() * 2000)).padStart(4, '0')}`;
      const qty = 1 + Math.floor(rand() * 3);
      const price = `${1 + Math.floor(rand() * 500)}.${String(Math.floor(rand() * 100)).padStart(2, '0')}`;
      buf += `${store}-${order},${store},${at},${member},${sku},${qty},${price}\n`;
    }
    written += n;
    if (buf.length > 1 << 20) {
      fs.writeSync(out, buf);
      buf = '';
    }
  }
  fs.writeSync(out, buf);
  fs.closeSync(out);
  fs.writeFileSync(`${file}.lines`, `${lines} mulberry32`);
}

async function rawCopy(url: string, d: Dataset): Promise<{ rows: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop table if exists bench_bare; create table bench_bare (${d.bareColumns})`);
    const t0 = performance.now();
    const source = fs.createReadStream(d.file, { highWaterMark: 1 << 20 });
    const copy = client.query(copyFrom('copy bench_bare from stdin (format csv, header true)'));
    if (d.file.endsWith('.gz')) await pipeline(source, zlib.createGunzip(), copy);
    else await pipeline(source, copy);
    const seconds = (performance.now() - t0) / 1000;
    const { rows } = await client.query('select count(*)::int as n from bench_bare');
    await client.query('drop table bench_bare');
    return { rows: rows[0].n as number, seconds };
  } finally {
    await client.end();
  }
}

/** The tables an order import writes: what it must store at the very least. */
const OUTPUT_TABLES = ['orders.orders', 'orders.order_lines', 'customers.customers', 'customers.identifiers'];

/**
 * The storage floor: the rows the import wrote, COPY'd (already as COPY text, no parsing, no
 * lookups) into empty copies of their tables with the same columns, defaults and indexes, in the
 * same database. No importer of this data model can be faster than this on this machine.
 */
async function storageFloor(url: string): Promise<{ seconds: number; rows: Record<string, number> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Kept as the server's own chunks: 5M lines of COPY text are more than one JS string may hold.
    const dumps: Array<{ table: string; copy: string; chunks: Buffer[]; rows: number }> = [];
    for (const table of OUTPUT_TABLES) {
      const copy = `bench_floor_${table.replace('.', '_')}`;
      await client.query(`drop table if exists ${copy}; create table ${copy} (like ${table} including all)`);
      const chunks: Buffer[] = [];
      let rows = 0;
      for await (const chunk of client.query(copyTo(`copy ${table} to stdout`)) as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
      }
      dumps.push({ table, copy, chunks, rows });
    }
    await client.query('checkpoint');
    const t0 = performance.now();
    for (const d of dumps) {
      const stream = client.query(copyFrom(`copy ${d.copy} from stdin`));
      await new Promise<void>((resolve, reject) => {
        stream.on('finish', resolve);
        stream.on('error', reject);
        for (const c of d.chunks) stream.write(c);
        stream.end();
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    for (const d of dumps) await client.query(`drop table ${d.copy}`);
    return { seconds, rows: Object.fromEntries(dumps.map((d) => [d.table, d.rows])) };
  } finally {
    await client.end();
  }
}

async function runImport(url: string, d: Dataset): Promise<{ seconds: number; processSeconds: number; summary: Result['summary'] }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/kemai.js'), 'import', 'orders', d.file, ...d.importArgs, '--json', '--errors', path.join(WORK, `${d.name}.errors.csv`)], {
    env: { ...process.env, DATABASE_URL: url, KEMAI_LOG_LEVEL: 'warn', KEMAI_JOBS: 'off' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0 && code !== 1) throw new Error(`kemai import exited ${code}`);
  const summary = JSON.parse(out) as Result['summary'] & { seconds: number };
  return { seconds: summary.seconds, processSeconds: (performance.now() - t0) / 1000, summary };
}

async function main() {
  fs.mkdirSync(WORK, { recursive: true });
  const datasets: Dataset[] = [];
  if (!only || only === 'online-retail') {
    if (fs.existsSync(ONLINE_RETAIL))
      datasets.push({
        name: 'online-retail',
        file: ONLINE_RETAIL,
        importArgs: ['--preset', 'online-retail'],
        bareColumns:
          'invoice_no text, stock_code text, description text, quantity int, invoice_date timestamp, unit_price numeric, customer_id text, country text',
      });
    else console.error(`skipping Online Retail: ${ONLINE_RETAIL} is absent (../shared/data is not on this machine)`);
  }
  if (!only || only === 'generated') {
    const file = path.join(WORK, `orders-${generatedLines}.csv`);
    console.error(`generating ${generatedLines.toLocaleString('en')} order lines into ${file} …`);
    generate(file, generatedLines);
    datasets.push({
      name: 'generated',
      file,
      importArgs: [
        '--const', 'channel=pos',
        '--map', 'externalId=order_no',
        '--map', 'storeCode=store',
        '--map', 'placedAt=placed_at',
        '--map', 'customer.memberNo=member_no',
        '--map', 'lines.quantity=qty',
        '--map', 'lines.unitPrice=price',
      ],
      bareColumns: 'order_no text, store text, placed_at timestamp, member_no text, sku text, qty int, price numeric',
    });
  }

  const admin = new pg.Client({ connectionString: BASE_URL });
  await admin.connect();
  const results: Result[] = [];
  try {
    for (const d of datasets) {
      const name = `kemai_bench_import_${crypto.randomBytes(4).toString('hex')}`;
      await admin.query(`create database ${name}`);
      const u = new URL(BASE_URL);
      u.pathname = `/${name}`;
      try {
        // COPY before and after the import, so both see the machine in the same state on average.
        const before = await rawCopy(u.toString(), d);
        console.error(`${d.name}: raw COPY ${before.rows.toLocaleString('en')} rows in ${before.seconds.toFixed(2)} s; importing …`);
        const imp = await runImport(u.toString(), d);
        const after = await rawCopy(u.toString(), d);
        const floor = await storageFloor(u.toString());
        const r: Result = {
          dataset: d.name,
          rows: before.rows,
          copySeconds: (before.seconds + after.seconds) / 2,
          floorSeconds: floor.seconds,
          floorRows: floor.rows,
          importSeconds: imp.seconds,
          processSeconds: imp.processSeconds,
          summary: imp.summary,
        };
        results.push(r);
        writeResults(results);
        console.error(`${d.name}: import ${imp.seconds.toFixed(1)} s (process ${imp.processSeconds.toFixed(1)} s), raw COPY ${r.copySeconds.toFixed(2)} s, storage floor ${floor.seconds.toFixed(2)} s`);
      } finally {
        await admin.query(`drop database if exists ${name} with (force)`);
      }
    }
  } finally {
    await admin.end();
  }
}

function writeResults(results: Result[]) {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const rows = results.map((r) => {
    const importRate = r.rows / r.importSeconds;
    const copyRate = r.rows / r.copySeconds;
    const p = r.summary.phases;
    const floorRate = r.rows / r.floorSeconds;
    const written = Object.entries(r.floorRows).map(([t, k]) => `${n(k)} ${t.split('.')[1]}`).join(', ');
    return `| ${r.dataset} | ${n(r.rows)} | ${n(r.summary.records.created)} | ${r.importSeconds.toFixed(1)} s (stream ${p.readSeconds.toFixed(1)} s, merge ${p.writeSeconds.toFixed(1)} s; process ${r.processSeconds.toFixed(1)} s) | **${n(importRate)}** | ${r.copySeconds.toFixed(2)} s (${n(copyRate)}/s) | **${((importRate / copyRate) * 100).toFixed(1)}%** | ${r.floorSeconds.toFixed(2)} s for ${written} (${n(floorRate)} file rows/s, ${((floorRate / copyRate) * 100).toFixed(0)}% of raw COPY) | **${((importRate / floorRate) * 100).toFixed(1)}%** |`;
  });
  const section = [
    '## Bulk import',
    '',
    'Floor (issue 3): `kemai import` ≥ 50% of the rows/s of a raw COPY of the same rows into a bare table.',
    '',
    `### Run of ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, PostgreSQL at ${new URL(BASE_URL).host}, load average at the end ${load} (1/5/15 min; other work shared the machine). ` +
      `Command: \`npm run bench:import${generatedLines !== 5_000_000 ? ` -- --lines ${generatedLines}` : ''}\`. Each dataset gets a fresh database. ` +
      'Import: `kemai import orders FILE … --json` as a child process; its own timer (file opened → last order written, staging included) and the process wall time (start-up, migrations and outbox delivery included). ' +
      'Raw COPY: the same file streamed (gunzipped when .gz) into `COPY bench_bare FROM STDIN (FORMAT csv, HEADER)`, a logged table with the file\'s columns typed (int, numeric, timestamp) and no index; mean of one run before and one after the import. ' +
      'Storage floor: after the import, the rows it wrote (orders, order lines, customers, identifiers) are dumped as COPY text and COPY\'d back into empty copies of their tables (`LIKE … INCLUDING ALL`: same columns, defaults and indexes) in the same database: the time any importer of this data model needs just to store its output here, with no parsing and no lookups.',
    '',
    '| dataset | rows | orders created | import time | import rows/s | raw COPY | import / raw COPY | storage floor | import / floor |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  const file = path.join(ROOT, 'bench/RESULTS.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n\n';
  const start = current.indexOf('## Bulk import');
  let next: string;
  if (start === -1) next = `${current.trimEnd()}\n\n${section}`;
  else {
    const end = current.indexOf('\n## ', start + 1);
    next = current.slice(0, start) + section + (end === -1 ? '' : current.slice(end + 1));
  }
  fs.writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
  console.error(section);
}

await main();

/**
 * Scale-out bench: order ingest throughput and p99 with 1, 2 and 4 API server processes (KEMAI_JOBS=off) plus one
 * worker on PostgreSQL, and how busy the machine's cores are while it runs. Appends a run to bench/RESULTS.md under
 * "Scale-out: order ingest with 1, 2 and 4 servers".
 *
 *   npm run bench:scale                                   # 1, 2, 4 servers; 15 s warm-up + 60 s measured each
 *   npm run bench:scale -- --servers 1,2 --seconds 20 --warmup 5 --dry-run   # short check, RESULTS.md untouched
 *   options: --pg URL (default postgres://postgres@127.0.0.1:5432/postgres), --concurrency 16, --batch 20,
 *            --customers 5000, --workers 1
 *
 * Each server count gets a fresh database (dropped afterwards), its processes (scripts/load/cluster.ts) and the load
 * generator (scripts/load/generator.ts) in its own process: C loops each POSTing batches of B new orders to
 * /api/v1/orders/batch, spread over the servers, with points accrual and two rule segments updated by the worker and
 * servers' outbox delivery. Throughput and latency are those of the measured window (after warm-up). CPU: the whole
 * machine from /proc/stat (busy = not idle/iowait, % of all cores), and per group from /proc/<pid>/stat (servers,
 * worker, generator, the PostgreSQL backends of the run's database found in pg_stat_activity), as cores used.
 * Outbox: events not yet delivered at the end of the window and the time the worker and servers then take to deliver them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApiKey, createDatabase, migrate, REPO_ROOT, startServer, startWorker, stopAll, type FreshDatabase } from '../scripts/load/cluster.js';
import { startCpuSampler, type CpuReport } from '../scripts/load/cpu.js';
import { SEGMENT_RULES } from '../scripts/load/verify.js';
import type { GeneratorResult } from '../scripts/load/generator.js';
import { appendToSection } from './support/results.js';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '1,2,4' },
    workers: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    batch: { type: 'string', default: '20' },
    customers: { type: 'string', default: '5000' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const int = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`bench:scale: --${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
};
const serverCounts = values.servers!.split(',').map((s) => int('servers', s.trim(), 1, 16));
const workers = int('workers', values.workers!, 0, 8);
const seconds = int('seconds', values.seconds!, 5, 3600);
const warmup = int('warmup', values.warmup!, 0, 600);
const concurrency = int('concurrency', values.concurrency!, 1, 256);
const batch = int('batch', values.batch!, 1, 1000);
const customers = int('customers', values.customers!, 1, 10_000_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  servers: number;
  gen: GeneratorResult;
  cpu: CpuReport;
  backlogAtEnd: number;
  drainMs: number;
}

async function runOne(n: number, logDir: string): Promise<Row> {
  const stamp = `${Date.now().toString(36)}`;
  const db: FreshDatabase = await createDatabase(values.pg!, `kemai_scale_${n}_${stamp}`);
  try {
    await migrate(db.url);
    const key = await createApiKey(db.url, { name: 'bench' });
    const srv = [];
    for (let i = 0; i < n; i++) srv.push(await startServer({ databaseUrl: db.url, name: `n${n}-serve-${i + 1}`, logDir, env: { KEMAI_JOBS: 'off', KEMAI_RATE_LIMIT_PER_KEY: '100000000', KEMAI_RATE_LIMIT_PER_IP: '100000000' } }));
    const wrk = [];
    for (let i = 0; i < workers; i++) wrk.push(await startWorker({ databaseUrl: db.url, name: `n${n}-worker-${i + 1}`, logDir }));
    for (const [code, rule] of Object.entries(SEGMENT_RULES)) {
      const res = await fetch(`${srv[0]!.url}/api/v1/segments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ code, name: code, rule }),
      });
      if (res.status !== 201) throw new Error(`segment ${code}: HTTP ${res.status}`);
    }
    const out = path.join(logDir, `n${n}-generator.json`);
    const gen = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/kemai-dev.js'),
        path.join(REPO_ROOT, 'scripts/load/generator.ts'),
        '--urls', srv.map((s) => s.url).join(','),
        '--key', key,
        '--seconds', String(warmup + seconds),
        '--warmup', String(warmup),
        '--grace', '60',
        '--concurrency', String(concurrency),
        '--batch', String(batch),
        '--prefix', `S${n}${stamp}`,
        '--customers', String(customers),
        '--no-ids',
        '--out', out,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const done = new Promise<number | null>((r) => gen.on('exit', (c) => r(c)));
    const genStart = Date.now();

    // The run's PostgreSQL backends, refreshed every second (connections come and go).
    const mon = new pg.Client({ connectionString: db.url });
    await mon.connect();
    let backends: number[] = [];
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const r = await mon.query(`select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [db.name]);
        backends = r.rows.map((x: { pid: number }) => x.pid);
        await sleep(1000);
      }
    })();
    await sleep(Math.max(0, genStart + warmup * 1000 - Date.now()));
    const sampler = startCpuSampler({
      servers: srv.map((s) => s.pid),
      worker: wrk.map((w) => w.pid),
      generator: [gen.pid!],
      postgres: () => backends,
    });
    await sleep(Math.max(0, genStart + (warmup + seconds) * 1000 - Date.now()));
    const cpu = sampler.stop();
    const backlogAtEnd = Number((await mon.query(`select count(*) as n from platform.outbox where delivered_at is null`)).rows[0].n);
    const code = await done;
    const t = Date.now();
    for (;;) {
      const left = Number((await mon.query(`select count(*) as n from platform.outbox where delivered_at is null`)).rows[0].n);
      if (left === 0 || Date.now() - t > 300_000) break;
      await sleep(500);
    }
    const drainMs = Date.now() - t;
    watching = false;
    await watch;
    await mon.end();
    if (!fs.existsSync(out)) throw new Error(`generator exited ${code} without a result`);
    const g = JSON.parse(fs.readFileSync(out, 'utf8')) as GeneratorResult;
    return { servers: n, gen: g, cpu, backlogAtEnd, drainMs };
  } finally {
    await stopAll();
    await db.drop();
  }
}

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-scale-'));
const rows: Row[] = [];
try {
  for (const n of serverCounts) {
    console.log(`— ${n} server(s) + ${workers} worker(s): ${warmup} s warm-up, ${seconds} s measured, concurrency ${concurrency}, batch ${batch}`);
    const r = await runOne(n, logDir);
    rows.push(r);
    const g = r.cpu.groups;
    console.log(
      `  ${r.gen.ordersPerSecond.toFixed(0)} orders/s, p50 ${r.gen.latencyMs.p50} ms, p99 ${r.gen.latencyMs.p99} ms, failed ${r.gen.failedRequests}; ` +
        `machine busy ${r.cpu.machineBusyPct.toFixed(0)}%; cores used: servers ${g.servers!.coresUsed.toFixed(2)}, worker ${g.worker!.coresUsed.toFixed(2)}, ` +
        `postgres ${g.postgres!.coresUsed.toFixed(2)}, generator ${g.generator!.coresUsed.toFixed(2)}; outbox backlog ${r.backlogAtEnd}, drained in ${(r.drainMs / 1000).toFixed(1)} s`,
    );
  }
} finally {
  await stopAll();
}

const base = rows.find((r) => r.servers === 1) ?? rows[0]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const table = [
  '| servers | orders/s | vs 1 server | p50 / p99 per request | failed requests | machine busy (of 2 cores) | cores used: servers / worker / postgres / generator | outbox backlog at end → drained in |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => {
    const g = r.cpu.groups;
    return (
      `| ${r.servers} | **${fmt(r.gen.ordersPerSecond)}** | ${(r.gen.ordersPerSecond / base.gen.ordersPerSecond).toFixed(2)}× | ${r.gen.latencyMs.p50} / ${r.gen.latencyMs.p99} ms | ${r.gen.failedRequests} | ` +
      `${r.cpu.machineBusyPct.toFixed(0)}% | ${g.servers!.coresUsed.toFixed(2)} / ${g.worker!.coresUsed.toFixed(2)} / ${g.postgres!.coresUsed.toFixed(2)} / ${g.generator!.coresUsed.toFixed(2)} | ` +
      `${fmt(r.backlogAtEnd)} events → ${(r.drainMs / 1000).toFixed(1)} s |`
    );
  }),
];
const args = process.argv.slice(2);
const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
const section = [
  `### Run of ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, PostgreSQL at ${new URL(values.pg!).host}, load average at the end ${load} (1/5/15 min). ` +
    `Command: \`npm run bench:scale${args.length ? ` -- ${args.join(' ')}` : ''}\`. Per server count a fresh database, N \`kemai serve\` (KEMAI_JOBS=off) and ${workers} \`kemai worker\`; ` +
    `the load generator in its own process: ${concurrency} loops each POSTing batches of ${batch} new orders (1–3 lines, 95% members of a pool of ${fmt(customers)}) to ` +
    `/api/v1/orders/batch over loopback, spread over the servers, with points accrual and two rule segments updated from the outbox. ${warmup} s warm-up, then ${seconds} s measured. ` +
    'Machine busy: /proc/stat over the measured window, all processes of the machine included; cores used: CPU seconds / wall seconds from /proc/<pid>/stat ' +
    '(postgres = the backends of the run\'s database). Outbox backlog: events not yet delivered at the end of the window, then the time to deliver them.',
  '',
  ...table,
  '',
].join('\n');
console.log(`\n${section}`);
if (!values['dry-run']) {
  appendToSection(
    RESULTS,
    '## Scale-out: order ingest with 1, 2 and 4 servers',
    'Issue "Scale-out and operations": throughput and p99 of order ingest with 1, 2 and 4 server processes on PostgreSQL on this machine, and how far the 2 cores are from saturation.',
    section,
  );
  console.log(`appended to ${RESULTS}`);
}
process.exit(0);

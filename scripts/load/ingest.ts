/**
 * scripts/load/ingest.ts — sustained order ingest over loopback with points and segment updates running, optionally
 * with a fault, and at the end a check in SQL that nothing was lost or done twice (scripts/load/verify.ts).
 *
 *   node bin/kemai-dev.js scripts/load/ingest.ts [--servers 2] [--workers 1] [--minutes 10] [--concurrency 8]
 *     [--batch 20] [--fault none|pg-restart|worker-kill|disk-full|clock-jump] [--out report.json]
 *     [--pg postgres://postgres@127.0.0.1:5432/postgres] [--pg-port 55460] [--customers 2000] [--keep]
 *
 * Processes: N `kemai serve` with KEMAI_JOBS=off (API and outbox delivery) and M `kemai worker` (jobs, schedules,
 * outbox delivery), all children of this script, logs in /tmp/kemai-load-<stamp>/; the load generator
 * (scripts/load/generator.ts) in its own process, spreading batches over the servers and retrying each failed batch with
 * the same externalIds until acknowledged. Two rule segments are created first: load_frequent (≥ 3 orders) and
 * load_points (pending points ≥ 100): the first moves on order events, the second on loyalty's points events.
 *
 * Database: a fresh database `kemai_load_<stamp>` on --pg (default the shared server on 127.0.0.1:5432), dropped at the
 * end unless --keep. Faults pg-restart and disk-full never touch that server: they run on a dedicated cluster made with
 * initdb (as user postgres) on --pg-port (default 55460) under /tmp/kemai-load-pg-<port>, removed at the end.
 *
 * Faults (at 30 % of the run):
 * - pg-restart: `pg_ctl restart -m fast` of the dedicated cluster;
 * - worker-kill: SIGKILL of worker 1, a new worker 5 s later;
 * - disk-full: the database's tablespace is a tmpfs (size --disk-mb, default 384 MB); it is filled to ~256 kB free with
 *   a filler file for --hold seconds (default 15 % of the run, 15–90 s), then the filler is removed;
 * - clock-jump: server 1 and worker 1 run under libfaketime reading their offset from a file: at the fault their clock
 *   jumps forward to 00:04:40 business time (so the 00:05 nightly schedule falls due on that worker 20 s later), after a hold it
 *   jumps to 10 minutes behind real time, after another hold back to real time.
 * Time to recover: from the end of the fault (restart returned, space freed, new worker started, clock back) to the
 * first second with acknowledged orders after the last failed request; and for the outbox, until its backlog is back
 * at the level before the fault.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createApiKey, createDatabase, migrate, REPO_ROOT, startServer, startWorker, stopAll, type KemaiProcess, type FreshDatabase } from './cluster.js';
import { fillTo, freeBytes, removeFiller, startDedicatedPostgres, type DedicatedPostgres } from './pg-dedicated.js';
import { SEGMENT_RULES, verifyRun, type VerifyReport } from './verify.js';
import type { GeneratorResult } from './generator.js';

const FAULTS = ['none', 'pg-restart', 'worker-kill', 'disk-full', 'clock-jump'] as const;
type Fault = (typeof FAULTS)[number];
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
/** The load comes from one key and one IP: the per-process request limits (default 1,200 / min per key) would answer 429. */
const NO_RATE_LIMIT = { KEMAI_RATE_LIMIT_PER_KEY: '100000000', KEMAI_RATE_LIMIT_PER_IP: '100000000' };

const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '2' },
    workers: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '20' },
    customers: { type: 'string', default: '2000' },
    fault: { type: 'string', default: 'none' },
    hold: { type: 'string' },
    'disk-mb': { type: 'string', default: '384' },
    out: { type: 'string' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'pg-port': { type: 'string', default: '55460' },
    'drain-timeout': { type: 'string', default: '240' },
    keep: { type: 'boolean', default: false },
    'no-restart': { type: 'boolean', default: false },
  },
});

function num(name: string, min: number, max: number): number {
  const v = values[name as keyof typeof values] as string;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`ingest: --${name} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return n;
}
const servers = num('servers', 1, 16);
const workers = num('workers', 0, 16);
const minutes = num('minutes', 0.25, 60);
const concurrency = num('concurrency', 1, 256);
const batch = num('batch', 1, 1000);
const customers = num('customers', 1, 1_000_000);
const diskMb = num('disk-mb', 64, 4096);
const drainTimeoutS = num('drain-timeout', 10, 3600);
const fault = values.fault as Fault;
if (!FAULTS.includes(fault)) {
  console.error(`ingest: --fault must be one of ${FAULTS.join(', ')}, got ${JSON.stringify(values.fault)}`);
  process.exit(2);
}
if (fault === 'worker-kill' && workers < 1) {
  console.error('ingest: --fault worker-kill needs --workers ≥ 1');
  process.exit(2);
}
if (fault === 'clock-jump' && !fs.existsSync(FAKETIME_LIB)) {
  console.error(`ingest: --fault clock-jump needs libfaketime (${FAKETIME_LIB}): apt-get install -y faketime`);
  process.exit(2);
}
const seconds = Math.round(minutes * 60);
const holdS = values.hold ? num('hold', 1, 3600) : Math.min(90, Math.max(15, Math.round(seconds * 0.15)));
const faultAtS = Math.round(seconds * 0.3);

const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const logDir = `/tmp/kemai-load-${stamp}`;
fs.mkdirSync(logDir, { recursive: true });
const prefix = `L${stamp}`;
const log = (msg: string) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

let dedicated: DedicatedPostgres | null = null;
let db: FreshDatabase | null = null;
let tsDir: string | null = null;
const events: Array<{ at: string; t: number; what: string; [k: string]: unknown }> = [];
const t0Run = Date.now();
const event = (what: string, extra: Record<string, unknown> = {}) => {
  events.push({ at: new Date().toISOString(), t: (Date.now() - t0Run) / 1000, what, ...extra });
  log(`${what} ${Object.keys(extra).length ? JSON.stringify(extra) : ''}`);
};

// ------------------------------------------------------------------ supervision
// A process that exits on its own during the run is a finding (recorded in the report as a failed check); like a
// service manager (systemd Restart=always) the script starts it again after 1 s so the run can still show whether data
// held, unless --no-restart.
const crashes: Array<{ name: string; pid: number; at: string; code: number | null; signal: string | null; stderrTail: string[] }> = [];
let supervising = true;
const deliberate = new Set<KemaiProcess>();
function supervise(p: KemaiProcess) {
  const pid = p.pid;
  void p.exited.then(async ({ code, signal }) => {
    if (!supervising || deliberate.has(p)) return;
    const tail = fs.existsSync(p.stderrPath)
      ? fs.readFileSync(p.stderrPath, 'utf8').split('\n').filter((l) => /Error|error:|code: '|FATAL|Unhandled/.test(l)).slice(-4).map((l) => l.trim().slice(0, 200))
      : [];
    crashes.push({ name: p.name, pid, at: new Date().toISOString(), code, signal, stderrTail: tail });
    event('process exited unexpectedly', { name: p.name, pid, code, signal });
    if (values['no-restart']) return;
    for (let attempt = 1; supervising; attempt++) {
      await sleep(1000);
      if (!supervising) return;
      try {
        await p.restart();
        event('process restarted by the supervisor', { name: p.name, pid: p.pid, attempt });
        supervise(p);
        return;
      } catch (e) {
        event('restart failed; trying again', { name: p.name, error: (e as Error).message.slice(0, 200) });
      }
    }
  });
}

async function cleanup() {
  supervising = false;
  await stopAll().catch(() => undefined);
  if (tsDir) removeFiller(tsDir);
  if (db && !values.keep) await db.drop().catch((e) => log(`drop failed: ${(e as Error).message}`));
  if (dedicated) await dedicated.stop({ remove: !values.keep }).catch(() => undefined);
}
let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('interrupted: stopping processes and removing the database');
  void cleanup().finally(() => process.exit(130));
});

/** Seconds until `hh:mm:ss` in the business time zone. */
function secondsUntil(hh: number, mm: number, ss: number, tz: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date())
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const now = Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second);
  return (((hh * 3600 + mm * 60 + ss - now) % 86400) + 86400) % 86400;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  log(`ingest: ${servers} server(s), ${workers} worker(s), ${seconds} s, concurrency ${concurrency}, batch ${batch}, fault ${fault}; logs in ${logDir}`);
  // ------------------------------------------------------------------ database
  let serverUrl = values.pg!;
  let tablespace: string | undefined;
  if (fault === 'pg-restart' || fault === 'disk-full') {
    dedicated = await startDedicatedPostgres({ port: num('pg-port', 1024, 65535) });
    serverUrl = dedicated.url;
    event('dedicated PostgreSQL started', { port: dedicated.port, dataDir: dedicated.dataDir, log: dedicated.logFile });
    if (fault === 'disk-full') {
      tsDir = await dedicated.mountSmallTablespace('kemai_small', diskMb);
      tablespace = 'kemai_small';
      event('tmpfs tablespace mounted', { dir: tsDir, mb: diskMb });
    }
  }
  db = await createDatabase(serverUrl, `kemai_load_${stamp}`, tablespace ? { tablespace } : {});
  await migrate(db.url);
  const key = await createApiKey(db.url, { name: 'load', role: 'admin' });
  event('database ready', { database: db.name });

  // ------------------------------------------------------------------ processes
  const offsetFile = path.join(logDir, 'faketime-offset');
  fs.writeFileSync(offsetFile, '+0\n');
  const faked = { LD_PRELOAD: FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE: offsetFile, FAKETIME_CACHE_DURATION: '1', DONT_FAKE_MONOTONIC: '1' };
  const srv: KemaiProcess[] = [];
  for (let i = 0; i < servers; i++)
    srv.push(
      await startServer({
        databaseUrl: db.url,
        name: `serve-${i + 1}`,
        logDir,
        env: { KEMAI_JOBS: 'off', KEMAI_LOG_LEVEL: 'warn', ...NO_RATE_LIMIT, ...(fault === 'clock-jump' && i === 0 ? faked : {}) },
      }),
    );
  const wrk: KemaiProcess[] = [];
  for (let i = 0; i < workers; i++)
    wrk.push(await startWorker({ databaseUrl: db.url, name: `worker-${i + 1}`, logDir, env: { KEMAI_LOG_LEVEL: 'warn', ...(fault === 'clock-jump' && i === 0 ? faked : {}) } }));
  for (const p of [...srv, ...wrk]) supervise(p);
  event('processes started', { servers: srv.map((s) => ({ pid: s.pid, url: s.url })), workers: wrk.map((w) => w.pid) });

  for (const [code, rule] of Object.entries(SEGMENT_RULES)) {
    const res = await fetch(`${srv[0]!.url}/api/v1/segments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ code, name: code, rule }),
    });
    if (res.status !== 201) throw new Error(`creating segment ${code}: HTTP ${res.status} ${await res.text()}`);
  }
  event('segments created', { codes: Object.keys(SEGMENT_RULES) });

  // ------------------------------------------------------------------ load
  const genOut = path.join(logDir, 'generator.json');
  const gen = spawn(
    process.execPath,
    [
      path.join(REPO_ROOT, 'bin/kemai-dev.js'),
      path.join(REPO_ROOT, 'scripts/load/generator.ts'),
      '--urls', srv.map((s) => s.url).join(','),
      '--key', key,
      '--seconds', String(seconds),
      '--grace', '180',
      '--concurrency', String(concurrency),
      '--batch', String(batch),
      '--prefix', prefix,
      '--customers', String(customers),
      '--out', genOut,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const genDone = new Promise<number | null>((r) => gen.on('exit', (code) => r(code)));
  const genStart = Date.now();
  event('load started', { generatorPid: gen.pid, seconds });

  // Outbox backlog every 2 s (a failed query during a restart counts as unknown).
  const backlog: Array<[number, number | null]> = [];
  const mon = new pg.Pool({ connectionString: db.url, max: 1 });
  mon.on('error', () => undefined);
  let monitoring = true;
  const monitor = (async () => {
    while (monitoring) {
      const t = (Date.now() - t0Run) / 1000;
      try {
        const r = await mon.query(`select count(*) as n from platform.outbox where delivered_at is null`);
        backlog.push([t, Number(r.rows[0].n)]);
      } catch {
        backlog.push([t, null]);
      }
      await sleep(2000);
    }
  })();

  // ------------------------------------------------------------------ fault
  let faultStart = 0;
  let faultEnd = 0;
  const faultInfo: Record<string, unknown> = { kind: fault };
  if (fault !== 'none') {
    await sleep(Math.max(0, genStart + faultAtS * 1000 - Date.now()));
    faultStart = Date.now();
    if (fault === 'pg-restart') {
      event('fault: pg_ctl restart -m fast');
      const ms = await dedicated!.restart();
      faultEnd = Date.now();
      faultInfo.restartMs = ms;
      event('PostgreSQL back', { restartMs: ms });
    } else if (fault === 'worker-kill') {
      const victim = wrk[0]!;
      const pid = victim.pid;
      deliberate.add(victim);
      await victim.kill();
      event('fault: worker killed (SIGKILL)', { pid });
      await sleep(5000);
      const t = Date.now();
      const fresh = await startWorker({ databaseUrl: db.url, name: `worker-${workers + 1}`, logDir, env: { KEMAI_LOG_LEVEL: 'warn' } });
      wrk.push(fresh);
      supervise(fresh);
      faultEnd = Date.now();
      faultInfo.killedPid = pid;
      faultInfo.replacementPid = fresh.pid;
      faultInfo.replacementStartMs = faultEnd - t;
      event('replacement worker running', { pid: fresh.pid, startMs: faultEnd - t });
    } else if (fault === 'disk-full') {
      const before = freeBytes(tsDir!);
      const filled = await fillTo(tsDir!, 256 * 1024);
      faultInfo.freeBefore = before;
      faultInfo.filler = filled;
      faultInfo.freeAfterFill = freeBytes(tsDir!);
      event('fault: tablespace filled', { freeBytes: faultInfo.freeAfterFill, holdS });
      await sleep(holdS * 1000);
      faultInfo.freeAtEndOfHold = freeBytes(tsDir!);
      removeFiller(tsDir!);
      faultEnd = Date.now();
      event('space freed', { freeBytes: freeBytes(tsDir!) });
    } else if (fault === 'clock-jump') {
      const tz = process.env.KEMAI_TIMEZONE ?? 'Asia/Shanghai';
      const ahead = secondsUntil(0, 4, 40, tz);
      fs.writeFileSync(offsetFile, `+${ahead}\n`);
      faultInfo.forwardSeconds = ahead;
      event('fault: clock of serve-1 and worker-1 jumps forward', { seconds: ahead, fakeNow: new Date(Date.now() + ahead * 1000).toISOString() });
      await sleep(holdS * 1000);
      fs.writeFileSync(offsetFile, '-600\n');
      event('clock of serve-1 and worker-1 jumps back to 10 minutes behind real time');
      await sleep(holdS * 1000);
      fs.writeFileSync(offsetFile, '+0\n');
      faultEnd = Date.now();
      event('clock of serve-1 and worker-1 back to real time');
    }
  }

  const genCode = await genDone;
  monitoring = false;
  await monitor;
  await mon.end();
  if (!fs.existsSync(genOut)) throw new Error(`the generator exited with ${genCode} and wrote no result`);
  const g = JSON.parse(fs.readFileSync(genOut, 'utf8')) as GeneratorResult;
  event('load finished', { acked: g.acked, ordersPerSecond: Math.round(g.ordersPerSecond), failedRequests: g.failedRequests, unacked: g.unacked });

  // ------------------------------------------------------------------ recovery
  const genT0 = Date.parse(g.startedAt);
  let recovery: Record<string, unknown> = {};
  if (fault !== 'none') {
    const fs0 = Math.floor((faultStart - genT0) / 1000);
    const fe = Math.floor((faultEnd - genT0) / 1000);
    let lastErr = -1;
    for (let s = fs0; s < g.timeline.length; s++) if (g.timeline[s]![1] > 0) lastErr = s;
    let okAfter = -1;
    for (let s = Math.max(lastErr + 1, fs0); s < g.timeline.length; s++)
      if (g.timeline[s]![0] > 0) {
        okAfter = s;
        break;
      }
    const errorsAfterFault = g.timeline.slice(fs0).reduce((s, x) => s + x[1], 0);
    const preFault = backlog.filter(([t, n]) => n !== null && t * 1000 < faultStart - t0Run).map(([, n]) => n!);
    const preMax = preFault.length ? Math.max(...preFault) : 0;
    const afterEnd = backlog.filter(([t]) => t * 1000 >= faultEnd - t0Run);
    const back = afterEnd.find(([, n]) => n !== null && n <= preMax);
    const peak = backlog.filter(([t]) => t * 1000 >= faultStart - t0Run).reduce((m, [, n]) => Math.max(m, n ?? 0), 0);
    recovery = {
      faultDurationMs: faultEnd - faultStart,
      failedRequestsAfterFaultStart: errorsAfterFault,
      lastFailedSecond: lastErr < 0 ? null : lastErr,
      clientRecoveryMsAfterFaultEnd: errorsAfterFault === 0 ? 0 : okAfter < 0 ? null : Math.max(0, (okAfter - fe) * 1000),
      clientRecoveryMsAfterFaultStart: errorsAfterFault === 0 ? 0 : okAfter < 0 ? null : (okAfter - fs0) * 1000,
      outboxBacklogBeforeFaultMax: preMax,
      outboxBacklogPeakAfterFault: peak,
      outboxRecoveryMsAfterFaultEnd: back ? Math.max(0, Math.round(back[0] * 1000 - (faultEnd - t0Run))) : null,
    };
  }

  // ------------------------------------------------------------------ verify
  log(`verifying (waiting up to ${drainTimeoutS} s for the outbox to drain) …`);
  const v: VerifyReport = await verifyRun(db.url, { prefix, ackedIds: g.ids ?? [], segments: Object.keys(SEGMENT_RULES), drainTimeoutMs: drainTimeoutS * 1000 });

  // Server-side evidence: what the processes logged about the fault.
  const grep = (re: RegExp) => {
    const hits: Record<string, number> = {};
    for (const f of fs.readdirSync(logDir).filter((x) => x.endsWith('.err') || x.endsWith('.out'))) {
      const n = fs.readFileSync(path.join(logDir, f), 'utf8').split('\n').filter((l) => re.test(l)).length;
      if (n) hits[f] = n;
    }
    return hits;
  };
  const evidence: Record<string, unknown> = {
    linesMentioning53100OrNoSpace: grep(/53100|No space left|could not extend/),
    linesMentioningConnectionErrors: grep(/ECONNREFUSED|terminating connection|Connection terminated|57P01|admin_shutdown/),
  };
  if (dedicated) {
    const pglog = fs.existsSync(dedicated.logFile) ? fs.readFileSync(dedicated.logFile, 'utf8').split('\n') : [];
    evidence.postgresLogNoSpace = pglog.filter((l) => /No space left/.test(l)).length;
    evidence.postgresLogPanics = pglog.filter((l) => /PANIC/.test(l)).length;
    evidence.postgresLogSample = pglog.filter((l) => /No space left|PANIC|FATAL/.test(l)).slice(0, 5);
  }
  if (fault === 'clock-jump') {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const has = async (t: string) =>
      Number((await c.query(`select count(*) as n from information_schema.tables where table_schema='pgboss' and table_name=$1`, [t])).rows[0].n) > 0;
    const src = (await has('archive')) ? `(select name, state::text, created_on, singleton_on from pgboss.job union all select name, state::text, created_on, singleton_on from pgboss.archive)` : `pgboss.job`;
    const jobs = (await c.query(`select name, state::text as state, count(*) as n, min(created_on) as first, max(created_on) as last, count(distinct singleton_on) as slots from ${src} j where name like '%nightly%' or name like '%daily%' group by 1, 2 order by 1`)).rows;
    evidence.scheduledJobsCreated = jobs;
    await c.end();
  }

  const report = {
    run: { servers, workers, seconds, concurrency, batch, customers, fault, holdS, faultAtS, logDir, database: db.name, postgres: dedicated ? `dedicated :${dedicated.port}` : values.pg!.replace(/:[^:@/]*@/, ':***@') },
    load: {
      acked: g.acked,
      ordersPerSecond: g.ordersPerSecond,
      requests: g.requests,
      failedRequests: g.failedRequests,
      unackedBatches: g.unacked,
      latencyMs: g.latencyMs,
      ackLatencyMs: g.ackLatencyMs,
      errorsByKind: g.errors,
    },
    fault: { ...faultInfo, ...recovery },
    processes: { ok: crashes.length === 0, unexpectedExits: crashes },
    verify: v,
    evidence,
    events,
    outboxBacklog: backlog,
    timeline: g.timeline,
  };
  const outPath = values.out ?? path.join(logDir, 'report.json');
  fs.writeFileSync(outPath, JSON.stringify(report, null, 2));

  // ------------------------------------------------------------------ summary
  const mark = (ok: boolean) => (ok ? 'OK  ' : 'FAIL');
  console.log('\n================ ingest report ================');
  console.log(`fault ${fault}; ${servers} server(s), ${workers} worker(s); ${seconds} s`);
  console.log(`throughput ${g.ordersPerSecond.toFixed(1)} orders/s; request latency p50 ${g.latencyMs.p50} ms, p99 ${g.latencyMs.p99} ms; ack (with retries) p99 ${g.ackLatencyMs.p99} ms`);
  console.log(`requests ${g.requests}, failed ${g.failedRequests}: ${JSON.stringify(g.errors)}; unacknowledged batches ${g.unacked}`);
  if (fault !== 'none') console.log(`recovery: ${JSON.stringify(recovery)}`);
  console.log(`${mark(v.orders.ok)} orders: ${JSON.stringify(v.orders)}`);
  console.log(`${mark(v.halfWritten.ok)} nothing half-written: ${JSON.stringify(v.halfWritten)}`);
  console.log(`${mark(v.points.ok)} points exactly once: ${JSON.stringify(v.points)}`);
  console.log(`${mark(v.accounts.ok)} balances = entries: ${JSON.stringify(v.accounts)}`);
  for (const [code, s] of Object.entries(v.segments)) console.log(`${mark(s.ok)} segment ${code}: ${JSON.stringify(s)}`);
  console.log(`${mark(v.outbox.ok)} outbox delivered (after ${v.drainWaitMs} ms): ${JSON.stringify(v.outbox)}`);
  console.log(`${mark(v.jobs.ok)} no pg-boss job failed: failed ${v.jobs.failed}`);
  console.log(`${mark(crashes.length === 0)} no process exited on its own: ${crashes.length === 0 ? 'none' : JSON.stringify(crashes)}`);
  console.log(`evidence: ${JSON.stringify(evidence)}`);
  const held = v.ok && g.unacked === 0 && crashes.length === 0;
  console.log(`${held ? 'ALL HELD' : 'SOMETHING DID NOT HOLD'}; report: ${outPath}`);
  return held;
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  console.error(`ingest: ${(e as Error).stack ?? e}`);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);

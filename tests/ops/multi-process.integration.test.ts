import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createDatabase, migrate, startServer, startWorker, stopAll, type FreshDatabase, type KemaiProcess } from '../../scripts/load/cluster.js';

/**
 * Many processes, one database: three API servers (KEMAI_JOBS=off) and two workers (`kemai worker`) on one fresh
 * PostgreSQL database, under concurrent order batches spread over the servers (some sent to two servers at once).
 * A worker is killed with SIGKILL while it holds a job; the job is expired and run again by the other worker.
 * Checked at the end, exactly: the orders, one points earn per order, balances = their entries, every outbox event
 * delivered with no handler failure, the killed job's effect once, a cron slot's job once, no failed job, no orphan.
 * PostgreSQL only (PGlite is one process).
 */

const EXPIRE_SECONDS = 12; // KEMAI_JOB_EXPIRE_SECONDS: the killed job is retried this long after it started (plus ≤ its retry delay)
const ENV = {
  KEMAI_TIMEZONE: 'Asia/Shanghai',
  KEMAI_JOB_EXPIRE_SECONDS: String(EXPIRE_SECONDS),
  KEMAI_JOB_MAINTENANCE_SECONDS: '2',
  KEMAI_RATE_LIMIT_PER_KEY: '1000000',
  KEMAI_RATE_LIMIT_PER_IP: '1000000',
};
const RFM_REFRESH_JOB = 'segments.refresh-after-rfm-run';
const SLA_SCAN_JOB = 'service.sla-scan';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

interface Order {
  channel: 'pos';
  externalId: string;
  storeCode: string;
  placedAt: string;
  customer: { phone: string };
  lines: Array<{ sku: string; quantity: number; unitPrice: string }>;
}

const MEMBERS = 60;
const phoneOf = (m: number) => `139${String(10_000_000 + m).slice(-8)}`;
/** Order n: member n mod 60, ¥100–¥322 (10 points per ¥100, floored: 10–32 points). */
function order(n: number, placedAt: string): Order {
  const yuan = 100 + (n % 7) * 37;
  return { channel: 'pos', externalId: `MP-${n}`, storeCode: 'SH01', placedAt, customer: { phone: phoneOf(n % MEMBERS) }, lines: [{ sku: `SKU-${n % 5}`, quantity: 1, unitPrice: `${yuan}.00` }] };
}
const pointsOf = (o: Order) => Math.floor(Number(o.lines[0]!.unitPrice) / 10);

describe.skipIf(!process.env.TEST_DATABASE_URL)('many processes on one database (3 servers + 2 workers)', () => {
  let db: FreshDatabase | undefined;
  let sqlc: pg.Client | undefined;
  let key = '';
  const servers: KemaiProcess[] = [];
  const workers: KemaiProcess[] = [];
  const pids: number[] = [];
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-multi-'));
  let passed = false; // the processes' logs are kept when the test fails

  const q = async <T = Record<string, unknown>>(text: string, values: unknown[] = []) => (await sqlc!.query(text, values)).rows as T[];
  async function post(server: KemaiProcess, url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const r = await fetch(server.url + url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  }
  async function batch(server: KemaiProcess, orders: Order[]) {
    const r = await post(server, '/api/v1/orders/batch', { items: orders });
    expect(r.status, JSON.stringify(r.json).slice(0, 500)).toBe(200);
    const items = r.json.results as Array<{ status: string }>;
    expect(items.filter((i) => !['created', 'unchanged'].includes(i.status)), JSON.stringify(items).slice(0, 500)).toEqual([]);
    return items;
  }

  beforeAll(async () => {
    db = await createDatabase(process.env.TEST_DATABASE_URL!, `kemai_mp_${process.pid}_${Date.now()}`);
    await migrate(db.url);
    key = await createApiKey(db.url, { name: 'multi-process' });
    sqlc = new pg.Client({ connectionString: db.url });
    await sqlc.connect();
    const env = { ...ENV, KEMAI_JOBS: 'off' };
    servers.push(
      ...(await Promise.all([1, 2, 3].map((i) => startServer({ databaseUrl: db!.url, env, logDir, name: `serve-${i}`, graceMs: 10_000 })))),
    );
    workers.push(await startWorker({ databaseUrl: db.url, env: ENV, logDir, name: 'worker-1', graceMs: 10_000 }));
    pids.push(...servers.map((s) => s.pid), workers[0]!.pid);
  }, 150_000);

  afterAll(async () => {
    await stopAll().catch(() => undefined);
    await sqlc?.end().catch(() => undefined);
    await db?.drop();
    // No orphan: nothing this test started is alive.
    let alive = '';
    try {
      alive = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'kemai.js'], { encoding: 'utf8' });
    } catch {
      alive = ''; // pgrep exits 1 when nothing matches
    }
    expect(alive.trim()).toBe('');
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    if (passed) fs.rmSync(logDir, { recursive: true, force: true });
    else console.log(`the processes' logs: ${logDir}`);
  }, 60_000);

  it('shares the work: no order lost or doubled, one earn per order, events once, a killed worker’s job done once by another', async () => {
    const placedAt = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    const started = Date.now();

    // Warm-up orders, then an RFM run (on an API server: no queue there, so it refreshes its system segments itself).
    const warm = Array.from({ length: MEMBERS }, (_, n) => order(n, placedAt));
    await batch(servers[0]!, warm);
    const rfm = await post(servers[1]!, '/api/v1/segments/rfm/runs', {});
    expect(rfm.status, JSON.stringify(rfm.json)).toBe(201);
    const runId = rfm.json.id as string;
    const rfmSegments = (await q<{ n: number }>(`select count(*)::int as n from segments.segments where active and kind in ('rfm', 'value')`))[0]!.n;
    expect(rfmSegments).toBeGreaterThan(0);

    // A real job held by worker-1: its first segment refresh waits on our row locks.
    const lock = new pg.Client({ connectionString: db!.url });
    await lock.connect();
    await lock.query('begin');
    await lock.query(`select id from segments.segments for update`);
    const boss = new PgBoss({ connectionString: db!.url, schema: 'pgboss', supervise: false, schedule: false, migrate: false, max: 1 });
    await boss.start();
    const sentAt = (await q<{ now: Date }>('select now()'))[0]!.now;
    const jobId = (await boss.send(RFM_REFRESH_JOB, { runId }))!;
    await boss.stop({ graceful: false, wait: true });
    await until('the job to be active, waiting on the lock', async () => {
      const [job] = await q<{ state: string }>(`select state from pgboss.job where id = $1`, [jobId]);
      const [w] = await q<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
      return job?.state === 'active' && w!.n > 0;
    });

    // A second worker joins while the first still holds the job.
    workers.push(await startWorker({ databaseUrl: db!.url, env: ENV, logDir, name: 'worker-2', graceMs: 10_000 }));
    pids.push(workers[1]!.pid);

    // Load: batches spread over the servers; every fifth batch goes to two servers at the same time.
    const BATCHES = 40;
    const PER = 25;
    const sent: Order[] = [];
    const tasks: Array<() => Promise<unknown>> = [];
    for (let b = 0; b < BATCHES; b++) {
      const orders = Array.from({ length: PER }, (_, i) => order(MEMBERS + b * PER + i, placedAt));
      sent.push(...orders);
      const s = servers[b % 3]!;
      if (b % 5 === 0) {
        const other = servers[(b + 1) % 3]!;
        tasks.push(async () => {
          const [a, c] = await Promise.all([batch(s, orders), batch(other, orders)]);
          // Both answer every order; between them each was created exactly once.
          for (let i = 0; i < PER; i++) expect([a[i]!.status, c[i]!.status].sort()).toEqual(['created', 'unchanged']);
        });
      } else tasks.push(() => batch(s, orders));
    }
    let done = 0;
    const load = (async () => {
      const queue = [...tasks];
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let t = queue.shift(); t; t = queue.shift()) {
            await t();
            done++;
          }
        }),
      );
    })();

    // Mid-load: SIGKILL the first worker (it still holds the job, and delivers events), then let the lock go.
    await until('a quarter of the load', async () => done >= BATCHES / 4);
    const [active] = await q<{ state: string }>(`select state from pgboss.job where id = $1`, [jobId]);
    expect(active!.state).toBe('active');
    await workers[0]!.kill();
    const killedAt = Date.now();
    const doneAtKill = done;
    await lock.query('rollback');
    await lock.end();
    await load;
    const loadSeconds = (Date.now() - killedAt) / 1000;

    // The job: expired, retried on worker-2, completed once.
    const job = await until(
      'the killed job to complete on the other worker',
      async () => {
        const [j] = await q<{ state: string; retry_count: number; output: unknown }>(
          `select state, retry_count, output from pgboss.job where id = $1 union all select state, retry_count, output from pgboss.archive where id = $1`,
          [jobId],
        );
        return j && ['completed', 'failed'].includes(j.state) ? j : undefined;
      },
      90_000,
    );
    const recoverSeconds = (Date.now() - killedAt) / 1000;
    expect(job.state).toBe('completed');
    expect(job.retry_count).toBe(1);
    // Its effect once: one size-history row per RFM segment since the job was sent (the killed run committed nothing).
    const history = await q<{ segment_id: string; n: number }>(
      `select h.segment_id, count(*)::int as n from segments.size_history h join segments.segments s on s.id = h.segment_id
       where s.kind in ('rfm', 'value') and h.at >= $1 group by h.segment_id`,
      [sentAt],
    );
    expect(history.length).toBe(rfmSegments);
    expect(history.every((h) => h.n === 1)).toBe(true);

    // Every event delivered (the killed worker's claimed batch, if any, rolled back and was delivered by another).
    await until('the outbox to be drained', async () => (await q<{ n: number }>(`select count(*)::int as n from platform.outbox where delivered_at is null`))[0]!.n === 0, 60_000);
    const [outbox] = await q<{ placed: number; updated: number; failed: number; partial: number }>(
      `select count(*) filter (where name = 'orders.order.placed')::int as placed, count(*) filter (where name = 'orders.order.updated')::int as updated,
              count(*) filter (where last_error is not null)::int as failed, (select count(*)::int from platform.event_deliveries) as partial
       from platform.outbox`,
    );

    // Orders: exactly the distinct ones sent, each placed event once.
    const all = [...warm, ...sent];
    const orders = (await q<{ n: number }>(`select count(*)::int as n from orders.orders`))[0]!.n;
    expect(orders).toBe(all.length);
    expect(outbox).toEqual({ placed: all.length, updated: 0, failed: 0, partial: 0 });

    // Points: one earn entry per order with the right points (pending for now: the programme's pending days); each member's earned total and balance = their entries.
    const earns = await q<{ external_id: string; n: number; points: number }>(
      `select o.external_id, count(e.id)::int as n, coalesce(sum(e.points + e.pending_points), 0)::int as points
       from orders.orders o left join loyalty.ledger_entries e on e.idempotency_key = 'order:' || o.id || ':earn'
       group by o.external_id`,
    );
    const want = new Map(all.map((o) => [o.externalId, pointsOf(o)]));
    expect(earns.length).toBe(all.length);
    expect(earns.filter((e) => e.n !== 1 || e.points !== want.get(e.external_id))).toEqual([]);
    const earnEntries = (await q<{ n: number }>(`select count(*)::int as n from loyalty.ledger_entries where kind = 'earn'`))[0]!.n;
    expect(earnEntries).toBe(all.length);
    const perMember = new Map<string, number>();
    for (const o of all) perMember.set(o.customer.phone, (perMember.get(o.customer.phone) ?? 0) + pointsOf(o));
    const accounts = await q<{ phone: string; earned: number; ok: boolean }>(
      `select right(i.value, 11) as phone,
              (select coalesce(sum(points + pending_points), 0) from loyalty.ledger_entries e where e.customer_id = a.customer_id and e.kind = 'earn')::int as earned,
              a.available = coalesce((select sum(points) from loyalty.ledger_entries e where e.customer_id = a.customer_id), 0)
                and a.pending = coalesce((select sum(pending_points) from loyalty.ledger_entries e where e.customer_id = a.customer_id), 0) as ok
       from loyalty.accounts a join customers.identifiers i on i.customer_id = a.customer_id and i.type = 'phone'`,
    );
    expect(accounts.length).toBe(MEMBERS);
    expect(accounts.filter((a) => !a.ok || a.earned !== perMember.get(a.phone))).toEqual([]);

    // A cron slot once across the processes: the every-minute SLA scan, at least two slots seen, at least one run.
    // pg-boss checks the schedules at most every 30 s and, with one process left, often every 60 s (its check needs
    // more than 30 s since the last one); a due slot's job is inserted within 5 s; the SLA worker polls every 30 s.
    // So a second slot can take up to ~65 s after the first, and its run another 30 s: allow 130 s.
    const slaJobs = () =>
      q<{ state: string; created_on: Date; started_on: Date | null; completed_on: Date | null; retry_count: number; output: unknown }>(
        `select state, created_on, started_on, completed_on, retry_count, output from pgboss.job where name = $1
         union all select state, created_on, started_on, completed_on, retry_count, output from pgboss.archive where name = $1 order by 2`,
        [SLA_SCAN_JOB],
      );
    const slaDeadline = Date.now() + 130_000;
    const enough = (jobs: Awaited<ReturnType<typeof slaJobs>>) => jobs.length >= 2 && jobs.some((j) => j.state === 'completed');
    while (!enough(await slaJobs()) && Date.now() < slaDeadline) await sleep(500);
    const sla = await slaJobs();
    expect(enough(sla), JSON.stringify(sla)).toBe(true);
    expect(sla.filter((j) => !['created', 'active', 'completed'].includes(j.state)), JSON.stringify(sla)).toEqual([]);
    const slots = await q<{ minute: Date; n: number }>(
      `select date_trunc('minute', created_on) as minute, count(*)::int as n
       from (select created_on from pgboss.job where name = $1 union all select created_on from pgboss.archive where name = $1) j
       group by 1 order by 1`,
      [SLA_SCAN_JOB],
    );
    expect(slots.length).toBeGreaterThanOrEqual(2);
    expect(slots.filter((s) => s.n !== 1)).toEqual([]);

    // No job failed anywhere (the killed one was retried, not failed).
    const failed = await q<{ name: string; output: unknown }>(
      `select name, output from pgboss.job where state = 'failed' union all select name, output from pgboss.archive where state = 'failed'`,
    );
    expect(failed).toEqual([]);

    console.log(
      JSON.stringify({
        orders: all.length,
        duplicateBatches: Math.ceil(BATCHES / 5),
        batchesBeforeKill: doneAtKill,
        loadAfterKillSeconds: loadSeconds,
        killedJobDoneAfterSeconds: recoverSeconds,
        slaSlots: slots.length,
        totalSeconds: (Date.now() - started) / 1000,
      }),
    );
    passed = true;
  }, 330_000);
});

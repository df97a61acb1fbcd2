/**
 * Journeys and messaging (issue 10), on PostgreSQL.
 *
 * 1. A campaign to a static segment of N members (default 1,000,000): customers with a phone and a granted SMS marketing
 *    consent, built in SQL; a campaign journey (schedule trigger once → one send step, sms, now) with a 10 % holdout.
 *    Measured apart: entry (JourneysService.scanTriggers: entrants/s), planning the send step (runDue: messages
 *    planned/s), dispatch through the signed webhook adapter to a local HTTP sink on 127.0.0.1 (messages/s delivered),
 *    and the total. Baselines in the same run: the sink fed by a plain loop posting signed batches of the same size and
 *    shape (the transport's ceiling), and a bare insert … select of the same rows into a scratch copy of
 *    messaging.messages, without and with its indexes (the database's ceiling for planning).
 * 2. Trigger-to-send latency: a welcome journey (first_purchase → send now on sms via the webhook sink); orders placed one
 *    by one through OrdersService for new customers while the event bus, the journeys runner and the dispatcher run as
 *    the server runs them; time from the order's commit to the sink receiving its message (p50 / p95 / p99), against the
 *    time from commit to the event bus handing orders.order.placed to a plain subscriber of the same bus.
 * Appends the figures to bench/RESULTS.md under "Journeys and messaging (issue 10)".
 *
 *   npm run bench:journeys
 *   npm run bench:journeys -- --members 100000 --orders 200
 *   npm run bench:journeys -- --part audience|latency --dry-run
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark creates its own
 * database there (kemai_bench_journeys, dropped at the end unless --keep).
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createKemai, type Kemai } from '../src/app/kemai.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase, query, queryOne, type Database } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { OrderInput } from '../src/modules/orders/index.js';
import { CustomerUpsertInput } from '../src/modules/customers/index.js';
import { appendToSection } from './support/results.js';
import { HttpSink } from './support/http-sink.js';
import { bareInsert, generateAudience } from './support/journeys-data.js';
import { services, type Services } from './support/journeys-services.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const MEMBERS = Number(opt('members', '1000000'));
const ORDERS = Number(opt('orders', '200'));
/** Orders per second placed in the latency part (one at a time, evenly spaced: a shop's till, not a bulk feed). */
const ORDER_RATE = Number(opt('rate', '4'));
const PART = opt('part', 'all');
const HOLDOUT = 10;
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = opt('database', 'kemai_bench_journeys');
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const SECRET = 'bench-webhook-secret-0123456789';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

async function admin(statement: string): Promise<void> {
  const a = new pg.Client({ connectionString: SERVER_URL });
  await a.connect();
  try {
    await a.query(statement);
  } finally {
    await a.end();
  }
}

async function exists(name: string): Promise<boolean> {
  const a = new pg.Client({ connectionString: SERVER_URL });
  await a.connect();
  try {
    return (await a.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  } finally {
    await a.end();
  }
}

async function open(): Promise<{ database: Database; kemai: Kemai; svc: Services }> {
  const url = new URL(SERVER_URL);
  url.pathname = `/${DB_NAME}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  // UTC business time and no quiet hours policy interfering: the run happens whenever it happens.
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never', KEMAI_TIMEZONE: 'Asia/Shanghai', DATABASE_URL: url.toString() });
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: true, loyalty: false });
  return { database, kemai, svc: services(kemai) };
}

/** Signs a webhook body as the adapter does (X-Kemai-Timestamp, X-Kemai-Signature = hex HMAC-SHA256 of `${ts}.${body}`). */
function signed(body: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = crypto.createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-kemai-timestamp': ts, 'x-kemai-signature': signature };
}

/**
 * The transport's ceiling: `total` messages in batches of `batch`, signed, posted by `loops` plain loops one after
 * another (as many as the dispatcher has batches in flight).
 */
async function plainLoop(url: string, total: number, batch: number, loops: number, sample: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  let taken = 0;
  let i = 0;
  const loop = async () => {
    while (taken < total) {
      const n = Math.min(batch, total - taken);
      taken += n;
      const messages = Array.from({ length: n }, () => {
        const id = crypto.randomUUID();
        return { id, idempotencyKey: id, ...sample, to: `+86139${String(i++).padStart(8, '0')}` };
      });
      const body = JSON.stringify({ messages });
      const res = await fetch(url, { method: 'POST', headers: signed(body), body });
      await res.text();
      if (!res.ok) throw new Error(`sink answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  return performance.now() - t0;
}

// ------------------------------------------------------------------ part 1: a campaign to N members

interface AudienceRun {
  members: number;
  generateMs: number;
  entrants: number;
  heldOut: number;
  entryMs: number;
  planned: number;
  planMs: number;
  delivered: number;
  dispatchMs: number;
  statuses: Record<string, number>;
  batches: number;
  batch: number;
  duplicates: number;
  badSignatures: number;
  loopMs: number;
  bare: { ms: number; rows: number };
  indexed: { ms: number; rows: number };
}

async function audience(): Promise<AudienceRun> {
  // --reuse: keep the generated audience of an earlier --keep run (same size), start over from no journey and no message.
  const reuse = args.includes('--reuse') && (await exists(DB_NAME));
  if (!reuse) {
    await admin(`drop database if exists ${DB_NAME} with (force)`);
    await admin(`create database ${DB_NAME}`);
  }
  const { database, kemai, svc } = await open();
  const db = database.db;
  const sink = new HttpSink(SECRET);
  const url = await sink.start();
  try {
    let t0 = performance.now();
    let generateMs = 0;
    const have = reuse ? (await queryOne<{ n: number }>(db, sql`select count(*)::int as n from segments.members`))!.n : 0;
    if (reuse && have === MEMBERS) {
      console.log(`reusing the ${fmt(MEMBERS)}-member audience; clearing journeys and messages …`);
      await db.execute(sql`truncate journeys.journeys, journeys.versions, journeys.enrollments, journeys.step_runs, journeys.trigger_state,
        messaging.templates, messaging.channels, messaging.policies, messaging.messages, messaging.delivery_events, messaging.guide_tasks`);
      await db.execute(sql`vacuum analyze`);
    } else {
      if (reuse) throw new Error(`--reuse: the kept database has ${have} members, not ${MEMBERS}`);
      console.log(`generating ${fmt(MEMBERS)} customers with phones and SMS consents, and the static segment …`);
      await generateAudience(db, MEMBERS, 'bench_audience', (done) => process.stdout.write(`\r  ${fmt(done)}`));
      generateMs = performance.now() - t0;
      console.log(`\r  done in ${secs(generateMs)}`);
    }

    await svc.setup({ url, secret: SECRET });
    await svc.createTemplate('bench_campaign');
    const startAt = new Date(Date.now() - 60_000);
    await svc.createJourney({
      code: 'bench_campaign',
      name: 'Bench campaign',
      kind: 'campaign',
      holdoutPercent: HOLDOUT,
      reentry: 'never',
      definition: {
        trigger: { type: 'schedule', every: 'once', startAt: startAt.toISOString() },
        audience: { segments: ['bench_audience'] },
        steps: [{ id: 'send', type: 'send', template: 'bench_campaign', channel: 'sms', sendAt: 'now' }],
        goal: null,
      },
    });

    console.log('entry (scanTriggers) …');
    t0 = performance.now();
    await svc.scan(new Date());
    const entryMs = performance.now() - t0;
    const counts = await queryOne<{ entrants: number; held: number }>(db, sql`select count(*)::int as entrants, coalesce(sum(holdout), 0)::int as held from journeys.enrollments`);
    console.log(`  ${fmt(counts!.entrants)} entrants (${fmt(counts!.held)} held out) in ${secs(entryMs)}`);

    console.log('planning the send step (runDue) …');
    t0 = performance.now();
    await svc.runAllDue(new Date());
    const planMs = performance.now() - t0;
    const planned = (await queryOne<{ n: number }>(db, sql`select count(*)::int as n from messaging.messages`))!.n;
    console.log(`  ${fmt(planned)} messages planned in ${secs(planMs)}`);

    const dispatch = !args.includes('--no-dispatch');
    if (dispatch) console.log('dispatch through the webhook adapter to the sink …');
    sink.reset();
    t0 = performance.now();
    if (dispatch) await svc.dispatchAll(planned, () => sink.ids.size);
    const dispatchMs = performance.now() - t0;
    const statuses = Object.fromEntries(
      (await query<{ status: string; n: number }>(db, sql`select status, count(*)::int as n from messaging.messages group by status order by status collate "C"`)).map((r) => [r.status, r.n]),
    );
    const delivered = sink.ids.size;
    const batch = sink.typicalBatch();
    const batches = sink.batches;
    const duplicates = sink.duplicates;
    const badSignatures = sink.badSignatures;
    if (dispatch) console.log(`  ${fmt(delivered)} messages at the sink in ${secs(dispatchMs)} (${fmt(batches)} batches, typically ${batch}); statuses ${JSON.stringify(statuses)}`);

    if (dispatch) console.log('baseline: a plain loop posting the same batches to the sink …');
    const sample = { channel: 'sms', subject: null, body: '【客脉】顾客1，本周会员日全场 8 折，回复 TD 退订', locale: 'zh-CN', providerTemplateId: null, variables: {} };
    sink.reset();
    const loopMs = dispatch ? await plainLoop(url, delivered, batch || 100, svc.concurrency(), sample) : 0;
    if (dispatch) console.log(`  ${fmt(delivered)} in ${secs(loopMs)}`);

    console.log('baseline: bare insert … select of the audience into a scratch table …');
    const bare = await bareInsert(db, 'bench_audience', false);
    const indexed = await bareInsert(db, 'bench_audience', true);
    console.log(`  ${fmt(bare.rows)} rows: ${secs(bare.ms)} without indexes, ${secs(indexed.ms)} with the messages table's`);
    return {
      members: MEMBERS,
      generateMs,
      entrants: counts!.entrants,
      heldOut: counts!.held,
      entryMs,
      planned,
      planMs,
      delivered,
      dispatchMs,
      statuses,
      batches,
      batch,
      duplicates,
      badSignatures,
      loopMs,
      bare,
      indexed,
    };
  } finally {
    await sink.stop();
    await kemai.close();
  }
}

// ------------------------------------------------------------------ part 2: trigger-to-send latency

interface Quantiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
interface LatencyPhase {
  runner: boolean;
  send: Quantiles;
  bus: Quantiles;
}
interface LatencyRun {
  orders: number;
  phases: LatencyPhase[];
  intervals: string;
}

async function latency(): Promise<LatencyRun> {
  await admin(`drop database if exists ${DB_NAME}_latency with (force)`);
  await admin(`create database ${DB_NAME}_latency`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${DB_NAME}_latency`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  // As `kemai serve` builds it: the jobs on (pg-boss: the journeys' run and scan jobs, the dispatcher's worker).
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'on', KEMAI_DEMO: 'never', KEMAI_TIMEZONE: 'Asia/Shanghai', DATABASE_URL: url.toString() });
  const kemai = await createKemai({ config, database, log: createLogger('silent'), migrate: true, jobs: true });
  const svc = services(kemai);
  const sink = new HttpSink(SECRET);
  const sinkUrl = await sink.start();
  const busAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  // A plain subscriber of the same bus: when orders.order.placed reaches a handler.
  kemai.events.subscribe<{ customerId?: string | null }>('orders.order.placed', 'bench.latency', async (e) => {
    const c = e.payload.customerId;
    if (c && !busAt.has(c)) busAt.set(c, performance.now());
  });
  // The webhook names the message (its id), not the customer: receipts by message id, matched to customers at the end.
  const arrived = new Map<string, number>();
  sink.onMessage = (r) => {
    if (!arrived.has(r.id)) arrived.set(r.id, r.at);
  };
  let stopWorkers: (() => Promise<void>) | undefined;
  try {
    await svc.setup({ url: sinkUrl, secret: SECRET });
    await svc.createTemplate('bench_welcome');
    await svc.createJourney({
      code: 'bench_welcome',
      name: 'Bench welcome',
      kind: 'journey',
      holdoutPercent: 0,
      reentry: 'never',
      definition: {
        trigger: { type: 'event', event: 'first_purchase' },
        audience: {},
        steps: [{ id: 'thanks', type: 'send', template: 'bench_welcome', channel: 'sms', sendAt: 'now' }],
        goal: null,
      },
    });
    // New customers, known with a phone and an SMS consent before their first order (as a member sign-up would do).
    const phones = Array.from({ length: 2 * ORDERS }, (_, i) => `1390100${String(i).padStart(4, '0')}`);
    await kemai.customers.upsertCustomers(
      phones.map((phone, index) => ({ index, value: CustomerUpsertInput.parse({ phone, name: `新客${index}`, consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted' }] }) })),
      { source: 'api', actor: 'bench', prefix: () => '' },
    );
    await kemai.events.drain();
    // As `kemai serve` does after building Kemai (the dispatcher's worker already runs with the jobs).
    kemai.events.start();
    const phases: LatencyPhase[] = [];
    for (const runner of [false, true]) {
      if (runner) stopWorkers = await svc.startWorkers();
      const offset = runner ? ORDERS : 0;
      console.log(`placing ${ORDERS} orders, ${ORDER_RATE} a second, ${runner ? 'with the in-process journeys runner' : 'as the server runs (journeys runner: the one-minute job)'} …`);
      const committed = new Map<string, number>();
      const gap = 1000 / ORDER_RATE;
      const t0 = performance.now();
      for (let i = 0; i < ORDERS; i++) {
        const due = t0 + i * gap;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const [res] = await kemai.orders.ingestOrders(
          [OrderInput.parse({ channel: 'pos', externalId: `LAT-${offset + i}`, placedAt: new Date().toISOString(), customer: { phone: phones[offset + i] }, lines: [{ sku: 'P0001', quantity: 1, unitPrice: '99.00' }] })],
          { source: 'bench' },
        );
        const at = performance.now();
        if (!res || !res.customerId) throw new Error(`order ${i} not placed: ${JSON.stringify(res)}`);
        committed.set(res.customerId, at);
        // As the HTTP server does after a write (server.ts onResponse → events.poke()).
        kemai.events.poke();
      }
      const deadline = performance.now() + 90_000;
      const has = () => [...committed.keys()].filter((c) => busAt.has(c)).length;
      for (;;) {
        const ids = await query<{ id: string; customer_id: string }>(database.db, sql`select id, customer_id from messaging.messages`);
        for (const m of ids) if (arrived.has(m.id)) sentAt.set(m.customer_id, arrived.get(m.id)!);
        const sent = [...committed.keys()].filter((c) => sentAt.has(c)).length;
        if ((sent >= ORDERS && has() >= ORDERS) || performance.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const q = (m: Map<string, number>) => {
        const xs = [...committed].filter(([c]) => m.has(c)).map(([c, t]) => m.get(c)! - t).sort((a, b) => a - b);
        return { n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: xs[xs.length - 1] ?? NaN };
      };
      const phase = { runner, send: q(sentAt), bus: q(busAt) };
      phases.push(phase);
      console.log(`  ${phase.send.n} of ${ORDERS} at the sink; commit → sink p50 ${phase.send.p50.toFixed(0)} ms, p95 ${phase.send.p95.toFixed(0)}, p99 ${phase.send.p99.toFixed(0)}`);
      console.log(`  commit → bus subscriber p50 ${phase.bus.p50.toFixed(0)} ms, p95 ${phase.bus.p95.toFixed(0)}, p99 ${phase.bus.p99.toFixed(0)}`);
    }
    return { orders: ORDERS, phases, intervals: svc.intervals() };
  } finally {
    await stopWorkers?.();
    await sink.stop();
    await kemai.close();
    if (!args.includes('--keep')) await admin(`drop database if exists ${DB_NAME}_latency with (force)`);
  }
}

// ------------------------------------------------------------------ report

async function main() {
  const started = new Date();
  const a = PART === 'all' || PART === 'audience' ? await audience() : undefined;
  if (a && !args.includes('--keep')) await admin(`drop database if exists ${DB_NAME} with (force)`);
  const l = PART === 'all' || PART === 'latency' ? await latency() : undefined;
  const version = (await (async () => {
    const c = new pg.Client({ connectionString: SERVER_URL });
    await c.connect();
    try {
      return (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
    } finally {
      await c.end();
    }
  })()).split(' ')[0];
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const lines: string[] = [
    `### PostgreSQL ${version} — run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, PostgreSQL ${version} on the same machine (${new URL(SERVER_URL).host}), ` +
      `load average at the end ${load} (1/5/15 min). Command: \`npm run bench:journeys${args.length ? ` -- ${args.join(' ')}` : ''}\`.`,
    '',
  ];
  if (a) {
    const rate = (n: number, ms: number) => (n / ms) * 1000;
    const total = a.entryMs + a.planMs + a.dispatchMs;
    lines.push(
      `**A campaign to ${fmt(a.members)} members.** Customers with a primary phone and a granted SMS marketing consent, a static segment holding all of them ` +
        `(${a.generateMs ? `built in SQL in ${secs(a.generateMs)}` : 'built in SQL by an earlier run'}); a campaign journey: schedule trigger once → one send step (template with the customer's name, channel sms, now), ` +
        `holdout ${HOLDOUT} %. ` +
        (a.delivered > 0
          ? 'The sms channel goes through the signed webhook adapter to a local sink on 127.0.0.1 that acknowledges each batch ' +
            `(${fmt(a.batches)} batches, typically ${a.batch} messages; ${a.duplicates} duplicates, ${a.badSignatures} bad signatures). `
          : 'Dispatch not run (--no-dispatch): entry and planning only. ') +
        `Entrants ${fmt(a.entrants)}: ${fmt(a.entrants - a.heldOut)} treated, **${fmt(a.heldOut)} held out** (${((a.heldOut / a.entrants) * 100).toFixed(2)} %); ` +
        `messages planned ${fmt(a.planned)}, at the sink ${fmt(a.delivered)}; statuses at the end ${Object.entries(a.statuses).map(([s, n]) => `${s} ${fmt(n)}`).join(', ')}.`,
      '',
      '| stage | time | rate | baseline (same run) | ratio |',
      '|---|---|---|---|---|',
      `| entry (scanTriggers: segment → enrollments, holdout drawn) | ${secs(a.entryMs)} | **${fmt(rate(a.entrants, a.entryMs))} entrants/s** | bare insert … select of the members, no indexes: ${fmt(rate(a.bare.rows, a.bare.ms))} rows/s | ${(rate(a.entrants, a.entryMs) / rate(a.bare.rows, a.bare.ms)).toFixed(2)} |`,
      `| planning the send step (runDue → plan: one insert … select) | ${secs(a.planMs)} | **${fmt(rate(a.planned, a.planMs))} messages/s** | same with messages' indexes: ${fmt(rate(a.indexed.rows, a.indexed.ms))} rows/s (no indexes ${fmt(rate(a.bare.rows, a.bare.ms))}) | ${(rate(a.planned, a.planMs) / rate(a.indexed.rows, a.indexed.ms)).toFixed(2)} (${(rate(a.planned, a.planMs) / rate(a.bare.rows, a.bare.ms)).toFixed(2)}) |`,
      ...(a.delivered === 0 ? [] : [`| dispatch (claim, send-time checks, render, webhook, mark sent) | ${secs(a.dispatchMs)} | **${fmt(rate(a.delivered, a.dispatchMs))} messages/s** | plain loop posting the same batches: ${fmt(rate(a.delivered, a.loopMs))} messages/s (${secs(a.loopMs)}) | ${(rate(a.delivered, a.dispatchMs) / rate(a.delivered, a.loopMs)).toFixed(2)} |`,
      `| end to end (entry + planning + dispatch) | ${secs(total)} | **${fmt(rate(a.delivered, total))} messages/s** | | |`]),
      '',
    );
  }
  if (l) {
    const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '—');
    lines.push(
      `**Trigger-to-send latency.** A welcome journey (first_purchase → send now, sms, webhook to the local sink; no holdout); new customers (phone and SMS consent known) ` +
        `each place a first order through OrdersService.ingestOrders, ${ORDER_RATE} orders a second, one at a time, each followed by events.poke() as the HTTP server does after a write; ` +
        `${l.orders} orders per row. Kemai built as \`kemai serve\` builds it (jobs on: pg-boss with the journeys' run-due job every minute, the dispatcher's worker), the event bus started (${l.intervals}). ` +
        'First as the server runs today, then with the in-process journeys runner (JourneysService.startRunner: a poke when an event enters someone, else its poll). ' +
        "Time from the order's commit to the sink receiving its message, against the time from the same commit to the event bus handing orders.order.placed to a plain subscriber of the same bus.",
      '',
      '| journeys runner | measure | arrived | p50 | p95 | p99 | max |',
      '|---|---|---|---|---|---|---|',
    );
    for (const p of l.phases) {
      const who = p.runner ? 'in-process (startRunner)' : 'one-minute job (as served)';
      lines.push(
        `| ${who} | commit → event bus subscriber (baseline) | ${p.bus.n} | ${ms(p.bus.p50)} | ${ms(p.bus.p95)} | ${ms(p.bus.p99)} | ${ms(p.bus.max)} |`,
        `| ${who} | commit → message at the sink | ${p.send.n} | **${ms(p.send.p50)}** | **${ms(p.send.p95)}** | **${ms(p.send.p99)}** | ${ms(p.send.max)} |`,
        `| ${who} | ratio | | ${(p.send.p50 / p.bus.p50).toFixed(1)}× | ${(p.send.p95 / p.bus.p95).toFixed(1)}× | ${(p.send.p99 / p.bus.p99).toFixed(1)}× | |`,
      );
    }
    lines.push('');
  }
  const text = lines.join('\n');
  console.log(`\n${text}`);
  if (args.includes('--dry-run')) return;
  appendToSection(
    RESULTS,
    '## Journeys and messaging (issue 10)',
    'A campaign journey to a 1,000,000-member static segment on PostgreSQL — entry, planning the send step, dispatch through the signed webhook adapter to a local HTTP sink — against the transport\'s and the database\'s ceilings in the same run; and trigger-to-send latency of an event-triggered journey against the event bus\'s own delivery. `npm run bench:journeys`.',
    text,
  );
  console.log(`appended to ${RESULTS}`);
}

await main();

/**
 * Privacy and audit (issue 13), on PostgreSQL:
 * 1. audit log appends: N sequential `appendAudit` calls, each its own transaction (advisory lock, read the head,
 *    sha256, insert), against N plain inserts of the same row shape into a table without the chain or the lock;
 * 2. `verifyAuditChain` over an audit log of M entries (a valid chain built in Node — the same `auditHash` — and
 *    inserted 10,000 rows a statement); then one row's details are edited and the walk must stop at that seq;
 * 3. the events retention policy: E events older than the cutoff (plus 10 % recent ones) rolled up and deleted by
 *    `ActivityService.applyRetention` (10,000 a transaction), against a plain `delete` of the same rows in one statement.
 * Appends the figures to bench/RESULTS.md under "Privacy and audit (issue 13)".
 *
 *   npm run bench:privacy
 *   npm run bench:privacy -- --appends 2000 --audit-rows 1000000 --events 1000000
 *   npm run bench:privacy -- --appends 200 --audit-rows 20000 --events 20000 --dry-run   (no RESULTS.md)
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark (re)creates its own
 * database there (kemai_bench_privacy) and drops it at the end unless --keep.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createKemai } from '../src/app/kemai.js';
import { appendAudit, auditHash, auditInstant, canonicalJson, GENESIS_HASH, verifyAuditChain } from '../src/platform/audit.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase, queryOne, type Db } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { appendToSection } from './support/results.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const APPENDS = Number(opt('appends', '2000'));
const AUDIT_ROWS = Number(opt('audit-rows', '1000000'));
const EVENTS = Number(opt('events', '1000000'));
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = 'kemai_bench_privacy';
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const DRY = args.includes('--dry-run');
const KEEP = args.includes('--keep');
const TZ = 'Asia/Shanghai';
/** The run's "now": 24 months kept → events before 2024-11-01 (Shanghai) are rolled up. */
const NOW = new Date('2026-11-25T02:00:00Z');

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

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

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** A valid chain of `rows` entries after the current head, inserted 10,000 a statement (the same hash as appendAudit). */
async function seedAuditChain(db: Db, rows: number): Promise<void> {
  const head = await queryOne<{ seq: string; hash: string }>(db, sql`select l.seq::text as seq, l.hash from platform.audit_log l order by l.seq desc limit 1`);
  let prev = head?.hash ?? GENESIS_HASH;
  let seq = head ? Number(head.seq) : 0;
  const base = Date.parse('2026-01-01T00:00:00Z');
  const CHUNK = 10_000;
  for (let done = 0; done < rows; ) {
    const n = Math.min(CHUNK, rows - done);
    const cols = { seq: [] as number[], at: [] as string[], actor: [] as string[], action: [] as string[], targetType: [] as string[], targetId: [] as string[], details: [] as string[], prev: [] as string[], hash: [] as string[] };
    for (let i = 0; i < n; i++) {
      seq++;
      const at = auditInstant(new Date(base + seq * 1000));
      const details = { points: seq % 500, reason: 'bench', segment: `S${seq % 97}` };
      const hash = auditHash(prev, { seq, at, actor: `staff:bench-${seq % 13}`, action: 'loyalty.adjust', targetType: 'customer', targetId: `c-${seq % 100_000}`, details });
      cols.seq.push(seq);
      cols.at.push(at);
      cols.actor.push(`staff:bench-${seq % 13}`);
      cols.action.push('loyalty.adjust');
      cols.targetType.push('customer');
      cols.targetId.push(`c-${seq % 100_000}`);
      cols.details.push(canonicalJson(details));
      cols.prev.push(prev);
      cols.hash.push(hash);
      prev = hash;
    }
    await db.execute(sql`insert into platform.audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, hash)
      select * from unnest(${sql.param(cols.seq)}::bigint[], ${sql.param(cols.at)}::timestamptz[], ${sql.param(cols.actor)}::text[],
        ${sql.param(cols.action)}::text[], ${sql.param(cols.targetType)}::text[], ${sql.param(cols.targetId)}::text[],
        ${sql.param(cols.details)}::jsonb[], ${sql.param(cols.prev)}::text[], ${sql.param(cols.hash)}::text[])`);
    done += n;
    process.stdout.write(`\raudit rows ${fmt(done)}   `);
  }
  process.stdout.write('\n');
}

/** `old` events before the cutoff (spread over 2023-01 … 2024-10) and `recent` after it, over 20,000 customers. */
async function seedEvents(db: Db, old: number, recent: number): Promise<void> {
  await db.execute(sql`insert into activity.events (id, customer_id, type, occurred_at, channel, store_code, sku, properties, source, external_id)
    select gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad(to_hex(i % 20000), 12, '0'))::uuid,
           (array['view','add_to_cart','favorite','store_visit','share'])[1 + i % 5],
           case when i <= ${old} then timestamptz '2023-01-01 00:00:00+08' + ((i * 7919) % 669) * interval '1 day' + (i % 86400) * interval '1 second'
                else timestamptz '2025-01-01 00:00:00+08' + ((i * 7919) % 600) * interval '1 day' end,
           (array['web','app','pos'])[1 + i % 3], 'S' || (i % 40), 'SKU-' || (i % 5000), '{}'::jsonb, 'bench', null
    from generate_series(1, ${old + recent}) i`);
  await db.execute(sql`analyze activity.events`);
}

async function main() {
  const load0 = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const started = new Date();
  await admin(`drop database if exists ${DB_NAME} with (force)`);
  await admin(`create database ${DB_NAME}`);
  const log = createLogger('silent');
  const config = loadConfig({ DATABASE_URL: dbUrl(), KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off', KEMAI_TIMEZONE: TZ });
  const database = await openDatabase({ databaseUrl: dbUrl(), poolSize: 4 });
  const kemai = await createKemai({ config, database, log, migrate: true, loyalty: false });
  const db = database.db;
  const version = (await queryOne<{ v: string }>(db, sql`select split_part(version(), ' on ', 1) as v`))!.v;
  const lines: string[] = [];

  // 1. Appends: the chained append against a plain insert of the same shape, each its own transaction.
  await db.execute(sql`create table public.audit_plain (like platform.audit_log including all)`);
  for (let i = 0; i < 50; i++) await appendAudit(db, { actor: 'system', action: 'bench.warmup', targetType: 'bench', targetId: String(i) });
  const plainRow = (i: number) =>
    db.transaction((tx) =>
      tx.execute(sql`insert into public.audit_plain (seq, at, actor, action, target_type, target_id, details, prev_hash, hash)
        values (${i}, now(), 'staff:bench', 'loyalty.adjust', 'customer', ${`c-${i}`}, ${canonicalJson({ points: i % 500, reason: 'bench' })}::jsonb, ${GENESIS_HASH}, ${GENESIS_HASH})`),
    );
  for (let i = 0; i < 50; i++) await plainRow(-1 - i);
  const plain = await timed(async () => {
    for (let i = 1; i <= APPENDS; i++) await plainRow(i);
  });
  const chained = await timed(async () => {
    for (let i = 1; i <= APPENDS; i++) await appendAudit(db, { actor: 'staff:bench', action: 'loyalty.adjust', targetType: 'customer', targetId: `c-${i}`, details: { points: i % 500, reason: 'bench' } });
  });
  const perSec = (ms: number) => (APPENDS / ms) * 1000;
  console.log(`appendAudit ${fmt(perSec(chained.ms))}/s, plain insert ${fmt(perSec(plain.ms))}/s`);
  lines.push(
    `- **Audit append** (${fmt(APPENDS)} sequential appends, each its own transaction, one connection): ` +
      `**${fmt(perSec(chained.ms))} appends/s** (${((chained.ms / APPENDS)).toFixed(2)} ms each) against ${fmt(perSec(plain.ms))}/s for a plain insert of the same row into a table of the same shape and indexes without the chain or the lock ` +
      `(${((plain.ms / APPENDS)).toFixed(2)} ms) — **${(chained.ms / plain.ms).toFixed(2)}×** the baseline's time.`,
  );

  // 2. Verify a long chain, then find an edited row.
  const seeded = await timed(() => seedAuditChain(db, AUDIT_ROWS - APPENDS - 50));
  const total = Number((await queryOne<{ n: string }>(db, sql`select count(*)::text as n from platform.audit_log`))!.n);
  const verify = await timed(() => verifyAuditChain(db));
  if (!verify.value.ok || verify.value.rows !== total) throw new Error(`the seeded chain does not verify: ${JSON.stringify(verify.value)}`);
  const badSeq = Math.floor(total / 2);
  await db.execute(sql`update platform.audit_log set details = details || '{"points": 9999}'::jsonb where seq = ${badSeq}`);
  const tampered = await timed(() => verifyAuditChain(db));
  if (tampered.value.ok || tampered.value.firstBadSeq !== badSeq || tampered.value.problem !== 'hash_mismatch')
    throw new Error(`the edited row was not found: ${JSON.stringify(tampered.value)}`);
  console.log(`verify ${fmt(total)} entries: ${secs(verify.ms)}; edited seq ${badSeq} found in ${secs(tampered.ms)}`);
  lines.push(
    `- **verifyAuditChain** over **${fmt(total)} entries** (seeded in ${secs(seeded.ms)}): intact in **${secs(verify.ms)}** ` +
      `(${fmt((total / verify.ms) * 1000)} entries/s, pages of 1,000); after one row's details were edited (seq ${fmt(badSeq)}), ` +
      `the walk stopped there with \`hash_mismatch\` in ${secs(tampered.ms)}.`,
  );

  // 3. Retention: the policy's batched rollup + delete against a plain delete of the same rows.
  const recent = Math.round(EVENTS / 10);
  const cutoff = '2024-10-31T16:00:00Z';
  await seedEvents(db, EVENTS, recent);
  const rollup = await timed(() => kemai.activity.applyRetention({ months: 24, now: NOW, actor: 'system:bench' }));
  if (rollup.value.events !== EVENTS) throw new Error(`retention rolled up ${rollup.value.events} events, not ${EVENTS}`);
  const left = Number((await queryOne<{ n: string }>(db, sql`select count(*)::text as n from activity.events`))!.n);
  const rolled = Number((await queryOne<{ n: string; r: string }>(db, sql`select sum(events)::text as n from activity.event_rollups`))!.n);
  const rollupRows = Number((await queryOne<{ n: string }>(db, sql`select count(*)::text as n from activity.event_rollups`))!.n);
  if (left !== recent || rolled !== EVENTS) throw new Error(`after retention: ${left} events kept (expected ${recent}), ${rolled} counted (expected ${EVENTS})`);
  await db.execute(sql`truncate activity.events`);
  await seedEvents(db, EVENTS, recent);
  const baseline = await timed(() => db.execute(sql`delete from activity.events where occurred_at < ${cutoff}::timestamptz`));
  console.log(`retention ${fmt((EVENTS / rollup.ms) * 1000)} events/s (${secs(rollup.ms)}), plain delete ${secs(baseline.ms)}`);
  lines.push(
    `- **Retention** (${fmt(EVENTS)} events older than the cutoff, ${fmt(recent)} newer, 20,000 customers, 5 types × 3 channels × 40 stores, 22 months): ` +
      `\`applyRetention\` rolled up and deleted them in ${rollup.value.batches} transactions of 10,000 in **${secs(rollup.ms)}** — **${fmt((EVENTS / rollup.ms) * 1000)} events/s**, ` +
      `into ${fmt(rollupRows)} rollup rows (${(EVENTS / rollupRows).toFixed(1)} events a row: the synthetic events spread thinly over customer × month × channel) — against ${secs(baseline.ms)} (${fmt((EVENTS / baseline.ms) * 1000)} events/s) for one plain \`delete\` of the same rows: **${(rollup.ms / baseline.ms).toFixed(2)}×** the baseline's time.`,
  );

  await kemai.close();
  if (!KEEP) await admin(`drop database if exists ${DB_NAME} with (force)`);
  const load1 = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const minutes = ((Date.now() - started.getTime()) / 60000).toFixed(1);
  const cpu = os.cpus();
  const text = [
    `### ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), Node ${process.version}`,
    '',
    ...lines,
    '',
    `Whole run ${minutes} min. Load average ${load0} at the start and ${load1} at the end (1/5/15 min; five other agents' tests and benchmarks shared the 2 cores), ` +
      'so absolute figures are low and noisy; the ratios are measured in the same run against the same server.',
    '',
  ].join('\n');
  console.log(`\n${text}`);
  if (!DRY)
    appendToSection(
      RESULTS,
      '## Privacy and audit (issue 13)',
      '`npm run bench:privacy` (bench/privacy.bench.ts) on PostgreSQL: the hash-chained audit log (append cost against a plain insert, ' +
        'a full chain verification and finding an edited row) and the events retention policy (rollup + delete against a plain delete).',
      text,
    );
}

try {
  await main();
} catch (e) {
  // Not the whole error: a failed bulk insert carries its 90,000 parameters.
  console.error(`bench:privacy failed: ${(e as Error).message.slice(0, 500)}${(e as { cause?: Error }).cause ? ` — ${(e as { cause: Error }).cause.message}` : ''}`);
  process.exitCode = 1;
}

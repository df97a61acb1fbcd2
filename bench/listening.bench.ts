/**
 * Social listening (issue 12), on PostgreSQL: ingest of 1,000,000 mentions with sentiment and keyword extraction,
 * then the console's read side over them.
 *
 * The mentions come from the demo's generator (src/modules/demo/domain/mentions.generator.ts): N over 60 days ending
 * yesterday (China time), the ten demo stores, the 500 products of the demo catalog, ~2 % word-for-word reposts and
 * ~1 % re-deliveries of a post already sent (the duplicates the ingest must skip), and a product crisis (a pilling
 * sweater, keyword 起球) four days before the end, on top of the N. In the same run:
 * - analysis alone, no database: the shipped sentiment model's scoreMany, and the ingest's analyzer (sentiment +
 *   aspects + keywords, createAnalyzer), over a sample of the texts — texts/s;
 * - the storage baseline: a distinct slice of 100,000 mentions (its own seed, external ids prefixed `baseline:`)
 *   through MentionsService.ingestValid, 5,000 per transaction as the import does, with an analyzer that returns one
 *   constant result (neutral, no aspects, no keywords): dedup, the insert … select from unnest and the hourly stats,
 *   without analysis or keyword stats — mentions/s. The tables are emptied afterwards;
 * - the real thing: the N mentions through ListeningService.importItems (the real analyzer, dedup, customer lookup,
 *   hourly stats incl. one row per keyword and hour, the GIN index on keywords) — seconds, mentions/s (all, first and
 *   last 100,000), the ratio to the storage baseline, table and index sizes, the duplicates the IngestResult counted;
 * - the read side, calling the services in-process (no HTTP), each call `--requests` times (default 50) after five
 *   warm-up calls, p50 / p95 against `select 1` over the same pool: overview, trend, terms (hourly stats path and the
 *   mentions path), regions, the stream filtered by a keyword, and the spike scan with the default rules.
 * Appends the figures to bench/RESULTS.md under "Listening: ingest (issue 12)".
 *
 *   npm run bench:listening
 *   npm run bench:listening -- --mentions 20000 --requests 10 --dry-run
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server; the benchmark creates its own
 * database there (kemai_bench_listening; the ingest needs it empty, so an existing one is rebuilt only with --fresh;
 * dropped at the end unless --keep).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createKemai, type Kemai } from '../src/app/kemai.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase, query, queryOne, type Db } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
/* eslint-disable no-restricted-imports -- the demo's catalog and mention generator are not in its public API (index.ts) */
import { buildProducts, DEMO_STORES } from '../src/modules/demo/domain/catalog.data.js';
import { generateMentions, type CrisisScenario, type GeneratedMention, type MentionProduct } from '../src/modules/demo/domain/mentions.generator.js';
/* eslint-enable no-restricted-imports */
import { createAnalyzer, IMPORT_BATCH, MentionsService, type IngestResult, type MentionAnalyzer, type MentionInput } from '../src/modules/listening/index.js';
import { SentimentModel } from '../src/modules/listening/sentiment/index.js';
import { appendToSection } from './support/results.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const MENTIONS = Number(opt('mentions', '1000000'));
const BASELINE = Number(opt('baseline', '100000'));
const SAMPLE = Number(opt('sample', '100000'));
const REQUESTS = Number(opt('requests', '50'));
const DAYS = 60;
const SEED = 'kemai-bench-listening';
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = opt('database', 'kemai_bench_listening');
const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const DRY = args.includes('--dry-run');
const KEEP = args.includes('--keep');
const FRESH = args.includes('--fresh');
const HOUR = 3_600_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;
const secs = (n: number) => `${(n / 1000).toFixed(1)} s`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/** Runs one statement on the server's maintenance connection (create / drop database, version). */
async function admin<T = unknown>(statement: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return (await client.query(statement, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function dbUrl(): string {
  const u = new URL(SERVER_URL);
  u.pathname = `/${DB_NAME}`;
  return u.toString();
}

/** Creates the bench database, empty: an existing one is dropped first with --fresh, else the run stops. */
async function createDatabase(): Promise<void> {
  const exists = (await admin('select 1 from pg_database where datname = $1', [DB_NAME])).length === 1;
  if (exists && !FRESH) throw new Error(`${DB_NAME} exists already (kept by --keep?); the ingest needs it empty: run with --fresh`);
  if (exists) await admin(`drop database ${DB_NAME} with (force)`);
  await admin(`create database ${DB_NAME}`);
}

/** A mention as the ingest takes it: the generator's intended label stripped. */
function toInput(g: GeneratedMention, idPrefix = ''): MentionInput {
  const { expected: _expected, ...rest } = g;
  return { ...rest, externalId: idPrefix + rest.externalId };
}

/** The date (YYYY-MM-DD) in China `days` from today. */
const chinaDate = (days: number) => new Date(Date.now() + 8 * HOUR + days * 24 * HOUR).toISOString().slice(0, 10);

/**
 * The 60 days ending yesterday (China time), a sweater crisis four days before the end at 20:00 whose first hour holds
 * as many mentions as an average hour of the whole brand.
 */
function scenario(perDay: number): { from: string; products: MentionProduct[]; crisis: CrisisScenario } {
  const products = buildProducts('kemai').map((p) => ({ sku: p.sku, name: p.name, category: p.path.join('/') }));
  const sweater = products.find((p) => p.name.includes('毛衣')) ?? products[0]!;
  const crisis: CrisisScenario = { startsAt: `${chinaDate(-4)}T20:00:00+08:00`, sku: sweater.sku, keyword: '起球', peakPerHour: Math.max(50, Math.round(perDay / 24)), negativeShareAtPeak: 0.4, decayHours: 60, recoveredShare: 0.05, respondsAfterHours: 1 };
  return { from: chinaDate(-DAYS), products, crisis };
}

/** Made-up phones some authors carry: the ingest's customer lookup runs on them (nobody matches in this database). */
const IDENTITIES = Array.from({ length: 400 }, (_, i) => ({ phone: `139${String(10_000_000 + i * 7919).slice(-8)}` }));

/** The storage baseline's analyzer: one constant result, no work (no aspects and no keywords, hence no keyword stats). */
const CONSTANT_ANALYZER: MentionAnalyzer = { analyze: (texts) => texts.map(() => ({ lang: 'zh', label: 'neutral', score: 0, aspects: [], keywords: [] })) };

/** Texts per second of `analyze` over `texts`, in slices of one import batch, after one warm-up slice. */
function textsPerSecond(texts: readonly string[], analyze: (slice: readonly string[]) => unknown): number {
  analyze(texts.slice(0, IMPORT_BATCH));
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i += IMPORT_BATCH) analyze(texts.slice(i, i + IMPORT_BATCH));
  return texts.length / ((performance.now() - t0) / 1000);
}

/** The storage baseline: mentions/s of MentionsService.ingestValid with the constant analyzer, batch by batch. */
async function storageBaseline(kemai: Kemai, items: readonly MentionInput[]): Promise<{ seconds: number; perSecond: number; inserted: number }> {
  const mentions = new MentionsService({ db: kemai.database.db, customers: kemai.customers, analyzer: () => CONSTANT_ANALYZER });
  let inserted = 0;
  const t0 = performance.now();
  for (let i = 0; i < items.length; i += IMPORT_BATCH) inserted += (await mentions.ingestValid(items.slice(i, i + IMPORT_BATCH))).inserted;
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, perSecond: items.length / seconds, inserted };
}

interface IngestRun {
  result: IngestResult & { batches: number };
  seconds: number;
  /** Mentions/s over the first and the last `BASELINE` items (the table nearly empty, then nearly full). */
  first: number;
  last: number;
}

/** The real ingest through ListeningService.importItems, timing every batch. */
async function realIngest(kemai: Kemai, items: readonly MentionInput[]): Promise<IngestRun> {
  const marks: Array<{ done: number; at: number }> = [{ done: 0, at: performance.now() }];
  const result = await kemai.listening.importItems(items, (done) => {
    marks.push({ done, at: performance.now() });
    process.stdout.write(`\ringest ${fmt(done)} / ${fmt(items.length)}   `);
  });
  process.stdout.write('\n');
  const rate = (from: number, to: number) => {
    const a = marks.find((m) => m.done >= from) ?? marks[0]!;
    const b = marks.find((m) => m.done >= to) ?? marks[marks.length - 1]!;
    return (b.done - a.done) / ((b.at - a.at) / 1000);
  };
  const span = Math.min(BASELINE, items.length);
  return { result, seconds: (marks[marks.length - 1]!.at - marks[0]!.at) / 1000, first: rate(0, span), last: rate(items.length - span, items.length) };
}

interface Sizes {
  total: number;
  heap: number;
  indexes: Array<{ name: string; bytes: number }>;
  stored: number;
  hourlyRows: number;
  hourlyBytes: number;
  keywordRows: number;
}

async function sizes(db: Db): Promise<Sizes> {
  const t = (await queryOne<{ total: string; heap: string; stored: number; hourly_rows: number; hourly_bytes: string; keyword_rows: number }>(
    db,
    sql`select pg_total_relation_size('listening.mentions')::text as total, pg_relation_size('listening.mentions')::text as heap,
          (select count(*) from listening.mentions)::int as stored, (select count(*) from listening.hourly_stats)::int as hourly_rows,
          pg_total_relation_size('listening.hourly_stats')::text as hourly_bytes,
          (select count(*) from listening.hourly_stats where scope_type = 'keyword')::int as keyword_rows`,
  ))!;
  const indexes = await query<{ name: string; bytes: string }>(
    db,
    sql`select c.relname as name, pg_relation_size(i.indexrelid)::text as bytes from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = 'listening.mentions'::regclass order by pg_relation_size(i.indexrelid) desc`,
  );
  return {
    total: Number(t.total),
    heap: Number(t.heap),
    indexes: indexes.map((r) => ({ name: r.name, bytes: Number(r.bytes) })),
    stored: t.stored,
    hourlyRows: t.hourly_rows,
    hourlyBytes: Number(t.hourly_bytes),
    keywordRows: t.keyword_rows,
  };
}

interface Figure {
  name: string;
  p50: number;
  p95: number;
  rows: number;
}

/** p50 / p95 of `REQUESTS` sequential calls after five warm-up calls; `rows` is what the last call returned. */
async function measure(name: string, call: () => Promise<number>): Promise<Figure> {
  for (let i = 0; i < 5; i++) await call();
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    rows = await call();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const f = { name, p50: percentile(times, 50), p95: percentile(times, 95), rows };
  console.log(`${name.padEnd(70)} p50 ${ms(f.p50).padStart(9)}  p95 ${ms(f.p95).padStart(9)}  (${rows})`);
  return f;
}

/** The console's reads over the ingested mentions, called on the services directly. */
async function readSide(kemai: Kemai, crisis: CrisisScenario): Promise<{ figures: Figure[]; firstScan: { ms: number; opened: number } }> {
  const { stats, mentions, alerts } = kemai.listening;
  const db = kemai.database.db;
  const now = Date.now();
  const region = (await stats.regions({})).items[0]?.region ?? '上海';
  const figures: Figure[] = [];
  figures.push(await measure('floor: select 1 over the same pool', async () => (await query(db, sql`select 1`)).length));
  figures.push(await measure('overview, 7 days', async () => (await stats.overview({})).mentions));
  figures.push(await measure('trend, 30 days by day', async () => (await stats.trend({ from: new Date(now - 30 * 24 * HOUR).toISOString(), bucket: 'day', timeZone: 'Asia/Shanghai' })).points.length));
  figures.push(await measure('terms, 7 days (hourly keyword stats)', async () => (await stats.terms({ limit: 60 })).items.length));
  figures.push(await measure(`terms, 7 days, region ${region} (the mentions' keywords)`, async () => (await stats.terms({ limit: 60, region })).items.length));
  figures.push(await measure('regions, 7 days', async () => (await stats.regions({})).items.length));
  figures.push(await measure(`stream page 1 (50), keyword ${crisis.keyword}`, async () => (await mentions.list({ limit: 50, keyword: crisis.keyword })).items.length));
  await alerts.ensureDefaults('bench');
  const peak = new Date(new Date(crisis.startsAt).getTime() + 55 * 60_000);
  const t0 = performance.now();
  const first = await alerts.scan(peak);
  const firstScan = { ms: performance.now() - t0, opened: first.opened };
  figures.push(await measure("spike scan, default rules, at the crisis's first hour (alerts open)", async () => (await alerts.scan(peak)).scopes));
  figures.push(await measure('spike scan, default rules, now (quiet)', async () => (await alerts.scan()).scopes));
  return { figures, firstScan };
}

/** Machine, PostgreSQL, Node and the load average at the end (the machine may be shared): the run's heading. */
async function environment(): Promise<string> {
  const [v] = await admin<{ server_version: string }>('show server_version');
  const cpu = os.cpus();
  return `PostgreSQL ${v!.server_version}, ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`;
}

async function main() {
  const perDay = Math.round(MENTIONS / DAYS);
  const { from, products, crisis } = scenario(perDay);
  const t0 = performance.now();
  const items = [...generateMentions({ seed: SEED, from, days: DAYS, perDay, stores: DEMO_STORES, products, crisis, identities: IDENTITIES })].map((g) => toInput(g));
  const slice = [...generateMentions({ seed: `${SEED}:baseline`, from, days: DAYS, perDay: Math.round(BASELINE / DAYS), stores: DEMO_STORES, products, identities: IDENTITIES })].map((g) => toInput(g, 'baseline:'));
  const generated = performance.now() - t0;
  const crisisCount = items.length - DAYS * perDay; // the baseline's daily counts add up to perDay × days exactly
  console.log(`generated ${fmt(items.length)} + ${fmt(slice.length)} mentions in ${secs(generated)}`);

  const sample = items.slice(0, SAMPLE).map((m) => m.text);
  const model = SentimentModel.shipped();
  const scoring = textsPerSecond(sample, (s) => model.scoreMany(s));
  const analysing = textsPerSecond(sample, (s) => createAnalyzer(model).analyze(s));
  console.log(`analysis alone: sentiment ${fmt(scoring)} texts/s, sentiment + aspects + keywords ${fmt(analysing)} texts/s`);

  await createDatabase();
  const log = createLogger('silent');
  const config = loadConfig({ DATABASE_URL: dbUrl(), KEMAI_LOG_LEVEL: 'silent', KEMAI_JOBS: 'off' });
  const database = await openDatabase({ databaseUrl: dbUrl(), poolSize: 10 });
  const kemai = await createKemai({ config, database, log, migrate: true });
  const db = database.db;

  const storage = await storageBaseline(kemai, slice);
  console.log(`storage baseline: ${fmt(storage.inserted)} stored in ${storage.seconds.toFixed(1)} s, ${fmt(storage.perSecond)} mentions/s`);
  await db.execute(sql`truncate listening.mentions, listening.hourly_stats`);

  const ingest = await realIngest(kemai, items);
  const r = ingest.result;
  console.log(`ingest: ${fmt(r.inserted)} stored, ${fmt(r.duplicates)} duplicates, in ${ingest.seconds.toFixed(1)} s: ${fmt(items.length / ingest.seconds)} mentions/s`);
  // What autovacuum does after a bulk load, done now so the reads below see settled statistics.
  await db.execute(sql`vacuum analyze listening.mentions`);
  await db.execute(sql`vacuum analyze listening.hourly_stats`);
  const size = await sizes(db);
  const reads = await readSide(kemai, crisis);

  await kemai.close();
  if (!KEEP) await admin(`drop database ${DB_NAME} with (force)`);

  const perSecond = items.length / ingest.seconds;
  const ratio = (x: number) => `${(x / storage.perSecond).toFixed(2)}×`;
  const floor = reads.figures[0]!;
  const lines = [
    `### ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${fmt(items.length)} mentions over ${DAYS} days, ${await environment()}`,
    '',
    `${fmt(DAYS * perDay)} baseline mentions (~2 % reposts, ~1 % re-deliveries) plus ${fmt(crisisCount)} of a product crisis (${crisis.keyword}, ${crisis.peakPerHour}/h at its peak), generated in ${secs(generated)}.`,
    '',
    '| step | items | time | per second | ÷ storage baseline |',
    '|---|---:|---:|---:|---:|',
    `| analysis alone: shipped sentiment model ${model.info.version}, trained ${model.info.trainedAt.slice(0, 16)} (scoreMany), no database | ${fmt(sample.length)} texts | ${secs((sample.length / scoring) * 1000)} | ${fmt(scoring)} | — |`,
    `| analysis alone: sentiment + aspects + keywords (createAnalyzer), no database | ${fmt(sample.length)} texts | ${secs((sample.length / analysing) * 1000)} | ${fmt(analysing)} | — |`,
    `| **storage baseline**: MentionsService.ingestValid, constant analyzer, 5,000 per transaction (distinct slice) | ${fmt(slice.length)} | ${storage.seconds.toFixed(1)} s | ${fmt(storage.perSecond)} | 1.00× |`,
    `| ingest (ListeningService.importItems, real analyzer): first ${fmt(Math.min(BASELINE, items.length))} | ${fmt(Math.min(BASELINE, items.length))} | | ${fmt(ingest.first)} | ${ratio(ingest.first)} |`,
    `| ingest: last ${fmt(Math.min(BASELINE, items.length))} (table nearly full) | ${fmt(Math.min(BASELINE, items.length))} | | ${fmt(ingest.last)} | ${ratio(ingest.last)} |`,
    `| **ingest: all** (${fmt(r.batches)} transactions) | ${fmt(items.length)} | ${ingest.seconds.toFixed(1)} s | **${fmt(perSecond)}** | **${ratio(perSecond)}** |`,
    '',
    `Stored ${fmt(r.inserted)}; duplicates skipped ${fmt(r.duplicates)} (${((r.duplicates / items.length) * 100).toFixed(2)} %, the generator's re-deliveries); ` +
      `sentiment ${fmt(r.sentiment.positive)} positive / ${fmt(r.sentiment.neutral)} neutral / ${fmt(r.sentiment.negative)} negative; linked ${fmt(r.linked)} (no customers in the bench database). ` +
      `Analysis alone would take ~${((items.length / analysing / ingest.seconds) * 100).toFixed(0)} % of the ingest's time (N ÷ its rate).`,
    '',
    `listening.mentions: ${mb(size.total)} in all (${fmt(size.stored)} rows; table ${mb(size.heap)}, TOAST and indexes the rest); indexes: ${size.indexes.map((i) => `${i.name} ${mb(i.bytes)}`).join(', ')}. ` +
      `listening.hourly_stats: ${fmt(size.hourlyRows)} rows (${fmt(size.keywordRows)} of them keyword × hour), ${mb(size.hourlyBytes)}.`,
    '',
    `The read side after the ingest (and a vacuum analyze), the services called in-process (no HTTP), ${REQUESTS} calls each after 5 warm-up calls. ` +
      `The first spike scan at the crisis hour took ${ms(reads.firstScan.ms)} and opened ${reads.firstScan.opened} alert(s).`,
    '',
    '| call | p50 | p95 | p95 ÷ floor p95 | result |',
    '|---|---:|---:|---:|---:|',
    ...reads.figures.map((f) => `| ${f.name} | ${ms(f.p50)} | ${ms(f.p95)} | ${(f.p95 / floor.p95).toFixed(0)} | ${fmt(f.rows)} |`),
    '',
  ];
  console.log(lines.join('\n'));
  if (!DRY)
    appendToSection(
      RESULTS,
      '## Listening: ingest (issue 12)',
      'Ingest of 1,000,000 generated mentions with sentiment, aspects and keyword extraction on PostgreSQL (`npm run bench:listening`), as a ratio to a storage-only baseline in the same run (the same ingest path with a constant analyzer), plus the console’s reads over the result.',
      lines.join('\n'),
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

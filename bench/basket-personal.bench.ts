/**
 * Personal recommendations (issue 8 part 4), `npm run bench:basket -- --part recommend`:
 * - Online Retail: model build time (median of 3) and recommendation latency per customer (p50 / p95 over 1,000
 *   customers, the first by id), against the popularity list for the same customers in the same run;
 * - offline evaluation (time split, hit rate@10 and MAP@10 of the recommender and the popularity baseline) on Online
 *   Retail, Complete Journey (product and product-category level) and the demo brand (PGlite, `--demo-customers`,
 *   default 2,000; 0 leaves it out).
 *
 *   npm run bench:basket -- --part recommend [--dry-run] [--demo-customers N]
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { buildModel, dayOf, evaluate, popularFor, readHistoryFile, recommendFor, type DatedBasket, type Evaluation } from '../src/modules/basket/index.js';
import { createKemai } from '../src/app/kemai.js';
import { loadConfig } from '../src/platform/config.js';
import { openDatabase } from '../src/platform/db/database.js';
import { createLogger } from '../src/platform/logger.js';
import { DemoOptionsInput, DemoService } from '../src/modules/demo/index.js';
import { appendToSection } from './support/results.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS = path.join(HERE, 'RESULTS.md');
const DATA = [path.resolve(ROOT, '../shared/data'), '/tmp/shared/data'].find((d) => fs.existsSync(d))!;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const ms = (x: number) => (x < 10 ? x.toFixed(3) : x.toFixed(0));

function evaluationRow(name: string, e: Evaluation): string {
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : '—');
  return `| ${name} | ${e.splitDate} + ${e.windowDays} d | ${e.trainBaskets.toLocaleString('en')} / ${e.items.toLocaleString('en')} / ${e.rules.toLocaleString('en')} | ${e.customers.toLocaleString('en')} | **${(e.recommender.hitRate * 100).toFixed(1)}%** | ${(e.popular.hitRate * 100).toFixed(1)}% | ${ratio(e.recommender.hitRate, e.popular.hitRate)} | **${e.recommender.map.toFixed(4)}** | ${e.popular.map.toFixed(4)} | ${ratio(e.recommender.map, e.popular.map)} | ${(e.buildMs / 1000).toFixed(1)} s |`;
}

async function demoBaskets(customers: number, until: string): Promise<DatedBasket[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-bench-personal-'));
  const config = loadConfig({ KEMAI_LOG_LEVEL: 'warn', KEMAI_JOBS: 'off', KEMAI_DEMO: 'never' });
  const database = await openDatabase({ dataDir: dir });
  const kemai = await createKemai({ config, database, log: createLogger('warn') });
  try {
    const t0 = performance.now();
    await new DemoService({ ...kemai, strongIdentifiers: kemai.config.strongIdentifiers }).seed(DemoOptionsInput.parse({ customers, until }));
    console.error(`demo seeded (${customers} customers) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return await kemai.basket.customerBaskets('sku');
  } finally {
    await kemai.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const dry = args.includes('--dry-run');
  const demoCustomers = Number(opt('demo-customers', '2000'));
  const load0 = os.loadavg()[0]!;
  const started = new Date();

  // Online Retail: build and latency.
  const retail = await readHistoryFile(path.join(DATA, 'online_retail/onlineretail.csv.gz'), {
    customerCol: 'CustomerID',
    basketCol: 'InvoiceNo',
    itemCol: 'StockCode',
    dateCol: 'InvoiceDate',
    quantityCol: 'Quantity',
  });
  const builds: number[] = [];
  let model = buildModel(retail.baskets);
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    model = buildModel(retail.baskets);
    builds.push(performance.now() - t0);
  }
  const customers = [...model.histories.keys()].sort().slice(0, 1000);
  const asOf = model.lastDay + 1;
  const mine: number[] = [];
  const base: number[] = [];
  for (const c of customers) recommendFor(model, c, { asOf });
  for (const c of customers) {
    let t0 = performance.now();
    recommendFor(model, c, { asOf });
    mine.push(performance.now() - t0);
    t0 = performance.now();
    popularFor(model, c, { asOf });
    base.push(performance.now() - t0);
  }
  const consumables = Array.from(model.interval).filter((x) => !Number.isNaN(x)).length;
  const latency = [
    `- Online Retail (rows with a customer and a quantity > 0): ${retail.baskets.length.toLocaleString('en')} baskets, ${model.histories.size.toLocaleString('en')} customers, ${model.labels.length.toLocaleString('en')} items; the model: ${model.ruleCount.toLocaleString('en')} rules (support ≥ 0.005, confidence ≥ 0.1, ≤ 3 items, lift > 1), ${model.nbItems.length.toLocaleString('en')} neighbour links (top 20 per item, ≥ 2 shared baskets), ${consumables.toLocaleString('en')} items with a repurchase interval.`,
    `- Model build (FP-growth + rules, cosine neighbours, intervals, histories): **${(quantile(builds, 0.5) / 1000).toFixed(2)} s** (median of 3; ${builds.map((b) => (b / 1000).toFixed(2)).join(' / ')}).`,
    `- Recommendation per customer, 1,000 customers (10 items as of ${new Date(asOf * 86_400_000).toISOString().slice(0, 10)}, after one warm-up pass): p50 **${ms(quantile(mine, 0.5))} ms**, p95 **${ms(quantile(mine, 0.95))} ms**, max ${ms(Math.max(...mine))} ms; the popularity list for the same customers (baseline): p50 ${ms(quantile(base, 0.5))} ms, p95 ${ms(quantile(base, 0.95))} ms — ${(quantile(mine, 0.5) / quantile(base, 0.5)).toFixed(1)}× the baseline at p50.`,
  ];
  console.log(latency.join('\n'));

  // Offline evaluation.
  const rows: string[] = [];
  const run = (name: string, baskets: DatedBasket[], split: string, windowDays: number) => {
    const e = evaluate(baskets, { splitDay: dayOf(split), windowDays, k: 10 });
    rows.push(evaluationRow(name, e));
    console.log(rows[rows.length - 1]);
  };
  run('Online Retail, StockCode', retail.baskets, '2011-11-01', 30);
  run('Online Retail, StockCode', retail.baskets, '2011-09-01', 30);
  const cjFile = path.join(DATA, 'completejourney/transactions_sample.csv.gz');
  const cj = await readHistoryFile(cjFile, { customerCol: 'household_id', basketCol: 'basket_id', itemCol: 'product_id', dateCol: 'transaction_timestamp', quantityCol: 'quantity' });
  run('Complete Journey sample, product', cj.baskets, '2017-12-01', 31);
  const products = parse(zlib.gunzipSync(fs.readFileSync(path.join(DATA, 'completejourney/products.csv.gz'))), { columns: true }) as Array<{ product_id: string; product_category: string }>;
  const category = new Map(products.filter((p) => p.product_category !== '').map((p) => [p.product_id, p.product_category]));
  const cjCat = cj.baskets
    .map((b) => ({ ...b, items: [...new Set(b.items.map((i) => category.get(i)).filter((c): c is string => c !== undefined))] }))
    .filter((b) => b.items.length > 0);
  run('Complete Journey sample, product category', cjCat, '2017-12-01', 31);
  if (demoCustomers > 0) {
    const demo = await demoBaskets(demoCustomers, '2026-06-30');
    run(`demo brand (${demoCustomers.toLocaleString('en')} customers), SKU`, demo, '2026-06-01', 30);
  }

  const load1 = os.loadavg()[0]!;
  const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  const cpu = os.cpus();
  const text = [
    `### Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (commit ${commit})`,
    '',
    `Machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, load average ${load0.toFixed(1)} at the start and ${load1.toFixed(1)} at the end (other engineers' jobs share the cores).`,
    '',
    ...latency,
    '',
    'Offline evaluation: trained on the baskets before the split, tested on each customer\'s distinct items bought in [split, split + window); customers with a training basket and a test purchase; K = 10; items bought within 365 days before the split left out by both models unless due again (the recommender only: the baseline has no due-again).',
    '',
    '| data | split + window | train baskets / items / rules | customers | hit@10 recommender | hit@10 popular | ratio | MAP@10 recommender | MAP@10 popular | ratio | build |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  console.log(`\n${text}`);
  if (!dry)
    appendToSection(
      RESULTS,
      '## Personal recommendations (issue 8)',
      'Next-best items per customer (src/modules/basket/domain/personal.ts: rules, item-to-item cosine, popularity, due-again consumables) — model build time, recommendation latency per customer against the popularity list in the same run, and the time-split evaluation (src/modules/basket/domain/evaluate.ts) against the popularity baseline. `npm run bench:basket -- --part recommend`.',
      text,
    );
}

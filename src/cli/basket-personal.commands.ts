import type { Command } from 'commander';
import {
  BasketFileError,
  BASKET_LEVELS,
  buildModel,
  dateOf,
  dayOf,
  evaluate,
  readHistoryFile,
  recommendFor,
  type BasketLevel,
  type Evaluation,
  type HistoryFile,
  type Metrics,
  type ModelOptions,
} from '../modules/basket/index.js';
import type { BasketBackend } from './basket-db.commands.js';
import { CliError, withBackend } from './context.js';

type Opts = Record<string, string | boolean | undefined>;

function whole(name: string, v: unknown, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(String(v).trim()) || n < min || n > max) throw new CliError(`${name}: a whole number from ${min} to ${max}, got ${String(v)}`, 2);
  return n;
}

function date(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(String(v)) ? dayOf(String(v)) : NaN;
  if (Number.isNaN(day)) throw new CliError(`${name}: not a date (YYYY-MM-DD): ${String(v)}`, 2);
  return day;
}

function modelOptions(o: Opts): ModelOptions {
  if (o.minSupport === undefined) return {};
  const s = Number(o.minSupport);
  if (!(s > 0 && s <= 1)) throw new CliError(`--min-support: a fraction above 0 up to 1 (e.g. 0.01 = 1%), got ${String(o.minSupport)}`, 2);
  return { minSupport: s };
}

/** The history file of `--from` with its four columns (and the optional quantity column). */
async function loadHistory(o: Opts): Promise<HistoryFile> {
  const needed = ['customerCol', 'basketCol', 'itemCol', 'dateCol'] as const;
  const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const missing = needed.filter((k) => !o[k]);
  if (missing.length) throw new CliError(`${missing.map(flag).join(', ')}: needed with --from for personal recommendations`, 2);
  try {
    return await readHistoryFile(o.from as string, {
      customerCol: o.customerCol as string,
      basketCol: o.basketCol as string,
      itemCol: o.itemCol as string,
      dateCol: o.dateCol as string,
      quantityCol: o.quantityCol as string | undefined,
    });
  } catch (e) {
    if (e instanceof BasketFileError) throw new CliError(`${o.from as string}: ${e.message}`, 1);
    throw e;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const metricsLine = (name: string, m: Metrics, k: number) =>
  `${name.padEnd(12)} hit rate@${k} ${pct(m.hitRate).padStart(7)}  MAP@${k} ${m.map.toFixed(4)}  precision@${k} ${m.precision.toFixed(4)}  recall@${k} ${m.recall.toFixed(4)}`;

export function evaluationText(e: Evaluation): string {
  return [
    `Split ${e.splitDate}, test window ${e.windowDays} days, K ${e.k}, bought within ${e.excludeDays} days left out unless due: ${e.customers.toLocaleString('en')} customers evaluated`,
    `  trained on ${e.trainBaskets.toLocaleString('en')} baskets (${e.items.toLocaleString('en')} items, ${e.rules.toLocaleString('en')} rules, built in ${(e.buildMs / 1000).toFixed(1)} s), tested on ${e.testBaskets.toLocaleString('en')}`,
    `  ${metricsLine('recommender', e.recommender, e.k)}`,
    `  ${metricsLine('popular', e.popular, e.k)}`,
  ].join('\n');
}

/** `--customer` on `kemai basket recommend --from FILE`: the personal recommendations for one customer of the file. */
export async function recommendCustomerFromFile(o: Opts): Promise<void> {
  const limit = whole('--limit', o.limit, 1, 1000) ?? 10;
  const excludeDays = whole('--exclude-days', o.excludeDays, 0, 36500);
  const given = date('--as-of', o.asOf);
  const file = await loadHistory(o);
  const model = buildModel(file.baskets, modelOptions(o));
  const customer = o.customer as string;
  if (!model.histories.has(customer)) throw new CliError(`--customer: ${customer} has no basket in ${o.from as string}`, 1);
  // By default the day after the file's last basket: "what next" once the data ends.
  const asOf = given ?? model.lastDay + 1;
  const recs = recommendFor(model, customer, { asOf, limit, excludeDays });
  if (o.json) {
    console.log(JSON.stringify({ customer, asOf: dateOf(asOf), baskets: model.n, items: model.labels.length, rules: model.ruleCount, recommendations: recs }, null, 2));
    return;
  }
  const why = (r: (typeof recs)[number]) =>
    r.kind === 'rule' ? `because you bought ${r.because.join(' and ')} (rule)` : r.kind === 'similar' ? `because you bought ${r.because[0]} (similar)` : r.kind === 'due_again' ? 'due again' : 'popular';
  console.log(
    [
      `For customer ${customer} as of ${dateOf(asOf)}, from ${model.n.toLocaleString('en')} baskets (${model.labels.length.toLocaleString('en')} items, ${model.ruleCount.toLocaleString('en')} rules):`,
      ...recs.map((r) => `${r.item}  ${why(r)}  score ${r.score.toFixed(4)}`),
    ].join('\n'),
  );
}

/** `kemai basket evaluate`: the time-split evaluation, on a file (--from) or on the database's orders. */
export function registerBasketPersonalCommands(basket: Command, backend: BasketBackend = withBackend): void {
  basket
    .command('evaluate')
    .description('Offline evaluation of the personal recommendations with a time split: hit rate@K and MAP@K against a popularity baseline')
    .option('--from <file>', 'order-line CSV (.gz read directly); without it, the orders in the database')
    .option('--customer-col <name>', 'file: the customer column (rows without a customer are left out)')
    .option('--basket-col <name>', 'file: the basket column (invoice, ticket)')
    .option('--item-col <name>', 'file: the item column (SKU, product)')
    .option('--date-col <name>', 'file: the date column (YYYY-MM-DD, time after it ignored)')
    .option('--quantity-col <name>', 'file: rows with a quantity of 0 or below are left out (returns)')
    .option('--level <level>', `database: ${BASKET_LEVELS.join(', ')} (default sku)`)
    .requiredOption('--split-date <date>', 'first day of the test window; the model learns from the days before it')
    .option('--window-days <n>', 'test window in days (default 30)')
    .option('--k <n>', 'list length (default 10)')
    .option('--exclude-days <n>', 'items bought within this many days before the split are left out unless due again (default 365)')
    .option('--min-support <s>', 'file: least support of the rules (default 0.005)')
    .option('--json', 'machine-readable output')
    .action(async (o: Opts) => {
      const splitDay = date('--split-date', o.splitDate)!;
      const windowDays = whole('--window-days', o.windowDays, 1, 366);
      const k = whole('--k', o.k, 1, 100);
      const excludeDays = whole('--exclude-days', o.excludeDays, 0, 3650);
      let result: Evaluation;
      if (o.from !== undefined) {
        if (o.level !== undefined) throw new CliError('--level goes with the database (without --from)', 2);
        const options = modelOptions(o);
        const file = await loadHistory(o);
        result = evaluate(file.baskets, { splitDay, windowDays, k, excludeDays, model: options });
      } else {
        const level = (o.level as string | undefined) ?? 'sku';
        if (!(BASKET_LEVELS as readonly string[]).includes(level)) throw new CliError(`--level: ${BASKET_LEVELS.join(', ')}, got ${level}`, 2);
        const stray = ['customerCol', 'basketCol', 'itemCol', 'dateCol', 'quantityCol', 'minSupport'].find((f) => o[f] !== undefined);
        if (stray) throw new CliError(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --from`, 2);
        const body = { splitDate: dateOf(splitDay), level: level as BasketLevel, ...(windowDays ? { windowDays } : {}), ...(k ? { k } : {}), ...(excludeDays !== undefined ? { excludeDays } : {}) };
        result = await backend((b) => (b.mode === 'remote' ? b.api.call<Evaluation>('POST', '/api/v1/basket/evaluation', body) : b.kemai.basket.evaluate(body)));
      }
      console.log(o.json ? JSON.stringify(result, null, 2) : evaluationText(result));
    });
}

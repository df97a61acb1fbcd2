import type { Command } from 'commander';
import {
  BasketFileError,
  bundles,
  crossSell,
  formatRule,
  mineItemsets,
  mineRules,
  readBasketFile,
  sortRules,
  type BasketFile,
  type BasketFormat,
  type BasketSeparator,
  type RuleSort,
} from '../modules/basket/index.js';
import { CliError, withBackend } from './context.js';
import { recommendCustomerFromFile, registerBasketPersonalCommands } from './basket-personal.commands.js';
import { DB_FLAGS, registerBasketDatabaseCommands, rulesFromDatabase, withDatabaseFilters, type BasketBackend, type DbOpts } from './basket-db.commands.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** JSON has no Infinity: a conviction of Infinity (confidence 1) is written as the string "Infinity". */
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2);

function fraction(name: string, v: string | undefined, positive: boolean): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1 || (positive && n === 0))
    throw new CliError(`${name}: a fraction ${positive ? 'above 0' : 'from 0'} up to 1 (e.g. 0.01 = 1%), got ${v}`, 2);
  return n;
}

function whole(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min) throw new CliError(`${name}: a whole number from ${min}, got ${v}`, 2);
  return n;
}

type Opts = Record<string, string | boolean | undefined>;

/** --min-support, --min-len (default 1) and --max-len (default 10, arules' maxlen). */
function thresholds(o: Opts): { minSupport: number; minLen: number; maxLen: number } {
  const minSupport = fraction('--min-support', o.minSupport as string, true);
  const minLen = whole('--min-len', o.minLen as string | undefined, 1) ?? 1;
  const maxLen = whole('--max-len', o.maxLen as string | undefined, 1) ?? 10;
  if (maxLen < minLen) throw new CliError(`--max-len (${maxLen}) is below --min-len (${minLen})`, 2);
  return { minSupport, minLen, maxLen };
}

function fileOptions(o: Opts): { format: BasketFormat; separator?: BasketSeparator; itemCol?: string; basketCol?: string } {
  const format = (o.format as string | undefined) ?? (o.itemCol || o.basketCol ? 'lines' : 'baskets');
  if (format !== 'lines' && format !== 'baskets') throw new CliError(`--format: lines or baskets, got ${format}`, 2);
  if (format === 'lines' && (!o.itemCol || !o.basketCol)) throw new CliError('--format lines needs --item-col and --basket-col', 2);
  if (format === 'baskets' && (o.itemCol || o.basketCol)) throw new CliError('--item-col and --basket-col go with --format lines', 2);
  const sep = o.separator as string | undefined;
  if (sep !== undefined && sep !== 'comma' && sep !== 'space') throw new CliError(`--separator: comma or space, got ${sep}`, 2);
  return { format, separator: sep as BasketSeparator | undefined, itemCol: o.itemCol as string | undefined, basketCol: o.basketCol as string | undefined };
}

async function load(o: Opts): Promise<BasketFile> {
  const fo = fileOptions(o);
  try {
    return await readBasketFile(o.from as string, fo);
  } catch (e) {
    if (e instanceof BasketFileError) throw new CliError(`${o.from as string}: ${e.message}`, 1);
    throw e;
  }
}

const fixed = (x: number, d: number) => (x === Infinity ? 'Inf' : x.toFixed(d));
const thousands = (n: number) => n.toLocaleString('en');

function withFileOptions(c: Command, fromRequired = true): Command {
  const from = 'basket file (.gz read directly)';
  return (fromRequired ? c.requiredOption('--from <file>', from) : c.option('--from <file>', `${from}; without it, the database's orders`))
    .option('--format <format>', 'baskets (one basket per line) or lines (CSV, one row per basket and item); default lines when --item-col is given')
    .option('--item-col <name>', 'lines: the item column (SKU, product, category)')
    .option('--basket-col <name>', 'lines: the basket column (order, ticket)')
    .option('--separator <sep>', 'baskets: comma or space (default space for .dat files, else comma)');
}

/** --min-len, --max-len, --limit and --json, shared by rules and itemsets. */
function withSizeOptions(c: Command, what: string): Command {
  return c
    .option('--min-len <n>', `least items in ${what}`)
    .option('--max-len <n>', 'most items (default 10, as arules)')
    .option('--limit <n>', 'print only the first n')
    .option('--json', 'machine-readable output');
}

const FILE_FLAGS: ReadonlyArray<[key: string, flag: string]> = [
  ['format', '--format'],
  ['itemCol', '--item-col'],
  ['basketCol', '--basket-col'],
  ['separator', '--separator'],
];

/** A flag of the other mode is refused by name rather than ignored. */
function refuseOtherMode(o: Opts, fileMode: boolean): void {
  for (const [key, flag] of fileMode ? DB_FLAGS : FILE_FLAGS) {
    const v = o[key] as unknown;
    if (v !== undefined && !(Array.isArray(v) && v.length === 0))
      throw new CliError(fileMode ? `${flag} reads the database's orders: leave out --from` : `${flag} goes with --from FILE`, 2);
  }
}

/**
 * `kemai basket rules|itemsets|recommend --from FILE`: association rules and frequent itemsets from a file, without a
 * database; `kemai basket rules` without --from, `together` and `bundles` read the database's orders (basket-db.commands.ts).
 */
export function registerBasketCommands(program: Command, backend: BasketBackend = withBackend): Command {
  const basket = program.commands.find((c) => c.name() === 'basket') ?? program.command('basket').description('Basket analysis: frequent itemsets and association rules (FP-growth)');

  withSizeOptions(
    withDatabaseFilters(
      withFileOptions(
        basket.command('rules').description('Association rules X => {y} with support, confidence, lift, leverage and conviction (arules semantics), from a file or the orders'),
        false,
      ),
    ),
    'rules, both sides together (default 1: rules with an empty left side too, as arules)',
  )
    .requiredOption('--min-support <s>', 'least share of baskets holding the whole rule (count ≥ ceil(s × N))')
    .requiredOption('--min-confidence <c>', 'least confidence')
    .option('--sort <measure>', 'lift, confidence or support (descending; default lift)')
    .action(async (o: Opts) => {
      const { minSupport, minLen, maxLen } = thresholds(o);
      const minConfidence = fraction('--min-confidence', o.minConfidence as string, false);
      const sort = (o.sort as string | undefined) ?? 'lift';
      if (!['lift', 'confidence', 'support'].includes(sort)) throw new CliError(`--sort: lift, confidence or support, got ${sort}`, 2);
      refuseOtherMode(o, o.from !== undefined);
      if (o.from === undefined) {
        // The API's page: 100 rules unless asked, at most 1,000 (the JSON total is the full count).
        const dbLimit = whole('--limit', o.limit as string | undefined, 1) ?? 100;
        if (dbLimit > 1000) throw new CliError(`--limit: at most 1000 from the database, got ${dbLimit}`, 2);
        await rulesFromDatabase(o as DbOpts, { minSupport, minConfidence, minLen, maxLen, sort: sort as RuleSort, limit: dbLimit }, backend);
        return;
      }
      const limit = whole('--limit', o.limit as string | undefined, 0);
      const file = await load(o);
      const mined = mineRules(file.tx, { minSupport, minConfidence, minLen, maxLen });
      const sorted = sortRules(mined.rules, sort as RuleSort);
      const shown = limit === undefined ? sorted : sorted.slice(0, limit);
      const head = {
        baskets: mined.n,
        items: file.tx.labels.length,
        emptyBaskets: file.emptyBaskets,
        minSupport,
        minCount: mined.minCount,
        minConfidence,
        minLen,
        maxLen,
        itemsets: mined.itemsets.length,
        total: mined.rules.length,
        sort,
      };
      if (o.json) {
        console.log(json({ ...head, rules: shown }));
        return;
      }
      const lines = [
        `${thousands(mined.rules.length)} rules from ${thousands(mined.n)} baskets and ${thousands(file.tx.labels.length)} items (support ≥ ${minSupport} = ${thousands(mined.minCount)} baskets, confidence ≥ ${minConfidence}, ${minLen}–${maxLen} items), by ${sort}${shown.length < sorted.length ? `, first ${shown.length}` : ''}:`,
        ...shown.map(
          (r) =>
            `${formatRule(r)}  support ${fixed(r.support, 6)}  confidence ${fixed(r.confidence, 4)}  lift ${fixed(r.lift, 4)}  leverage ${fixed(r.leverage, 6)}  conviction ${fixed(r.conviction, 4)}  count ${r.count}`,
        ),
      ];
      console.log(lines.join('\n'));
    });

  withSizeOptions(withFileOptions(basket.command('itemsets').description('Frequent itemsets with their support (FP-growth), by support')), 'itemsets (default 1)')
    .requiredOption('--min-support <s>', 'least share of baskets (count ≥ ceil(s × N))')
    .action(async (o: Opts) => {
      const { minSupport, minLen, maxLen } = thresholds(o);
      const limit = whole('--limit', o.limit as string | undefined, 0);
      const file = await load(o);
      const mined = mineItemsets(file.tx, { minSupport, maxLen });
      const kept = mined.itemsets.filter((s) => s.items.length >= minLen);
      const shown = limit === undefined ? kept : kept.slice(0, limit);
      if (o.json) {
        console.log(json({ baskets: mined.n, items: file.tx.labels.length, emptyBaskets: file.emptyBaskets, minSupport, minCount: mined.minCount, minLen, maxLen, total: kept.length, itemsets: shown }));
        return;
      }
      const bySize = new Map<number, number>();
      for (const s of kept) bySize.set(s.items.length, (bySize.get(s.items.length) ?? 0) + 1);
      console.log(
        [
          `${thousands(kept.length)} frequent itemsets from ${thousands(mined.n)} baskets (support ≥ ${minSupport} = ${thousands(mined.minCount)} baskets; by size ${[...bySize].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${thousands(v)}`).join(', ')})${shown.length < kept.length ? `, first ${shown.length}` : ''}:`,
          ...shown.map((s) => `{${s.items.join(',')}}  support ${fixed(s.support, 6)}  count ${s.count}`),
        ].join('\n'),
      );
    });

  withFileOptions(
    basket
      .command('recommend')
      .description('Cross-sell for a cart (one --item: frequently bought together), bundle suggestions, or next-best items for one --customer, from a file'),
  )
    .option('--min-support <s>', 'least share of baskets (needed for --item and --bundles)')
    .option('--customer <id>', 'personal recommendations for this customer (with --customer-col, --date-col, --item-col, --basket-col)')
    .option('--customer-col <name>', '--customer: the customer column')
    .option('--date-col <name>', '--customer: the date column (YYYY-MM-DD, time after it ignored)')
    .option('--quantity-col <name>', '--customer: rows with a quantity of 0 or below are left out')
    .option('--as-of <date>', '--customer: the day recommended on (default the day after the last basket)')
    .option('--exclude-days <n>', '--customer: items bought within this many days are left out unless due again (default 365)')
    .option('--min-confidence <c>', 'least confidence of the rules used (default 0)')
    .option('--item <id>', 'an item in the cart (repeatable)', collect, [])
    .option('--bundles', 'bundles of 2–3 items ranked by lift against independence instead')
    .option('--min-lift <x>', 'bundles: leave out those with a lower lift')
    .option('--sort <measure>', 'lift, confidence or support (bundles: lift or support); default lift')
    .option('--limit <n>', 'most suggestions (default 10)')
    .option('--json', 'machine-readable output')
    .action(async (o: Opts & { item: string[] }) => {
      if (o.customer !== undefined) {
        if (o.item.length > 0 || o.bundles) throw new CliError('--customer goes without --item and --bundles', 2);
        return recommendCustomerFromFile(o);
      }
      const minSupport = fraction('--min-support', o.minSupport as string, true);
      const minConfidence = o.minConfidence === undefined ? 0 : fraction('--min-confidence', o.minConfidence as string, false);
      const sort = (o.sort as string | undefined) ?? 'lift';
      const sorts = o.bundles ? ['lift', 'support'] : ['lift', 'confidence', 'support'];
      if (!sorts.includes(sort)) throw new CliError(`--sort: ${sorts.join(', ')}, got ${sort}`, 2);
      const limit = whole('--limit', o.limit as string | undefined, 0) ?? 10;
      if (!o.bundles && o.item.length === 0) throw new CliError('--item (at least one, the cart) or --bundles', 2);
      if (o.bundles && o.item.length > 0) throw new CliError('--item and --bundles go separately', 2);
      const minLift = o.minLift === undefined ? undefined : Number(o.minLift);
      if (minLift !== undefined && !(minLift >= 0)) throw new CliError(`--min-lift: a number from 0, got ${o.minLift as string}`, 2);
      const file = await load(o);
      if (o.bundles) {
        const mined = mineItemsets(file.tx, { minSupport, maxLen: 3 });
        const found = bundles(mined.itemsets, mined.n, { minLift, by: sort as 'lift' | 'support', limit });
        if (o.json) console.log(json({ baskets: mined.n, minCount: mined.minCount, bundles: found }));
        else console.log([`Bundles from ${thousands(mined.n)} baskets (support ≥ ${minSupport} = ${thousands(mined.minCount)} baskets), by ${sort}:`, ...found.map((b) => `{${b.items.join(',')}}  support ${fixed(b.support, 6)}  lift ${fixed(b.lift, 4)}  count ${b.count}`)].join('\n'));
        return;
      }
      const unknown = o.item.filter((i) => !file.tx.labels.includes(i));
      if (unknown.length) throw new CliError(`--item: not in ${o.from as string}: ${unknown.join(', ')}`, 1);
      // Rules up to the cart's size + 1 items: a longer left side could not fit in the cart.
      const mined = mineRules(file.tx, { minSupport, minConfidence, minLen: 2, maxLen: Math.min(10, new Set(o.item).size + 1) });
      const found = crossSell(mined.rules, o.item, { by: sort as RuleSort, limit });
      if (o.json) console.log(json({ baskets: mined.n, minCount: mined.minCount, cart: o.item, suggestions: found }));
      else
        console.log(
          [
            `For {${o.item.join(',')}}, from ${thousands(mined.rules.length)} rules (support ≥ ${minSupport}, confidence ≥ ${minConfidence}), by ${sort}:`,
            ...found.map((r) => `${r.item}  because {${r.because.join(',')}}  confidence ${fixed(r.confidence, 4)}  lift ${fixed(r.lift, 4)}  support ${fixed(r.support, 6)}  count ${r.count}`),
          ].join('\n'),
        );
    });

  registerBasketDatabaseCommands(basket, backend);
  registerBasketPersonalCommands(basket, backend);
  return basket;
}

import type { Command } from 'commander';
import { CHANNELS } from '../modules/orders/index.js';
import {
  BASKET_LEVELS,
  DEFAULT_SUGGEST_SUPPORT,
  formatRule,
  type BasketFilters,
  type BasketLevel,
  type BundlesResult,
  type RulesResult,
  type RuleSort,
  type SuggestResult,
} from '../modules/basket/index.js';
import { AppError } from '../platform/errors.js';
import { CliError, withBackend, type Backend } from './context.js';

/** How a command reaches the database: `withBackend` (the running server's API when it holds the embedded database). */
export type BasketBackend = <T>(fn: (b: Backend) => Promise<T>) => Promise<T>;

export type DbOpts = Record<string, string | string[] | boolean | undefined>;

/** JSON has no Infinity: a conviction of Infinity (confidence 1) is written as the string "Infinity", as the API does. */
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v), 2);
const fixed = (x: number | string, d: number) => (x === Infinity || x === 'Infinity' ? 'Inf' : (x as number).toFixed(d));
const thousands = (n: number) => n.toLocaleString('en');

/** Repeatable and comma-separated: `--store S01 --store S02` = `--store S01,S02`. */
export const collectList = (v: string, prev: string[]) => [...prev, ...v.split(',').map((x) => x.trim()).filter((x) => x !== '')];

/** The database-mode flags; given with --from they are refused by name (basket.commands.ts). */
export const DB_FLAGS: ReadonlyArray<[key: string, flag: string]> = [
  ['fromDate', '--from-date'],
  ['toDate', '--to-date'],
  ['store', '--store'],
  ['channel', '--channel'],
  ['segment', '--segment'],
  ['level', '--level'],
];

export function withDatabaseFilters(c: Command): Command {
  return c
    .option('--from-date <date>', 'database: first business date of the orders (YYYY-MM-DD, inclusive, KEMAI_TIMEZONE)')
    .option('--to-date <date>', 'database: last business date (inclusive)')
    .option('--store <codes>', 'database: store codes (repeatable or comma-separated)', collectList, [])
    .option('--channel <channels>', `database: order channels (${CHANNELS.join(', ')}; repeatable or comma-separated)`, collectList, [])
    .option('--segment <code>', "database: only the orders of this segment's current members")
    .option('--level <level>', 'database: sku (default), category (leaf of the category path) or brand');
}

function isDate(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
}

/** The filters of the API from the flags, each bad one named. */
export function databaseFilters(o: DbOpts): BasketFilters {
  const from = o.fromDate as string | undefined;
  const to = o.toDate as string | undefined;
  if (from !== undefined && !isDate(from)) throw new CliError(`--from-date: not a date (YYYY-MM-DD): ${from}`, 2);
  if (to !== undefined && !isDate(to)) throw new CliError(`--to-date: not a date (YYYY-MM-DD): ${to}`, 2);
  if (from !== undefined && to !== undefined && from > to) throw new CliError(`--from-date (${from}) is after --to-date (${to})`, 2);
  const stores = (o.store as string[] | undefined) ?? [];
  const longStore = stores.find((s) => s.length > 64);
  if (longStore !== undefined) throw new CliError(`--store: a store code has at most 64 characters, got ${longStore}`, 2);
  const channels = (o.channel as string[] | undefined) ?? [];
  const badChannel = channels.find((c) => !(CHANNELS as readonly string[]).includes(c));
  if (badChannel !== undefined) throw new CliError(`--channel: ${badChannel} is not one of ${CHANNELS.join(', ')}`, 2);
  const level = o.level as string | undefined;
  if (level !== undefined && !(BASKET_LEVELS as readonly string[]).includes(level)) throw new CliError(`--level: sku, category or brand, got ${level}`, 2);
  const segment = (o.segment as string | undefined)?.trim();
  if (segment === '') throw new CliError('--segment: a segment code, got an empty one', 2);
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(stores.length ? { stores } : {}),
    ...(channels.length ? { channels } : {}),
    ...(segment !== undefined ? { segment } : {}),
    ...(level !== undefined ? { level: level as BasketLevel } : {}),
  };
}

/** GET filters as the API reads them: lists comma-separated. */
function queryString(f: BasketFilters, extra: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  const all: Record<string, string | number | undefined> = { ...extra, from: f.from, to: f.to, stores: f.stores?.join(','), channels: f.channels?.join(','), segment: f.segment, level: f.level };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) q.set(k, String(v));
  return q.toString();
}

/** An unknown segment is found by the service (or the server): named by its flag. */
async function reach<T>(backend: BasketBackend, fn: (b: Backend) => Promise<T>): Promise<T> {
  try {
    return await backend(fn);
  } catch (e) {
    const segment = e instanceof CliError || e instanceof AppError ? /^segment: (.*)$/m.exec(e.message) : null;
    if (segment) throw new CliError(`--segment: ${segment[1]}`, 1);
    throw e;
  }
}

const scope = (r: { baskets: number; level: BasketLevel; minSupport: number; minCount: number }) =>
  `${thousands(r.baskets)} baskets at ${r.level} level (support ≥ ${r.minSupport} = ${thousands(r.minCount)} baskets`;

export interface DbRulesArgs {
  minSupport: number;
  minConfidence: number;
  minLen: number;
  maxLen: number;
  sort: RuleSort;
  limit: number;
}

/** `kemai basket rules` without --from: the association rules of the orders, as POST /api/v1/basket/rules answers them. */
export async function rulesFromDatabase(o: DbOpts, args: DbRulesArgs, backend: BasketBackend): Promise<void> {
  const body = { ...databaseFilters(o), ...args };
  const r = await reach(backend, (b) => (b.mode === 'remote' ? b.api.call<RulesResult>('POST', '/api/v1/basket/rules', body) : b.kemai.basket.rules(body)));
  if (o.json) {
    console.log(json(r));
    return;
  }
  console.log(
    [
      `${thousands(r.total)} rules from ${scope(r)}, confidence ≥ ${r.minConfidence}, ${r.minLen}–${r.maxLen} items), by ${r.sort}${r.rules.length < r.total ? `, first ${r.rules.length}` : ''}:`,
      ...r.rules.map(
        (x) =>
          `${formatRule(x)}  support ${fixed(x.support, 6)}  confidence ${fixed(x.confidence, 4)}  lift ${fixed(x.lift, 4)}  leverage ${fixed(x.leverage, 6)}  conviction ${fixed(x.conviction, 4)}  count ${x.count}`,
      ),
    ].join('\n'),
  );
}

function fraction(name: string, v: string | undefined, positive: boolean, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1 || (positive && n === 0))
    throw new CliError(`${name}: a fraction ${positive ? 'above 0' : 'from 0'} up to 1 (e.g. 0.01 = 1%), got ${v}`, 2);
  return n;
}

function whole(name: string, v: string | undefined, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new CliError(`${name}: a whole number from ${min} to ${max}, got ${v}`, 2);
  return n;
}

function oneOf<T extends string>(name: string, v: string | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new CliError(`${name}: ${allowed.join(', ')}, got ${v}`, 2);
  return v as T;
}

/** `kemai basket together` and `kemai basket bundles`: from the database's orders only. */
export function registerBasketDatabaseCommands(basket: Command, backend: BasketBackend = withBackend): void {
  withDatabaseFilters(basket.command('together').description("Frequently bought together with one item, from the database's orders (the rules {item} => {y})"))
    .requiredOption('--item <id>', 'the item: a SKU, category or brand, by --level')
    .option('--min-support <s>', `least support of the rules (default ${DEFAULT_SUGGEST_SUPPORT})`)
    .option('--min-confidence <c>', 'least confidence (default 0)')
    .option('--sort <measure>', 'lift, confidence or support (default lift)')
    .option('--limit <n>', 'most suggestions (default 10, at most 1,000)')
    .option('--json', 'machine-readable output')
    .action(async (o: DbOpts) => {
      const item = (o.item as string).trim();
      if (item === '' || item.length > 200) throw new CliError(`--item: 1 to 200 characters, got "${o.item as string}"`, 2);
      const args = {
        minSupport: fraction('--min-support', o.minSupport as string | undefined, true, DEFAULT_SUGGEST_SUPPORT),
        minConfidence: fraction('--min-confidence', o.minConfidence as string | undefined, false, 0),
        sort: oneOf<RuleSort>('--sort', o.sort as string | undefined, ['lift', 'confidence', 'support'], 'lift'),
        limit: whole('--limit', o.limit as string | undefined, 1, 1000, 10),
      };
      const f = databaseFilters(o);
      const r = await reach(backend, (b) =>
        b.mode === 'remote'
          ? b.api.call<SuggestResult & { item: string }>('GET', `/api/v1/basket/together?${queryString(f, { item, ...args })}`)
          : b.kemai.basket.together(item, { ...f, ...args }),
      );
      if (o.json) {
        console.log(json(r));
        return;
      }
      console.log(
        [
          `Bought together with ${r.item}, from ${scope(r)}, confidence ≥ ${r.minConfidence}), by ${args.sort}:`,
          ...(r.suggestions.length === 0
            ? [`nothing: no rule {${r.item}} => {y} reaches these thresholds`]
            : r.suggestions.map((s) => `${s.item}  confidence ${fixed(s.confidence, 4)}  lift ${fixed(s.lift, 4)}  support ${fixed(s.support, 6)}  count ${s.count}`)),
        ].join('\n'),
      );
    });

  withDatabaseFilters(basket.command('bundles').description("Bundle suggestions from the database's orders: itemsets of 2–3 items with their lift against independence"))
    .option('--min-support <s>', `least support (default ${DEFAULT_SUGGEST_SUPPORT})`)
    .option('--min-size <n>', 'least items in a bundle (default 2)')
    .option('--max-size <n>', 'most items in a bundle (default 3)')
    .option('--min-lift <x>', 'leave out bundles with a lower lift')
    .option('--sort <measure>', 'lift or support (default lift)')
    .option('--limit <n>', 'most bundles (default 10, at most 1,000)')
    .option('--json', 'machine-readable output')
    .action(async (o: DbOpts) => {
      const minSize = whole('--min-size', o.minSize as string | undefined, 2, 5, 2);
      const maxSize = whole('--max-size', o.maxSize as string | undefined, 2, 5, 3);
      if (maxSize < minSize) throw new CliError(`--max-size (${maxSize}) is below --min-size (${minSize})`, 2);
      const minLift = o.minLift === undefined ? undefined : Number(o.minLift);
      if (minLift !== undefined && !(minLift >= 0)) throw new CliError(`--min-lift: a number from 0, got ${o.minLift as string}`, 2);
      const args = {
        minSupport: fraction('--min-support', o.minSupport as string | undefined, true, DEFAULT_SUGGEST_SUPPORT),
        minSize,
        maxSize,
        ...(minLift !== undefined ? { minLift } : {}),
        sort: oneOf<'lift' | 'support'>('--sort', o.sort as string | undefined, ['lift', 'support'], 'lift'),
        limit: whole('--limit', o.limit as string | undefined, 1, 1000, 10),
      };
      const f = databaseFilters(o);
      const r = await reach(backend, (b) =>
        b.mode === 'remote' ? b.api.call<BundlesResult>('GET', `/api/v1/basket/bundles?${queryString(f, args)}`) : b.kemai.basket.bundles({ ...f, ...args }),
      );
      if (o.json) {
        console.log(json(r));
        return;
      }
      console.log(
        [
          `Bundles from ${scope(r)}), by ${args.sort}:`,
          ...(r.bundles.length === 0
            ? ['none at these thresholds']
            : r.bundles.map((x) => `{${x.items.join(',')}}  support ${fixed(x.support, 6)}  lift ${fixed(x.lift, 4)}  count ${x.count}`)),
        ].join('\n'),
      );
    });
}

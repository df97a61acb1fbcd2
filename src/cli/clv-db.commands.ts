import type { Command } from 'commander';
import { formatMoney } from '../platform/money.js';
import type { ChurnRisk, ClvFitInput, ClvRun } from '../modules/insights/index.js';
import { CliError, withBackend } from './context.js';

const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);
const RISKS: readonly ChurnRisk[] = ['high', 'medium', 'low'];

function whole(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name}: a whole number from ${min} to ${max}`, 2);
  return n;
}

function fitInput(o: { asOf?: string; model?: string; period?: string; horizonDays?: string; discountRate?: string }): ClvFitInput {
  if (o.asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(o.asOf) || new Date(`${o.asOf}T00:00:00Z`).toISOString().slice(0, 10) !== o.asOf))
    throw new CliError(`--as-of: not a date (YYYY-MM-DD): ${o.asOf}`, 2);
  if (o.model !== undefined && o.model !== 'bgnbd' && o.model !== 'pareto') throw new CliError('--model: bgnbd or pareto', 2);
  if (o.period !== undefined && o.period !== 'week' && o.period !== 'day') throw new CliError('--period: week or day', 2);
  const rate = o.discountRate === undefined ? undefined : Number(o.discountRate);
  if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new CliError('--discount-rate: a yearly rate from 0 to 1, e.g. 0.1', 2);
  return {
    ...(o.asOf ? { asOf: o.asOf } : {}),
    ...(o.model ? { model: o.model as 'bgnbd' | 'pareto' } : {}),
    ...(o.period ? { period: o.period as 'week' | 'day' } : {}),
    ...(o.horizonDays !== undefined ? { horizonDays: whole('horizon-days', o.horizonDays, 1, 3650) } : {}),
    ...(rate !== undefined ? { discountRate: rate } : {}),
  };
}

/** The papers' order (the stored JSON comes back in the database's key order). */
const ORDER = ['r', 'alpha', 'a', 'b', 's', 'beta', 'p', 'q', 'gamma'];
const params = (p: Record<string, number> | null, se: Record<string, number | null> | null) =>
  p
    ? Object.entries(p)
        .sort(([x], [y]) => ORDER.indexOf(x) - ORDER.indexOf(y))
        .map(([k, v]) => `${k} ${v.toPrecision(4)}${se?.[k] !== undefined && se[k] !== null ? ` (se ${se[k].toPrecision(3)})` : ''}`)
        .join(', ')
    : 'not fitted';

export function runText(run: ClvRun): string {
  return [
    `${run.model === 'pareto' ? 'Pareto/NBD' : 'BG/NBD'} + Gamma-Gamma as of ${run.asOf} (${run.period}s): ${run.customers.toLocaleString('en')} customers, ${run.repeatBuyers.toLocaleString('en')} repeat buyers, ${run.seconds?.toFixed(1)} s`,
    `  frequency: ${params(run.params.frequency, run.standardErrors.frequency)}; log-likelihood ${run.logLik.toFixed(2)}`,
    `  spend:     ${params(run.params.spend, run.standardErrors.spend)}${run.spendLogLik === null ? '' : `; log-likelihood ${run.spendLogLik.toFixed(2)}`}`,
    `  predictions over ${run.horizonDays} days, CLV discounted at ${(run.discountRate * 100).toFixed(1)} % a year`,
  ].join('\n');
}

/**
 * `kemai clv run` and `kemai clv churn-risk`: the models fitted from the database's orders and the predictions they
 * store (the file-mode `kemai clv fit|validate|predict --from FILE` needs no database).
 */
export function registerClvDatabaseCommands(program: Command): void {
  const clv = program.commands.find((c) => c.name() === 'clv') ?? program.command('clv').description('Customer lifetime value');

  clv
    .command('run')
    .description("Fit BG/NBD (or Pareto/NBD) and Gamma-Gamma on the database's orders and store every customer's prediction")
    .option('--as-of <date>', 'calibration end, a business date (default: the day of the latest order)')
    .option('--model <m>', 'bgnbd | pareto (default bgnbd)')
    .option('--period <p>', 'week | day (default week)')
    .option('--horizon-days <n>', 'days predicted (default 365)')
    .option('--discount-rate <r>', 'yearly discount rate for CLV (default 0.1)')
    .option('--json', 'machine-readable output')
    .action(async (o: { asOf?: string; model?: string; period?: string; horizonDays?: string; discountRate?: string; json?: boolean }) => {
      const body = fitInput(o);
      const out = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const run = await b.api.call<ClvRun>('POST', '/api/v1/insights/clv/runs', body);
          return { run, distribution: await b.api.call<Distribution>('GET', '/api/v1/insights/clv/distribution') };
        }
        const run = await b.kemai.predictions.fit(body, 'local-cli');
        return { run, distribution: await b.kemai.predictions.distribution() };
      });
      print(
        !!o.json,
        out,
        [
          runText(out.run),
          ...out.distribution.churn.map(
            (c) => `  churn risk ${c.risk.padEnd(6)} ${c.customers.toLocaleString('en').padStart(9)} customers, CLV ¥${formatMoney(c.clvFen)}, ${c.expectedPurchases.toFixed(0)} expected purchases`,
          ),
        ].join('\n'),
      );
    });

  clv
    .command('churn-risk')
    .description('Customers at risk of churning (latest run), the most valuable first')
    .option('--risk <bands>', 'comma-separated: high, medium, low (default high)')
    .option('--min-frequency <n>', 'at least this many repeat purchases')
    .option('--limit <n>', 'how many (default 20, at most 500)')
    .option('--json', 'machine-readable output')
    .action(async (o: { risk?: string; minFrequency?: string; limit?: string; json?: boolean }) => {
      const risk = (o.risk ?? 'high').split(',').map((x) => x.trim()) as ChurnRisk[];
      const bad = risk.find((r) => !RISKS.includes(r));
      if (bad !== undefined) throw new CliError(`--risk: ${bad} is not one of high, medium, low`, 2);
      const query = { risk, minFrequency: whole('min-frequency', o.minFrequency, 0, 1_000_000), limit: whole('limit', o.limit, 1, 500) ?? 20, offset: 0 };
      const found: ChurnList = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const qs = new URLSearchParams({ risk: risk.join(','), limit: String(query.limit), ...(query.minFrequency !== undefined ? { minFrequency: String(query.minFrequency) } : {}) });
          return b.api.call<ChurnList>('GET', `/api/v1/insights/churn-risk?${qs}`);
        }
        return b.kemai.predictions.churnRisk(query);
      });
      // No personal data on the terminal: ids, member numbers and figures.
      const list = { ...found, items: found.items.map(({ customer, ...item }) => ({ ...item, memberNo: customer?.memberNo ?? null })) };
      print(
        !!o.json,
        list,
        [
          `${list.total.toLocaleString('en')} customers at ${risk.join(' / ')} churn risk as of ${list.run.asOf}; the ${list.items.length} with the highest spend:`,
          'customer                              member no      P(alive)  repeat  expected  spend',
          ...list.items.map(
            (i) =>
              `${i.customerId}  ${String(i.memberNo ?? '').padEnd(13)} ${(i.pAlive * 100).toFixed(1).padStart(7)} %  ${String(i.frequency).padStart(6)}  ${i.expectedPurchases.toFixed(2).padStart(8)}  ¥${formatMoney(i.spendFen)}`,
          ),
        ].join('\n'),
      );
    });
}

interface Distribution {
  churn: Array<{ risk: ChurnRisk; customers: number; clvFen: number; expectedPurchases: number }>;
}
interface ChurnList {
  run: ClvRun;
  total: number;
  items: Array<{ customerId: string; pAlive: number; frequency: number; expectedPurchases: number; spendFen: number; customer?: { memberNo?: string | null } | null | undefined }>;
}

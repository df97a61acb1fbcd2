import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import {
  ClvFileError,
  fitBgnbd,
  fitGammaGamma,
  fitParetoNbd,
  parseDateCell,
  predictCustomers,
  readTransactions,
  summarize,
  validate,
  type CustomerSummary,
  type FileFormat,
  type FitResult,
  type FrequencyModel,
  type Period,
  type PurchaseLog,
  type ValidationReport,
} from '../modules/insights/clv/index.js';
import { CliError } from './context.js';

type Opts = Record<string, string | boolean | undefined>;
const MODELS = ['bgnbd', 'pareto', 'ggamma'] as const;
type ModelName = (typeof MODELS)[number];
const LABEL: Record<ModelName, string> = { bgnbd: 'BG/NBD', pareto: 'Pareto/NBD', ggamma: 'Gamma-Gamma' };

function dateOption(name: string, v: string | boolean | undefined): string | undefined {
  if (v === undefined) return undefined;
  const d = typeof v === 'string' ? parseDateCell(v, 'UTC') : undefined;
  if (!d || !/^\d{4}-?\d{2}-?\d{2}$/.test(v as string)) throw new CliError(`${name}: not a date (YYYY-MM-DD or YYYYMMDD): ${String(v)}`, 2);
  return d;
}

function numberOption(name: string, v: string | boolean | undefined, fallback: number, check: (n: number) => boolean, want: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new CliError(`${name}: ${want}, got ${String(v)}`, 2);
  return n;
}

function choice<T extends string>(name: string, v: string | boolean | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) throw new CliError(`${name}: one of ${allowed.join(', ')}, got ${String(v)}`, 2);
  return v as T;
}

/** The file options every `kemai clv` command takes: [flags, description, required]. */
const INPUT_OPTIONS: Array<[string, string, boolean?]> = [
  ['--from <file>', 'transactions: CSV with a header, NDJSON, or whitespace-separated text (.gz allowed)', true],
  ['--customer-col <name>', 'customer column (rows without one are guests: left out)', true],
  ['--date-col <name>', 'purchase date: YYYY-MM-DD or YYYYMMDD (a date-time counts as its day)', true],
  ['--amount-col <name>', 'transaction value (a non-negative decimal)', true],
  ['--format <f>', 'csv | ndjson | whitespace (default by extension: .csv, .ndjson/.jsonl, .txt/.dat; else by content)'],
  ['--no-header', 'the first line is data (give --columns)'],
  ['--columns <a,b,c>', 'field names for a file without a header, e.g. masterid,sampleid,date,cds,sales'],
  ['--calibration-end <date>', 'last day of the calibration period (default the last date in the file)'],
  ['--period <p>', 'time unit of the models: day | week (default week)'],
  ['--json', 'machine-readable output'],
];

function withInput(c: Command): Command {
  for (const [flags, description, required] of INPUT_OPTIONS) {
    if (required) c.requiredOption(flags, description);
    else c.option(flags, description);
  }
  return c;
}

interface Loaded {
  file: string;
  log: PurchaseLog;
  rowsRead: number;
  guestRows: number;
  firstDate: string;
  calibrationEnd: string;
  holdoutEnd?: string;
  period: Period;
  customers: CustomerSummary[];
}

/** Reads the file and builds the calibration summary; bad input → CliError naming the file, line and column. */
async function load(o: Opts, holdoutRequired: boolean): Promise<Loaded> {
  const file = o.from as string;
  const format = o.format === undefined ? undefined : choice<FileFormat>('--format', o.format, ['csv', 'ndjson', 'whitespace'], 'csv');
  const period = choice<Period>('--period', o.period, ['day', 'week'], 'week');
  const columns = typeof o.columns === 'string' ? o.columns.split(',').map((s) => s.trim()) : undefined;
  if (columns?.some((c) => !c)) throw new CliError('--columns: comma-separated field names, none empty', 2);
  let calibrationEnd = dateOption('--calibration-end', o.calibrationEnd);
  const holdoutEnd = dateOption('--holdout-end', o.holdoutEnd);
  if (holdoutRequired && (!calibrationEnd || !holdoutEnd)) throw new CliError('validate needs --calibration-end and --holdout-end', 2);
  if (holdoutEnd && !calibrationEnd) throw new CliError('--holdout-end needs --calibration-end', 2);
  if (holdoutEnd && calibrationEnd && holdoutEnd <= calibrationEnd) throw new CliError(`--holdout-end (${holdoutEnd}) must be after --calibration-end (${calibrationEnd})`, 2);
  let read;
  try {
    read = await readTransactions(file, {
      customerCol: o.customerCol as string,
      dateCol: o.dateCol as string,
      amountCol: o.amountCol as string,
      format,
      header: o.header !== false,
      columns,
      timeZone: loadConfig().timeZone,
    });
  } catch (e) {
    if (e instanceof ClvFileError) throw new CliError(`${file}: ${e.message}`, 1);
    throw e;
  }
  calibrationEnd ??= read.lastDate;
  const customers = summarize(read.log, { calibrationEnd, holdoutEnd, period });
  if (!customers.length) throw new CliError(`${file}: no customer made a first purchase on or before ${calibrationEnd}`, 1);
  return { file, log: read.log, rowsRead: read.rowsRead, guestRows: read.guestRows, firstDate: read.firstDate, calibrationEnd, holdoutEnd, period, customers };
}

const freqData = (cs: CustomerSummary[]) => ({ x: cs.map((c) => c.x), tx: cs.map((c) => c.tx), T: cs.map((c) => c.T) });

function fitSpend(cs: CustomerSummary[]) {
  const buyers = cs.filter((c) => c.x > 0 && c.zbar > 0);
  if (!buyers.length) throw new CliError('Gamma-Gamma: no customer has a repeat purchase of positive value in the calibration period', 1);
  return fitGammaGamma({ x: buyers.map((c) => c.x), zbar: buyers.map((c) => c.zbar) });
}

function fitModel(name: ModelName, cs: CustomerSummary[]): FitResult {
  if (name === 'bgnbd') return fitBgnbd(freqData(cs));
  if (name === 'pareto') return fitParetoNbd(freqData(cs));
  return fitSpend(cs);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(2) : Number(v.toPrecision(4)).toString());

function fitText(name: ModelName, f: FitResult): string {
  const ps = f.names.map((n, i) => `${n} ${fmt(f.params[i]!)} (se ${fmt(f.standardErrors[i]!)})`).join('  ');
  return `${LABEL[name].padEnd(12)} ${ps}  LL ${f.logLik.toFixed(2)}  [${f.customers.toLocaleString('en')} customers, ${f.iterations} iterations${f.converged ? '' : ', NOT converged'}${f.method === 'bfgs' ? '' : `, ${f.method}`}]`;
}

function validationText(label: string, v: ValidationReport): string {
  const lines = [
    `Holdout ${v.calibrationEnd} → ${v.holdoutEnd} (${fmt(v.holdoutPeriods)} periods), ${label}: repeat purchases per customer by calibration frequency`,
    `  x        ${v.byFrequency.map((b) => b.frequency.padStart(7)).join('')}`,
    `  customers${v.byFrequency.map((b) => String(b.customers).padStart(7)).join('')}`,
    `  actual   ${v.byFrequency.map((b) => b.actual.toFixed(3).padStart(7)).join('')}`,
    `  predicted${v.byFrequency.map((b) => b.predicted.toFixed(3).padStart(7)).join('')}`,
    `  total holdout repeat purchases: actual ${v.totals.actual.toLocaleString('en')}, predicted ${v.totals.predicted.toFixed(1)}; MAE per customer ${v.mae.toFixed(3)}, per frequency ${v.bucketMae.toFixed(3)}`,
    `  cumulative repeat purchases by week (actual / predicted), MAE ${v.trackingMae.toFixed(1)}:`,
  ];
  const shown = v.tracking.filter((t, i) => t.week % 13 === 0 || i === v.tracking.length - 1);
  lines.push(`  ${shown.map((t) => `w${t.week} ${t.actual}/${t.predicted.toFixed(0)}`).join('  ')}`);
  return lines.join('\n');
}

function header(l: Loaded): string {
  const buyers = l.customers.filter((c) => c.x > 0).length;
  return `${l.file}: ${l.customers.length.toLocaleString('en')} customers (${buyers.toLocaleString('en')} with repeat purchases) from ${l.rowsRead.toLocaleString('en')} rows${l.guestRows ? ` (${l.guestRows} without a customer)` : ''}; calibration ${l.firstDate} … ${l.calibrationEnd}, in ${l.period}s`;
}

async function fitAndReport(o: Opts, holdoutRequired: boolean) {
  const l = await load(o, holdoutRequired);
  const names = typeof o.model === 'string' ? o.model.split(',').map((m) => choice<ModelName>('--model', m.trim(), MODELS, 'bgnbd')) : [...MODELS];
  const fits = names.map((n) => [n, fitModel(n, l.customers)] as const);
  const validations = l.holdoutEnd
    ? fits
        .filter(([n]) => n !== 'ggamma')
        .map(([n, f]) => {
          const m = (n === 'bgnbd' ? { kind: 'bgnbd', p: (f as ReturnType<typeof fitBgnbd>).p } : { kind: 'pareto', p: (f as ReturnType<typeof fitParetoNbd>).p }) as FrequencyModel;
          return [n, validate(m, l.customers, l.log, { calibrationEnd: l.calibrationEnd, holdoutEnd: l.holdoutEnd!, period: l.period })] as const;
        })
    : [];
  const json = {
    file: l.file,
    rowsRead: l.rowsRead,
    guestRows: l.guestRows,
    customers: l.customers.length,
    repeatBuyers: l.customers.filter((c) => c.x > 0).length,
    calibrationStart: l.firstDate,
    calibrationEnd: l.calibrationEnd,
    holdoutEnd: l.holdoutEnd ?? null,
    period: l.period,
    models: Object.fromEntries(fits.map(([n, f]) => [n, { params: f.byName, standardErrors: Object.fromEntries(f.names.map((k, i) => [k, f.standardErrors[i]])), logLik: f.logLik, customers: f.customers, iterations: f.iterations, converged: f.converged, method: f.method }])),
    ...(validations.length ? { validation: Object.fromEntries(validations) } : {}),
  };
  console.log(o.json ? JSON.stringify(json, null, 2) : [header(l), ...fits.map(([n, f]) => fitText(n, f)), ...validations.map(([n, v]) => validationText(LABEL[n], v))].join('\n'));
}

const csvCell = (v: string | number | null) => (v === null ? '' : typeof v === 'string' ? (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v) : Number.isFinite(v) ? String(Number(v.toPrecision(10))) : '');

/** `kemai clv fit|validate|predict --from FILE`: CLV models from a transaction file, without a database. */
export function registerClvCommands(program: Command): Command {
  const clv = program.command('clv').description('Customer lifetime value from a transaction file: BG/NBD, Pareto/NBD and Gamma-Gamma (no database needed)');

  withInput(clv.command('fit').description('Fit the models (maximum likelihood) and print the parameters, standard errors and log-likelihood'))
    .option('--model <m>', 'bgnbd | pareto | ggamma, or a comma-separated list (default all three)')
    .option('--holdout-end <date>', 'also compare predictions with the purchases after --calibration-end up to this day')
    .action((o: Opts) => fitAndReport(o, false));

  withInput(clv.command('validate').description('Calibration vs holdout: predicted vs actual holdout purchases by frequency, weekly tracking, MAE'))
    .option('--model <m>', 'bgnbd | pareto, or both comma-separated (default all; ggamma adds the spend fit)')
    .option('--holdout-end <date>', 'last day of the holdout period (required, with --calibration-end)')
    .action((o: Opts) => fitAndReport(o, true));

  withInput(clv.command('predict').description('Per-customer P(alive), expected purchases, expected order value, CLV and days to the next purchase, as CSV'))
    .option('--model <m>', 'purchase-frequency model: bgnbd | pareto', 'bgnbd')
    .option('--horizon-days <n>', 'days ahead for expected purchases and CLV', '365')
    .option('--discount-rate <d>', 'yearly discount rate for CLV (0.1 = 10%)', '0.1')
    .requiredOption('--out <file.csv>', 'where to write one row per customer')
    .action(async (o: Opts) => {
      const kind = choice('--model', o.model, ['bgnbd', 'pareto'] as const, 'bgnbd');
      const horizonDays = numberOption('--horizon-days', o.horizonDays, 365, (n) => Number.isInteger(n) && n >= 1, 'a whole number of days from 1');
      const discountRate = numberOption('--discount-rate', o.discountRate, 0.1, (n) => n >= 0 && n < 10, 'a yearly rate from 0 (0.1 = 10%)');
      const l = await load(o, false);
      const freq = kind === 'bgnbd' ? fitBgnbd(freqData(l.customers)) : fitParetoNbd(freqData(l.customers));
      const spend = fitSpend(l.customers);
      const model = (kind === 'bgnbd' ? { kind, p: (freq as ReturnType<typeof fitBgnbd>).p } : { kind, p: (freq as ReturnType<typeof fitParetoNbd>).p }) as FrequencyModel;
      const rows = predictCustomers(l.customers, model, spend.p, { period: l.period, horizonDays, discountRate });
      const cols = ['customer_id', 'frequency', 'recency', 'T', 'p_alive', 'expected_purchases', 'expected_avg_value', 'clv', 'expected_days_to_next_purchase'];
      const body = rows.map((r) => [r.customerId, r.frequency, r.recency, r.T, r.pAlive, r.expectedPurchases, r.expectedAvgValue, r.clv, r.expectedDaysToNextPurchase].map(csvCell).join(','));
      fs.writeFileSync(o.out as string, `${cols.join(',')}\n${body.join('\n')}\n`);
      const total = rows.reduce((s, r) => s + r.clv, 0);
      const summary = {
        file: l.file,
        customers: rows.length,
        calibrationEnd: l.calibrationEnd,
        period: l.period,
        model: kind,
        params: freq.byName,
        logLik: freq.logLik,
        spend: { params: spend.byName, logLik: spend.logLik },
        horizonDays,
        discountRate,
        totalClv: total,
        expectedPurchases: rows.reduce((s, r) => s + r.expectedPurchases, 0),
        out: o.out,
      };
      console.log(
        o.json
          ? JSON.stringify(summary, null, 2)
          : [header(l), fitText(kind, freq), fitText('ggamma', spend), `${rows.length.toLocaleString('en')} customers over ${horizonDays} days at ${discountRate * 100}% a year: ${summary.expectedPurchases.toFixed(1)} purchases expected, total CLV ${total.toFixed(2)}; written to ${o.out as string}`].join('\n'),
      );
    });
  return clv;
}

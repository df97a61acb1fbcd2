import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { ClvFileError, type FileFormat } from '../modules/insights/clv/transactions-file.js';
import { readDemandFile } from '../modules/insights/forecast/demand-file.js';
import type { Backtest, Granularity, IntervalLevel } from '../modules/insights/forecast/model.js';
import { DEFAULT_ORIGINS, MAX_HORIZON, runForecast, type ForecastResult } from '../modules/insights/forecast/run.js';
import { ForecastService, FORECAST_LEVELS, type ForecastQuery, type SeriesSummary } from '../modules/insights/index.js';
import { CliError, withBackend } from './context.js';

interface ModelFlags {
  granularity?: string;
  horizon?: string;
  backtest?: boolean;
  origins?: string;
  holidays?: boolean;
  coverage?: string;
  json?: boolean;
}

function whole(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`--${name}: a whole number from ${min} to ${max}`, 2);
  return n;
}

function modelFlags(o: ModelFlags) {
  if (o.granularity !== undefined && o.granularity !== 'day' && o.granularity !== 'week') throw new CliError('--granularity: day or week', 2);
  const granularity = (o.granularity ?? 'day') as Granularity;
  if (o.coverage !== undefined && !['0.8', '0.9', '0.95'].includes(o.coverage)) throw new CliError('--coverage: 0.8, 0.9 or 0.95', 2);
  return {
    granularity,
    horizon: whole('horizon', o.horizon, 1, MAX_HORIZON[granularity]),
    backtest: !!o.backtest,
    origins: whole('origins', o.origins, 1, 12),
    holidays: o.holidays !== false,
    coverage: o.coverage === undefined ? undefined : (Number(o.coverage) as IntervalLevel),
  };
}

const num = (v: number | null, digits = 3) => (v === null ? 'n/a' : v.toFixed(digits));

export function backtestText(b: Backtest | null | undefined): string[] {
  if (b === undefined) return [];
  if (b === null) return ['backtest: the history is too short for one origin'];
  return [
    `backtest over ${b.origins} origins of ${b.horizon} periods (seasonal naive m = ${b.seasonalPeriod}):`,
    `  MASE ${num(b.mase)} (seasonal naive ${num(b.maseNaive)}, ratio ${num(b.ratio)}); sMAPE ${b.smape.toFixed(1)} % (naive ${b.smapeNaive.toFixed(1)} %); MAE ${b.mae.toFixed(2)} (naive ${b.maeNaive.toFixed(2)})`,
  ];
}

export function forecastText(title: string, r: ForecastResult): string {
  const m = r.model;
  return [
    `${title}: ${r.history.length} ${r.granularity}s of history ${r.from} … ${r.to}, ${r.horizon} ahead (${m.method}${m.terms.length ? `: ${m.terms.filter((t) => !m.holidays.includes(t)).join(', ')}` : ''})`,
    ...(m.holidays.length ? [`  holidays: ${m.holidays.join(', ')}`] : []),
    ...m.notes.map((n) => `  note: ${n}`),
    `date         forecast  ${Math.round(m.coverage * 100)} % interval`,
    ...r.forecast.map((p) => `${p.date}  ${p.units.toFixed(1).padStart(8)}  ${p.lower.toFixed(1)} – ${p.upper.toFixed(1)}`),
    ...backtestText(r.backtest),
  ].join('\n');
}

const withModelOptions = (c: Command) =>
  c
    .option('--granularity <g>', 'day | week (Monday-to-Sunday weeks; default day)')
    .option('--horizon <n>', 'periods ahead (default 28 days / 12 weeks)')
    .option('--backtest', `rolling-origin backtest: MASE vs the seasonal naive (m = 7 days / 52 weeks)`)
    .option('--origins <n>', `backtest origins (default ${DEFAULT_ORIGINS})`)
    .option('--no-holidays', 'leave the Chinese retail holiday regressors out (data from elsewhere)')
    .option('--coverage <c>', 'interval coverage: 0.8 (default), 0.9 or 0.95')
    .option('--json', 'machine-readable output');

/**
 * `kemai forecast --from FILE …` forecasts demand read from a transaction file (no database);
 * `kemai forecast run` and `kemai forecast series` read the database's orders (through the server when it holds the
 * embedded database).
 */
export function registerForecastCommands(program: Command): void {
  const forecast = withModelOptions(
    program
      .command('forecast')
      .description('Demand forecast: from a transaction file (--from FILE), or from the orders (forecast run, forecast series)')
      .option('--from <file>', 'transaction file: CSV with a header, NDJSON or whitespace-separated; gzip read directly')
      .option('--date-col <c>', 'date column (YYYY-MM-DD, YYYYMMDD, a local date-time or an instant with offset)')
      .option('--qty-col <c>', 'quantity column (negative quantities — returns, cancellations — are left out)')
      .option('--item-col <c>', 'item (SKU) column')
      .option('--item <x>', 'forecast this item only (needs --item-col); without it the total')
      .option('--format <f>', 'csv | ndjson | whitespace (default by extension, else by content)')
      .option('--no-header', 'the first line is data (give --columns)')
      .option('--columns <a,b,c>', 'field names for a file without a header'),
  ).action(async (o: ModelFlags & { from?: string; dateCol?: string; qtyCol?: string; itemCol?: string; item?: string; format?: string; header?: boolean; columns?: string }) => {
    if (!o.from) throw new CliError('--from FILE is needed (or use kemai forecast run for the orders)', 2);
    if (!o.dateCol || !o.qtyCol) throw new CliError('--date-col and --qty-col are needed', 2);
    if (o.format !== undefined && !['csv', 'ndjson', 'whitespace'].includes(o.format)) throw new CliError('--format: csv, ndjson or whitespace', 2);
    const flags = modelFlags(o);
    let file;
    try {
      file = await readDemandFile(o.from, {
        dateCol: o.dateCol,
        qtyCol: o.qtyCol,
        itemCol: o.itemCol,
        item: o.item,
        format: o.format as FileFormat | undefined,
        header: o.header,
        columns: o.columns?.split(',').map((c) => c.trim()),
        timeZone: loadConfig().timeZone,
      });
    } catch (e) {
      if (e instanceof ClvFileError) throw new CliError(`${o.from}: ${e.message}`, 1);
      throw e;
    }
    const first = [...file.total.keys()].sort()[0] ?? file.firstDate;
    const r = runForecast(file.total, first, file.lastDate, flags);
    const read = { rowsRead: file.rowsRead, negativeRows: file.negativeRows, item: o.item ?? null };
    console.log(
      o.json
        ? JSON.stringify({ ...read, ...r }, null, 2)
        : `${file.rowsRead.toLocaleString('en')} rows read, ${file.negativeRows.toLocaleString('en')} with a negative quantity left out\n${forecastText(o.item ? `item ${o.item}` : 'total', r)}`,
    );
  });

  withModelOptions(
    forecast
      .command('run')
      .description("Forecast one series from the database's orders")
      .requiredOption('--level <l>', FORECAST_LEVELS.join(' | '))
      .option('--key <k>', 'SKU, category path (levels joined by /) or store code; none for total')
      .option('--since <date>', "history's first business day (default: the series' first sale, at most 3 years back)")
      .option('--until <date>', "history's last business day (default: the day of the latest order)"),
  ).action(async (_: unknown, cmd: Command) => {
    // The parent parses its own options first and takes the model flags they share: read both.
    const o = cmd.optsWithGlobals<ModelFlags & { level: string; key?: string; since?: string; until?: string }>();
    if (!(FORECAST_LEVELS as readonly string[]).includes(o.level)) throw new CliError(`--level: one of ${FORECAST_LEVELS.join(', ')}`, 2);
    const f = modelFlags(o);
    const q: ForecastQuery = {
      level: o.level as ForecastQuery['level'],
      ...(o.key ? { key: o.key } : {}),
      granularity: f.granularity,
      ...(f.horizon !== undefined ? { horizon: f.horizon } : {}),
      ...(o.since ? { from: o.since } : {}),
      ...(o.until ? { to: o.until } : {}),
      backtest: f.backtest,
      ...(f.origins !== undefined ? { origins: f.origins } : {}),
      holidays: f.holidays,
      ...(f.coverage !== undefined ? { coverage: f.coverage } : {}),
    };
    const r = await withBackend(async (b) => {
      if (b.mode === 'remote') {
        const qs = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
        return b.api.call<ForecastResult & { key: string | null }>('GET', `/api/v1/insights/forecasts?${qs}`);
      }
      return new ForecastService(b.kemai.database.db, { timeZone: b.kemai.config.timeZone }).forecast(q);
    });
    console.log(o.json ? JSON.stringify(r, null, 2) : forecastText(`${q.level}${r.key ? ` ${r.key}` : ''}`, r));
  });

  forecast
    .command('series')
    .description('The series with the most units at a level (to pick one to forecast)')
    .requiredOption('--level <l>', 'sku | category | store')
    .option('--depth <n>', 'category path depth (default 1)')
    .option('--limit <n>', 'how many (default 20, at most 500)')
    .option('--json', 'machine-readable output')
    .action(async (_: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ level: string; depth?: string; limit?: string; json?: boolean }>();
      if (!['sku', 'category', 'store'].includes(o.level)) throw new CliError('--level: sku, category or store', 2);
      const q = { level: o.level as 'sku' | 'category' | 'store', depth: whole('depth', o.depth, 1, 10), limit: whole('limit', o.limit, 1, 500) };
      const r = await withBackend(async (b) => {
        if (b.mode === 'remote') {
          const qs = new URLSearchParams({ level: q.level, ...(q.depth ? { depth: String(q.depth) } : {}), ...(q.limit ? { limit: String(q.limit) } : {}) });
          return b.api.call<{ from: string; to: string; items: SeriesSummary[] }>('GET', `/api/v1/insights/forecasts/series?${qs}`);
        }
        return new ForecastService(b.kemai.database.db, { timeZone: b.kemai.config.timeZone }).series(q);
      });
      console.log(
        o.json
          ? JSON.stringify(r, null, 2)
          : [`${o.level} by units ${r.from} … ${r.to}:`, ...r.items.map((i) => `${i.key.padEnd(24)} ${String(i.units).padStart(10)} units  ${String(i.days).padStart(4)} days${i.name ? `  ${i.name}` : ''}`)].join('\n'),
      );
    });
}

/**
 * Demand forecasts (issue 7): fit and backtest time per series, and accuracy as MASE against the seasonal naive, on
 * the UCI Online Retail file (UK gift-ware e-tailer, 2010-12-01 … 2011-12-09): the total and the 50 SKUs with the most
 * units, daily (28-day horizon, m = 7) and weekly (12-week horizon, m = 52 — or 1 when no training window is longer
 * than a year), 4 rolling origins. The data is British, so the Chinese holiday regressors are off (`--no-holidays`);
 * a second pass with them on shows what they cost when they mean nothing.
 *
 *   npm run bench:forecast                # writes bench/RESULTS.md
 *   npm run bench:forecast -- --dry-run   # print only
 *   npm run bench:forecast -- --demo DIR  # also the demo brand's orders in the embedded database at DIR
 *                                         # (seeded by `KEMAI_DATA_DIR=DIR kemai demo --customers N`)
 *
 * Baseline in the same run: the seasonal naive's own forecast + backtest on the same series.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/platform/db/database.js';
import { ForecastService } from '../src/modules/insights/index.js';
import { readDemandFile, topItems } from '../src/modules/insights/forecast/demand-file.js';
import { seasonalNaive, seasonalPeriod, toSeries, maseScale, type Granularity } from '../src/modules/insights/forecast/model.js';
import { runForecast } from '../src/modules/insights/forecast/run.js';
import { appendToSection } from './support/results.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(HERE, 'RESULTS.md');
const FILE = '/work/shared/data/online_retail/onlineretail.csv.gz';
const dry = process.argv.includes('--dry-run');
const demoAt = process.argv.indexOf('--demo');
const DEMO_DIR = demoAt === -1 ? undefined : process.argv[demoAt + 1];
const TOP = 50;
const ORIGINS = 4;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

/** The baseline's cost: the seasonal naive forecast plus its own rolling-origin errors on the same windows. */
function naiveBacktest(values: number[], g: Granularity, horizon: number): void {
  for (let i = 0; i < ORIGINS; i++) {
    const end = values.length - (ORIGINS - i) * horizon;
    if (end <= 0) continue;
    const train = values.slice(0, end);
    const m = train.length > seasonalPeriod(g) ? seasonalPeriod(g) : 1;
    seasonalNaive(train, m, horizon);
    maseScale(train, m);
  }
}

interface Row {
  label: string;
  series: number;
  withMase: number;
  methods: string;
  fitMs: number;
  fitBacktestMs: number;
  naiveMs: number;
  mase: number;
  maseNaive: number;
  medianRatio: number;
  beats: number;
  smape: number;
  smapeNaive: number;
  m: string;
}

/**
 * The demo brand (Chinese retail, two years of orders, holidays on): each series read from orders.line_facts and
 * forecast through ForecastService, as the API does. Baseline: the same series' SQL read alone (horizon 1, no backtest
 * is still a fit, so the read is timed by the series list query per level instead).
 */
async function demo(dir: string): Promise<string> {
  const database = await openDatabase({ dataDir: dir });
  const service = new ForecastService(database.db, { timeZone: 'Asia/Shanghai' });
  const lines: string[] = [];
  try {
    for (const level of ['sku', 'category', 'store', 'total'] as const) {
      let t = performance.now();
      const list = level === 'total' ? { items: [{ key: '' }] } : await service.series({ level, limit: level === 'sku' ? 50 : 500 });
      const listMs = performance.now() - t;
      for (const g of ['day', 'week'] as const) {
        const times: number[] = [];
        const mases: number[] = [];
        const naives: number[] = [];
        const ratios: number[] = [];
        const methods: Record<string, number> = {};
        let periods = 0;
        for (const { key } of list.items) {
          t = performance.now();
          const r = await service.forecast({ level, ...(key ? { key } : {}), granularity: g, backtest: true, origins: ORIGINS });
          times.push(performance.now() - t);
          periods = Math.max(periods, r.history.length);
          methods[r.model.method] = (methods[r.model.method] ?? 0) + 1;
          const b = r.backtest;
          if (b && b.mase !== null && b.maseNaive !== null) {
            mases.push(b.mase);
            naives.push(b.maseNaive);
            ratios.push(b.mase / b.maseNaive);
          }
        }
        const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
        lines.push(
          `| ${level}${level === 'category' ? ' (top level)' : ''}, ${g === 'day' ? 'daily' : 'weekly'} | ${list.items.length} (${mases.length}) | ${periods} | ${Object.entries(methods)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')} | ${level === 'total' ? '—' : `${ms(listMs)} ms`} | **${ms(median(times))} ms** | **${f3(mean(mases))}** | ${f3(mean(naives))} | ${f3(median(ratios))} | ${ratios.filter((x) => x < 1).length} of ${ratios.length} |`,
        );
      }
    }
  } finally {
    await database.close();
  }
  return [
    '',
    `Demo brand (\`kemai demo\`, embedded PGlite at ${dir}; business zone Asia/Shanghai, Chinese holidays on): every series read from \`orders.line_facts\` and forecast through ForecastService with a ${ORIGINS}-origin backtest, as \`GET /api/v1/insights/forecasts?backtest=true\` does. "request" = SQL read + fit + backtest, median per series; the list query (top series by units, the last 365 days) for scale.`,
    '',
    '| series | n (with MASE) | periods of history | method | list query | request | MASE model | MASE seasonal naive | median ratio | model better |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...lines,
  ].join('\n');
}

async function main() {
  const started = Date.now();
  const load = os.loadavg();
  const t0 = performance.now();
  const file = await readDemandFile(FILE, { dateCol: 'InvoiceDate', qtyCol: 'Quantity', itemCol: 'StockCode', timeZone: 'Europe/London' });
  const readS = (performance.now() - t0) / 1000;
  const top = topItems(file.byItem, TOP);
  const rows: Row[] = [];
  for (const holidays of [false, true]) {
    for (const g of ['day', 'week'] as const) {
      for (const part of ['total', `top ${TOP} SKUs`]) {
        const series = part === 'total' ? [file.total] : top.map((t) => file.byItem.get(t.item)!);
        const fit: number[] = [];
        const both: number[] = [];
        const naive: number[] = [];
        const mases: number[] = [];
        const naives: number[] = [];
        const ratios: number[] = [];
        const smapes: number[] = [];
        const smapeN: number[] = [];
        const methods: Record<string, number> = {};
        const ms_: Set<number> = new Set();
        for (const daily of series) {
          const first = [...daily.keys()].sort()[0]!;
          const opts = { granularity: g, holidays };
          // A lone series is timed 5 times (the median): its first run pays for compiling the code.
          const reps = series.length === 1 ? 5 : 1;
          let r!: ReturnType<typeof runForecast>;
          let b!: ReturnType<typeof runForecast>['backtest'];
          const s = toSeries(daily, first, file.lastDate, g);
          for (let k = 0; k < reps; k++) {
            let t = performance.now();
            r = runForecast(daily, first, file.lastDate, opts);
            fit.push(performance.now() - t);
            t = performance.now();
            b = runForecast(daily, first, file.lastDate, { ...opts, backtest: true, origins: ORIGINS }).backtest;
            both.push(performance.now() - t);
            t = performance.now();
            naiveBacktest(s.values, g, r.horizon);
            naive.push(performance.now() - t);
          }
          methods[r.model.method] = (methods[r.model.method] ?? 0) + 1;
          if (b && b.mase !== null && b.maseNaive !== null) {
            mases.push(b.mase);
            naives.push(b.maseNaive);
            ratios.push(b.mase / b.maseNaive);
            smapes.push(b.smape);
            smapeN.push(b.smapeNaive);
            ms_.add(b.seasonalPeriod);
          }
        }
        const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
        rows.push({
          label: `${part}, ${g === 'day' ? 'daily (28 days)' : 'weekly (12 weeks)'}${holidays ? ', CN holidays on' : ''}`,
          series: series.length,
          withMase: mases.length,
          methods: Object.entries(methods)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
          fitMs: median(fit),
          fitBacktestMs: median(both),
          naiveMs: median(naive),
          mase: mean(mases),
          maseNaive: mean(naives),
          medianRatio: median(ratios),
          beats: ratios.filter((x) => x < 1).length,
          smape: mean(smapes),
          smapeNaive: mean(smapeN),
          m: [...ms_].join(', '),
        });
      }
    }
  }
  const demoText = DEMO_DIR ? await demo(DEMO_DIR) : '';
  const end = os.loadavg();
  const text = [
    `### Run of ${new Date(started).toISOString().slice(0, 10)}`,
    '',
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}, load average ${load[0]!.toFixed(1)} at the start, ${end.map((x) => x.toFixed(1)).join(' / ')} at the end (1/5/15 min). Command: \`npm run bench:forecast\`; whole run ${((Date.now() - started) / 1000).toFixed(1)} s, one thread. Online Retail read in ${readS.toFixed(1)} s (${file.rowsRead.toLocaleString('en')} rows, ${file.negativeRows.toLocaleString('en')} with a negative quantity left out, ${file.byItem.size.toLocaleString('en')} StockCodes, ${file.firstDate} … ${file.lastDate}). Each series from its first sale to the file's last day; backtest ${ORIGINS} rolling origins of one horizon each. Times are medians over the series (a lone total: over 5 runs); "naive" is the seasonal naive's forecast + backtest on the same windows (the baseline). MASE figures are means over the series whose backtest has a scale (a training window the seasonal naive does not fit perfectly); "ratio" is the median of the per-series MASE ratios model / seasonal naive.`,
    '',
    '| series | n (with MASE) | method at the last origin | fit | fit + backtest | naive (baseline) | fit + backtest / naive | MASE model | MASE seasonal naive | median ratio | model better | sMAPE model / naive | m |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.series} (${r.withMase}) | ${r.methods} | ${ms(r.fitMs)} ms | **${ms(r.fitBacktestMs)} ms** | ${ms(r.naiveMs)} ms | ${(r.fitBacktestMs / Math.max(r.naiveMs, 1e-3)).toFixed(0)}× | **${f3(r.mase)}** | ${f3(r.maseNaive)} | ${f3(r.medianRatio)} | ${r.beats} of ${r.withMase} | ${r.smape.toFixed(1)} / ${r.smapeNaive.toFixed(1)} % | ${r.m} |`,
    ),
    demoText,
  ].join('\n');
  console.log(text);
  if (!dry)
    appendToSection(
      RESULTS,
      '## Demand forecasts (issue 7)',
      'Forecast model (src/modules/insights/forecast, `npm run bench:forecast`): fit and rolling-origin backtest time per series, and MASE against the seasonal naive on the UCI Online Retail file. Exact behaviour on constructed series is in the tests (src/modules/insights/forecast/*.test.ts).',
      text,
    );
}

await main();

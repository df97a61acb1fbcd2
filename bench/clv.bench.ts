/**
 * CLV model figures (issue 7): fit time of BG/NBD, Pareto/NBD and Gamma-Gamma at 2,357, 100,000 and 1,000,000
 * synthetic customers drawn (seeded) from the published CDNOW parameters, parameter recovery (fitted vs true, in
 * standard errors), and predictions per second. Baselines measured in the same run: the time to build the
 * sufficient statistics (x, t_x, T, z̄) from the simulated transactions, and — at the two smaller sizes — the same
 * BFGS fit with a numerical (central-difference) gradient instead of the analytic one.
 *
 *   npm run bench:clv                       # 2,357 / 100,000 / 1,000,000 customers, RESULTS.md updated
 *   npm run bench:clv -- --sizes 2357,100000 --dry-run
 *
 * Simulation, per customer: a first purchase on a day drawn uniformly from the 84 days 1997-01-01..1997-03-25 (as
 * CDNOW's cohort), calibration to 1997-09-30 (T = 27–39 weeks). BG/NBD: λ ~ Gamma(r, α) per week, p ~ Beta(a, b);
 * Poisson purchases, dropping out after each repeat purchase with probability p. Pareto/NBD: λ ~ Gamma(r, α),
 * μ ~ Gamma(s, β), an exponential lifetime. Purchase times are rounded to the nearest day (at least day 1, at most T) (a log has days; two
 * purchases on one day are one purchase, as in the models' input). Spend: ν ~ Gamma(q, γ) per customer, each
 * purchase ~ Gamma(p, ν). The fit reads the distinct (x, t_x, T) triples with counts (summary.ts aggregateTriples):
 * the same likelihood, far fewer terms.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  aggregateTriples,
  bgnbdNegLogLik,
  conditionalExpected,
  fitBgnbd,
  fitGammaGamma,
  fitParetoNbd,
  gammaGammaConditionalMean,
  pAlive,
  paretoNegLogLik,
  predictCustomers,
  type CustomerSummary,
  type FitResult,
  type FrequencyData,
  type FrequencyModel,
} from '../src/modules/insights/clv/index.js';
import { minimize } from '../src/modules/insights/clv/optimize.js';
import { mulberry32 } from './support/random.js';
import { appendToSection } from './support/results.js';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'RESULTS.md');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SIZES = opt('sizes', '2357,100000,1000000').split(',').map(Number);
const DRY = args.includes('--dry-run');
const NUMERIC_UP_TO = Number(opt('numeric-up-to', '100000'));

const TRUE_BG = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const TRUE_PN = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
const TRUE_GG = { p: 6.25, q: 3.74, gamma: 15.44 };
const CAL_DAYS = 272; // 1997-01-01 → 1997-09-30
const COHORT_DAYS = 84;

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the u^(1/shape) boost below shape 1. */
function gammaSampler(rng: () => number) {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const g = (shape: number): number => {
    if (shape < 1) return g(shape + 1) * Math.pow(1 - rng(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const v = (1 + c * x) ** 3;
      if (v <= 0) continue;
      if (Math.log(1 - rng()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return g;
}

/** Simulated transactions as typed arrays, customer by customer: day offsets from the first purchase and values. */
interface Simulated {
  n: number;
  firstDay: Int32Array;
  /** start[i]..start[i+1] index the purchases of customer i (the first purchase included, offset 0). */
  start: Int32Array;
  /** Days from the first purchase: whole days, or exact times with `continuous`. */
  offset: Float64Array;
  value: Float64Array;
}

function simulate(n: number, model: 'bgnbd' | 'pareto', seed: number, continuous = false): Simulated {
  const rng = mulberry32(seed);
  const gamma = gammaSampler(rng);
  const firstDay = new Int32Array(n);
  const start = new Int32Array(n + 1);
  let offset = new Float64Array(4 * n);
  let value = new Float64Array(4 * n);
  let k = 0;
  const push = (off: number, v: number) => {
    if (k === offset.length) {
      const o2 = new Float64Array(offset.length * 2);
      o2.set(offset);
      offset = o2;
      const v2 = new Float64Array(value.length * 2);
      v2.set(value);
      value = v2;
    }
    offset[k] = off;
    value[k++] = v;
  };
  for (let i = 0; i < n; i++) {
    const first = Math.floor(rng() * COHORT_DAYS);
    firstDay[i] = first;
    start[i] = k;
    const Tdays = CAL_DAYS - first;
    const Tw = Tdays / 7;
    const nu = gamma(TRUE_GG.q) / TRUE_GG.gamma;
    const spend = () => gamma(TRUE_GG.p) / nu;
    push(0, spend());
    // BG/NBD: drop out after a repeat purchase with probability p, else alive to T. Pareto/NBD: an exponential
    // lifetime, no drop-out at purchases. (Draws in this order: λ, then p or μ and the lifetime.)
    let lambda: number;
    let dropAfterPurchase = 0;
    let end = Tw;
    if (model === 'bgnbd') {
      lambda = gamma(TRUE_BG.r) / TRUE_BG.alpha;
      const ga = gamma(TRUE_BG.a);
      dropAfterPurchase = ga / (ga + gamma(TRUE_BG.b));
    } else {
      lambda = gamma(TRUE_PN.r) / TRUE_PN.alpha;
      const mu = gamma(TRUE_PN.s) / TRUE_PN.beta;
      end = Math.min(Tw, -Math.log(1 - rng()) / mu);
    }
    let t = 0;
    let last = 0;
    for (;;) {
      t += -Math.log(1 - rng()) / lambda;
      if (!(t <= end)) break;
      const d = continuous ? t * 7 : Math.min(Tdays, Math.max(1, Math.round(t * 7)));
      if (d === last) value[k - 1]! += spend();
      else push((last = d), spend());
      if (model === 'bgnbd' && rng() < dropAfterPurchase) break;
    }
  }
  start[n] = k;
  return { n, firstDay, start, offset: offset.subarray(0, k), value: value.subarray(0, k) };
}

/** The sufficient statistics (x, t_x, T in weeks; z̄ of the repeat purchases) from the simulated log. */
function statistics(s: Simulated) {
  const x = new Float64Array(s.n);
  const tx = new Float64Array(s.n);
  const T = new Float64Array(s.n);
  const zbar = new Float64Array(s.n);
  for (let i = 0; i < s.n; i++) {
    const a = s.start[i]!;
    const b = s.start[i + 1]!;
    x[i] = b - a - 1;
    tx[i] = s.offset[b - 1]! / 7;
    T[i] = (CAL_DAYS - s.firstDay[i]!) / 7;
    let sum = 0;
    for (let j = a + 1; j < b; j++) sum += s.value[j]!;
    zbar[i] = b - a > 1 ? sum / (b - a - 1) : 0;
  }
  return { x, tx, T, zbar };
}

const time = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
};

/** The same BFGS on log-parameters with a central-difference gradient of the negative log-likelihood (the baseline). */
function numericFit<D>(negLL: (p: number[], d: D) => { f: number }, d: D, start: number[]): { params: number[]; logLik: number; evaluations: number } {
  let evaluations = 0;
  const f = (th: number[]) => {
    evaluations++;
    return negLL(th.map(Math.exp), d).f;
  };
  const r = minimize((th) => {
    const g = th.map((_, i) => {
      const h = 1e-6 * Math.max(1, Math.abs(th[i]!));
      return (f(th.map((v, j) => (j === i ? v + h : v))) - f(th.map((v, j) => (j === i ? v - h : v)))) / (2 * h);
    });
    return { f: f(th), g };
  }, start.map(Math.log));
  return { params: r.theta.map(Math.exp), logLik: -r.f, evaluations };
}

interface Row {
  n: number;
  model: string;
  /** 2 × (LL at the estimate − LL at the true parameters): χ² with as many degrees of freedom as parameters when the data follow the model. */
  lr: number;
  terms: number;
  statsMs: number;
  fitMs: number;
  fit: FitResult;
  truth: number[];
  numeric?: { ms: number; logLik: number; evaluations: number };
}

const rows: Row[] = [];
const predictions: string[] = [];
const load0 = os.loadavg()[0]!;
const t00 = performance.now();

for (const n of SIZES) {
  for (const kind of ['bgnbd', 'pareto'] as const) {
    const [sim, simMs] = time(() => simulate(n, kind, 20261124 + n + (kind === 'pareto' ? 1 : 0)));
    const [st, statsMs] = time(() => statistics(sim));
    const [agg, aggMs] = time(() => aggregateTriples(st.x, st.tx, st.T));
    const data: FrequencyData = agg;
    const [fit, fitMs] = time(() => (kind === 'bgnbd' ? fitBgnbd(data) : fitParetoNbd(data)));
    const truth = kind === 'bgnbd' ? Object.values(TRUE_BG) : Object.values(TRUE_PN);
    const negLLTrue = (kind === 'bgnbd' ? bgnbdNegLogLik : paretoNegLogLik)(truth, data).f;
    const row: Row = { n, model: kind === 'bgnbd' ? 'BG/NBD' : 'Pareto/NBD', lr: 2 * (fit.logLik + negLLTrue), terms: agg.x.length, statsMs: statsMs + aggMs, fitMs, fit, truth };
    if (n <= NUMERIC_UP_TO) {
      const negLL = kind === 'bgnbd' ? bgnbdNegLogLik : paretoNegLogLik;
      const start = kind === 'bgnbd' ? [1, 31, 1, 1] : [1, 31, 1, 31];
      const [num, numMs] = time(() => numericFit(negLL, data, start));
      row.numeric = { ms: numMs, logLik: num.logLik, evaluations: num.evaluations };
    }
    rows.push(row);
    console.error(`${n} ${row.model}: simulate ${simMs.toFixed(0)} ms, statistics ${row.statsMs.toFixed(0)} ms, ${row.terms} triples, fit ${fitMs.toFixed(0)} ms${row.numeric ? `, numeric-gradient fit ${row.numeric.ms.toFixed(0)} ms` : ''}`);

    if (kind === 'bgnbd') {
      // Gamma-Gamma on the BG/NBD population's repeat buyers (one term per customer: z̄ is continuous).
      const idx: number[] = [];
      for (let i = 0; i < n; i++) if (st.x[i]! > 0) idx.push(i);
      const spend = { x: Float64Array.from(idx, (i) => st.x[i]!), zbar: Float64Array.from(idx, (i) => st.zbar[i]!) };
      const [gg, ggMs] = time(() => fitGammaGamma(spend));
      const { gammaGammaNegLogLik } = await import('../src/modules/insights/clv/gamma-gamma.js');
      const ggRow: Row = { n, model: 'Gamma-Gamma', lr: 2 * (gg.logLik + gammaGammaNegLogLik(Object.values(TRUE_GG), spend).f), terms: idx.length, statsMs: statsMs, fitMs: ggMs, fit: gg, truth: Object.values(TRUE_GG) };
      if (n <= NUMERIC_UP_TO) {
        const [num, numMs] = time(() => numericFit(gammaGammaNegLogLik, spend, [1, 2, 35]));
        ggRow.numeric = { ms: numMs, logLik: num.logLik, evaluations: num.evaluations };
      }
      rows.push(ggRow);
      console.error(`${n} Gamma-Gamma: ${idx.length} repeat buyers, fit ${ggMs.toFixed(0)} ms`);

      // Predictions per second, on up to 100,000 customers of this population (per customer, no aggregation).
      const m = Math.min(n, 100_000);
      const model: FrequencyModel = { kind: 'bgnbd', p: fit.p as never };
      const pn: FrequencyModel = { kind: 'pareto', p: TRUE_PN };
      for (const fm of [model, pn]) {
        let sink = 0;
        const [, coreMs] = time(() => {
          for (let i = 0; i < m; i++) sink += pAlive(fm, st.x[i]!, st.tx[i]!, st.T[i]!) + conditionalExpected(fm, 52, st.x[i]!, st.tx[i]!, st.T[i]!) + gammaGammaConditionalMean(gg.p, st.x[i]!, st.zbar[i]!);
        });
        const cs: CustomerSummary[] = Array.from({ length: Math.min(m, 20_000) }, (_, i) => ({ customerId: String(i), firstPurchase: '1997-01-01', x: st.x[i]!, tx: st.tx[i]!, T: st.T[i]!, zbar: st.zbar[i]!, firstValue: 0, xHoldout: 0 }));
        const [full, fullMs] = time(() => predictCustomers(cs, fm, gg.p, { period: 'week', horizonDays: 365, discountRate: 0.1 }));
        if (n === SIZES[SIZES.length - 1]) {
          predictions.push(
            `| ${fm.kind === 'bgnbd' ? 'BG/NBD' : 'Pareto/NBD'} | ${m.toLocaleString('en')} | ${Math.round(m / (coreMs / 1000)).toLocaleString('en')} | ${cs.length.toLocaleString('en')} | ${Math.round(full.length / (fullMs / 1000)).toLocaleString('en')} |`,
          );
        }
        if (!Number.isFinite(sink)) throw new Error('a prediction was not finite');
      }
    }
  }
}

// Recovery without day rounding: exact purchase times, so every customer is a term of their own (no aggregation).
const CONT = Number(opt('continuous', '10000'));
const continuousRows: Row[] = [];
if (CONT > 0) {
  for (const kind of ['bgnbd', 'pareto'] as const) {
    const st = statistics(simulate(CONT, kind, 777 + (kind === 'pareto' ? 1 : 0), true));
    const truth = kind === 'bgnbd' ? Object.values(TRUE_BG) : Object.values(TRUE_PN);
    const [fit, fitMs] = time(() => (kind === 'bgnbd' ? fitBgnbd(st) : fitParetoNbd(st)));
    const lr = 2 * (fit.logLik + (kind === 'bgnbd' ? bgnbdNegLogLik : paretoNegLogLik)(truth, st).f);
    continuousRows.push({ n: CONT, model: kind === 'bgnbd' ? 'BG/NBD' : 'Pareto/NBD', lr, terms: CONT, statsMs: 0, fitMs, fit, truth });
    console.error(`continuous ${CONT} ${kind}: fit ${fitMs.toFixed(0)} ms`);
  }
}

const load1 = os.loadavg();
const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
const recovery = (r: Row) =>
  r.fit.names
    .map((name, i) => {
      const v = r.fit.params[i]!;
      const z = (v - r.truth[i]!) / r.fit.standardErrors[i]!;
      return `${name} ${Number(v.toPrecision(4))} (${r.truth[i]}; ${z >= 0 ? '+' : ''}${z.toFixed(1)} se)`;
    })
    .join(', ') + `; 2ΔLL ${r.lr.toFixed(1)}`;
const table = [
  '| customers | model | likelihood terms | statistics (baseline) | fit | fit / statistics | iterations | numeric-gradient fit | analytic speed-up | fitted (true; error in standard errors) |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.n.toLocaleString('en')} | ${r.model} | ${r.terms.toLocaleString('en')} | ${s(r.statsMs)} | **${s(r.fitMs)}** | ${(r.fitMs / r.statsMs).toFixed(1)}× | ${r.fit.iterations} | ${r.numeric ? `${s(r.numeric.ms)} (LL ${r.numeric.logLik.toFixed(2)} vs ${r.fit.logLik.toFixed(2)})` : '—'} | ${r.numeric ? `${(r.numeric.ms / r.fitMs).toFixed(1)}×` : '—'} | ${recovery(r)} |`,
  ),
].join('\n');
const contTable = [
  '| customers | model | likelihood terms | fit | iterations | fitted (true; error in standard errors) |',
  '|---|---|---|---|---|---|',
  ...continuousRows.map((r) => `| ${r.n.toLocaleString('en')} | ${r.model} | ${r.terms.toLocaleString('en')} | ${s(r.fitMs)} | ${r.fit.iterations} | ${recovery(r)} |`),
].join('\n');
const predTable = [
  '| frequency model | customers | P(alive) + E[Y(52 wk)] + E(M) per second | full rows | full rows per second (CLV in 13 discounted steps of ≤ 30 days + days to next purchase) |',
  '|---|---|---|---|---|',
  ...predictions,
].join('\n');
const text = [
  `### Run of ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, load average ${load0.toFixed(1)} at the start, ${load1.map((l) => l.toFixed(1)).join(' / ')} at the end (1/5/15 min; other work shared the machine). Command: \`npm run bench:clv${SIZES.join(',') === '2357,100000,1000000' ? '' : ` -- --sizes ${SIZES.join(',')}`}\`; whole run ${s(performance.now() - t00)}, one thread. Synthetic customers drawn (seeded) from the CDNOW estimates (BG/NBD r 0.243, α 4.414, a 0.793, b 2.426; Pareto/NBD r 0.553, α 10.578, s 0.606, β 11.669; Gamma-Gamma p 6.25, q 3.74, γ 15.44), CDNOW's cohort and calendar (first purchases over 84 days, calibration to day 272, in weeks), purchase times rounded to the nearest day (so customers share triples, as in a real log; two purchases on one day are one). The frequency fits read the distinct (x, t_x, T) triples with counts ("likelihood terms"); Gamma-Gamma one term per repeat buyer. Baselines from the same run: "statistics" = building x, t_x, T, z̄ from the simulated transactions and the distinct triples; "numeric-gradient fit" = the same BFGS with central differences of the likelihood instead of the analytic gradient (up to 100,000 customers).`,
  '',
  table,
  '',
  ...(continuousRows.length
    ? ['Recovery without day rounding (exact purchase times; one likelihood term per customer, so no aggregation):', '', contTable, '']
    : []),
  'Predictions per second (per customer, no aggregation; BG/NBD at its fitted parameters, Pareto/NBD at the true ones):',
  '',
  predTable,
  '',
].join('\n');
console.log(text);
if (!DRY)
  appendToSection(
    RESULTS,
    '## CLV models (issue 7)',
    'BG/NBD, Pareto/NBD and Gamma-Gamma fits (src/modules/insights/clv, `npm run bench:clv`): fit time and parameter recovery on synthetic customers drawn from the published CDNOW parameters, predictions per second. Accuracy on the real CDNOW sample is in the tests (src/modules/insights/clv/*.test.ts).',
    text,
  );

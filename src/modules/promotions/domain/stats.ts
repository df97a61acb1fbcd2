/**
 * The statistics of a promotion's or issue run's measurement against its holdout: the difference of two means with
 * Welch's interval (unequal variances, Welch–Satterthwaite degrees of freedom, Student's t quantile) and the difference
 * of two proportions with the normal-approximation (Wald) interval. Pure; numbers in, numbers out.
 */

/** The 0.975 quantile of the standard normal distribution (a two-sided 95 % interval). */
export const Z_975 = 1.959963984540054;

/** n, mean and the sample variance (n − 1 in the denominator; 0 below two values). */
export interface Sample {
  n: number;
  mean: number;
  variance: number;
}

export function sample(values: readonly number[]): Sample {
  const n = values.length;
  if (n === 0) return { n: 0, mean: 0, variance: 0 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { n, mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

/** A difference (first − second) with its two-sided 95 % interval; `low`/`high` are null when it cannot be computed. */
export interface Interval {
  difference: number;
  low: number | null;
  high: number | null;
  /** The difference's standard error (null when it cannot be computed). */
  standardError: number | null;
}

export interface WelchInterval extends Interval {
  /** Welch–Satterthwaite degrees of freedom (null when the interval cannot be computed). */
  df: number | null;
}

// Lanczos approximation of ln Γ(x), x > 0 (Numerical Recipes, 3rd ed., §6.1: 14 terms, g = 671/128).
const LANCZOS = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4, 0.465236289270485756e-4,
  -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3, 0.217439618115212643e-3, -0.16431810653676389e-3,
  0.844182239838527433e-4, -0.261908384015814087e-4, 0.368991826595316234e-5,
];

export function lnGamma(x: number): number {
  if (!(x > 0)) throw new RangeError('lnGamma: x must be positive');
  let y = x;
  const tmp0 = x + 5.2421875;
  const tmp = (x + 0.5) * Math.log(tmp0) - tmp0;
  let ser = 0.999999999999997092;
  for (const c of LANCZOS) ser += c / ++y;
  return tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` (> 0, not necessarily whole) degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (0.5 < p < 1): bisection then Newton on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0.5 && p < 1)) throw new RangeError('studentTQuantile: p must be in (0.5, 1)');
  if (!(df > 0)) throw new RangeError('studentTQuantile: df must be positive');
  // Bracket, then bisect to a good start: the CDF is increasing.
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 60 && hi - lo > 1e-6 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  let t = (lo + hi) / 2;
  const logNorm = lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  for (let i = 0; i < 20; i++) {
    const density = Math.exp(logNorm - ((df + 1) / 2) * Math.log(1 + (t * t) / df));
    const step = (studentTCdf(t, df) - p) / density;
    t -= step;
    if (Math.abs(step) < 1e-15 * Math.max(1, t)) break;
  }
  return t;
}

/**
 * Welch's 95 % interval for mean(a) − mean(b). Needs at least two values in each group and some variance; else the
 * difference alone (null bounds).
 */
export function welchInterval(a: Sample, b: Sample): WelchInterval {
  const difference = a.mean - b.mean;
  if (a.n < 2 || b.n < 2) return { difference, low: null, high: null, standardError: null, df: null };
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  if (!(se2 > 0)) return { difference, low: difference, high: difference, standardError: 0, df: null };
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const se = Math.sqrt(se2);
  const half = studentTQuantile(0.975, df) * se;
  return { difference, low: difference - half, high: difference + half, standardError: se, df };
}

/**
 * The normal-approximation (Wald) 95 % interval for x1/n1 − x2/n2. Null bounds when a group is empty.
 */
export function twoProportionInterval(x1: number, n1: number, x2: number, n2: number): Interval {
  const p1 = n1 > 0 ? x1 / n1 : 0;
  const p2 = n2 > 0 ? x2 / n2 : 0;
  const difference = p1 - p2;
  if (n1 === 0 || n2 === 0) return { difference, low: null, high: null, standardError: null };
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  return { difference, low: difference - Z_975 * se, high: difference + Z_975 * se, standardError: se };
}

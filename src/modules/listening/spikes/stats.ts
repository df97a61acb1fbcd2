/**
 * Exact one-sided tail probabilities for the spike tests, computed in log space: the Poisson upper tail
 * P(X ≥ k | λ) for volume and the binomial upper tail P(X ≥ k | n, p) for the negative share.
 *
 * The probability mass comes from Loader's saddle-point form (C. Loader, "Fast and accurate computation of binomial
 * probabilities", 2000; the method of R's dpois/dbinom): ln k! is split into Stirling's formula plus a small
 * correction, and k·ln(k/λ) + λ − k is summed as a series when k ≈ λ, so nothing large cancels even for k = 10⁶.
 * The tail is then the mass at its first point times a sum of ratios pmf(x ± 1)/pmf(x), summed from the side
 * where the terms shrink: upward from k when k lies above the mean, else 1 − the lower tail summed downward from
 * k − 1. Either way the terms decrease monotonically, so the sum stops once the geometric bound on the remainder
 * is below 1e-17 of it: about 10·√variance terms at worst, and exact (no normal approximation) at every n.
 */
import { SpikeInputError } from './series.js';

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);
const LN_2PI = Math.log(2 * Math.PI);
const TAIL_TOLERANCE = 1e-17;

/** n! for n ≤ 15, exact in a double (15! < 2⁵³). */
const SMALL_FACTORIALS = Array.from({ length: 16 }, (_, n) => Array.from({ length: n }, (_, i) => i + 1).reduce((a, b) => a * b, 1));

/**
 * Stirling's error δ(n) = ln n! − [(n + ½) ln n − n + ½ ln 2π] for an integer n ≥ 1: exact from n! up to 15,
 * the asymptotic series 1/12n − 1/360n³ + 1/1260n⁵ − 1/1680n⁷ + 1/1188n⁹ above (error below 1e-16).
 */
function stirlingError(n: number): number {
  if (n <= 15) return Math.log(SMALL_FACTORIALS[n]!) - (n + 0.5) * Math.log(n) + n - HALF_LN_2PI;
  const nn = n * n;
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / 1188 / nn) / nn) / nn) / nn) / n;
}

/** Loader's deviance term x·ln(x/m) + m − x, accurate when x ≈ m (series in v = (x − m)/(x + m)). */
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    const v = (x - m) / (x + m);
    let s = (x - m) * v;
    let ej = 2 * x * v;
    for (let j = 1; ; j++) {
      ej *= v * v;
      const next = s + ej / (2 * j + 1);
      if (next === s) return next;
      s = next;
    }
  }
  return x * Math.log(x / m) + m - x;
}

/** ln P(X = k) for X ~ Poisson(λ), an integer k ≥ 0 and λ > 0. */
function logPoissonPmf(k: number, lambda: number): number {
  if (k === 0) return -lambda;
  return -stirlingError(k) - bd0(k, lambda) - 0.5 * Math.log(2 * Math.PI * k);
}

/** ln P(X = x) for X ~ Binomial(n, p), integers 0 ≤ x ≤ n, 0 < p < 1. */
function logBinomialPmf(x: number, n: number, p: number): number {
  const q = 1 - p;
  if (x === 0) return n * Math.log1p(-p);
  if (x === n) return n * Math.log(p);
  const lc = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  return lc - 0.5 * (LN_2PI + Math.log(x) + Math.log1p(-x / n));
}

/**
 * ln(1 + r₁ + r₁r₂ + r₁r₂r₃ + …) for ratios rⱼ = ratio(j) that never increase and start below 1; `ratio` returns 0
 * past the last point. Stops when the geometric bound on the remainder, t·r/(1 − r), is below 1e-17 of the sum.
 */
function logRatioSum(ratio: (j: number) => number): number {
  let sum = 1;
  let term = 1;
  for (let j = 1; ; j++) {
    const r = ratio(j);
    term *= r;
    sum += term;
    if (r === 0 || (term * r) / (1 - r) < TAIL_TOLERANCE * sum) return Math.log(sum);
  }
}

function requireInteger(value: number, field: string, min = -Infinity): void {
  if (!Number.isInteger(value) || value < min) throw new SpikeInputError(`${field}: must be an integer${min > -Infinity ? ` ≥ ${min}` : ''} (got ${value})`);
}

/** ln P(X ≥ k) for X ~ Poisson(λ): 0 for k ≤ 0, −∞ for k ≥ 1 and λ = 0. */
export function logPoissonUpperTail(k: number, lambda: number): number {
  requireInteger(k, 'k');
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new SpikeInputError(`lambda: must be a finite number ≥ 0 (got ${lambda})`);
  if (k <= 0) return 0;
  if (lambda === 0) return -Infinity;
  if (k > lambda) return logPoissonPmf(k, lambda) + logRatioSum((j) => lambda / (k + j));
  // P(X ≤ k − 1) summed down from k − 1: pmf(x − 1)/pmf(x) = x/λ.
  const lower = Math.exp(logPoissonPmf(k - 1, lambda) + logRatioSum((j) => Math.max(k - j, 0) / lambda));
  return Math.log1p(-lower);
}

/** P(X ≥ k) for X ~ Poisson(λ); see {@link logPoissonUpperTail}. */
export function poissonUpperTail(k: number, lambda: number): number {
  return Math.exp(logPoissonUpperTail(k, lambda));
}

/** ln P(X ≥ k) for X ~ Binomial(n, p): 0 for k ≤ 0, −∞ for k > n. */
export function logBinomialUpperTail(k: number, n: number, p: number): number {
  requireInteger(k, 'k');
  requireInteger(n, 'n', 0);
  if (!(p >= 0 && p <= 1)) throw new SpikeInputError(`p: must be a probability in [0, 1] (got ${p})`);
  if (k <= 0) return 0;
  if (k > n || p === 0) return -Infinity;
  if (p === 1) return 0;
  const odds = p / (1 - p);
  if (k > n * p) return logBinomialPmf(k, n, p) + logRatioSum((j) => (Math.max(n - k - j + 1, 0) / (k + j)) * odds);
  // P(X ≤ k − 1) summed down from k − 1: pmf(x − 1)/pmf(x) = x / (n − x + 1) · (1 − p)/p.
  const lower = Math.exp(logBinomialPmf(k - 1, n, p) + logRatioSum((j) => Math.max(k - j, 0) / (n - k + j + 1) / odds));
  return Math.log1p(-lower);
}

/** P(X ≥ k) for X ~ Binomial(n, p); see {@link logBinomialUpperTail}. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  return Math.exp(logBinomialUpperTail(k, n, p));
}

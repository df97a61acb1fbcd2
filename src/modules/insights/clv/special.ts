/**
 * Special functions for the CLV models: log-gamma, digamma, log-beta and the Gauss hypergeometric function 2F1
 * for real arguments. Everything is written for double precision and for the ranges the models need
 * (positive shape parameters, 0 ≤ z < 1 after the transformations below).
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln|Γ(x)| for real x (not a non-positive integer). Lanczos approximation (g = 7, 9 terms; relative error about
 * 1e-15) for x ≥ 0.5, Stirling's series above 15, the reflection formula below 0.5.
 */
export function lgamma(x: number): number {
  if (x < 0.5) {
    // Γ(x)Γ(1−x) = π / sin(πx)
    const s = Math.sin(Math.PI * x);
    if (s === 0) return Infinity;
    return Math.log(Math.PI / Math.abs(s)) - lgamma(1 - x);
  }
  if (x > 15) {
    const z = 1 / (x * x);
    const series = (1 / x) * (1 / 12 - z * (1 / 360 - z * (1 / 1260 - z * (1 / 1680 - z / 1188))));
    return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series;
  }
  const y = x - 1;
  let a = LANCZOS[0]!;
  const t = y + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (y + i);
  return HALF_LOG_2PI + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Sign of Γ(x): −1 on the intervals (−2k−1, −2k) of the negative axis, else +1. */
export function gammaSign(x: number): number {
  if (x > 0) return 1;
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/**
 * The digamma function ψ(x) = d ln Γ(x)/dx: recurrence ψ(x) = ψ(x+1) − 1/x up to x ≥ 10, then the asymptotic series;
 * reflection for x ≤ 0.
 */
export function digamma(x: number): number {
  if (x <= 0) {
    if (Number.isInteger(x)) return NaN;
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  }
  let acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const z = 1 / (x * x);
  return acc + Math.log(x) - 0.5 / x - z * (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z / 132))));
}

/** ln(e^a + e^b) without overflow or underflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** Thrown when a series does not converge within its term budget (the caller's inputs are out of the usable range). */
export class ConvergenceError extends Error {}

const SERIES_TOL = 1e-15;

/**
 * The Gauss series Σ (a)_n (b)_n / ((c)_n n!) zⁿ, summed until a term is below 1e-15 of the sum for three terms in a
 * row (and the terms are shrinking). Throws {@link ConvergenceError} when that does not happen within `maxTerms`.
 */
export function hyp2f1Series(a: number, b: number, c: number, z: number, maxTerms = 200_000): number {
  let term = 1;
  let sum = 1;
  let small = 0;
  for (let n = 0; n < maxTerms; n++) {
    term *= ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (term === 0) return sum;
    if (Math.abs(term) <= SERIES_TOL * Math.abs(sum)) {
      // A term can be tiny just before a factor (a+n) changes sign: require three small ones in a row, past that point.
      if (++small >= 3 && n + 1 > Math.max(-a, -b, 0)) return sum;
    } else small = 0;
  }
  throw new ConvergenceError(`2F1(${a}, ${b}; ${c}; ${z}): the series did not converge in ${maxTerms} terms`);
}

/** How close c − a − b may come to an integer before the 1 − z transformation loses too many digits. */
const NEAR_INTEGER = 1e-5;

/**
 * The Gauss hypergeometric function ₂F₁(a, b; c; z) for real a, b, c (c not a non-positive integer) and real z < 1.
 *
 * - |z| ≤ 0.9, z ≥ 0: the Gauss series directly (with its convergence check).
 * - z < 0: Pfaff's transformation ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)) brings the argument
 *   into [0, 1) (Abramowitz & Stegun 15.3.4).
 * - 0.9 < z < 1: the 1 − z transformation (A&S 15.3.6), two series in 1 − z with gamma-function weights, when
 *   c − a − b is not within 1e-5 of an integer; otherwise (the transformation degenerates there) the direct series
 *   with a larger term budget, which converges for every z < 1, only slowly as z → 1.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!(z < 1)) throw new RangeError(`2F1: z must be below 1, got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`2F1: c must not be a non-positive integer, got ${c}`);
  if (z === 0 || a === 0 || b === 0) return 1;
  if (z < 0) {
    // Pfaff: the argument z/(z − 1) lies in [0, 1), where the branches below apply.
    const w = z / (z - 1);
    return Math.pow(1 - z, -a) * hyp2f1(a, c - b, c, w);
  }
  if (z <= 0.9) return hyp2f1Series(a, b, c, z);
  const d = c - a - b;
  if (Math.abs(d - Math.round(d)) < NEAR_INTEGER) return hyp2f1Series(a, b, c, z, 5_000_000);
  const w = 1 - z;
  // Γ(c)Γ(d)/(Γ(c−a)Γ(c−b)) F(a, b; 1−d; w) + (1−z)^d Γ(c)Γ(−d)/(Γ(a)Γ(b)) F(c−a, c−b; 1+d; w)
  const t1 =
    gammaSign(c) * gammaSign(d) * gammaSign(c - a) * gammaSign(c - b) * Math.exp(lgamma(c) + lgamma(d) - lgamma(c - a) - lgamma(c - b));
  const t2 =
    gammaSign(c) * gammaSign(-d) * gammaSign(a) * gammaSign(b) * Math.exp(lgamma(c) + lgamma(-d) - lgamma(a) - lgamma(b) + d * Math.log(w));
  // A weight is 0 when a gamma function in its denominator is at a pole (lgamma = ∞): that series then drops out.
  const f1 = t1 === 0 ? 0 : t1 * hyp2f1Series(a, b, 1 - d, w);
  const f2 = t2 === 0 ? 0 : t2 * hyp2f1Series(c - a, c - b, 1 + d, w);
  return f1 + f2;
}

/** Nodes and weights of the n-point Gauss–Legendre rule on [−1, 1] (Newton on Legendre polynomials). */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * t * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (t * p1 - p0)) / (t * t - 1);
      const dt = p1 / dp;
      t -= dt;
      if (Math.abs(dt) < 1e-16) break;
    }
    x[i] = -t;
    x[n - 1 - i] = t;
    w[i] = w[n - 1 - i] = 2 / ((1 - t * t) * dp * dp);
  }
  return { x, w };
}

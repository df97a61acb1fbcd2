import { digamma, gaussLegendre, hyp2f1, lgamma, logAddExp } from './special.js';
import { fitByMaximumLikelihood, named, values, sumNegLogLik, startScale, totalWeight, type FitResult, type FrequencyData } from './model.js';

/**
 * Pareto/NBD (Schmittlein, Morrison & Colombo 1987; likelihood as in Fader & Hardie 2005, "A Note on Deriving the
 * Pareto/NBD Model and Related Expressions"): while alive a customer buys as a Poisson process with rate
 * λ ~ Gamma(r, α) and has an exponential lifetime with rate μ ~ Gamma(s, β).
 */
export const PARETO_NAMES = ['r', 'alpha', 's', 'beta'] as const;
/** Pareto/NBD parameters by name (r, α of the purchase rate; s, β of the drop-out rate). */
export type ParetoNbdParams = Record<(typeof PARETO_NAMES)[number], number>;

/**
 * ln ∫_t^∞ (α+y)^(−p) (β+y)^(−q) dy in closed form. With the larger of α, β written m and the other k
 * (exponent e_m of (m+y), e_k of (k+y)):
 * (m + t)^(−(p+q−1)) / (p+q−1) · ₂F₁(e_k, p+q−1; p+q; (m − k)/(m + t)), an argument in [0, 1).
 */
export function lnTailIntegral(alpha: number, beta: number, p: number, q: number, t: number): number {
  const c = p + q - 1;
  const [m, ek, k] = alpha >= beta ? [alpha, q, beta] : [beta, p, alpha];
  const F = hyp2f1(ek, c, c + 1, (m - k) / (m + t));
  return -c * Math.log(m + t) - Math.log(c) + Math.log(F);
}

/**
 * The pieces of one customer's likelihood, in logs:
 * L = Γ(r+x)αʳβˢ/Γ(r) · [E + s·K], E = (α+T)^(−(r+x)) (β+T)^(−s) (alive at T),
 * K = ∫_{t_x}^T (α+y)^(−(r+x)) (β+y)^(−(s+1)) dy (dropped out at some y between the last purchase and T), the
 * integral being the difference of two Gauss hypergeometric tails ({@link lnTailIntegral}).
 */
function pieces(p: ParetoNbdParams, x: number, tx: number, T: number) {
  const { r, alpha, s, beta } = p;
  const lnC = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const lnE = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  let lnK = -Infinity;
  if (T > tx) {
    const hi = lnTailIntegral(alpha, beta, r + x, s + 1, tx);
    const lo = lnTailIntegral(alpha, beta, r + x, s + 1, T);
    // K = e^hi − e^lo. When the two tails agree to ~1e-6 (T − t_x tiny), the quadrature is the more accurate.
    lnK = lo - hi > -1e-6 ? Math.log(quadrature(p, x, tx, T, lnE).K) + lnE : hi + Math.log(-Math.expm1(lo - hi));
  }
  return { lnC, lnE, lnK };
}

const GL = gaussLegendre(12);

/**
 * ∫_{t_x}^T f(y)·{1, ln(α+y), ln(β+y), 1/(α+y), 1/(β+y)} dy with f(y) = (α+y)^(−(r+x)) (β+y)^(−(s+1)), all divided
 * by e^scale: adaptive Gauss–Legendre (12 points on a panel against 12 on each of its halves; halve until the plain
 * integral agrees to 1e-12 relative). These are the derivatives of K in r, s, α and β, for the analytic gradient.
 */
function quadrature(p: ParetoNbdParams, x: number, tx: number, T: number, scale: number) {
  const { r, alpha, s, beta } = p;
  const a = r + x;
  const b = s + 1;
  const panel = (lo: number, hi: number) => {
    const out = [0, 0, 0, 0, 0];
    const half = (hi - lo) / 2;
    const mid = (hi + lo) / 2;
    for (let i = 0; i < GL.x.length; i++) {
      const y = mid + half * GL.x[i]!;
      const la = Math.log(alpha + y);
      const lb = Math.log(beta + y);
      const f = Math.exp(-a * la - b * lb - scale) * GL.w[i]! * half;
      out[0]! += f;
      out[1]! += f * la;
      out[2]! += f * lb;
      out[3]! += f / (alpha + y);
      out[4]! += f / (beta + y);
    }
    return out;
  };
  const sum = [0, 0, 0, 0, 0];
  const first = panel(tx, T);
  // Tolerance on the plain integral, absolute: 1e-12 of the first whole-interval estimate (panels that matter
  // little stop early; a panel never needs to be finer than 2^-30 of the interval).
  const tol = 1e-12 * Math.abs(first[0]!);
  const stack: Array<[number, number, number[], number]> = [[tx, T, first, 0]];
  let panels = 0;
  while (stack.length) {
    // Not finite (parameters far out during a line search) or out of budget: the caller sees NaN and steps back.
    if (!Number.isFinite(tol) || ++panels > 4096) return { K: NaN, Kla: NaN, Klb: NaN, Kia: NaN, Kib: NaN };
    const [lo, hi, whole, depth] = stack.pop()!;
    const m = (lo + hi) / 2;
    const left = panel(lo, m);
    const right = panel(m, hi);
    const refined = left.map((v, i) => v + right[i]!);
    if (depth >= 30 || Math.abs(refined[0]! - whole[0]!) <= tol) for (let i = 0; i < 5; i++) sum[i]! += refined[i]!;
    else stack.push([lo, m, left, depth + 1], [m, hi, right, depth + 1]);
  }
  return { K: sum[0]!, Kla: sum[1]!, Klb: sum[2]!, Kia: sum[3]!, Kib: sum[4]! };
}

/**
 * One customer's log-likelihood and (when `grad` is given) its gradient in (r, α, s, β). The value comes from the
 * hypergeometric closed form; the gradient differentiates L = C·(E + sK) analytically, the derivatives of K being
 * integrals of explicit functions (computed by {@link quadrature} on the same scale as E).
 */
export function paretoLogLikGrad(p: ParetoNbdParams, x: number, tx: number, T: number, grad?: number[]): number {
  const { r, alpha, s, beta } = p;
  const { lnC, lnE, lnK } = pieces(p, x, tx, T);
  const lnInner = logAddExp(lnE, Math.log(s) + lnK);
  if (grad) {
    // Everything relative to E + sK: E' = E/(E+sK) etc.
    const e = Math.exp(lnE - lnInner);
    const q = T > tx ? quadrature(p, x, tx, T, lnInner) : { K: 0, Kla: 0, Klb: 0, Kia: 0, Kib: 0 };
    const la = Math.log(alpha + T);
    const lb = Math.log(beta + T);
    grad[0] = digamma(r + x) - digamma(r) + Math.log(alpha) - e * la - s * q.Kla;
    grad[1] = r / alpha - (e * (r + x)) / (alpha + T) - s * (r + x) * q.Kia;
    grad[2] = Math.log(beta) - e * lb + q.K - s * q.Klb;
    grad[3] = s / beta - (e * s) / (beta + T) - s * (s + 1) * q.Kib;
  }
  return lnC + lnInner;
}

/** Negative log-likelihood of a data set and its gradient in (r, α, s, β). */
export function paretoNegLogLik(params: number[], d: FrequencyData): { f: number; g: number[] } {
  const p = named(PARETO_NAMES, params);
  return sumNegLogLik(4, d.x.length, d.weight, (i, g) => paretoLogLikGrad(p, d.x[i]!, d.tx[i]!, d.T[i]!, g));
}

/** Maximum-likelihood Pareto/NBD fit (BFGS on log-parameters from r = s = 1, α = β = mean T / max(mean x, 0.1)). */
export function fitParetoNbd(d: FrequencyData, start?: ParetoNbdParams): FitResult & { model: 'pareto'; p: ParetoNbdParams } {
  const { meanX, meanT } = startScale(d);
  const scale = meanT / Math.max(meanX, 0.1);
  const st = start ? values(PARETO_NAMES, start) : [1, scale, 1, scale];
  const fit = fitByMaximumLikelihood([...PARETO_NAMES], paretoNegLogLik, d, st, totalWeight(d));
  return { ...fit, model: 'pareto', p: named(PARETO_NAMES, fit.params) };
}

/** P(alive at T | x, t_x, T) = E / (E + sK): the alive term's share of the likelihood. */
export function paretoPAlive(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { lnE, lnK } = pieces(p, x, tx, T);
  return Math.exp(lnE - logAddExp(lnE, Math.log(p.s) + lnK));
}

/** [1 − (u/(u+t))^(s−1)] / (s − 1), with its limit ln(1 + t/u) at s = 1, without cancellation. */
function lifetimeFactor(s: number, u: number, t: number): number {
  const l = Math.log1p(t / u);
  return Math.abs(s - 1) < 1e-10 ? l : -Math.expm1(-(s - 1) * l) / (s - 1);
}

/** E[X(t)] for a new customer: rβ/α · [1 − (β/(β+t))^(s−1)]/(s − 1). */
export function paretoExpected(p: ParetoNbdParams, t: number): number {
  return ((p.r * p.beta) / p.alpha) * lifetimeFactor(p.s, p.beta, t);
}

/**
 * E[Y(t) | x, t_x, T] = P(alive) · (r + x)(β + T)/(α + T) · [1 − ((β+T)/(β+T+t))^(s−1)]/(s − 1): the posterior
 * mean rate of an alive customer, (r+x)/(α+T), times their expected remaining active time within t.
 */
export function paretoConditionalExpected(p: ParetoNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  return paretoPAlive(p, x, tx, T) * ((p.r + x) / (p.alpha + T)) * (p.beta + T) * lifetimeFactor(p.s, p.beta + T, t);
}

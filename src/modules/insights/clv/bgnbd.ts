import { digamma, hyp2f1, lbeta, lgamma, logAddExp } from './special.js';
import { fitByMaximumLikelihood, named, values, sumNegLogLik, startScale, totalWeight, type FitResult, type FrequencyData } from './model.js';

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): while alive a customer buys as a Poisson
 * process with rate λ ~ Gamma(r, α); after each purchase they drop out with probability p ~ Beta(a, b).
 */
export const BGNBD_NAMES = ['r', 'alpha', 'a', 'b'] as const;
/** BG/NBD parameters by name (r, α of the purchase rate; a, b of the drop-out probability). */
export type BgnbdParams = Record<(typeof BGNBD_NAMES)[number], number>;

/**
 * One customer's log-likelihood (FHL 2005 eq. 6) and its gradient in (r, α, a, b):
 * L = B(a, b+x)/B(a, b) · Γ(r+x)αʳ/(Γ(r)(α+T)^(r+x)) + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x)αʳ/(Γ(r)(α+t_x)^(r+x)),
 * summed in log space.
 */
export function bgnbdLogLikGrad(p: BgnbdParams, x: number, tx: number, T: number, grad?: number[]): number {
  const { r, alpha, a, b } = p;
  const lnC = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const lbab = lbeta(a, b);
  const A = lbeta(a, b + x) - lbab - (r + x) * Math.log(alpha + T);
  let ll: number;
  let wA = 1;
  let lnB = -Infinity;
  if (x > 0) {
    lnB = lbeta(a + 1, b + x - 1) - lbab - (r + x) * Math.log(alpha + tx);
    const m = logAddExp(A, lnB);
    ll = lnC + m;
    wA = Math.exp(A - m);
  } else ll = lnC + A;
  if (grad) {
    const wB = 1 - wA;
    const psiAB = digamma(a + b);
    const psiABX = digamma(a + b + x);
    const psiB = digamma(b);
    const dA = { r: -Math.log(alpha + T), alpha: -(r + x) / (alpha + T), a: psiAB - psiABX, b: digamma(b + x) - psiABX - psiB + psiAB };
    const dB =
      x > 0
        ? { r: -Math.log(alpha + tx), alpha: -(r + x) / (alpha + tx), a: digamma(a + 1) - psiABX - digamma(a) + psiAB, b: digamma(b + x - 1) - psiABX - psiB + psiAB }
        : { r: 0, alpha: 0, a: 0, b: 0 };
    grad[0] = digamma(r + x) - digamma(r) + Math.log(alpha) + wA * dA.r + wB * dB.r;
    grad[1] = r / alpha + wA * dA.alpha + wB * dB.alpha;
    grad[2] = wA * dA.a + wB * dB.a;
    grad[3] = wA * dA.b + wB * dB.b;
  }
  return ll;
}

/** Negative log-likelihood of a data set and its gradient in (r, α, a, b). */
export function bgnbdNegLogLik(params: number[], d: FrequencyData): { f: number; g: number[] } {
  const p = named(BGNBD_NAMES, params);
  return sumNegLogLik(4, d.x.length, d.weight, (i, g) => bgnbdLogLikGrad(p, d.x[i]!, d.tx[i]!, d.T[i]!, g));
}

/** Maximum-likelihood BG/NBD fit (BFGS on log-parameters from r = a = b = 1, α = mean T / max(mean x, 0.1)). */
export function fitBgnbd(d: FrequencyData, start?: BgnbdParams): FitResult & { model: 'bgnbd'; p: BgnbdParams } {
  const { meanX, meanT } = startScale(d);
  const s = start ? values(BGNBD_NAMES, start) : [1, meanT / Math.max(meanX, 0.1), 1, 1];
  const fit = fitByMaximumLikelihood([...BGNBD_NAMES], bgnbdNegLogLik, d, s, totalWeight(d));
  return { ...fit, model: 'bgnbd', p: named(BGNBD_NAMES, fit.params) };
}

/**
 * P(alive at T | x, t_x, T) = 1 / (1 + [x > 0] · a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x))  (FHL 2005 eq. 11 note).
 */
export function bgnbdPAlive(p: BgnbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const lnOdds = Math.log(p.a / (p.b + x - 1)) + (p.r + x) * Math.log((p.alpha + T) / (p.alpha + tx));
  return 1 / (1 + Math.exp(lnOdds));
}

/**
 * (c/(a − 1)) · [1 − (1 − z)^r · ₂F₁(r, b; c; z)] with c = a + b − 1 (+ x): the shape of both expectations below.
 * At a = 1 both factors vanish (₂F₁(r, b; b; z) = (1 − z)^(−r)), and near it the bracket loses every digit to
 * cancellation; there the limit is used, L'Hôpital in a: c · (1 − z)^r · Σₙ (r)ₙ (b)ₙ/(c)ₙ zⁿ/n! · Σₖ<ₙ 1/(c + k)
 * at c = b (the derivative of ₂F₁ in its third parameter, term by term), which is b(1 − z)^r Σₙ (r)ₙ zⁿ/n! Hₙ(b).
 */
function expectedPurchasesShape(r: number, b: number, a: number, c: number, z: number): number {
  if (Math.abs(a - 1) > 1e-7) return (c / (a - 1)) * -Math.expm1(r * Math.log1p(-z) + Math.log(hyp2f1(r, b, c, z)));
  let term = 1;
  let harmonic = 0;
  let sum = 0;
  for (let n = 0; n < 1_000_000; n++) {
    harmonic += 1 / (b + n);
    term *= ((r + n) / (n + 1)) * z;
    const add = term * harmonic;
    sum += add;
    if (Math.abs(add) <= 1e-16 * Math.abs(sum) && n > 10) break;
  }
  return b * Math.exp(r * Math.log1p(-z)) * sum;
}

/**
 * E[X(t)] for a new customer (FHL 2005 eq. 7):
 * (a + b − 1)/(a − 1) · [1 − (α/(α + t))^r · ₂F₁(r, b; a + b − 1; t/(α + t))].
 */
export function bgnbdExpected(p: BgnbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  return expectedPurchasesShape(r, b, a, a + b - 1, t / (alpha + t));
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t periods (FHL 2005 eq. 10):
 * (a + b + x − 1)/(a − 1) · [1 − ((α + T)/(α + T + t))^(r+x) · ₂F₁(r + x, b + x; a + b + x − 1; t/(α + T + t))]
 * · P(alive) (the denominator of eq. 10 is 1/P(alive)).
 */
export function bgnbdConditionalExpected(p: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  return expectedPurchasesShape(r + x, b + x, a, a + b + x - 1, t / (alpha + T + t)) * bgnbdPAlive(p, x, tx, T);
}

/** The log-likelihood of one customer at given parameters (for reports and tests). */
export function bgnbdLogLik(p: BgnbdParams, x: number, tx: number, T: number): number {
  return bgnbdLogLikGrad(p, x, tx, T);
}

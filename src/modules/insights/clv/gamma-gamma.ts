import { digamma, lgamma } from './special.js';
import { fitByMaximumLikelihood, named, sumNegLogLik, type FitResult } from './model.js';

/**
 * Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"; Colombo & Jiang 1999):
 * a customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent of how often
 * they buy. Fitted on customers with at least one repeat purchase, from x and the mean repeat-transaction value z̄.
 */
export const GAMMA_GAMMA_NAMES = ['p', 'q', 'gamma'] as const;
/** Gamma-Gamma parameters by name. */
export type GammaGammaParams = Record<(typeof GAMMA_GAMMA_NAMES)[number], number>;

/** Customers for the spend model: x > 0 repeat transactions with mean value z̄ > 0 each. */
export interface SpendData {
  x: ArrayLike<number>;
  zbar: ArrayLike<number>;
  weight?: ArrayLike<number>;
}

/**
 * ln f(z̄ | x; p, q, γ) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄)
 * (the density of the mean of x Gamma(p, ν) values, mixed over ν), with its gradient in (p, q, γ).
 */
export function gammaGammaLogLikGrad(prm: GammaGammaParams, x: number, zbar: number, grad?: number[]): number {
  const { p, q, gamma } = prm;
  const px = p * x;
  const lz = Math.log(zbar);
  const lx = Math.log(x);
  const lden = Math.log(gamma + x * zbar);
  const ll = lgamma(px + q) - lgamma(px) - lgamma(q) + q * Math.log(gamma) + (px - 1) * lz + px * lx - (px + q) * lden;
  if (grad) {
    const psi = digamma(px + q);
    grad[0] = x * (psi - digamma(px) + lz + lx - lden);
    grad[1] = psi - digamma(q) + Math.log(gamma) - lden;
    grad[2] = q / gamma - (px + q) / (gamma + x * zbar);
  }
  return ll;
}

/** Negative log-likelihood of the spend data and its gradient in (p, q, γ). */
export function gammaGammaNegLogLik(params: number[], d: SpendData): { f: number; g: number[] } {
  const prm = named(GAMMA_GAMMA_NAMES, params);
  return sumNegLogLik(3, d.x.length, d.weight, (i, g) => gammaGammaLogLikGrad(prm, d.x[i]!, d.zbar[i]!, g));
}

/** Thrown when the spend data cannot be fitted (no customer with x > 0, or a value that is not positive). */
export class SpendDataError extends Error {}

/**
 * Maximum-likelihood Gamma-Gamma fit, from p = 1, q = 2, γ = mean z̄. Every customer must have x ≥ 1 and z̄ > 0
 * (callers leave out customers without repeat purchases, and those whose repeat purchases were all of value 0).
 */
export function fitGammaGamma(d: SpendData): FitResult & { model: 'ggamma'; p: GammaGammaParams } {
  let n = 0;
  let sz = 0;
  for (let i = 0; i < d.x.length; i++) {
    if (!(d.x[i]! >= 1) || !(d.zbar[i]! > 0)) throw new SpendDataError(`customer ${i + 1}: x = ${d.x[i]}, z̄ = ${d.zbar[i]}: the spend model needs x ≥ 1 and z̄ > 0`);
    const w = d.weight ? d.weight[i]! : 1;
    n += w;
    sz += w * d.zbar[i]!;
  }
  if (n === 0) throw new SpendDataError('no customer with a repeat purchase of positive value: the spend model cannot be fitted');
  const fit = fitByMaximumLikelihood([...GAMMA_GAMMA_NAMES], gammaGammaNegLogLik, d, [1, 2, sz / n], n);
  return { ...fit, model: 'ggamma', p: named(GAMMA_GAMMA_NAMES, fit.params) };
}

/**
 * E(M | x, z̄) = (q − 1)/(px + q − 1) · pγ/(q − 1) + px/(px + q − 1) · z̄ = p(γ + x z̄)/(px + q − 1): a weighted mean
 * of the population mean pγ/(q − 1) and the customer's own mean. With x = 0 it is the population mean (NaN when
 * q ≤ 1: the population mean is then infinite).
 */
export function gammaGammaConditionalMean(prm: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = prm;
  if (x === 0) return q > 1 ? (p * gamma) / (q - 1) : NaN;
  return (p * (gamma + x * zbar)) / (p * x + q - 1);
}

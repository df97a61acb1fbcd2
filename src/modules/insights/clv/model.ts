import { minimize, numericalHessian, standardErrors, type MinimizeResult } from './optimize.js';

/**
 * Customers in the (x, t_x, T) form the purchase-frequency models read, as parallel arrays. Identical triples may be
 * stored once with a weight (the number of customers sharing them): the likelihood is a sum over customers, so a
 * weighted sum over distinct triples is the same number (see {@link aggregateTriples} in summary.ts).
 */
export interface FrequencyData {
  /** Repeat purchases in the calibration period. */
  x: ArrayLike<number>;
  /** Time of the last purchase since the first (0 when x = 0), in periods. */
  tx: ArrayLike<number>;
  /** Time from the first purchase to the end of the calibration period, in periods. */
  T: ArrayLike<number>;
  /** Customers with this triple (default 1 each). */
  weight?: ArrayLike<number>;
}

/** A model's negative log-likelihood over a data set with its gradient in the natural parameters. */
export type NegLogLik<D> = (params: number[], data: D) => { f: number; g: number[] };

/** Result of a maximum-likelihood fit. */
export interface FitResult {
  /** Parameter names, in the order of `params` and `standardErrors`. */
  names: string[];
  params: number[];
  /** Named view of `params`. */
  byName: Record<string, number>;
  /** Maximised log-likelihood (the sum over customers). */
  logLik: number;
  /** From the inverse of the numerical Hessian (central differences of the analytic gradient) at the estimate. */
  standardErrors: number[];
  /** Customers the likelihood summed over (weights included). */
  customers: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  method: MinimizeResult['method'];
  /** Largest |∂LL/∂ log θ| at the estimate. */
  gradientNorm: number;
}

/**
 * Maximum likelihood for a model with positive parameters: BFGS on log θ (the chain rule gives the log-scale
 * gradient θ·∂/∂θ), then standard errors in the natural parameters from the Hessian of the negative log-likelihood.
 */
export function fitByMaximumLikelihood<D>(names: string[], negLogLik: NegLogLik<D>, data: D, start: number[], customers: number): FitResult {
  const objective = (theta: number[]) => {
    const p = theta.map(Math.exp);
    const { f, g } = negLogLik(p, data);
    return { f, g: g.map((v, i) => v * p[i]!) };
  };
  const res = minimize(objective, start.map(Math.log));
  const params = res.theta.map(Math.exp);
  const H = numericalHessian((p) => negLogLik(p, data).g, params);
  const se = standardErrors(H);
  return {
    names,
    params,
    byName: Object.fromEntries(names.map((n, i) => [n, params[i]!])),
    logLik: -res.f,
    standardErrors: se,
    customers,
    iterations: res.iterations,
    evaluations: res.evaluations,
    converged: res.converged,
    method: res.method,
    gradientNorm: res.g.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
  };
}

/**
 * −Σ wᵢ ℓᵢ and its gradient over n customers (weights optional), ℓᵢ and its gradient given per customer by `term`
 * (which fills `grad` with ∂ℓᵢ/∂θ and returns ℓᵢ).
 */
export function sumNegLogLik(k: number, n: number, weight: ArrayLike<number> | undefined, term: (i: number, grad: number[]) => number): { f: number; g: number[] } {
  const g = new Array<number>(k).fill(0);
  const gi = new Array<number>(k).fill(0);
  let f = 0;
  for (let i = 0; i < n; i++) {
    const w = weight ? weight[i]! : 1;
    f -= w * term(i, gi);
    for (let j = 0; j < k; j++) g[j]! -= w * gi[j]!;
  }
  return { f, g };
}

/** Parameters by name from an array in the order of `names`. */
export function named<N extends string>(names: readonly N[], v: number[]): Record<N, number> {
  return Object.fromEntries(names.map((n, i) => [n, v[i]!])) as Record<N, number>;
}

/** The array of parameter values in the order of `names`. */
export function values<N extends string>(names: readonly N[], p: Record<N, number>): number[] {
  return names.map((n) => p[n]);
}

/** Total weight of a data set (its number of customers). */
export function totalWeight(d: { x: ArrayLike<number>; weight?: ArrayLike<number> }): number {
  if (!d.weight) return d.x.length;
  let s = 0;
  for (let i = 0; i < d.weight.length; i++) s += d.weight[i]!;
  return s;
}

/** Weighted means of x and T: the scale of the starting values. */
export function startScale(d: FrequencyData): { meanX: number; meanT: number } {
  let sx = 0;
  let sT = 0;
  let n = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = d.weight ? d.weight[i]! : 1;
    sx += w * d.x[i]!;
    sT += w * d.T[i]!;
    n += w;
  }
  return { meanX: sx / n, meanT: sT / n };
}

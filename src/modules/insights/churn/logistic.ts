import { solveSpd } from '../math/solve-spd.js';
/**
 * L2-penalised logistic regression on standardised features, fitted by Newton's method (IRLS): the penalised
 * log-likelihood is strictly concave for a penalty > 0, so Newton converges quadratically to its unique maximum and the
 * result depends on nothing but the data (no learning rate, no random start, no iteration order).
 *
 * Maximises Σ [y log p + (1 − y) log(1 − p)] − (λ/2) Σⱼ βⱼ² with p = σ(β₀ + Σ βⱼ zⱼ), zⱼ = (xⱼ − meanⱼ) / sdⱼ; the
 * intercept is not penalised (it only carries the base rate). A feature that does not vary (sd 0) gets z = 0 and, with a
 * penalty, coefficient 0.
 */
export interface LogisticModel {
  intercept: number;
  /** Per feature, on the standardised scale: the change in log-odds for one standard deviation. */
  coefficients: number[];
  means: number[];
  /** Population standard deviations (n in the denominator); 0 for a constant feature. */
  sds: number[];
  lambda: number;
  iterations: number;
  /** The largest |gradient| component of the penalised log-likelihood at the returned coefficients. */
  gradientNorm: number;
}

export interface LogisticOptions {
  /** L2 penalty λ on the standardised coefficients (default 1). 0 gives the plain maximum-likelihood estimate. */
  lambda?: number;
  maxIterations?: number;
}

export const sigmoid = (t: number): number => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));

/** `rows[i]` is customer i's feature vector, `y[i]` 1 for a churner, 0 otherwise. */
export function fitLogistic(rows: readonly (readonly number[])[], y: readonly number[], opts: LogisticOptions = {}): LogisticModel {
  const n = rows.length;
  if (n === 0 || y.length !== n) throw new Error(`fitLogistic: ${n} rows and ${y.length} labels`);
  const k = rows[0]!.length;
  const lambda = opts.lambda ?? 1;
  const maxIterations = opts.maxIterations ?? 100;
  const { means, sds } = moments(rows, k);
  const z = rows.map((r) => standardise(r, means, sds));
  const d = k + 1;
  // beta[0] is the intercept, started at the base rate's log-odds so the first step is already small.
  const rate = Math.min(Math.max(y.reduce((s, v) => s + v, 0) / n, 1e-6), 1 - 1e-6);
  const beta = new Array<number>(d).fill(0);
  beta[0] = Math.log(rate / (1 - rate));
  let iterations = 0;
  let gradientNorm = Infinity;
  // Newton until the step is at rounding level: quadratic convergence makes that one or two steps after the gradient is
  // small, and a fixed tolerance on the gradient would stop at a precision that depends on n.
  for (; iterations < maxIterations; iterations++) {
    const { gradient, hessian } = derivatives(z, y, beta, lambda);
    gradientNorm = Math.max(...gradient.map(Math.abs));
    if (gradientNorm === 0) break;
    const step = solveSpd(hessian, gradient, { what: 'fitLogistic' });
    for (let j = 0; j < d; j++) beta[j]! += step[j]!;
    if (Math.max(...step.map(Math.abs)) < 1e-13 * Math.max(1, ...beta.map(Math.abs))) {
      gradientNorm = Math.max(...derivatives(z, y, beta, lambda).gradient.map(Math.abs));
      iterations++;
      break;
    }
  }
  if (!Number.isFinite(gradientNorm)) throw new Error('fitLogistic: did not converge (separable data without a penalty?)');
  return { intercept: beta[0]!, coefficients: beta.slice(1), means, sds, lambda, iterations, gradientNorm };
}

/** The standardised features, the same transform the model was fitted with. */
export function standardise(row: readonly number[], means: readonly number[], sds: readonly number[]): number[] {
  return row.map((v, j) => (sds[j]! > 0 ? (v - means[j]!) / sds[j]! : 0));
}

/** Per feature, its push on the log-odds relative to an average customer: βⱼ · zⱼ (they sum to the logit − intercept). */
export function contributions(model: LogisticModel, row: readonly number[]): number[] {
  const z = standardise(row, model.means, model.sds);
  return z.map((v, j) => model.coefficients[j]! * v);
}

export function predict(model: LogisticModel, row: readonly number[]): number {
  return sigmoid(model.intercept + contributions(model, row).reduce((s, c) => s + c, 0));
}

/** Gradient (ascent direction) and negative Hessian of the penalised log-likelihood in the intercept-first layout. */
export function derivatives(z: readonly (readonly number[])[], y: readonly number[], beta: readonly number[], lambda: number) {
  const d = beta.length;
  const gradient = new Array<number>(d).fill(0);
  const hessian = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < z.length; i++) {
    const zi = z[i]!;
    let t = beta[0]!;
    for (let j = 1; j < d; j++) t += beta[j]! * zi[j - 1]!;
    const p = sigmoid(t);
    const r = y[i]! - p;
    const w = p * (1 - p);
    for (let a = 0; a < d; a++) {
      const xa = a === 0 ? 1 : zi[a - 1]!;
      gradient[a]! += r * xa;
      const row = hessian[a]!;
      for (let b = 0; b <= a; b++) row[b]! += w * xa * (b === 0 ? 1 : zi[b - 1]!);
    }
  }
  for (let a = 1; a < d; a++) {
    gradient[a]! -= lambda * beta[a]!;
    hessian[a]![a]! += lambda;
  }
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) hessian[a]![b] = hessian[b]![a]!;
  return { gradient, hessian };
}

function moments(rows: readonly (readonly number[])[], k: number) {
  const n = rows.length;
  const means = new Array<number>(k).fill(0);
  for (const r of rows) for (let j = 0; j < k; j++) means[j]! += r[j]! / n;
  const sds = new Array<number>(k).fill(0);
  for (const r of rows) for (let j = 0; j < k; j++) sds[j]! += (r[j]! - means[j]!) ** 2 / n;
  // A spread that is rounding noise around a constant is no spread.
  return { means, sds: sds.map((v, j) => (Math.sqrt(v) > 1e-12 * Math.max(1, Math.abs(means[j]!)) ? Math.sqrt(v) : 0)) };
}


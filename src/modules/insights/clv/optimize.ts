/**
 * A small unconstrained optimiser for the CLV likelihoods: BFGS with a strong-Wolfe line search, on parameters the
 * models map to log scale (so every shape and scale parameter stays positive), with Nelder–Mead as a fallback when
 * BFGS cannot make progress (a non-finite value or gradient along the way). Plus the numerical Hessian of an
 * analytic gradient and standard errors from it.
 */

/** The objective: value and gradient at θ (minimised). */
export type ObjectiveWithGradient = (theta: number[]) => { f: number; g: number[] };

/** Stopping rules of {@link minimize}. */
export interface MinimizeOptions {
  /** Stop when ‖g‖∞ ≤ gtol · max(1, |f|). Default 1e-10. */
  gtol?: number;
  /** Stop when the relative decrease of f is below this for 3 iterations in a row. Default 1e-14. */
  ftol?: number;
  maxIterations?: number;
}

/** Where {@link minimize} stopped and how it got there. */
export interface MinimizeResult {
  theta: number[];
  f: number;
  g: number[];
  iterations: number;
  evaluations: number;
  converged: boolean;
  method: 'bfgs' | 'nelder-mead';
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
const normInf = (a: number[]) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const finite = (e: { f: number; g: number[] }) => Number.isFinite(e.f) && e.g.every(Number.isFinite);

/**
 * Strong-Wolfe line search along d from θ (Nocedal & Wright, Algorithms 3.5 and 3.6, with safeguarded cubic
 * interpolation in the zoom phase). A point where f or g is not finite counts as too far.
 */
function lineSearch(
  fn: ObjectiveWithGradient,
  theta: number[],
  f0: number,
  g0: number[],
  d: number[],
  count: () => void,
): { step: number; f: number; g: number[]; theta: number[] } | null {
  const c1 = 1e-4;
  const c2 = 0.9;
  const dg0 = dot(g0, d);
  if (!(dg0 < 0)) return null;
  const at = (step: number) => {
    count();
    const th = theta.map((v, i) => v + step * d[i]!);
    const e = fn(th);
    return { step, theta: th, f: e.f, g: e.g, dg: finite(e) ? dot(e.g, d) : NaN, ok: finite(e) };
  };
  type Pt = ReturnType<typeof at>;
  const zoom = (lo: Pt, hi: Pt): Pt | null => {
    for (let i = 0; i < 40; i++) {
      // Cubic interpolation between lo and hi when both are usable, else bisection; kept inside the bracket.
      let step = (lo.step + hi.step) / 2;
      if (hi.ok) {
        const d1 = lo.dg + hi.dg - (3 * (lo.f - hi.f)) / (lo.step - hi.step);
        const disc = d1 * d1 - lo.dg * hi.dg;
        if (disc >= 0) {
          const d2 = Math.sign(hi.step - lo.step) * Math.sqrt(disc);
          const c = hi.step - (hi.step - lo.step) * ((hi.dg + d2 - d1) / (hi.dg - lo.dg + 2 * d2));
          const a = Math.min(lo.step, hi.step);
          const b = Math.max(lo.step, hi.step);
          if (Number.isFinite(c) && c > a + 0.1 * (b - a) && c < b - 0.1 * (b - a)) step = c;
        }
      }
      const p = at(step);
      if (!p.ok || p.f > f0 + c1 * step * dg0 || p.f >= lo.f) hi = p;
      else {
        if (Math.abs(p.dg) <= -c2 * dg0) return p;
        if (p.dg * (hi.step - lo.step) >= 0) hi = lo;
        lo = p;
      }
      if (Math.abs(hi.step - lo.step) < 1e-16 * Math.max(1, lo.step)) break;
    }
    return lo.step > 0 && lo.f < f0 ? lo : null;
  };
  let prev: Pt = { step: 0, theta, f: f0, g: g0, dg: dg0, ok: true };
  let step = 1;
  for (let i = 0; i < 30; i++) {
    const p = at(step);
    if (!p.ok || p.f > f0 + c1 * step * dg0 || (i > 0 && p.f >= prev.f)) {
      const z = zoom(prev, p);
      return z && { step: z.step, f: z.f, g: z.g, theta: z.theta };
    }
    if (Math.abs(p.dg) <= -c2 * dg0) return { step, f: p.f, g: p.g, theta: p.theta };
    if (p.dg >= 0) {
      const z = zoom(p, prev);
      return z && { step: z.step, f: z.f, g: z.g, theta: z.theta };
    }
    prev = p;
    step *= 2;
  }
  return { step: prev.step, f: prev.f, g: prev.g, theta: prev.theta };
}

/** BFGS (inverse-Hessian update, first step scaled) from θ0; falls back to {@link nelderMead} when it cannot start. */
export function minimize(fn: ObjectiveWithGradient, theta0: number[], o: MinimizeOptions = {}): MinimizeResult {
  const n = theta0.length;
  const gtol = o.gtol ?? 1e-10;
  const ftol = o.ftol ?? 1e-14;
  const maxIt = o.maxIterations ?? 500;
  let evaluations = 1;
  let theta = theta0.slice();
  let { f, g } = fn(theta);
  if (!finite({ f, g })) return nelderMeadFallback(fn, theta0, 0, evaluations);
  // H: inverse Hessian approximation, row-major.
  let H: number[] = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  let flat = 0;
  for (let it = 1; it <= maxIt; it++) {
    if (normInf(g) <= gtol * Math.max(1, Math.abs(f))) return { theta, f, g, iterations: it - 1, evaluations, converged: true, method: 'bfgs' };
    let d = Array.from({ length: n }, (_, i) => -H.slice(i * n, i * n + n).reduce((s, h, j) => s + h * g[j]!, 0));
    // Before the curvature is known, a first step of at most 1 in any coordinate (a factor e on a log-parameter).
    if (it === 1) d = d.map((v) => v / Math.max(1, normInf(d)));
    let ls = lineSearch(fn, theta, f, g, d, () => evaluations++);
    if (!ls) {
      // Reset to steepest descent once before giving up.
      H = H.map((_, k) => (k % (n + 1) === 0 ? 1 / Math.max(1, normInf(g)) : 0));
      const sd = g.map((v) => -v / Math.max(1, normInf(g)));
      ls = lineSearch(fn, theta, f, g, sd, () => evaluations++);
      if (!ls) {
        // No descent possible: at the optimum to machine precision when the gradient is small relative to f.
        const ok = normInf(g) <= 1e-6 * Math.max(1, Math.abs(f));
        if (ok) return { theta, f, g, iterations: it, evaluations, converged: true, method: 'bfgs' };
        return nelderMeadFallback(fn, theta, it, evaluations);
      }
    }
    const s = ls.theta.map((v, i) => v - theta[i]!);
    const y = ls.g.map((v, i) => v - g[i]!);
    const sy = dot(s, y);
    const rel = (f - ls.f) / Math.max(1, Math.abs(f));
    theta = ls.theta;
    f = ls.f;
    g = ls.g;
    flat = rel < ftol ? flat + 1 : 0;
    if (flat >= 3) return { theta, f, g, iterations: it, evaluations, converged: true, method: 'bfgs' };
    if (sy > 1e-300) {
      if (it === 1) {
        // Scale the initial matrix by sᵀy / yᵀy (Nocedal & Wright 6.20).
        const scale = sy / dot(y, y);
        H = H.map((v) => v * scale);
      }
      const rho = 1 / sy;
      const Hy = Array.from({ length: n }, (_, i) => H.slice(i * n, i * n + n).reduce((acc, h, j) => acc + h * y[j]!, 0));
      const yHy = dot(y, Hy);
      const next = H.slice();
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          next[i * n + j] = H[i * n + j]! - rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!) + (rho * rho * yHy + rho) * s[i]! * s[j]!;
      H = next;
    }
  }
  return { theta, f, g, iterations: maxIt, evaluations, converged: false, method: 'bfgs' };
}

function nelderMeadFallback(fn: ObjectiveWithGradient, theta: number[], iterations: number, evaluations: number): MinimizeResult {
  const r = nelderMead((t) => fn(t).f, theta);
  const e = fn(r.theta);
  return { theta: r.theta, f: r.f, g: e.g, iterations: iterations + r.iterations, evaluations: evaluations + r.evaluations + 1, converged: r.converged, method: 'nelder-mead' };
}

/**
 * Nelder–Mead simplex search (standard coefficients 1, 2, ½, ½; initial steps 0.5 in each coordinate). A value that is
 * not finite counts as +∞. Stops when the simplex's values agree to 1e-12 relative or after `maxEvaluations`.
 */
export function nelderMead(f: (theta: number[]) => number, theta0: number[], maxEvaluations = 20_000): { theta: number[]; f: number; iterations: number; evaluations: number; converged: boolean } {
  const n = theta0.length;
  let evaluations = 0;
  const val = (t: number[]) => {
    evaluations++;
    const v = f(t);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex = [theta0.slice(), ...theta0.map((_, i) => theta0.map((v, j) => (i === j ? v + 0.5 : v)))].map((p) => ({ p, v: val(p) }));
  let iterations = 0;
  while (evaluations < maxEvaluations) {
    iterations++;
    simplex.sort((a, b) => a.v - b.v);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.v - best.v) <= 1e-12 * Math.max(1, Math.abs(best.v))) return { theta: best.p, f: best.v, iterations, evaluations, converged: true };
    const centroid = Array.from({ length: n }, (_, j) => simplex.slice(0, n).reduce((s, q) => s + q.p[j]!, 0) / n);
    const along = (t: number) => centroid.map((c, j) => c + t * (worst.p[j]! - c));
    const r = { p: along(-1), v: 0 };
    r.v = val(r.p);
    if (r.v < best.v) {
      const e = { p: along(-2), v: 0 };
      e.v = val(e.p);
      simplex[n] = e.v < r.v ? e : r;
    } else if (r.v < simplex[n - 1]!.v) simplex[n] = r;
    else {
      const c = { p: r.v < worst.v ? along(-0.5) : along(0.5), v: 0 };
      c.v = val(c.p);
      if (c.v < Math.min(r.v, worst.v)) simplex[n] = c;
      else simplex = simplex.map((q, i) => (i === 0 ? q : { p: q.p.map((v, j) => best.p[j]! + 0.5 * (v - best.p[j]!)), v: 0 })).map((q, i) => (i === 0 ? q : { p: q.p, v: val(q.p) }));
    }
  }
  simplex.sort((a, b) => a.v - b.v);
  return { theta: simplex[0]!.p, f: simplex[0]!.v, iterations, evaluations, converged: false };
}

/**
 * The Hessian of f at x by central differences of its gradient (step 1e-5 relative to each coordinate), symmetrised.
 */
export function numericalHessian(grad: (x: number[]) => number[], x: number[]): number[][] {
  const n = x.length;
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    const h = 1e-5 * Math.max(1e-3, Math.abs(x[j]!));
    const up = grad(x.map((v, k) => (k === j ? v + h : v)));
    const down = grad(x.map((v, k) => (k === j ? v - h : v)));
    for (let i = 0; i < n; i++) H[i]![j] = (up[i]! - down[i]!) / (2 * h);
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const m = (H[i]![j]! + H[j]![i]!) / 2;
      H[i]![j] = H[j]![i] = m;
    }
  return H;
}

/** The inverse of a small symmetric positive-definite matrix (Gauss–Jordan with partial pivoting); null if singular. */
export function invert(A: number[][]): number[][] | null {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    if (!(Math.abs(M[p]![c]!) > 0)) return null;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    for (let k = 0; k < 2 * n; k++) M[c]![k]! /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const m = M[r]![c]!;
      if (m !== 0) for (let k = 0; k < 2 * n; k++) M[r]![k]! -= m * M[c]![k]!;
    }
  }
  return M.map((row) => row.slice(n));
}

/**
 * Standard errors of maximum-likelihood estimates: the square roots of the diagonal of the inverse of the Hessian of
 * the negative log-likelihood (the observed information) at the estimate. NaN where the matrix is not invertible or
 * a variance comes out negative.
 */
export function standardErrors(hessianOfNegLogLik: number[][]): number[] {
  const inv = invert(hessianOfNegLogLik);
  return hessianOfNegLogLik.map((_, i) => {
    const v = inv?.[i]?.[i];
    return v !== undefined && v > 0 ? Math.sqrt(v) : NaN;
  });
}

/**
 * L2-regularised logistic regression on sparse rows, solved by dual coordinate descent (Yu, Huang & Lin 2011, the
 * solver of LIBLINEAR's `-s 7`): a few passes over the rows reach the optimum. Deterministic: rows are visited in an
 * order drawn from a seeded generator. Shared by the sentiment model and the TF-IDF baseline so both are fitted the
 * same exact way.
 */

/** Rows in compressed sparse row form; `values` null means every stored entry is 1. */
export interface SparseRows {
  /** Row r's entries are indices[indptr[r] … indptr[r + 1]). */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array | null;
  /** 1 positive, 0 negative. */
  labels: Uint8Array;
  /** Number of columns. */
  dim: number;
}

/** Appends rows one at a time and hands back a {@link SparseRows}. */
export class SparseRowsBuilder {
  private indptr: number[] = [0];
  private indices = new Int32Array(1 << 16);
  private values: Float32Array | null;
  private labels: number[] = [];
  private nnz = 0;

  constructor(
    private readonly dim: number,
    withValues: boolean,
  ) {
    this.values = withValues ? new Float32Array(1 << 16) : null;
  }

  /** Adds one row: its column indices, their values (when the builder has values) and its label. */
  push(indices: ArrayLike<number>, label: 0 | 1, values?: ArrayLike<number>): void {
    const need = this.nnz + indices.length;
    if (need > this.indices.length) this.grow(Math.max(need, this.indices.length * 2));
    for (let k = 0; k < indices.length; k++) {
      this.indices[this.nnz + k] = indices[k]!;
      if (this.values) this.values[this.nnz + k] = values![k]!;
    }
    this.nnz = need;
    this.indptr.push(need);
    this.labels.push(label);
  }

  build(): SparseRows {
    return {
      indptr: Int32Array.from(this.indptr),
      indices: this.indices.slice(0, this.nnz),
      values: this.values ? this.values.slice(0, this.nnz) : null,
      labels: Uint8Array.from(this.labels),
      dim: this.dim,
    };
  }

  private grow(size: number): void {
    const indices = new Int32Array(size);
    indices.set(this.indices);
    this.indices = indices;
    if (this.values) {
      const values = new Float32Array(size);
      values.set(this.values);
      this.values = values;
    }
  }
}

/** How hard to fit. */
export interface LogisticOptions {
  /** L2 strength λ in  Σ ωᵣ·loss(r) / Σ ωᵣ + λ/2 ‖w‖²  (a bias, if wanted, is a column of ones: penalised too). */
  lambda: number;
  /** Weight ωᵣ of each row's loss (default 1 each). */
  rowWeights?: Float64Array | undefined;
  /** Passes over the rows at most (default 200). */
  maxIterations?: number | undefined;
  /** Stop when the largest projected dual gradient of a pass is below this (default 0.01). */
  tolerance?: number | undefined;
  /** Seed of the row order (default 1). */
  seed?: number | undefined;
}

/** A fitted linear model: P(positive | x) = σ(w·x). */
export interface LogisticFit {
  weights: Float64Array;
  /** Passes over the rows the solver made. */
  iterations: number;
  /** The primal objective at the solution. */
  objective: number;
}

/** The logistic function, stable for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** mulberry32: a small seeded generator for the row order. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** w·x for row r. */
function rowDot(data: SparseRows, w: Float64Array, r: number): number {
  const { indptr, indices, values } = data;
  let z = 0;
  if (values) for (let k = indptr[r]!; k < indptr[r + 1]!; k++) z += w[indices[k]!]! * values[k]!;
  else for (let k = indptr[r]!; k < indptr[r + 1]!; k++) z += w[indices[k]!]!;
  return z;
}

/** w += step · x_r. */
function addRow(data: SparseRows, w: Float64Array, r: number, step: number): void {
  const { indptr, indices, values } = data;
  if (values) for (let k = indptr[r]!; k < indptr[r + 1]!; k++) w[indices[k]!]! += step * values[k]!;
  else for (let k = indptr[r]!; k < indptr[r + 1]!; k++) w[indices[k]!]! += step;
}

/** The primal objective  Σ ωᵣ·log(1 + e^(−yᵣ w·xᵣ)) / Σ ωᵣ + λ/2 ‖w‖². */
function primalObjective(data: SparseRows, w: Float64Array, lambda: number, weightOf: (r: number) => number, weightSum: number): number {
  let loss = 0;
  for (let r = 0; r < data.labels.length; r++) loss += weightOf(r) * softplus(-(data.labels[r] === 1 ? 1 : -1) * rowDot(data, w, r));
  let norm = 0;
  for (const x of w) norm += x * x;
  return loss / weightSum + (lambda / 2) * norm;
}

/**
 * Minimises  Σ ωᵣ·log(1 + e^(−yᵣ w·xᵣ)) / Σ ωᵣ + λ/2 ‖w‖²  through its dual (upper bound Cᵣ = ωᵣ / (λ Σ ω)), one
 * row's dual variable at a time by a safeguarded Newton step, as LIBLINEAR does.
 */
export function trainLogistic(data: SparseRows, options: LogisticOptions): LogisticFit {
  const { lambda } = options;
  if (!(lambda > 0)) throw new Error(`lambda must be > 0, got ${lambda}`);
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 0.01;
  const n = data.labels.length;
  const weightOf = (r: number) => (options.rowWeights ? options.rowWeights[r]! : 1);
  let weightSum = 0;
  for (let r = 0; r < n; r++) weightSum += weightOf(r);
  const upper = Float64Array.from({ length: n }, (_, r) => weightOf(r) / (lambda * weightSum));
  const squaredNorm = Float64Array.from({ length: n }, (_, r) => {
    const { indptr, values } = data;
    let q = 0;
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) q += values ? values[k]! * values[k]! : 1;
    return q;
  });
  // alpha[2r] is row r's dual variable, alpha[2r + 1] = C_r − alpha[2r].
  const alpha = new Float64Array(2 * n);
  const w = new Float64Array(data.dim);
  for (let r = 0; r < n; r++) {
    alpha[2 * r] = Math.min(0.001 * upper[r]!, 1e-8);
    alpha[2 * r + 1] = upper[r]! - alpha[2 * r]!;
    addRow(data, w, r, (data.labels[r] === 1 ? 1 : -1) * alpha[2 * r]!);
  }
  const order = Int32Array.from({ length: n }, (_, r) => r);
  const random = generator(options.seed ?? 1);
  let innerTolerance = 1e-2;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let newtonSteps = 0;
    let largestGradient = 0;
    for (const r of order) {
      const y = data.labels[r] === 1 ? 1 : -1;
      const c = upper[r]!;
      const a = squaredNorm[r]!;
      const b = y * rowDot(data, w, r);
      // Minimise over z = alpha[first]: z log z + (C − z) log(C − z) + a/2 (z − old)² + sign·b (z − old).
      let first = 2 * r;
      let second = 2 * r + 1;
      let sign = 1;
      if (0.5 * a * (alpha[second]! - alpha[first]!) + b < 0) [first, second, sign] = [second, first, -1];
      const old = alpha[first]!;
      let z = c - old < 0.5 * c ? 0.1 * old : old;
      let gradient = a * (z - old) + sign * b + Math.log(z / (c - z));
      largestGradient = Math.max(largestGradient, Math.abs(gradient));
      let inner = 0;
      while (inner <= 100 && Math.abs(gradient) >= innerTolerance) {
        const next = z - gradient / (a + c / (c - z) / z);
        z = next <= 0 ? z * 0.1 : next;
        gradient = a * (z - old) + sign * b + Math.log(z / (c - z));
        inner++;
      }
      newtonSteps += inner;
      if (inner === 0) continue;
      alpha[first] = z;
      alpha[second] = c - z;
      addRow(data, w, r, sign * (z - old) * y);
    }
    if (largestGradient < tolerance) break;
    if (newtonSteps <= n / 10) innerTolerance = Math.max(Math.min(1e-8, tolerance), 0.1 * innerTolerance);
  }
  return { weights: w, iterations, objective: primalObjective(data, w, lambda, weightOf, weightSum) };
}

/**
 * k-means, pure and deterministic. Points are rows of one row-major Float64Array (n × d): the
 * inner loops touch typed arrays only, never one object per point. Every random choice comes from
 * one seeded generator, and every sum runs in index order, so the same data in the same row order
 * with the same seed gives bit-identical centroids and assignments on every run and machine.
 */

/**
 * A seeded generator of doubles in [0, 1): a Weyl sequence through the murmur3 finaliser
 * (splitmix32). 32-bit integer arithmetic throughout, so it is exact in JavaScript.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** Points as one row-major matrix: `values[i * d + j]` is feature j of point i. */
export interface Matrix {
  values: Float64Array;
  n: number;
  d: number;
}

export interface KMeansOptions {
  k: number;
  seed: number;
  /** Independent k-means++ starts; the one with the least inertia is kept (ties: the earlier). */
  restarts?: number;
  /** Lloyd iterations per start; a start also stops as soon as no point changes cluster. */
  maxIterations?: number;
}

export interface KMeansResult {
  k: number;
  /** k × d, row-major; cluster c's centroid is `centroids.subarray(c * d, (c + 1) * d)`. */
  centroids: Float64Array;
  /** Cluster of each point, 0 … k − 1, numbered by size (largest first). */
  labels: Int32Array;
  sizes: Int32Array;
  /** Sum of squared distances from each point to its centroid. */
  inertia: number;
  /** Lloyd iterations of the kept start; `converged` false when it hit maxIterations. */
  iterations: number;
  converged: boolean;
}

export const KMEANS_DEFAULTS = { restarts: 4, maxIterations: 100 } as const;

/** Squared Euclidean distance between row i of `a` and row j of `b` (both with d columns). */
function dist2(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  const ai = i * d;
  const bj = j * d;
  for (let f = 0; f < d; f++) {
    const t = a[ai + f]! - b[bj + f]!;
    s += t * t;
  }
  return s;
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii): the first centre is a uniformly random point, each
 * next one a point drawn with probability proportional to its squared distance to the nearest
 * centre chosen so far. When every point sits on a centre already (fewer distinct points than k),
 * the next centre is a uniformly random point.
 */
export function seedCentroids(m: Matrix, k: number, random: () => number): Float64Array {
  const { values, n, d } = m;
  const centroids = new Float64Array(k * d);
  const nearest = new Float64Array(n);
  const first = Math.min(n - 1, Math.floor(random() * n));
  centroids.set(values.subarray(first * d, first * d + d), 0);
  let total = 0;
  for (let i = 0; i < n; i++) {
    nearest[i] = dist2(values, i, centroids, 0, d);
    total += nearest[i]!;
  }
  for (let c = 1; c < k; c++) {
    let pick = -1;
    if (total > 0) {
      const target = random() * total;
      let acc = 0;
      for (let i = 0; i < n && pick < 0; i++) {
        acc += nearest[i]!;
        if (acc > target) pick = i;
      }
      // Rounding can leave the running sum just short of the target: take the last point off-centre.
      for (let i = n - 1; pick < 0; i--) if (nearest[i]! > 0) pick = i;
    } else {
      pick = Math.min(n - 1, Math.floor(random() * n));
    }
    centroids.set(values.subarray(pick * d, pick * d + d), c * d);
    total = 0;
    for (let i = 0; i < n; i++) {
      const dd = dist2(values, i, centroids, c, d);
      if (dd < nearest[i]!) nearest[i] = dd;
      total += nearest[i]!;
    }
  }
  return centroids;
}

/** Per cluster, its points' count and the sums of their coordinates. */
function countLabels(m: Matrix, labels: Int32Array, sums: Float64Array, counts: Int32Array): void {
  const { values, n, d } = m;
  sums.fill(0);
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    counts[c]!++;
    const row = i * d;
    const at = c * d;
    for (let f = 0; f < d; f++) sums[at + f]! += values[row + f]!;
  }
}

/**
 * Each centroid to the mean of its points; a cluster left empty takes the point farthest from its own
 * centroid (`distances`: squared, of the last assignment; asked for only when a cluster is empty).
 */
function moveCentroids(m: Matrix, centroids: Float64Array, sums: Float64Array, counts: Int32Array, distances: () => Float64Array): void {
  const { values, n, d } = m;
  const k = counts.length;
  let distance: Float64Array | undefined;
  for (let c = 0; c < k; c++) {
    const at = c * d;
    if (counts[c]! > 0) {
      for (let f = 0; f < d; f++) centroids[at + f] = sums[at + f]! / counts[c]!;
      continue;
    }
    distance ??= distances();
    let far = 0;
    for (let i = 1; i < n; i++) if (distance[i]! > distance[far]!) far = i;
    centroids.set(values.subarray(far * d, far * d + d), at);
    distance[far] = 0;
  }
}

/**
 * Lloyd's algorithm from the given centroids (changed in place): assign each point to its nearest
 * centroid (ties: the lower cluster number), move each centroid to the mean of its points, until no
 * point changes cluster or maxIterations updates were made. A cluster left empty takes the point
 * farthest from its own centroid, so k clusters always come back.
 */
export function lloyd(m: Matrix, centroids: Float64Array, k: number, maxIterations: number) {
  const { values, n, d } = m;
  const labels = new Int32Array(n).fill(-1);
  const distance = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  let iterations = 0;
  let inertia = 0;
  let converged = false;
  for (;;) {
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = dist2(values, i, centroids, 0, d);
      for (let c = 1; c < k; c++) {
        const dd = dist2(values, i, centroids, c, d);
        if (dd < bestD) {
          bestD = dd;
          best = c;
        }
      }
      if (labels[i] !== best) {
        labels[i] = best;
        changed++;
      }
      distance[i] = bestD;
      inertia += bestD;
    }
    if (changed === 0) {
      converged = true;
      break;
    }
    if (iterations === maxIterations) break;
    iterations++;
    countLabels(m, labels, sums, counts);
    moveCentroids(m, centroids, sums, counts, () => distance);
  }
  return { labels, inertia, iterations, converged };
}

/**
 * The same iterations as `lloyd` — the same labels and bit-identical centroids at every step — with
 * Hamerly's bounds (2010) to skip most distance computations: per point an upper bound on the distance
 * to its own centroid and a lower bound on the distance to any other, per centroid half the distance
 * to its nearest other centroid. A point is skipped only when the bounds prove its own centroid
 * strictly nearest, which is exactly when Lloyd (ties to the lower cluster number) keeps it there;
 * otherwise its distances are computed as Lloyd computes them.
 */
export function hamerly(m: Matrix, centroids: Float64Array, k: number, maxIterations: number) {
  const { values, n, d } = m;
  const labels = new Int32Array(n);
  const upper = new Float64Array(n);
  const lower = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  const moved = new Float64Array(k);
  const half = new Float64Array(k);
  const previous = new Float64Array(k * d);
  let distance: Float64Array | undefined;

  /** Full assignment of point i (Lloyd's rule); answers whether its label changed. */
  const assign = (i: number, first: boolean): boolean => {
    let best = 0;
    let bestD = dist2(values, i, centroids, 0, d);
    let second = Infinity;
    for (let c = 1; c < k; c++) {
      const dd = dist2(values, i, centroids, c, d);
      if (dd < bestD) {
        second = bestD;
        bestD = dd;
        best = c;
      } else if (dd < second) second = dd;
    }
    upper[i] = Math.sqrt(bestD);
    lower[i] = Math.sqrt(second);
    const changed = first || labels[i] !== best;
    labels[i] = best;
    return changed;
  };

  let changed = 0;
  for (let i = 0; i < n; i++) if (assign(i, true)) changed++;
  let iterations = 0;
  let converged = false;
  for (;;) {
    if (changed === 0) {
      converged = true;
      break;
    }
    if (iterations === maxIterations) break;
    iterations++;
    countLabels(m, labels, sums, counts);
    previous.set(centroids);
    // Lloyd's repair of an emptied cluster needs each point's exact distance to its centroid of the last assignment.
    moveCentroids(m, centroids, sums, counts, () => {
      distance ??= new Float64Array(n);
      for (let i = 0; i < n; i++) distance[i] = dist2(values, i, previous, labels[i]!, d);
      return distance;
    });
    let most = -1;
    for (let c = 0; c < k; c++) {
      moved[c] = Math.sqrt(dist2(centroids, c, previous, c, d));
      if (most < 0 || moved[c]! > moved[most]!) most = c;
    }
    let secondMost = 0;
    for (let c = 0; c < k; c++) if (c !== most && moved[c]! > secondMost) secondMost = moved[c]!;
    for (let c = 0; c < k; c++) {
      let nearest = Infinity;
      for (let o = 0; o < k; o++) if (o !== c) nearest = Math.min(nearest, dist2(centroids, c, centroids, o, d));
      half[c] = Math.sqrt(nearest) / 2;
    }
    changed = 0;
    for (let i = 0; i < n; i++) {
      const a = labels[i]!;
      upper[i]! += moved[a]!;
      lower[i]! -= a === most ? secondMost : moved[most]!;
      const bound = Math.max(half[a]!, lower[i]!);
      if (upper[i]! < bound) continue;
      upper[i] = Math.sqrt(dist2(values, i, centroids, a, d));
      if (upper[i]! < bound) continue;
      if (assign(i, false)) changed++;
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += dist2(values, i, centroids, labels[i]!, d);
  return { labels, inertia, iterations, converged };
}

/**
 * Renumbers clusters by size, largest first; equal sizes by their first point's row. The numbering
 * then depends on the partition only, not on which start found it.
 */
function canonical(m: Matrix, k: number, centroids: Float64Array, labels: Int32Array) {
  const sizes = new Int32Array(k);
  const firstRow = new Int32Array(k).fill(m.n);
  for (let i = 0; i < m.n; i++) {
    const c = labels[i]!;
    sizes[c]!++;
    if (firstRow[c] === m.n) firstRow[c] = i;
  }
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => sizes[b]! - sizes[a]! || firstRow[a]! - firstRow[b]!);
  const renumber = new Int32Array(k);
  order.forEach((old, c) => (renumber[old] = c));
  const outCentroids = new Float64Array(k * m.d);
  const outSizes = new Int32Array(k);
  order.forEach((old, c) => {
    outCentroids.set(centroids.subarray(old * m.d, old * m.d + m.d), c * m.d);
    outSizes[c] = sizes[old]!;
  });
  const outLabels = new Int32Array(m.n);
  for (let i = 0; i < m.n; i++) outLabels[i] = renumber[labels[i]!]!;
  return { centroids: outCentroids, labels: outLabels, sizes: outSizes };
}

/** k-means with k-means++ starts; `restarts` starts drawn one after another from one seeded generator. */
export function kmeans(m: Matrix, opts: KMeansOptions): KMeansResult {
  const { k, seed } = opts;
  const restarts = opts.restarts ?? KMEANS_DEFAULTS.restarts;
  const maxIterations = opts.maxIterations ?? KMEANS_DEFAULTS.maxIterations;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (m.n < k) throw new RangeError(`k-means needs at least k = ${k} points, got ${m.n}`);
  if (m.values.length !== m.n * m.d) throw new RangeError(`matrix has ${m.values.length} values, expected n × d = ${m.n * m.d}`);
  const random = seededRandom(seed);
  let best: { centroids: Float64Array; labels: Int32Array; inertia: number; iterations: number; converged: boolean } | undefined;
  for (let r = 0; r < Math.max(1, restarts); r++) {
    const centroids = seedCentroids(m, k, random);
    const run = hamerly(m, centroids, k, maxIterations);
    if (!best || run.inertia < best.inertia) best = { centroids, ...run };
  }
  const out = canonical(m, k, best!.centroids, best!.labels);
  return { k, ...out, inertia: best!.inertia, iterations: best!.iterations, converged: best!.converged };
}

/**
 * `size` distinct rows drawn without replacement (a partial Fisher–Yates shuffle with the seeded
 * generator), returned in ascending order; every row when size ≥ n.
 */
export function sampleRows(n: number, size: number, seed: number): Int32Array {
  if (size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const index = Int32Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = 0; i < size; i++) {
    const j = i + Math.min(n - i - 1, Math.floor(random() * (n - i)));
    const t = index[i]!;
    index[i] = index[j]!;
    index[j] = t;
  }
  return index.subarray(0, size).sort();
}

/** The chosen rows of a matrix as a matrix of their own. */
export function takeRows(m: Matrix, rows: Int32Array): Matrix {
  const values = new Float64Array(rows.length * m.d);
  for (let r = 0; r < rows.length; r++) values.set(m.values.subarray(rows[r]! * m.d, rows[r]! * m.d + m.d), r * m.d);
  return { values, n: rows.length, d: m.d };
}

export interface Silhouette {
  /** Mean silhouette s(i) over the points scored; NaN when fewer than two clusters have points among them. */
  score: number;
  /** Mean s(i) of each cluster's scored points (NaN for a cluster with none). */
  perCluster: Float64Array;
  /** Points scored: all of them, or the seeded sample. */
  scored: number;
  exact: boolean;
}

/** Above this many points the silhouette is computed on a seeded sample of this many (O(n²·d) work). */
export const SILHOUETTE_EXACT_LIMIT = 5_000;

/**
 * Silhouette (Rousseeuw 1987) with Euclidean distance: for point i, a = mean distance to the other
 * points of its cluster, b = least mean distance to the points of another cluster,
 * s(i) = (b − a) / max(a, b); s(i) = 0 for a point alone in its cluster (as scikit-learn does).
 * Exact for n ≤ `limit`; above it, computed among a seeded sample of `limit` points only (a and b
 * are means over the sampled points, as scikit-learn's `sample_size` does).
 */
export function silhouette(m: Matrix, labels: Int32Array, k: number, opts: { limit?: number; seed?: number } = {}): Silhouette {
  return new SilhouetteSample(m, opts).score(labels, k);
}

/** Up to this many sampled points keep their pair distances in memory (n(n − 1)/2 doubles: 100 MB at 5,000). */
const CACHED_PAIRS_LIMIT = 5_000;

/**
 * The silhouette's points (all, or the seeded sample), ready to score several labelings of the same
 * data — choosing k scores one per k. Up to 5,000 points the pair distances are computed once and
 * kept; the scores are bit-identical either way (same distances, same order of summation).
 */
export class SilhouetteSample {
  private readonly sub: Matrix;
  private readonly rows: Int32Array | null;
  private readonly exact: boolean;
  private pairs: Float64Array | undefined;

  constructor(m: Matrix, opts: { limit?: number; seed?: number } = {}) {
    const limit = opts.limit ?? SILHOUETTE_EXACT_LIMIT;
    this.exact = m.n <= limit;
    this.rows = this.exact ? null : sampleRows(m.n, limit, opts.seed ?? 0);
    this.sub = this.rows ? takeRows(m, this.rows) : m;
  }

  private distances(): Float64Array | undefined {
    const { values, n, d } = this.sub;
    if (n > CACHED_PAIRS_LIMIT) return undefined;
    if (!this.pairs) {
      this.pairs = new Float64Array((n * (n - 1)) / 2);
      let p = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) this.pairs[p++] = Math.sqrt(dist2(values, i, values, j, d));
    }
    return this.pairs;
  }

  /** The silhouette of `labels` (one per point of the full matrix). */
  score(labels: Int32Array, k: number): Silhouette {
    const { rows, exact } = this;
    const lab = rows ? Int32Array.from(rows, (r) => labels[r]!) : labels;
    const { values, n, d } = this.sub;
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) counts[lab[i]!]!++;
    // sums[i * k + c]: total distance from point i to the points of cluster c; each pair computed once.
    const sums = new Float64Array(n * k);
    const pairs = this.distances();
    let p = 0;
    for (let i = 0; i < n; i++) {
      const ci = lab[i]!;
      for (let j = i + 1; j < n; j++) {
        const dd = pairs ? pairs[p++]! : Math.sqrt(dist2(values, i, values, j, d));
        sums[i * k + lab[j]!]! += dd;
        sums[j * k + ci]! += dd;
      }
    }
    const perSum = new Float64Array(k);
    let total = 0;
    const present = counts.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
    for (let i = 0; i < n; i++) {
      const own = lab[i]!;
      let s = 0;
      if (counts[own]! > 1 && present > 1) {
        const a = sums[i * k + own]! / (counts[own]! - 1);
        let b = Infinity;
        for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[i * k + c]! / counts[c]!);
        const max = Math.max(a, b);
        s = max > 0 ? (b - a) / max : 0;
      }
      perSum[own]! += s;
      total += s;
    }
    const perCluster = Float64Array.from({ length: k }, (_, c) => (counts[c]! > 0 ? perSum[c]! / counts[c]! : NaN));
    return { score: present > 1 ? total / n : NaN, perCluster, scored: n, exact };
  }
}

export interface Standardised {
  /** The z-scores, same shape as the input. */
  matrix: Matrix;
  means: Float64Array;
  /** Population standard deviations (divide by n); 0 for a constant feature, whose z-scores are all 0. */
  sds: Float64Array;
}

/** z-score standardisation per column: z = (x − mean) / sd. */
export function standardise(m: Matrix): Standardised {
  const { values, n, d } = m;
  const means = new Float64Array(d);
  const sds = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) means[f]! += values[i * d + f]!;
  for (let f = 0; f < d; f++) means[f] = n > 0 ? means[f]! / n : 0;
  for (let i = 0; i < n; i++)
    for (let f = 0; f < d; f++) {
      const t = values[i * d + f]! - means[f]!;
      sds[f]! += t * t;
    }
  for (let f = 0; f < d; f++) {
    const sd = n > 0 ? Math.sqrt(sds[f]! / n) : 0;
    // A spread below rounding noise of the mean is a constant feature.
    sds[f] = sd > 1e-12 * Math.max(1, Math.abs(means[f]!)) ? sd : 0;
  }
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < d; f++) z[i * d + f] = sds[f]! > 0 ? (values[i * d + f]! - means[f]!) / sds[f]! : 0;
  return { matrix: { values: z, n, d }, means, sds };
}

/** Each column multiplied by its weight (a new matrix). */
export function weightColumns(m: Matrix, weights: Float64Array): Matrix {
  const values = new Float64Array(m.values.length);
  for (let i = 0; i < m.n; i++) for (let f = 0; f < m.d; f++) values[i * m.d + f] = m.values[i * m.d + f]! * weights[f]!;
  return { values, n: m.n, d: m.d };
}

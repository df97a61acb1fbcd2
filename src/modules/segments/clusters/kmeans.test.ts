import { describe, expect, it } from 'vitest';
import { hamerly, kmeans, lloyd, sampleRows, seedCentroids, seededRandom, silhouette, standardise, type Matrix } from './kmeans.js';

const matrix = (rows: number[][]): Matrix => ({ values: Float64Array.from(rows.flat()), n: rows.length, d: rows[0]!.length });

/** Three groups far apart: a square at the origin, a square at (10, 10), a triangle at (0, 10). */
const GROUPS = matrix([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
  [10, 10],
  [10, 11],
  [11, 10],
  [11, 11],
  [0, 10],
  [1, 10],
  [0, 11],
]);

/** Well-separated Gaussian blobs of different sizes, drawn with the seeded generator (Box–Muller). */
function blobs(seed: number): Matrix {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = [
    [0, 0, 0, 120],
    [8, 8, 0, 90],
    [0, 8, 8, 60],
  ];
  const rows: number[][] = [];
  for (const [x, y, z, count] of centres) for (let i = 0; i < count!; i++) rows.push([x! + normal(), y! + normal(), z! + normal()]);
  return matrix(rows);
}

describe('kmeans', () => {
  it('finds the obvious groups, numbered by size then first row, with their means and inertia', () => {
    for (const seed of [1, 2, 3, 42, 2026]) {
      const r = kmeans(GROUPS, { k: 3, seed });
      expect(Array.from(r.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
      expect(Array.from(r.sizes)).toEqual([4, 4, 3]);
      expect(Array.from(r.centroids)).toEqual([0.5, 0.5, 10.5, 10.5, 1 / 3, 31 / 3]);
      expect(r.inertia).toBeCloseTo(16 / 3, 12);
      expect(r.converged).toBe(true);
    }
  });

  it('gives bit-identical centroids and labels for the same seed and data', () => {
    const data = blobs(7);
    const a = kmeans(data, { k: 3, seed: 99, restarts: 3 });
    const b = kmeans(blobs(7), { k: 3, seed: 99, restarts: 3 });
    expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids));
    expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    expect(b.inertia).toBe(a.inertia);
  });

  it('finds the same partition of well-separated data from any seed', () => {
    const data = blobs(11);
    const expected = [...Array(120).fill(0), ...Array(90).fill(1), ...Array(60).fill(2)];
    for (const seed of [1, 5, 123456, 2 ** 31 - 1]) {
      const r = kmeans(data, { k: 3, seed, restarts: 2 });
      expect(Array.from(r.labels)).toEqual(expected);
      expect(Array.from(r.sizes)).toEqual([120, 90, 60]);
    }
  });

  it('keeps the start with the least inertia', () => {
    const data = blobs(3);
    const one = kmeans(data, { k: 5, seed: 8, restarts: 1 });
    const many = kmeans(data, { k: 5, seed: 8, restarts: 6 });
    expect(many.inertia).toBeLessThanOrEqual(one.inertia);
  });

  it("Hamerly's bounds change nothing: the same labels, centroids, inertia and iterations as plain Lloyd", () => {
    // Overlapping data (many iterations, many near ties) in 5 dimensions.
    const random = seededRandom(21);
    const rows = Array.from({ length: 3000 }, (_, i) => Array.from({ length: 5 }, (_, f) => random() + random() + (f < 2 ? (i % 4) * 0.4 : 0)));
    const data = matrix(rows);
    for (const k of [2, 3, 5, 8]) {
      const start = seedCentroids(data, k, seededRandom(k));
      const a = Float64Array.from(start);
      const b = Float64Array.from(start);
      const plain = lloyd(data, a, k, 100);
      const fast = hamerly(data, b, k, 100);
      expect(Array.from(fast.labels)).toEqual(Array.from(plain.labels));
      expect(Array.from(b)).toEqual(Array.from(a));
      expect([fast.inertia, fast.iterations, fast.converged]).toEqual([plain.inertia, plain.iterations, plain.converged]);
    }
  });

  it('returns k clusters even with fewer distinct points, and refuses k above n', () => {
    const same = matrix([
      [1, 1],
      [1, 1],
      [1, 1],
      [2, 2],
    ]);
    const r = kmeans(same, { k: 3, seed: 1 });
    expect(r.sizes.reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.labels.every((c) => c >= 0 && c < 3)).toBe(true);
    expect(() => kmeans(same, { k: 5, seed: 1 })).toThrow(/at least k = 5 points, got 4/);
  });
});

describe('silhouette', () => {
  // 1-D points 0, 1 | 5, 7, 8. By hand: s = 17/20, 14/17 for the first cluster; 4/9, 10/13, 11/15 for the second.
  const points = matrix([[0], [1], [5], [7], [8]]);
  const labels = Int32Array.from([0, 0, 1, 1, 1]);

  it('matches the hand-computed value exactly', () => {
    const s = silhouette(points, labels, 2);
    const first = [17 / 20, 14 / 17];
    const second = [4 / 9, 10 / 13, 11 / 15];
    expect(Math.abs(s.score - [...first, ...second].reduce((a, b) => a + b) / 5)).toBeLessThan(1e-12);
    expect(Math.abs(s.perCluster[0]! - (first[0]! + first[1]!) / 2)).toBeLessThan(1e-12);
    expect(Math.abs(s.perCluster[1]! - (second[0]! + second[1]! + second[2]!) / 3)).toBeLessThan(1e-12);
    expect(s).toMatchObject({ scored: 5, exact: true });
  });

  it('scores a point alone in its cluster 0 and a single cluster NaN', () => {
    const s = silhouette(matrix([[0], [1], [10]]), Int32Array.from([0, 0, 1]), 2);
    // s(0) = (10 − 1) / 10, s(1) = (9 − 1) / 9, s(2) = 0
    expect(Math.abs(s.score - (9 / 10 + 8 / 9 + 0) / 3)).toBeLessThan(1e-12);
    expect(Number.isNaN(silhouette(points, new Int32Array(5), 2).score)).toBe(true);
  });

  it('above the limit scores a seeded sample: the same sample for the same seed', () => {
    const data = blobs(5);
    const r = kmeans(data, { k: 3, seed: 1 });
    const a = silhouette(data, r.labels, 3, { limit: 100, seed: 4 });
    const b = silhouette(data, r.labels, 3, { limit: 100, seed: 4 });
    const full = silhouette(data, r.labels, 3);
    expect(a).toMatchObject({ scored: 100, exact: false });
    expect(b.score).toBe(a.score);
    expect(full.exact).toBe(true);
    expect(Math.abs(a.score - full.score)).toBeLessThan(0.05);
  });
});

describe('helpers', () => {
  it('samples distinct rows in ascending order, all rows when the sample is not smaller', () => {
    const s = Array.from(sampleRows(1000, 50, 3));
    expect(new Set(s).size).toBe(50);
    expect(s).toEqual([...s].sort((a, b) => a - b));
    expect(Array.from(sampleRows(1000, 50, 3))).toEqual(s);
    expect(Array.from(sampleRows(4, 10, 3))).toEqual([0, 1, 2, 3]);
  });

  it('standardises each column to mean 0, population sd 1; a constant column to 0', () => {
    const s = standardise(
      matrix([
        [1, 5],
        [3, 5],
        [5, 5],
        [7, 5],
      ]),
    );
    expect(Array.from(s.means)).toEqual([4, 5]);
    expect(Array.from(s.sds)).toEqual([Math.sqrt(5), 0]);
    const r5 = Math.sqrt(5);
    expect(Array.from(s.matrix.values)).toEqual([-3 / r5, 0, -1 / r5, 0, 1 / r5, 0, 3 / r5, 0]);
  });

  it('draws the same numbers in [0, 1) for the same seed', () => {
    const a = seededRandom(12);
    const b = seededRandom(12);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 5 }, seededRandom(13))).not.toEqual(xs.slice(0, 5));
  });
});

import { describe, expect, it } from 'vitest';
import { solveSpd } from './solve-spd.js';

describe('solveSpd', () => {
  it('solves a hand-checked 3 × 3 system exactly (A = [[4,2,2],[2,5,3],[2,3,6]], x = [1,−2,3])', () => {
    const a = [[4, 2, 2], [2, 5, 3], [2, 3, 6]];
    const x = solveSpd(a, [4 - 4 + 6, 2 - 10 + 9, 2 - 6 + 18]);
    expect(x.map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, -2, 3]);
  });

  it('reads only the lower triangle', () => {
    expect(solveSpd([[2, 999], [1, 2]], [3, 3]).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([1, 1]);
  });

  it('refuses a matrix that is not positive definite, naming the caller, unless told to clamp', () => {
    expect(() => solveSpd([[1, 0], [0, 0]], [1, 0], { what: 'fitLogistic' })).toThrow('fitLogistic: the matrix is not positive definite');
    expect(solveSpd([[1, 0], [0, 0]], [1, 0], { clamp: true })).toEqual([1, 0]);
  });
});

import { describe, expect, it } from 'vitest';
import { invert, minimize, nelderMead, numericalHessian, standardErrors } from './optimize.js';

describe('optimiser', () => {
  it('BFGS finds the minimum (1, 1) of the Rosenbrock function from (−1.2, 1)', () => {
    const rosen = (t: number[]) => {
      const [x, y] = t as [number, number];
      return { f: 100 * (y - x * x) ** 2 + (1 - x) ** 2, g: [-400 * x * (y - x * x) - 2 * (1 - x), 200 * (y - x * x)] };
    };
    const r = minimize(rosen, [-1.2, 1]);
    expect(r.converged).toBe(true);
    expect(r.method).toBe('bfgs');
    expect(r.theta[0]).toBeCloseTo(1, 6);
    expect(r.theta[1]).toBeCloseTo(1, 6);
  });

  it('falls back to Nelder–Mead when the gradient is not finite at the start, and still finds the minimum', () => {
    const r = minimize((t) => ({ f: (t[0]! - 3) ** 2 + (t[1]! + 1) ** 2, g: [NaN, NaN] }), [0, 0]);
    expect(r.method).toBe('nelder-mead');
    expect(r.theta[0]).toBeCloseTo(3, 4);
    expect(r.theta[1]).toBeCloseTo(-1, 4);
    const nm = nelderMead((t) => Math.abs(t[0]! - 2) + (t[1]! - 5) ** 2, [0, 0]);
    expect(nm.theta[0]).toBeCloseTo(2, 4);
  });

  it('the Hessian of a quadratic from its gradient, its inverse and the standard errors', () => {
    // f = ½ xᵀAx with A = [[4, 1], [1, 3]]: Hessian A, inverse [[3, −1], [−1, 4]]/11
    const A = [
      [4, 1],
      [1, 3],
    ];
    const H = numericalHessian((x) => [4 * x[0]! + x[1]!, x[0]! + 3 * x[1]!], [0.7, -2]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(H[i]![j]).toBeCloseTo(A[i]![j]!, 8);
    const inv = invert(A)!;
    expect(inv[0]![0]).toBeCloseTo(3 / 11, 14);
    expect(inv[0]![1]).toBeCloseTo(-1 / 11, 14);
    const se = standardErrors(A);
    expect(se[0]).toBeCloseTo(Math.sqrt(3 / 11), 14);
    expect(se[1]).toBeCloseTo(Math.sqrt(4 / 11), 14);
    expect(invert([[1, 2], [2, 4]])).toBeNull();
  });
});

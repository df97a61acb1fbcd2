import { describe, expect, it } from 'vitest';
import { contributions, derivatives, fitLogistic, predict, standardise } from './logistic.js';

/** Eight customers, one binary feature: 1 of the 4 with x = 0 churned, 3 of the 4 with x = 1. */
const X = [[0], [0], [0], [0], [1], [1], [1], [1]];
const Y = [1, 0, 0, 0, 1, 1, 1, 0];

describe('logistic regression (Newton / IRLS)', () => {
  it('without a penalty gives the closed-form MLE of a 2×2 table: logit of each group rate', () => {
    const m = fitLogistic(X, Y, { lambda: 0 });
    expect(m.means).toEqual([0.5]);
    expect(m.sds).toEqual([0.5]);
    // On the raw scale: intercept = logit(1/4) = ln(1/3), slope = logit(3/4) − logit(1/4) = 2 ln 3.
    const slope = m.coefficients[0]! / m.sds[0]!;
    const intercept = m.intercept - slope * m.means[0]!;
    expect(intercept).toBeCloseTo(Math.log(1 / 3), 12);
    expect(slope).toBeCloseTo(2 * Math.log(3), 12);
    expect(m.gradientNorm).toBeLessThan(1e-9);
    expect(predict(m, [0])).toBeCloseTo(0.25, 12);
    expect(predict(m, [1])).toBeCloseTo(0.75, 12);
  });

  it('with λ = 1 solves 8(3/4 − σ(β)) = β (the symmetric design makes the intercept 0)', () => {
    const m = fitLogistic(X, Y, { lambda: 1 });
    // Root of 8(0.75 − σ(β)) − β by 200 bisection steps on [0, 5] in Python (float64): 0.6836238387577511.
    expect(m.coefficients[0]).toBeCloseTo(0.6836238387577511, 12);
    expect(m.intercept).toBeCloseTo(0, 12);
    expect(m.gradientNorm).toBeLessThan(1e-9);
    expect(m.iterations).toBeLessThan(10);
  });

  it('stops at a zero gradient of the penalised likelihood on a correlated, noisy data set, and is deterministic', () => {
    // A fixed pseudo-random design (LCG) with three correlated features and a constant one.
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = rnd() * 10;
      const b = a * 0.5 + rnd() * 3;
      const c = rnd() < 0.3 ? 1 : 0;
      rows.push([a, b, c, 7]);
      y.push(rnd() < 1 / (1 + Math.exp(-(-2 + 0.3 * a - 0.2 * b + 1.5 * c))) ? 1 : 0);
    }
    const m = fitLogistic(rows, y, { lambda: 2 });
    const z = rows.map((r) => standardise(r, m.means, m.sds));
    const { gradient } = derivatives(z, y, [m.intercept, ...m.coefficients], 2);
    for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-9);
    expect(m.sds[3]).toBe(0);
    expect(m.coefficients[3]).toBe(0);
    expect(fitLogistic(rows, y, { lambda: 2 })).toEqual(m);
    // Contributions sum to the logit less the intercept.
    const c = contributions(m, rows[0]!);
    const p = predict(m, rows[0]!);
    expect(m.intercept + c.reduce((t, v) => t + v, 0)).toBeCloseTo(Math.log(p / (1 - p)), 12);
  });

  it('refuses labels that do not match the rows', () => {
    expect(() => fitLogistic([[1]], [1, 0])).toThrow('1 rows and 2 labels');
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { binomialUpperTail, logBinomialUpperTail, logPoissonUpperTail, poissonUpperTail } from './stats.js';

/** |P / reference − 1| from logs, so values far below the smallest double are compared too. */
const relErr = (logP: number, lnRef: number) => Math.abs(Math.expm1(logP - lnRef));

// ln P(X ≥ k | λ), computed with mpmath at 60 digits as the regularised lower incomplete gamma P(k, λ).
const POISSON: Array<[k: number, lambda: number, lnRef: number]> = [
  [1, 0.001, -6.9082552373154707326],
  [3, 0.5, -4.2413831354557687144],
  [5, 0.5, -8.6673440398360598692],
  [20, 0.5, -56.674489444928720807],
  [70, 10, -79.10665066506429846],
  [55, 10, -51.489370420736768504],
  [10, 10, -0.61235960785375468761],
  [11, 10, -0.87476438593077844275],
  [5, 10, -0.029689079446520873781],
  [30, 5, -31.200335082802820518],
  [30, 30.5, -0.57936929655918376601],
  [200, 150, -9.7707609832085637043],
  [1_000_000, 1_000_000, -0.69288125439969592555],
  [1_003_000, 1_000_000, -6.6017162761894839153],
  [1_010_000, 1_000_000, -53.060470849127421887],
  [999_000, 1_000_000, -0.17260996540313072307],
  [20, 1e-6, -318.64582857241991846],
  [1000, 1, -5913.1271789888282654],
];

// ln P(X ≥ k | n, p), mpmath at 60 digits: the regularised incomplete beta, or the exact sum for large n.
const BINOMIAL: Array<[k: number, n: number, p: number, lnRef: number]> = [
  [36, 80, 0.08, -41.850342221398641771],
  [4, 8, 0.08, -6.1177988622844617567],
  [5, 10, 0.5, -0.47313352225466321351],
  [1, 10, 0.5, -0.00097703964782661278597],
  [12, 20, 0.3, -5.2710599414890373743],
  [600, 1000, 0.5, -22.715259239806746274],
  [400, 1000, 0.5, -9.0084127066861157267e-11],
  [5200, 10_000, 0.5, -10.319985964502216721],
  [55_000, 100_000, 0.5, -505.11006571053370525],
  [3, 1_000_000, 1e-7, -8.7743289851534728234],
];

describe('poissonUpperTail', () => {
  it.each(POISSON)('P(X ≥ %d | λ = %d) matches the 60-digit reference to 1e-9', (k, lambda, lnRef) => {
    expect(relErr(logPoissonUpperTail(k, lambda), lnRef)).toBeLessThan(1e-9);
  });

  it('gives plain probabilities where they are representable (P(X ≥ 3 | 0.5) = 1 − e^−½ · 1.625)', () => {
    expect(poissonUpperTail(3, 0.5)).toBeCloseTo(0.014387677966970686644, 15);
    expect(poissonUpperTail(3, 0.5)).toBeCloseTo(1 - Math.exp(-0.5) * (1 + 0.5 + 0.125), 15);
    expect(poissonUpperTail(1, 1e-9) / -Math.expm1(-1e-9) - 1).toBeLessThan(1e-12);
    expect(poissonUpperTail(1000, 1)).toBe(0); // e^−5913 underflows; the log above does not
  });

  it('is 1 for k ≤ 0, 0 for λ = 0, and refuses a fractional k or a negative λ naming it', () => {
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(-2, 3)).toBe(1);
    expect(poissonUpperTail(1, 0)).toBe(0);
    expect(() => poissonUpperTail(2.5, 1)).toThrow('k: must be an integer (got 2.5)');
    expect(() => poissonUpperTail(2, -1)).toThrow('lambda: must be a finite number ≥ 0 (got -1)');
  });

  it('agrees with the direct sum 1 − Σ_{j<k} e^−λ λ^j / j! on small arguments (fast-check, seeded)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.01, max: 30, noNaN: true }), (k, lambda) => {
        let term = Math.exp(-lambda);
        let lower = 0;
        for (let j = 0; j < k; j++) {
          lower += term;
          term *= lambda / (j + 1);
        }
        const direct = 1 - lower;
        // The direct form loses digits to cancellation when the tail is small: compare where it still has them.
        if (direct > 1e-6) expect(Math.abs(poissonUpperTail(k, lambda) / direct - 1)).toBeLessThan(1e-9);
      }),
      { seed: 12, numRuns: 300 },
    );
  });
});

describe('binomialUpperTail', () => {
  it.each(BINOMIAL)('P(X ≥ %d | n = %d, p = %d) matches the 60-digit reference to 1e-9', (k, n, p, lnRef) => {
    expect(relErr(logBinomialUpperTail(k, n, p), lnRef)).toBeLessThan(1e-9);
  });

  it('gives exact small cases: P(X ≥ 1 | 10, ½) = 1 − 2⁻¹⁰, P(X ≥ 5 | 10, ½) = 638/1024', () => {
    expect(binomialUpperTail(1, 10, 0.5)).toBeCloseTo(1 - 2 ** -10, 14);
    expect(binomialUpperTail(5, 10, 0.5)).toBeCloseTo(638 / 1024, 14);
    expect(binomialUpperTail(10, 10, 0.5)).toBeCloseTo(2 ** -10, 14);
  });

  it('handles the edges (k ≤ 0, k > n, p = 0, p = 1) and refuses bad arguments naming them', () => {
    expect(binomialUpperTail(0, 5, 0.3)).toBe(1);
    expect(binomialUpperTail(6, 5, 0.3)).toBe(0);
    expect(binomialUpperTail(1, 5, 0)).toBe(0);
    expect(binomialUpperTail(5, 5, 1)).toBe(1);
    expect(() => binomialUpperTail(1, -1, 0.5)).toThrow('n: must be an integer ≥ 0 (got -1)');
    expect(() => binomialUpperTail(1, 5, 1.5)).toThrow('p: must be a probability in [0, 1] (got 1.5)');
  });
});

import { describe, expect, it } from 'vitest';
import { digamma, gaussLegendre, hyp2f1, lbeta, lgamma, logAddExp } from './special.js';

const close = (got: number, want: number, rel = 1e-13) => expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));

describe('special functions', () => {
  it('lgamma and lbeta agree with factorials and Γ(½) = √π', () => {
    close(lgamma(0.5), 0.5 * Math.log(Math.PI));
    close(lgamma(1), 0);
    close(lgamma(10), Math.log(362880));
    // ln 170! from the product, well into the Stirling range
    let lf = 0;
    for (let k = 2; k <= 170; k++) lf += Math.log(k);
    close(lgamma(171), lf, 1e-14);
    close(lgamma(-0.5), Math.log(2 * Math.sqrt(Math.PI))); // Γ(−½) = −2√π
    close(lbeta(2, 3), Math.log(1 / 12));
  });

  it('digamma: ψ(1) = −γ, ψ(½) = −γ − 2 ln 2, ψ(x+1) = ψ(x) + 1/x', () => {
    const euler = 0.5772156649015329;
    close(digamma(1), -euler);
    close(digamma(0.5), -euler - 2 * Math.log(2));
    for (const x of [0.3, 2.7, 14.9, 15.2, 80]) close(digamma(x + 1), digamma(x) + 1 / x, 1e-13);
  });

  it('logAddExp is ln(eᵃ + eᵇ) without overflow', () => {
    close(logAddExp(Math.log(2), Math.log(3)), Math.log(5));
    close(logAddExp(1000, 1000), 1000 + Math.log(2));
    expect(logAddExp(-Infinity, 3)).toBe(3);
  });

  it('2F1 matches closed forms on the series, Pfaff and 1 − z branches', () => {
    // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z; c − a − b = 0 is an integer, so z > 0.9 stays on the (long) series, whose
    // thousands of terms cost some digits.
    for (const z of [0.3, 0.5]) close(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-14);
    for (const z of [0.95, 0.999]) close(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-11);
    // ₂F₁(a, b; b; z) = (1 − z)^(−a): the 1 − z transformation (c − a − b = −0.3) and Pfaff (z < 0)
    for (const z of [0.2, 0.93, 0.999999, -0.5, -40]) close(hyp2f1(0.3, 2.5, 2.5, z), Math.pow(1 - z, -0.3), 1e-12);
    // A&S 15.1.15: ₂F₁(a, 1 − a; 3/2; sin² x) = sin((2a − 1)x) / ((2a − 1) sin x); c − a − b = ½
    for (const x of [0.4, 1.4, 1.55]) {
      const a = 0.3;
      close(hyp2f1(a, 1 - a, 1.5, Math.sin(x) ** 2), Math.sin((2 * a - 1) * x) / ((2 * a - 1) * Math.sin(x)), 1e-12);
    }
    // ₂F₁(½, ½; 3/2; z²) = arcsin(z)/z
    close(hyp2f1(0.5, 0.5, 1.5, 0.98 ** 2), Math.asin(0.98) / 0.98, 1e-12);
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
  });

  it('Gauss–Legendre with n points integrates polynomials of degree 2n − 1 exactly', () => {
    const { x, w } = gaussLegendre(12);
    let s = 0;
    for (let i = 0; i < 12; i++) s += w[i]! * x[i]! ** 22;
    close(s, 2 / 23, 1e-14);
    close(w.reduce((a, b) => a + b, 0), 2, 1e-14);
  });
});

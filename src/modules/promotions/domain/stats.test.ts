import { describe, expect, it } from 'vitest';
import { lnGamma, sample, studentTCdf, studentTQuantile, twoProportionInterval, welchInterval, Z_975 } from './stats.js';

const close = (actual: number | null, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThan(1e-9);
};

describe('Student t quantiles', () => {
  it('match the closed forms for 1, 2 and 4 degrees of freedom', () => {
    const p = 0.975;
    close(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)));
    close(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)));
    const alpha = 4 * p * (1 - p);
    const q = Math.cos(Math.acos(Math.sqrt(alpha)) / 3) / Math.sqrt(alpha);
    close(studentTQuantile(p, 4), 2 * Math.sqrt(q - 1));
  });

  it('match reference values for whole and fractional degrees of freedom (scipy.stats.t.ppf)', () => {
    close(studentTQuantile(0.975, 10), 2.228138851986274);
    close(studentTQuantile(0.975, 1.8970588235294117), 4.534322258516258);
    close(studentTQuantile(0.975, 30.5), 2.04086944518632);
    close(studentTQuantile(0.975, 200), 1.9718962236339088);
    close(studentTQuantile(0.975, 1e6), 1.959966356814107);
  });

  it('invert the CDF, and ln Γ is exact on known values', () => {
    close(studentTCdf(studentTQuantile(0.9, 7.25), 7.25), 0.9);
    close(studentTCdf(0, 3), 0.5);
    close(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)));
    close(lnGamma(1), 0);
    close(lnGamma(10), Math.log(362880));
  });
});

describe('Welch interval', () => {
  it('on equal variances and sizes: df = 2(n − 1), the half-width t(0.975, 4) × √(2/3)', () => {
    const r = welchInterval(sample([1, 2, 3]), sample([4, 5, 6]));
    const alpha = 4 * 0.975 * 0.025;
    const t4 = 2 * Math.sqrt(Math.cos(Math.acos(Math.sqrt(alpha)) / 3) / Math.sqrt(alpha) - 1);
    close(r.difference, -3);
    close(r.df, 4);
    close(r.standardError, Math.sqrt(2 / 3));
    close(r.low, -3 - t4 * Math.sqrt(2 / 3));
    close(r.high, -3 + t4 * Math.sqrt(2 / 3));
  });

  it('on unequal groups: Welch–Satterthwaite df and the interval (scipy.stats.ttest_ind(equal_var=False))', () => {
    // a: mean 96.7, variance 9,438.7; b: mean 26.25, variance 956.25 (by hand)
    const a = sample([120.5, 0, 33, 250, 80]);
    const b = sample([0, 0, 45, 60]);
    close(a.mean, 96.7);
    close(a.variance, 9438.7);
    close(b.mean, 26.25);
    close(b.variance, 956.25);
    const r = welchInterval(a, b);
    close(r.difference, 70.45);
    close(r.standardError, Math.sqrt(9438.7 / 5 + 956.25 / 4));
    const se2 = 9438.7 / 5 + 956.25 / 4;
    close(r.df, (se2 * se2) / ((9438.7 / 5) ** 2 / 4 + (956.25 / 4) ** 2 / 3));
    close(r.df, 4.970970118815181);
    close(r.low, -48.30674733411695);
    close(r.high, 189.20674733411695);
  });

  it('gives no bounds below two values a group, and a zero-width interval without variance', () => {
    expect(welchInterval(sample([5]), sample([1, 2]))).toEqual({ difference: 3.5, low: null, high: null, standardError: null, df: null });
    expect(welchInterval(sample([2, 2]), sample([1, 1]))).toEqual({ difference: 1, low: 1, high: 1, standardError: 0, df: null });
    expect(sample([])).toEqual({ n: 0, mean: 0, variance: 0 });
  });
});

describe('two-proportion interval', () => {
  it('is p1 − p2 ± z(0.975) √(p1(1−p1)/n1 + p2(1−p2)/n2)', () => {
    const r = twoProportionInterval(30, 100, 20, 100);
    const se = Math.sqrt((0.3 * 0.7) / 100 + (0.2 * 0.8) / 100); // √0.0037
    close(r.difference, 0.1);
    close(r.standardError, se);
    close(r.low, 0.1 - 1.959963984540054 * se);
    close(r.high, 0.1 + 1.959963984540054 * se);
    close(Z_975, 1.959963984540054);
  });

  it('on unequal groups, and with no bounds when a group is empty', () => {
    const r = twoProportionInterval(3, 4, 1, 2);
    close(r.difference, 0.25);
    close(r.standardError, Math.sqrt(0.1875 / 4 + 0.25 / 2));
    expect(twoProportionInterval(3, 4, 0, 0)).toEqual({ difference: 0.75, low: null, high: null, standardError: null });
  });
});

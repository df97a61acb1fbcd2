import { beforeAll, describe, expect, it } from 'vitest';
import { fitGammaGamma, gammaGammaConditionalMean, gammaGammaLogLikGrad, SpendDataError } from './gamma-gamma.js';
import type { CustomerSummary } from './summary.js';
import { cdnowSummary, gradientDiscrepancy } from './testing.js';

/** Gamma-Gamma on the CDNOW sample's repeat buyers, against Fader & Hardie (2013) and CLVTools (REFERENCE_NUMBERS.md §1). */
let summary: CustomerSummary[];
let fit: ReturnType<typeof fitGammaGamma>;

beforeAll(async () => {
  summary = await cdnowSummary();
  const buyers = summary.filter((c) => c.x > 0);
  fit = fitGammaGamma({ x: buyers.map((c) => c.x), zbar: buyers.map((c) => c.zbar) });
});

describe('Gamma-Gamma on the CDNOW sample (946 repeat buyers, mean repeat spend from the raw transactions)', () => {
  it('gives p = 6.25, q = 3.74, γ = 15.44 and LL −4055.92', () => {
    expect(fit.customers).toBe(946);
    expect(fit.params.map((v) => Number(v.toPrecision(3)))).toEqual([6.25, 3.74, 15.4]);
    expect(fit.byName.gamma!.toFixed(2)).toBe('15.44');
    expect(fit.logLik.toFixed(2)).toBe('-4055.92');
  });

  it('E(M) for customers 1..10 as in Hardie’s spreadsheet (24.65, 18.91, 35.17, …, 71.46, …) to the cent', () => {
    const want = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    const got = summary.slice(0, 10).map((c) => gammaGammaConditionalMean(fit.p, c.x, c.zbar));
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(0.005 + 1e-9));
  });

  it('the analytic gradient agrees with central differences', () => {
    const P = { p: 6.25, q: 3.74, gamma: 15.44 };
    expect(gradientDiscrepancy((p: typeof P, g?: number[]) => gammaGammaLogLikGrad(p, 3, 41.7, g), P)).toBeLessThan(1e-7);
  });

  it('refuses customers without repeat purchases or with a zero mean, naming the customer', () => {
    expect(() => fitGammaGamma({ x: [2, 0], zbar: [10, 0] })).toThrow(SpendDataError);
    expect(() => fitGammaGamma({ x: [2, 1], zbar: [10, 0] })).toThrow('customer 2');
  });
});

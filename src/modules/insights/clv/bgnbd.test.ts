import { beforeAll, describe, expect, it } from 'vitest';
import { bgnbdConditionalExpected, bgnbdExpected, bgnbdLogLikGrad, bgnbdNegLogLik, bgnbdPAlive, fitBgnbd } from './bgnbd.js';
import { aggregateTriples, type CustomerSummary } from './summary.js';
import { fittedOnCdnow, frequencyData, gradientDiscrepancy } from './testing.js';

/** BG/NBD on the CDNOW sample, against Fader, Hardie & Lee (2005) and Hardie's spreadsheet (REFERENCE_NUMBERS.md §1). */
let cd: { summary: CustomerSummary[]; fit: ReturnType<typeof fitBgnbd> };
const PUBLISHED = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

beforeAll(async () => {
  cd = await fittedOnCdnow((s) => fitBgnbd(frequencyData(s)));
});

describe('BG/NBD on the CDNOW sample (39-week calibration from the raw transactions)', () => {
  it('gives r = 0.243, α = 4.414, a = 0.793, b = 2.426 to 3 significant digits and LL −9582.4', () => {
    expect(cd.fit.converged).toBe(true);
    expect(cd.fit.params.map((v) => Number(v.toPrecision(3)))).toEqual([0.243, 4.41, 0.793, 2.43]);
    // BTYD 2.4.3 prints r 0.2425982, α 4.4136842, a 0.7929899, b 2.4261667 (LL −9582.429); to 4 digits:
    expect(cd.fit.params.map((v) => Number(v.toPrecision(4)))).toEqual([0.2426, 4.414, 0.7929, 2.426]);
    expect(cd.fit.logLik.toFixed(1)).toBe('-9582.4');
    expect(-bgnbdNegLogLik([0.243, 4.414, 0.793, 2.426], frequencyData(cd.summary)).f).toBeCloseTo(-9582.4, 0);
  });

  it('standard errors as lifetimes reports them (0.012557, 0.378221, 0.185719, 0.705345) to 3 digits', () => {
    expect(cd.fit.standardErrors.map((v) => Number(v.toPrecision(3)))).toEqual([0.0126, 0.378, 0.186, 0.705]);
  });

  it('E[X(t)] matches Hardie’s spreadsheet (0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576) to 4 decimals', () => {
    const want = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    const got = [0.1429, 1, 3, 31.8571, 32, 78].map((t) => bgnbdExpected(cd.fit.p, t));
    got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(5e-4));
  });

  it('the conditional expectation for x = 2, t_x = 30.43, T = 38.86 over 39 weeks is 1.226', () => {
    expect(bgnbdConditionalExpected(PUBLISHED, 39, 2, 30.43, 38.86).toFixed(3)).toBe('1.226');
  });

  it('P(alive) is 1 without repeat purchases and falls with the time since the last one', () => {
    expect(bgnbdPAlive(PUBLISHED, 0, 0, 38.86)).toBe(1);
    // 1/(1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) for x = 2, t_x = 30.43, T = 38.86, by hand:
    const odds = (0.793 / (2.426 + 1)) * ((4.414 + 38.86) / (4.414 + 30.43)) ** (0.243 + 2);
    expect(bgnbdPAlive(PUBLISHED, 2, 30.43, 38.86)).toBeCloseTo(1 / (1 + odds), 14);
    expect(bgnbdPAlive(PUBLISHED, 2, 10, 38.86)).toBeLessThan(bgnbdPAlive(PUBLISHED, 2, 30.43, 38.86));
  });

  it('the analytic gradient agrees with central differences of the log-likelihood', () => {
    for (const [x, tx, T] of [
      [0, 0, 38.86],
      [2, 30.43, 38.86],
      [26, 30.857, 31],
    ] as const)
      expect(gradientDiscrepancy((p: typeof PUBLISHED, g?: number[]) => bgnbdLogLikGrad(p, x, tx, T, g), PUBLISHED)).toBeLessThan(1e-7);
  });

  it('in days instead of weeks: α is 7 times larger, the others unchanged, LL lower by Σx · ln 7 (the density’s unit)', () => {
    const days = cd.summary.map((c) => ({ ...c, tx: c.tx * 7, T: c.T * 7 }));
    const f = fitBgnbd(frequencyData(days));
    expect(f.byName.alpha! / cd.fit.byName.alpha!).toBeCloseTo(7, 3);
    expect(f.byName.r).toBeCloseTo(cd.fit.byName.r!, 4);
    expect(f.byName.b).toBeCloseTo(cd.fit.byName.b!, 3);
    expect(f.logLik).toBeCloseTo(cd.fit.logLik - 2457 * Math.log(7), 4);
  });

  it('a fit on the distinct (x, t_x, T) triples with weights gives the same estimates and likelihood', () => {
    const d = frequencyData(cd.summary);
    const agg = aggregateTriples(d.x, d.tx, d.T);
    expect(agg.x.length).toBeLessThan(cd.summary.length);
    const f2 = fitBgnbd(agg);
    expect(f2.customers).toBe(2357);
    expect(f2.logLik).toBeCloseTo(cd.fit.logLik, 6);
    f2.params.forEach((v, i) => expect(v).toBeCloseTo(cd.fit.params[i]!, 4));
  });

  it('at a = 1, where (a + b − 1)/(a − 1) and the bracket both vanish, the expectations are their limits, not NaN', () => {
    const at = (a: number) => ({ r: 0.243, alpha: 4.414, a, b: 2.426 });
    for (const t of [1, 39, 78, 520]) {
      const exact = bgnbdExpected(at(1), t);
      // Symmetric difference quotients around a = 1 (the formula is smooth there): their mean agrees to O(h²).
      const around = (bgnbdExpected(at(1 + 1e-4), t) + bgnbdExpected(at(1 - 1e-4), t)) / 2;
      expect(Number.isFinite(exact)).toBe(true);
      expect(Math.abs(exact / around - 1)).toBeLessThan(1e-7);
      const cond = bgnbdConditionalExpected(at(1), t, 2, 30.43, 38.86);
      const condAround = (bgnbdConditionalExpected(at(1 + 1e-4), t, 2, 30.43, 38.86) + bgnbdConditionalExpected(at(1 - 1e-4), t, 2, 30.43, 38.86)) / 2;
      expect(Math.abs(cond / condAround - 1)).toBeLessThan(1e-7);
    }
    // Just off 1 the direct formula is still used and meets the limit: no step at the switch.
    expect(Math.abs(bgnbdExpected(at(1 + 2e-7), 39) / bgnbdExpected(at(1), 39) - 1)).toBeLessThan(1e-6);
  });
});

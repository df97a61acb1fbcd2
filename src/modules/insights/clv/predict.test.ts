import { describe, expect, it } from 'vitest';
import { clvOf, conditionalExpected, daysToNextPurchase, predictCustomers, type FrequencyModel } from './predict.js';
import type { CustomerSummary } from './summary.js';

const BG: FrequencyModel = { kind: 'bgnbd', p: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 } };
const PN: FrequencyModel = { kind: 'pareto', p: { r: 0.553, alpha: 10.58, s: 0.606, beta: 11.67 } };
const C = { x: 2, tx: 30.43, T: 38.86 };

describe('per-customer predictions', () => {
  it('CLV: undiscounted it is E(M) · E[Y(H)]; discounted, each 30-day step’s purchases at (1 + d)^(−t/365)', () => {
    for (const m of [BG, PN]) {
      expect(clvOf(m, C, 20, { period: 'week', horizonDays: 365, discountRate: 0 })).toBeCloseTo(20 * conditionalExpected(m, 365 / 7, C.x, C.tx, C.T), 12);
      // 45 days: a 30-day step and a 15-day step, by hand
      const y30 = conditionalExpected(m, 30 / 7, C.x, C.tx, C.T);
      const y45 = conditionalExpected(m, 45 / 7, C.x, C.tx, C.T);
      const want = 20 * (y30 / 1.1 ** (30 / 365) + (y45 - y30) / 1.1 ** (45 / 365));
      expect(clvOf(m, C, 20, { period: 'week', horizonDays: 45, discountRate: 0.1 })).toBeCloseTo(want, 12);
      // Days or weeks as the period: the same answer for the same days.
      const inDays = { x: C.x, tx: C.tx * 7, T: C.T * 7 };
      const pDays = m.kind === 'bgnbd' ? { ...m.p, alpha: m.p.alpha * 7 } : { ...m.p, alpha: m.p.alpha * 7, beta: (m.p as { beta: number }).beta * 7 };
      expect(clvOf({ ...m, p: pDays } as FrequencyModel, inDays, 20, { period: 'day', horizonDays: 45, discountRate: 0.1 })).toBeCloseTo(want, 10);
    }
  });

  it('days to next purchase: one purchase expected by then; null when not within ten years', () => {
    for (const m of [BG, PN]) {
      const d = daysToNextPurchase(m, { x: 26, tx: 30.86, T: 31 }, 'week')!;
      expect(conditionalExpected(m, (d - 0.01) / 7, 26, 30.86, 31)).toBeLessThan(1);
      expect(conditionalExpected(m, (d + 0.01) / 7, 26, 30.86, 31)).toBeGreaterThan(1);
    }
    // A customer who bought once long ago under Pareto/NBD: well under one purchase expected in ten years.
    expect(daysToNextPurchase(PN, { x: 0, tx: 0, T: 38.86 }, 'week')).toBeNull();
  });

  it('predictCustomers fills every field from the models (x = 0 gets the population mean value pγ/(q − 1))', () => {
    const cs: CustomerSummary[] = [
      { customerId: 'a', firstPurchase: '1997-01-01', x: 2, tx: 30.43, T: 38.86, zbar: 22.345, firstValue: 29.33, xHoldout: 0 },
      { customerId: 'b', firstPurchase: '1997-01-01', x: 0, tx: 0, T: 38.86, zbar: 0, firstValue: 10, xHoldout: 0 },
    ];
    const spend = { p: 6.25, q: 3.74, gamma: 15.44 };
    const [a, b] = predictCustomers(cs, BG, spend, { period: 'week', horizonDays: 273, discountRate: 0 });
    expect(a!.expectedPurchases.toFixed(3)).toBe('1.226'); // 39 weeks: FHL 2005's worked example
    expect(a!.expectedAvgValue).toBeCloseTo((6.25 * (15.44 + 2 * 22.345)) / (6.25 * 2 + 3.74 - 1), 12);
    expect(a!.clv).toBeCloseTo(a!.expectedPurchases * a!.expectedAvgValue, 10);
    expect(b!.pAlive).toBe(1);
    expect(b!.expectedAvgValue).toBeCloseTo((6.25 * 15.44) / 2.74, 12);
  });
});

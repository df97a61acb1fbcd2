import { describe, expect, it } from 'vitest';
import { auc, brier, calibration, evaluate } from './metrics.js';

/** P(churner > non-churner) over every pair, ties ½: the definition the rank formula must equal. */
const pairwise = (s: number[], y: number[]) => {
  let wins = 0;
  let pairs = 0;
  s.forEach((a, i) =>
    s.forEach((b, j) => {
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        wins += a > b ? 1 : a === b ? 0.5 : 0;
      }
    }),
  );
  return wins / pairs;
};

describe('churn evaluation', () => {
  it('AUC: the textbook example, ties counted half, and the pairwise definition', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    // Pairs (0.5|0.5) ½, (0.5|0.2) 1, (0.9|0.5) 1, (0.9|0.2) 1 → 3.5 / 4.
    expect(auc([0.5, 0.5, 0.2, 0.9], [1, 0, 0, 1])).toBe(0.875);
    expect(auc([0.3, 0.3, 0.3], [1, 0, 1])).toBe(0.5);
    const s = [0.2, 0.7, 0.7, 0.1, 0.9, 0.4, 0.4, 0.4, 0.6, 0.05];
    const y = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0];
    expect(auc(s, y)).toBeCloseTo(pairwise(s, y), 15);
    expect(auc([0.1, 0.2], [1, 1])).toBeNull();
  });

  it('Brier score and ten calibration bins', () => {
    expect(brier([0.9, 0.2, 0.5], [1, 0, 1])).toBeCloseTo((0.01 + 0.04 + 0.25) / 3, 15);
    const bins = calibration([0.05, 0.08, 0.55, 1, 0.95], [0, 1, 1, 1, 0]);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toEqual({ from: 0, to: 0.1, customers: 2, predicted: (0.05 + 0.08) / 2, observed: 0.5 });
    expect(bins[5]).toEqual({ from: 0.5, to: 0.6, customers: 1, predicted: 0.55, observed: 1 });
    expect(bins[9]).toEqual({ from: 0.9, to: 1, customers: 2, predicted: 0.975, observed: 0.5 });
    expect(bins[3]).toEqual({ from: 0.3, to: 0.4, customers: 0, predicted: null, observed: null });
    expect(evaluate([0.05, 0.08, 0.55, 1, 0.95], [0, 1, 1, 1, 0])).toMatchObject({ customers: 5, churners: 3 });
  });
});

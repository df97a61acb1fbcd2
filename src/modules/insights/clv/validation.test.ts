import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitBgnbd } from './bgnbd.js';
import { fitParetoNbd } from './pareto-nbd.js';
import { conditionalExpected, expectedRepeats, type FrequencyModel } from './predict.js';
import type { CustomerSummary, PurchaseLog } from './summary.js';
import { CDNOW_DIR, CDNOW_SAMPLE_READ, cdnowSummary, frequencyData } from './testing.js';
import { readTransactions } from './transactions-file.js';
import { validate } from './validation.js';

/** Calibration vs holdout on CDNOW: the actual side is pure data (published in the BTYD walkthrough's "act" row). */
let summary: CustomerSummary[];
let log: PurchaseLog;
let models: FrequencyModel[];

beforeAll(async () => {
  summary = await cdnowSummary();
  log = (await readTransactions(path.join(CDNOW_DIR, 'CDNOW_sample.txt'), CDNOW_SAMPLE_READ)).log;
  models = [
    { kind: 'bgnbd', p: fitBgnbd(frequencyData(summary)).p },
    { kind: 'pareto', p: fitParetoNbd(frequencyData(summary)).p },
  ];
});

describe('validation report on the CDNOW sample (calibration to 1997-09-30, holdout to 1998-06-30)', () => {
  it('actual holdout means by frequency 0..6, 7+ are the published 0.237 … 6.359 with their customer counts', () => {
    for (const m of models) {
      const v = validate(m, summary, log, { calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30', period: 'week' });
      expect(v.holdoutPeriods).toBe(39);
      expect(v.byFrequency.map((b) => b.customers)).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
      expect(v.byFrequency.map((b) => b.actual.toFixed(3))).toEqual(['0.237', '0.697', '1.393', '1.560', '2.532', '2.947', '3.862', '6.359']);
      expect(v.totals.actual).toBe(1882);
      expect(v.tracking).toHaveLength(78);
      expect(v.tracking[38]!.actual).toBe(2457);
      expect(v.tracking[77]!.actual).toBe(4339);
    }
  });

  it('the predicted side is the models’ expectations: bucket means, totals, MAE and tracking add up', () => {
    for (const m of models) {
      const v = validate(m, summary, log, { calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30', period: 'week' });
      const e = summary.map((c) => conditionalExpected(m, 39, c.x, c.tx, c.T));
      expect(v.totals.predicted).toBeCloseTo(e.reduce((a, b) => a + b, 0), 8);
      expect(v.byFrequency[0]!.predicted).toBeCloseTo(e.filter((_, i) => summary[i]!.x === 0).reduce((a, b) => a + b, 0) / 1411, 12);
      expect(v.mae).toBeCloseTo(e.reduce((a, p, i) => a + Math.abs(p - summary[i]!.xHoldout), 0) / 2357, 12);
      // Week 39 ends on the calibration end, so its expected cumulative count is Σ E[X(Tᵢ)].
      expect(v.tracking[38]!.predicted).toBeCloseTo(summary.reduce((a, c) => a + expectedRepeats(m, c.T), 0), 8);
      // Repeat buyers buy more in the holdout under any sensible fit: the predicted means rise with frequency.
      for (let i = 1; i < 8; i++) expect(v.byFrequency[i]!.predicted).toBeGreaterThan(v.byFrequency[i - 1]!.predicted);
    }
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { readTransactions } from './transactions-file.js';
import { summarize, type CustomerSummary } from './summary.js';

/** The committed CDNOW fixtures (tests/fixtures/cdnow), for the tests of this folder. */
export const CDNOW_DIR = path.resolve(import.meta.dirname, '../../../../tests/fixtures/cdnow');

/** Read options of the 2,357-customer sample: whitespace, no header, the columns of BTYD's cdnowElog. */
export const CDNOW_SAMPLE_READ = {
  customerCol: 'sampleid',
  dateCol: 'date',
  amountCol: 'sales',
  format: 'whitespace' as const,
  header: false,
  columns: ['masterid', 'sampleid', 'date', 'cds', 'sales'],
  timeZone: 'UTC',
};

/** The sample's summary built from the raw transactions: 39-week calibration to 1997-09-30, holdout to 1998-06-30. */
export async function cdnowSummary(): Promise<CustomerSummary[]> {
  const { log } = await readTransactions(path.join(CDNOW_DIR, 'CDNOW_sample.txt'), CDNOW_SAMPLE_READ);
  return summarize(log, { calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30', period: 'week' });
}

/** BTYD's calibration/holdout table of the sample: sampleid, x, t.x, T.cal, x.star, m.x. */
export function btydCbs(): number[][] {
  return fs
    .readFileSync(path.join(CDNOW_DIR, 'btyd_cdnow_cbs.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',').map(Number));
}

/** The summary of the sample and a model fitted on it (for the model tests' set-up). */
export async function fittedOnCdnow<F>(fit: (s: CustomerSummary[]) => F): Promise<{ summary: CustomerSummary[]; fit: F }> {
  const summary = await cdnowSummary();
  return { summary, fit: fit(summary) };
}

/** Columns of a summary as the frequency models read them. */
export function frequencyData(s: CustomerSummary[]) {
  return { x: s.map((c) => c.x), tx: s.map((c) => c.tx), T: s.map((c) => c.T) };
}

/**
 * The analytic gradient of a per-customer log-likelihood against central differences in each named parameter
 * (step `rel` of the parameter): the largest discrepancy, relative to max(1, |difference quotient|).
 */
export function gradientDiscrepancy<P extends Record<string, number>>(ll: (p: P, grad?: number[]) => number, p: P, rel = 1e-6): number {
  const g = Object.keys(p).map(() => 0);
  ll(p, g);
  let worst = 0;
  Object.keys(p).forEach((k, i) => {
    const h = rel * p[k]!;
    const fd = (ll({ ...p, [k]: p[k]! + h }) - ll({ ...p, [k]: p[k]! - h })) / (2 * h);
    worst = Math.max(worst, Math.abs(g[i]! - fd) / Math.max(1, Math.abs(fd)));
  });
  return worst;
}

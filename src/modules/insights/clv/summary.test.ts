import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addTransaction, aggregateTriples, cumulativeRepeatsByWeek, dayNumber, summarize, type PurchaseLog } from './summary.js';
import { btydCbs, CDNOW_DIR, CDNOW_SAMPLE_READ, cdnowSummary } from './testing.js';
import { readTransactions } from './transactions-file.js';

describe('customer summary from transactions', () => {
  it('reproduces BTYD’s x, t_x, T, holdout x* and mean repeat spend for all 2,357 CDNOW customers from the raw file', async () => {
    const s = await cdnowSummary();
    const cbs = btydCbs();
    expect(s).toHaveLength(2357);
    s.forEach((c, i) => {
      const [id, x, tx, T, xStar, mx] = cbs[i]!;
      expect(Number(c.customerId)).toBe(id);
      expect(c.x).toBe(x);
      expect(c.xHoldout).toBe(xStar);
      expect(Math.abs(c.tx - tx!)).toBeLessThan(1e-9);
      expect(Math.abs(c.T - T!)).toBeLessThan(1e-9);
      expect(Math.abs(c.zbar - mx!)).toBeLessThan(1e-9);
    });
    expect(s.reduce((a, c) => a + c.x, 0)).toBe(2457);
    expect(s.reduce((a, c) => a + c.xHoldout, 0)).toBe(1882);
    expect(s.filter((c) => c.x > 0)).toHaveLength(946);
  });

  it('reproduces BTYD’s cumulative repeat-transaction tracking, week 1..78 (2,457 at week 39, 4,339 at 78)', async () => {
    const s = await cdnowSummary();
    const { log } = await readTransactions(path.join(CDNOW_DIR, 'CDNOW_sample.txt'), CDNOW_SAMPLE_READ);
    const got = cumulativeRepeatsByWeek(log, s.map((c) => c.customerId), dayNumber('1997-01-01'), 78);
    const want = fs
      .readFileSync(path.join(CDNOW_DIR, 'btyd_cdnow_cu_tracking.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    expect(got).toEqual(want);
  });

  it('counts one purchase per customer and day (values added), in days or weeks, and leaves out later customers', () => {
    const log: PurchaseLog = new Map();
    const add = (c: string, d: string, v: number) => addTransaction(log, c, dayNumber(d), v);
    add('a', '2024-01-01', 10);
    add('a', '2024-01-08', 5);
    add('a', '2024-01-08', 7); // same day: one purchase of 12
    add('a', '2024-01-15', 30);
    add('a', '2024-02-10', 99); // holdout
    add('b', '2024-01-29', 20);
    add('c', '2024-02-05', 1); // first purchase after the calibration end
    const days = summarize(log, { calibrationEnd: '2024-01-29', holdoutEnd: '2024-02-29', period: 'day' });
    expect(days.map((c) => [c.customerId, c.x, c.tx, c.T, c.zbar, c.xHoldout])).toEqual([
      ['a', 2, 14, 28, 21, 1],
      ['b', 0, 0, 0, 0, 0],
    ]);
    const weeks = summarize(log, { calibrationEnd: '2024-01-29', period: 'week' });
    expect(weeks[0]).toMatchObject({ x: 2, tx: 2, T: 4, firstValue: 10, xHoldout: 0 });
  });

  it('aggregates identical triples with their counts', () => {
    const a = aggregateTriples([0, 1, 0, 1, 0], [0, 2, 0, 2, 0], [5, 5, 5, 5, 6]);
    expect(Array.from(a.x)).toEqual([0, 1, 0]);
    expect(Array.from(a.T)).toEqual([5, 5, 6]);
    expect(Array.from(a.weight)).toEqual([2, 2, 1]);
  });
});

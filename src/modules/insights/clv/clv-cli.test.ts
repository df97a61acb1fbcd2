import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kemaiDev } from '../../../../tests/support/kemai-process.js';
import { CDNOW_DIR } from './testing.js';

/** `kemai clv fit|validate|predict --from FILE` on the CDNOW sample, and its refusals. */
let tmp: string;
const kemai = (...args: string[]) =>
  kemaiDev(['clv', ...args], { env: { ...process.env, KEMAI_LOG_LEVEL: 'silent' } });
const SAMPLE = ['--from', path.join(CDNOW_DIR, 'CDNOW_sample.txt'), '--format', 'whitespace', '--no-header', '--columns', 'masterid,sampleid,date,cds,sales', '--customer-col', 'sampleid', '--date-col', 'date', '--amount-col', 'sales'];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-clv-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('kemai clv', () => {
  it('fit --json on the CDNOW sample gives the published parameters, and validation with --holdout-end', async () => {
    const r = await kemai('fit', ...SAMPLE, '--calibration-end', '19970930', '--holdout-end', '1998-06-30', '--model', 'bgnbd,ggamma', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ customers: 2357, repeatBuyers: 946, rowsRead: 6919, calibrationStart: '1997-01-01', calibrationEnd: '1997-09-30', period: 'week' });
    const b = out.models.bgnbd.params;
    expect([b.r, b.alpha, b.a, b.b].map((v: number) => Number(v.toPrecision(3)))).toEqual([0.243, 4.41, 0.793, 2.43]);
    expect(out.models.bgnbd.logLik.toFixed(1)).toBe('-9582.4');
    const g = out.models.ggamma.params;
    expect([g.p, g.q, g.gamma].map((v: number) => v.toFixed(2))).toEqual(['6.25', '3.74', '15.44']);
    expect(out.validation.bgnbd.byFrequency.map((x: { actual: number }) => x.actual.toFixed(3))).toEqual(['0.237', '0.697', '1.393', '1.560', '2.532', '2.947', '3.862', '6.359']);
    expect(out.validation.ggamma).toBeUndefined();
  });

  it('predict writes one row per customer with the required columns (Pareto/NBD: customer 1516 alive 0.99787)', async () => {
    const file = path.join(tmp, 'pred.csv');
    const r = await kemai('predict', ...SAMPLE, '--calibration-end', '1997-09-30', '--model', 'pareto', '--horizon-days', '364', '--discount-rate', '0', '--out', file, '--json');
    expect(r.status, r.stderr).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('customer_id,frequency,recency,T,p_alive,expected_purchases,expected_avg_value,clv,expected_days_to_next_purchase');
    expect(lines).toHaveLength(2358);
    const row = lines.find((l) => l.startsWith('1516,'))!.split(',').map(Number);
    expect(row[1]).toBe(26);
    expect(row[4]).toBeCloseTo(0.997874, 5);
    // Without discounting CLV is expected purchases × expected value.
    expect(row[7]).toBeCloseTo(row[5]! * row[6]!, 4);
    expect(JSON.parse(r.stdout)).toMatchObject({ customers: 2357, model: 'pareto', horizonDays: 364, discountRate: 0 });
  });

  it('refuses bad input naming the line and column, and bad options with exit code 2', async () => {
    fs.writeFileSync(path.join(tmp, 'bad.csv'), 'who,when,paid\nu1,2024-01-01,5\nu1,2024-13-01,5\n');
    const cases: Array<[string[], number, string[]]> = [
      [['fit', '--from', path.join(tmp, 'bad.csv'), '--customer-col', 'who', '--date-col', 'when', '--amount-col', 'paid'], 1, ['bad.csv: line 3: when is not a date (YYYY-MM-DD or YYYYMMDD): "2024-13-01"']],
      [['fit', '--from', path.join(CDNOW_DIR, 'CDNOW_sample.txt'), '--customer-col', 'sampleid', '--date-col', 'date', '--amount-col', 'sales'], 1, ['line 2: no column sampleid', '--no-header and --columns']],
      [['fit', ...SAMPLE, '--period', 'month'], 2, ['--period: one of day, week, got month']],
      [['validate', ...SAMPLE, '--calibration-end', '1997-09-30'], 2, ['validate needs --calibration-end and --holdout-end']],
      [['fit', ...SAMPLE, '--calibration-end', '1997-09-31'], 2, ['--calibration-end: not a date']],
      [['predict', ...SAMPLE, '--horizon-days', '0', '--out', path.join(tmp, 'x.csv')], 2, ['--horizon-days: a whole number of days from 1, got 0']],
    ];
    for (const [args, status, messages] of cases) {
      const r = await kemai(...args);
      expect(r.status, args.join(' ')).toBe(status);
      for (const m of messages) expect(r.stderr).toContain(m);
    }
    expect(fs.existsSync(path.join(tmp, 'x.csv'))).toBe(false);
    // Six CLI start-ups: give a loaded two-core machine time.
  }, 180_000);
});

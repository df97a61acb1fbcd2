import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kemaiDev } from '../../../../tests/support/kemai-process.js';

/** `kemai rfm --from FILE`: CSV and NDJSON give the same scores; bad input names the line and the column. */
let tmp: string;
const kemai = (...args: string[]) =>
  kemaiDev(args, { env: { ...process.env, KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_LOG_LEVEL: 'silent' } });

// Three customers; u3's second row is a guest row (no customer); ties in frequency (u1 and u3 bought twice).
const ROWS = [
  { user: 'u1', day: '2026-03-01', paid: '100.00' },
  { user: 'u1', day: '2026-03-20', paid: '50.50' },
  { user: 'u2', day: '2026-01-05T10:00:00+08:00', paid: '20' },
  { user: 'u3', day: '2026-03-30 18:00', paid: '300' },
  { user: 'u3', day: '2026-02-01', paid: '10' },
  { user: '', day: '2026-03-30', paid: '999' },
];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-rfm-cli-'));
  fs.writeFileSync(path.join(tmp, 'p.csv'), `user,day,paid\n${ROWS.map((r) => `${r.user},${r.day},${r.paid}`).join('\n')}\n`);
  fs.writeFileSync(path.join(tmp, 'p.data'), `${ROWS.map((r) => JSON.stringify(r)).join('\n')}\n`);
  fs.writeFileSync(path.join(tmp, 'bad.csv'), 'user,day,paid\nu1,2026-03-01,100\nu2,01/03/2026,5\n');
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('kemai rfm --from FILE', () => {
  it('scores a CSV file, and an NDJSON file found by its content, the same way', async () => {
    const args = ['--customer-col', 'user', '--date-col', 'day', '--amount-col', 'paid', '--as-of', '2026-03-31', '--json'];
    const csv = await kemai('rfm', '--from', path.join(tmp, 'p.csv'), ...args);
    expect(csv.status, csv.stderr).toBe(0);
    const out = JSON.parse(csv.stdout);
    expect(out).toMatchObject({ asOf: '2026-03-31', customers: 3, rowsRead: 6, rowsUsed: 5, skipped: { rule: 0, guest: 1 } });
    // recency u1 11, u2 85, u3 1 → strictly worse 1, 0, 2 → R 2, 1, 4 (1 + floor(5·worse/3));
    // frequency 2, 1, 2 → F 2, 1, 2 (the tie shares 1 + floor(5·1/3) = 2); monetary 15050, 2000, 31000 → M 2, 1, 4.
    expect(out.rows.map((r: { customerId: string; recencyDays: number; r: number; f: number; m: number; valueClass: string; segment: string }) => [r.customerId, r.recencyDays, r.r, r.f, r.m, r.valueClass, r.segment])).toEqual([
      ['u1', 11, 2, 2, 2, 'low_value', 'about_to_sleep'],
      ['u2', 85, 1, 1, 1, 'low_value', 'lost'],
      ['u3', 1, 4, 2, 4, 'potential', 'loyal'],
    ]);
    const nd = await kemai('rfm', '--from', path.join(tmp, 'p.data'), ...args);
    expect(nd.status, nd.stderr).toBe(0);
    expect(JSON.parse(nd.stdout).rows).toEqual(out.rows);
  });

  it('refuses a bad date naming the line and the column, and a bad option', async () => {
    const bad = await kemai('rfm', '--from', path.join(tmp, 'bad.csv'), '--customer-col', 'user', '--date-col', 'day', '--amount-col', 'paid');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('line 3: day is not a date');
    const opt = await kemai('rfm', '--from', path.join(tmp, 'p.csv'), '--customer-col', 'user', '--date-col', 'day', '--amount-col', 'paid', '--window-days', '0');
    expect(opt.status).toBe(2);
    expect(opt.stderr).toContain('--window-days');
    const col = await kemai('rfm', '--from', path.join(tmp, 'p.csv'), '--customer-col', 'who', '--date-col', 'day', '--amount-col', 'paid');
    expect(col.stderr).toContain('line 2: no column who');
    fs.writeFileSync(path.join(tmp, 'long.csv'), 'user,day,paid\nu1,2026-03-01,100\nu2,2026-03-02,5,extra\n');
    const long = await kemai('rfm', '--from', path.join(tmp, 'long.csv'), '--customer-col', 'user', '--date-col', 'day', '--amount-col', 'paid');
    expect(long.status).toBe(1);
    expect(long.stderr).toContain('got 4 on line 3');
  });
});
